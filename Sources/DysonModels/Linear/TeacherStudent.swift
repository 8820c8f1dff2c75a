import DysonCore
import Foundation

/// The linear teacher–student model with induced noise of 2407.16427 (Docs/Science.md §3): a 2×2
/// student W learns y = W_t x, W_t = κ·1, from a fixed data set by sequential mini-batch SGD on
///   L = ½⟨|y − Wx|²⟩,  −∂L/∂W = (W_t − W)xxᵀ  (∂/∂W of ½|(W_t − W)x|² is −(W_t − W)xxᵀ),
/// with a fixed symmetric GOE-like matrix A_b added per sample (off-diagonal N(0, ns²), diagonal
/// N(0, 2ns²)):  W ← W + α·mean_{b∈B}[(W_t − W)x_b x_bᵀ + A_b].
/// With a fixed second layer Z (2412.20496, Docs/Science.md §4) the network is y = ZWx, the teacher
/// ZW_t x, and −∂L/∂W = ZᵀZ(W_t − W)xxᵀ (L = ½|Z(W_t − W)x|²): Z = 1 is the model above.
public struct TeacherStudentConfiguration: Codable, Sendable, Equatable {
  /// The learning rate α.
  public var alpha = 0.1
  /// |B|, samples per mini-batch.
  public var batch = 16
  /// ns, the strength of the induced noise.
  public var noise = 0.1
  /// Passes over the data set.
  public var epochs = 10
  /// Mini-batches per pass (the data set holds batch · batchesPerEpoch samples).
  public var batchesPerEpoch = 500
  /// κ: the teacher is κ·1 (O·diag(κ, κ)·Oᵀ for any orthogonal O).
  public var teacher = 2.0
  /// Standard deviation of the student's initial entries.
  public var initialScale = 0.1
  /// The fixed second layer Z, row-major 2×2 (identity: the plain teacher–student model).
  public var z = [1.0, 0.0, 0.0, 1.0]
  /// Record the squared singular values after each of the first this many updates (0: none).
  public var recordUpdates = 0

  /// The paper's settings (the defaults above).
  public init() {}

  /// σ_pred = √(α·ns²/|B|), the scale of the stationary fluctuations (Docs/Science.md §3).
  public var predictedSigma: Double { (alpha * noise * noise / Double(batch)).squareRoot() }
}

/// The data of one configuration: 500·|B| inputs x ~ N(0, 1₂), drawn once and shared by all seeds,
/// kept as what the update needs — each mini-batch's second moment Σ_j = mean_b x_b x_bᵀ (sequential
/// batches, no shuffling, so batch j is the same every epoch) — and the full-data moment for the loss.
public struct TeacherStudentData: Sendable {
  /// Σ_j as (Σ₁₁, Σ₁₂, Σ₂₂, 0), one per batch.
  public let batchMoments: [SIMD4<Double>]
  /// The full-data moment, same layout. (An array, not a SIMD4 field: a 32-byte-aligned stored
  /// property in a value that async code holds corrupted the task allocator in debug builds.)
  public let moment: [Double]

  /// The data set of configuration `c`, drawn from `seed` (stream 0xDA7A): every student of an ensemble sees the same data.
  public init(_ c: TeacherStudentConfiguration, seed: UInt64) {
    var rng = Xoshiro256StarStar(seed: seed, stream: 0xDA7A)
    var moments: [SIMD4<Double>] = []
    var total = SIMD4<Double>.zero
    for _ in 0..<c.batchesPerEpoch {
      var m = SIMD4<Double>.zero
      for _ in 0..<c.batch {
        let x1 = rng.normal(), x2 = rng.normal()
        m += SIMD4(x1 * x1, x1 * x2, x2 * x2, 0)
      }
      total += m
      moments.append(m / Double(c.batch))
    }
    batchMoments = moments
    let mean = total / Double(c.batch * c.batchesPerEpoch)
    moment = [mean.x, mean.y, mean.z, 0]
  }
}

/// One student trained to the end. The batch means of the A_b are drawn directly: the mean of |B|
/// independent GOE-like matrices is GOE-like with variances divided by |B|, and as batches are
/// sequential and the A_b fixed, each batch's mean is fixed for the whole training — the same law
/// as drawing every A_b, at 1/|B| of the normals.
public struct TeacherStudentRun: Sendable {
  /// W row-major (w₁₁, w₁₂, w₂₁, w₂₂) at the end (an array for the reason given at `moment`).
  public let weights: [Double]
  /// Singular values ξ₁ ≤ ξ₂ of W (not squared).
  public let singularValues: (Double, Double)
  /// L = ½·mean over samples and components of (y − Wx)² on the full data (Z = 1; with Z, of Z(W_t − W)x).
  public let finalLoss: Double
  /// x₁ ≤ x₂ (squared singular values) after updates 0, 1, …, recordUpdates, flattened.
  public let trajectory: [Double]

