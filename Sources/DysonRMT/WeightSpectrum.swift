import DysonCore
import Foundation

/// The empirical spectral density of one weight matrix and what is measured on it, as
/// `dyson spectrum` reports it: the eigenvalues of X = WᵀW with W oriented so that N ≤ M (or, for
/// `symmetric`, of the square symmetric matrix itself), an MP fit, the power-law tail, norms and
/// ranks, the mean spacing ratio, and the comparison with W shuffled. A convolution kernel is
/// analysed as WeightWatcher does: its kh·kw slices (out × in each) pool their eigenvalues.
public struct WeightSpectrum: Sendable {
  /// Rows M ≥ columns N of one matrix after orientation (for `symmetric`, M = N = size).
  public let rows: Int
  public let columns: Int
  /// How many matrices pooled their eigenvalues (kh·kw for a convolution kernel, else 1).
  public let slices: Int
  /// Eigenvalues, ascending.
  public let eigenvalues: [Double]
  public let marchenkoPastur: MarchenkoPasturFit?
  public let powerLaw: PowerLawTail?
  /// ‖W‖₂ = largest singular value (symmetric: largest |λ|).
  public let spectralNorm: Double
  /// ‖W‖²_F/‖W‖²₂ (symmetric: Σλ²/max λ²).
  public let stableRank: Double
  /// ⟨r̃⟩ of the eigenvalues, averaged over the slices' ratios (pooling independent spectra would
  /// erase their repulsion); NaN when fewer than 3 levels.
  public let ratioMean: Double
  /// Singular values above σ_max·M·ε (NumPy's `matrix_rank` tolerance, ε of the stored precision).
  public let matrixRank: Int
  /// Spectral entropy −Σ pᵢ ln pᵢ / ln(rank), pᵢ = xᵢ/Σx: 1 when every eigenvalue is equal, 0 for rank one.
  public let entropy: Double
  /// Shuffled-W comparison (nil for `symmetric` or when not asked for).
  public let randomized: RandomizedSpectrum?

  /// The largest eigenvalue of WᵀW, σ²_max: what WeightWatcher calls the spectral norm.
  public var lambdaMax: Double { eigenvalues.last ?? 0 }
  /// WeightWatcher's log-norm, log₁₀ Σx = log₁₀ ‖W‖²_F.
  public var logNorm: Double { log10(eigenvalues.reduce(0, +)) }
  /// log₁₀ λ_max.
  public var logSpectralNorm: Double { log10(lambdaMax) }
  /// α̂ = α·log₁₀ λ_max (WeightWatcher's `alpha_weighted`); nil without a power-law fit.
  public var alphaWeighted: Double? { powerLaw.map { $0.alpha * logSpectralNorm } }
  /// log₁₀ Σ xᵢ^α, the Schatten α-norm of X = WᵀW raised to α (WeightWatcher's `log_alpha_norm`).
  public var logAlphaNorm: Double? { powerLaw.map { p in log10(eigenvalues.reduce(0) { $0 + pow(max($1, 0), p.alpha) }) } }
  /// WeightWatcher's `warning`, from its reading of the tail exponent: "over-trained" below α = 2
  /// (a tail heavier than the very heavy-tailed phase's), "under-trained" above α = 6 (hardly a
  /// tail); "" between, nil without a power-law fit. Heuristics, reported as WeightWatcher does.
  public var trainingWarning: String? {
    powerLaw.map { $0.alpha < 2 ? "over-trained" : $0.alpha > 6 ? "under-trained" : "" }
  }
  /// Eigenvalues above the fitted MP edge x₊ (WeightWatcher's `num_spikes`).
  public var spikes: Int? { marchenkoPastur.map { fit in eigenvalues.filter { $0 > fit.law.upperEdge }.count } }
  /// x₊/λ_max of the MP fit (WeightWatcher's `mp_softrank`): 1 for a pure bulk, → 0 as a spike dominates.
  public var mpSoftRank: Double? { marchenkoPastur.map { $0.law.upperEdge / lambdaMax } }

  /// Analyses a weight matrix W (any orientation). `precision`: the ε of the stored numbers, for
  /// the rank tolerance. `randomSeed`: shuffle W from this seed and compare; nil skips it.
  public init(weights w: Matrix<Double>, precision: Double = Double.ulpOfOne, randomSeed: UInt64? = 0) throws {
    try self.init(slices: [w], precision: precision, randomSeed: randomSeed)
  }

  /// How a convolution kernel's four dimensions are stored (row-major).
  public enum KernelLayout: String, Sendable, CaseIterable {
    /// out × in × kh × kw: PyTorch's `Conv2d.weight`.
    case oihw
    /// kh × kw × in × out: Keras' and TensorFlow's `Conv2D` kernel.
    case hwio