  /// Trains one student from stream `stream` of `seed` on `data`; throws when it diverges.
  public init(_ c: TeacherStudentConfiguration, data: TeacherStudentData, seed: UInt64, stream: UInt64) throws {
    var rng = Xoshiro256StarStar(seed: seed, stream: stream)
    var w = SIMD4(rng.normal(), rng.normal(), rng.normal(), rng.normal()) * c.initialScale
    let scale = c.noise / Double(c.batch).squareRoot()
    let noise: [SIMD4<Double>] = (0..<c.batchesPerEpoch).map { _ in
      let off = scale * rng.normal()
      return SIMD4(2.squareRoot() * scale * rng.normal(), off, off, 2.squareRoot() * scale * rng.normal())
    }
    let kappa = c.teacher
    // M = ZᵀZ (symmetric: m.x m.y; m.y m.w).
    let z = c.z
    let m = SIMD4(z[0] * z[0] + z[2] * z[2], z[0] * z[1] + z[2] * z[3], 0, z[1] * z[1] + z[3] * z[3])
    let plain = z == [1, 0, 0, 1]
    var record: [Double] = []
    func recordNow() {
      let (a, b) = Self.singularValues(w)
      record += [a * a, b * b]
    }
    if c.recordUpdates > 0 { recordNow() }
    for epoch in 0..<c.epochs {
      for j in 0..<c.batchesPerEpoch {
        let s = data.batchMoments[j]
        // D = W_t − W; G = DΣ_j (Σ_j symmetric: s.x s.y; s.y s.z); ΔW = α(MG + Ā_j).
        let d = SIMD4(kappa - w.x, -w.y, -w.z, kappa - w.w)
        var gradient = SIMD4(d.x * s.x + d.y * s.y, d.x * s.y + d.y * s.z, d.z * s.x + d.w * s.y, d.z * s.y + d.w * s.z)
        if !plain {
          gradient = SIMD4(m.x * gradient.x + m.y * gradient.z, m.x * gradient.y + m.y * gradient.w,
                           m.y * gradient.x + m.w * gradient.z, m.y * gradient.y + m.w * gradient.w)
        }
        w += c.alpha * (gradient + noise[j])
        if record.count < 2 * (c.recordUpdates + 1) { recordNow() }
        // w·0 is NaN exactly when an entry is ±∞ or NaN.
        guard (w * 0).sum() == 0 else {
          throw TeacherStudentError.diverged(stream: stream, step: epoch * c.batchesPerEpoch + j + 1, alpha: c.alpha, batch: c.batch, noise: c.noise)
        }
      }
    }
    weights = [w.x, w.y, w.z, w.w]
    singularValues = Self.singularValues(w)
    trajectory = record
    // L = ½·½ tr(DΣDᵀ) with Σ the full-data moment (mean over the two output components).
    // E = Z(W_t − W); L = ¼ tr(EΣEᵀ) with Σ the full-data moment.
    let d = SIMD4(kappa - w.x, -w.y, -w.z, kappa - w.w), sigma = data.moment
    let e = SIMD4(z[0] * d.x + z[1] * d.z, z[0] * d.y + z[1] * d.w, z[2] * d.x + z[3] * d.z, z[2] * d.y + z[3] * d.w)
    let row1 = e.x * e.x * sigma[0] + 2 * e.x * e.y * sigma[1] + e.y * e.y * sigma[2]
    let row2 = e.z * e.z * sigma[0] + 2 * e.z * e.w * sigma[1] + e.w * e.w * sigma[2]
    finalLoss = 0.25 * (row1 + row2)
  }

  /// Singular values of a 2×2 (a b; c d), ascending: ξ₂ ± ξ₁ = √((a ± d)² + (c ∓ b)²).
  public static func singularValues(_ m: SIMD4<Double>) -> (Double, Double) {
    let sum = ((m.x + m.w) * (m.x + m.w) + (m.z - m.y) * (m.z - m.y)).squareRoot()
    let difference = ((m.x - m.w) * (m.x - m.w) + (m.z + m.y) * (m.z + m.y)).squareRoot()
    return (0.5 * abs(sum - difference), 0.5 * (sum + difference))
  }
}

/// Why a student stopped.
public enum TeacherStudentError: Error, CustomStringConvertible, Equatable {
  /// The student's weights stopped being finite at `step`, with these hyperparameters.
  case diverged(stream: UInt64, step: Int, alpha: Double, batch: Int, noise: Double)
  public var description: String {
    switch self {
    case let .diverged(stream, step, alpha, batch, noise):
      "run \(stream) diverged (NaN/Inf) at update \(step) with alpha = \(alpha), batch = \(batch), noise = \(noise)"
    }
  }
}