    /// (out, in, kh·kw) of a kernel of this layout and shape.
    public func dimensions(_ shape: [Int]) -> (out: Int, inputs: Int, taps: Int) {
      switch self {
      case .oihw: (shape[0], shape[1], shape[2] * shape[3])
      case .hwio: (shape[3], shape[2], shape[0] * shape[1])
      }
    }
  }

  /// Analyses a convolution kernel: the kh·kw matrices W_ij[o, c] (out × in, whatever the
  /// layout, so that both layouts of one kernel give the same results to the bit) pool their
  /// eigenvalues.
  public init(kernel values: [Double], shape: [Int], layout: KernelLayout = .oihw, precision: Double = Double.ulpOfOne,
              randomSeed: UInt64? = 0) throws {
    precondition(shape.count == 4 && shape.reduce(1, *) == values.count, "WeightSpectrum: a kernel has 4 dimensions")
    let (out, inputs, taps) = layout.dimensions(shape)
    // OIHW: T[o, c, t] at (o·in + c)·taps + t; HWIO: T[t, c, o] at (t·in + c)·out + o.
    let slices = (0..<taps).map { t in
      Matrix<Double>(rows: out, columns: inputs) { o, c in
        layout == .oihw ? values[(o * inputs + c) * taps + t] : values[(t * inputs + c) * out + o]
      }
    }
    try self.init(slices: slices, precision: precision, randomSeed: randomSeed)
  }

  init(slices matrices: [Matrix<Double>], precision: Double, randomSeed: UInt64?) throws {
    let oriented = matrices.map { $0.rows >= $0.columns ? $0 : $0.transposed() }
    let m = oriented[0].rows, n = oriented[0].columns
    // Singular values of W itself keep the small eigenvalues accurate; x = σ².
    let sigmas = try oriented.map { try SingularValueDecomposition($0).singularValues }
    let x = sigmas.flatMap { $0.map { $0 * $0 } }.sorted()
    rows = m
    columns = n
    slices = oriented.count
    eigenvalues = x
    spectralNorm = sigmas.flatMap { $0 }.max() ?? 0
    stableRank = spectralNorm > 0 ? x.reduce(0, +) / (spectralNorm * spectralNorm) : 0
    marchenkoPastur = n >= 4 ? try? SpectralFit.marchenkoPastur(x, rows: m, columns: n) : nil
    powerLaw = PowerLawTail(x)
    ratioMean = Self.meanRatio(sigmas.map { $0.map { $0 * $0 } })
    let tolerance = spectralNorm * Double(m) * precision
    matrixRank = sigmas.reduce(0) { $0 + $1.filter { $0 > tolerance }.count }
    entropy = Self.entropy(x, rank: matrixRank)
    randomized = try randomSeed.map { try RandomizedSpectrum(slices: oriented, original: x, seed: $0) }
  }

  /// Analyses a square symmetric matrix as the operator itself (no MP fit: that law is for WᵀW).
  public init(symmetric a: Matrix<Double>, precision: Double = Double.ulpOfOne) throws {
    let lambda = try SymmetricEigen(a).eigenvalues
    rows = a.rows
    columns = a.columns
    slices = 1
    eigenvalues = lambda
    let top = lambda.map(abs).max() ?? 0
    spectralNorm = top
    stableRank = top > 0 ? lambda.reduce(0) { $0 + $1 * $1 } / (top * top) : 0
    marchenkoPastur = nil
    powerLaw = PowerLawTail(lambda)
    ratioMean = Self.meanRatio([lambda])
    let tolerance = top * Double(a.rows) * precision
    matrixRank = lambda.filter { abs($0) > tolerance }.count
    entropy = Self.entropy(lambda.map(abs), rank: matrixRank)
    randomized = nil
  }

  static func meanRatio(_ spectra: [[Double]]) -> Double {
    let r = spectra.flatMap { SpacingRatio.ratios($0) }
    return r.isEmpty ? .nan : r.reduce(0, +) / Double(r.count)
  }

  /// −Σ p ln p / ln(rank) with p = x/Σx; a rank of one (or less) gives 0, as ln 1 would divide by zero.
  static func entropy(_ x: [Double], rank: Int) -> Double {
    let total = x.reduce(0, +)
    guard total > 0, rank > 1 else { return 0 }
    let h = x.reduce(0.0) { s, v in v > 0 ? s - (v / total) * log(v / total) : s }
    return h / log(Double(rank))
  }
}
