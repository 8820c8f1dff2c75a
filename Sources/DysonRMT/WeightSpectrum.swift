import DysonCore
import Foundation

/// The empirical spectral density of one weight matrix and what is measured on it, as
/// `dyson spectrum` reports it: the eigenvalues of X = WᵀW for the short side of W (or, for
/// `symmetric`, of the square symmetric matrix itself), an MP fit, the power-law tail, norms and
/// ranks, the mean spacing ratio, and the comparison with W shuffled. A convolution kernel is
/// analysed as WeightWatcher does: its kh·kw slices pool their eigenvalues.
public struct WeightSpectrum: Sendable {
  /// Whose definitions the measures follow.
  public enum Conventions: String, Sendable, CaseIterable, Codable {
    /// Textbook forms: the MP fit of (σ², A) on the eigenvalues as they are, the power-law fit of
    /// `PowerLawTail`, ranks and entropy over the resolved eigenvalues, the shuffled distance on
    /// log₁₀ x.
    case dyson
    /// WeightWatcher 0.7.7's (`WeightWatcher`): kernels scaled by √½, its power-law fit, its
    /// automatic MP fit for `num_spikes` and `mp_softrank` (and `sigma_mp`), its `rand_distance`
    /// and entropy.
    case weightWatcher = "weightwatcher"
  }

  /// Dyson's or WeightWatcher's conventions (the enum above).
  public let conventions: Conventions
  /// The long side M of one matrix (for `symmetric`, M = N = size).
  public let rows: Int
  /// The short side N ≤ M: eigenvalues per matrix.
  public let columns: Int
  /// How many matrices pooled their eigenvalues (kh·kw for a convolution kernel, else 1).
  public let slices: Int
  /// Eigenvalues, ascending (with WeightWatcher's conventions, a kernel's are scaled by ½).
  public let eigenvalues: [Double]
  /// Dyson's MP fit of (σ², A); nil when it could not be made (`marchenkoPasturStatus` says why).
  public let marchenkoPastur: MarchenkoPasturFit?
  /// "fitted", or why there is no MP fit.
  public let marchenkoPasturStatus: String
  /// WeightWatcher's own MP fit (its conventions only).
  public let weightWatcherFit: WeightWatcher.MarchenkoPasturFit?
  /// The power-law fit of the eigenvalues' upper tail; nil with too few eigenvalues.
  public let powerLaw: PowerLawTail?
  /// ‖W‖₂ = largest singular value (symmetric: largest |λ|).
  public let spectralNorm: Double
  /// ‖W‖²_F/‖W‖²₂ (symmetric: Σλ²/max λ²).
  public let stableRank: Double
  /// ⟨r̃⟩ of the eigenvalues, averaged over the slices' ratios (pooling independent spectra would
  /// erase their repulsion); NaN when fewer than 3 levels.
  public let ratioMean: Double
  /// Eigenvalues above `rankTolerance`.
  public let matrixRank: Int
  /// x resolved from zero: σ above σ_max·M·ε (NumPy's `matrix_rank`), and for matrices whose
  /// eigenvalues come from the Gram matrix (short side above 64) x above x_max·M·ε too, the
  /// accuracy of that route (smaller x are rounding noise of forming WᵀW).
  public let rankTolerance: Double
  /// Spectral entropy, 1 when every eigenvalue is equal, 0 for rank one. Dyson: −Σ pᵢ ln pᵢ /
  /// ln(rank) with pᵢ = xᵢ/Σx over the x above `rankTolerance` (so it is at most 1);
  /// WeightWatcher's: `WeightWatcher.entropy`.
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
  /// Eigenvalues outside the MP bulk (`num_spikes`): above the fitted x₊ (Dyson), or
  /// WeightWatcher's count above its bulk edge plus a Tracy–Widom margin.
  public var spikes: Int? {
    switch conventions {
    case .dyson: marchenkoPastur.map { fit in eigenvalues.filter { $0 > fit.law.upperEdge }.count }
    case .weightWatcher: weightWatcherFit?.spikes
    }
  }
  /// The bulk edge over λ_max (`mp_softrank`): 1 for a pure bulk, → 0 as a spike dominates.
  public var mpSoftRank: Double? {
    switch conventions {
    case .dyson: marchenkoPastur.map { $0.law.upperEdge / lambdaMax }
    case .weightWatcher: weightWatcherFit?.softRank
    }
  }

  /// Analyses a weight matrix W (any orientation). `randomSeed`: shuffle W's entries from this
  /// seed and compare; nil skips it.
  public init(weights w: Matrix<Double>, conventions: Conventions = .dyson, randomSeed: UInt64? = 0) throws {
    try self.init(slices: [w], kernel: false, conventions: conventions, randomSeed: randomSeed)
  }

  /// How a convolution kernel's four dimensions are stored (row-major).
  public enum KernelLayout: String, Sendable, CaseIterable, Codable {
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
  public init(kernel values: [Double], shape: [Int], layout: KernelLayout = .oihw, conventions: Conventions = .dyson,
              randomSeed: UInt64? = 0) throws {
    precondition(shape.count == 4 && shape.reduce(1, *) == values.count, "WeightSpectrum: a kernel has 4 dimensions")
    let (out, inputs, taps) = layout.dimensions(shape)
    // OIHW: T[o, c, t] at (o·in + c)·taps + t; HWIO: T[t, c, o] at (t·in + c)·out + o.
    let slices = (0..<taps).map { t in
      Matrix<Double>(rows: out, columns: inputs) { o, c in
        layout == .oihw ? values[(o * inputs + c) * taps + t] : values[(t * inputs + c) * out + o]
      }
    }
    try self.init(slices: slices, kernel: true, conventions: conventions, randomSeed: randomSeed)
  }

  init(slices matrices: [Matrix<Double>], kernel: Bool, conventions: Conventions, randomSeed: UInt64?) throws {
    let m = max(matrices[0].rows, matrices[0].columns), n = min(matrices[0].rows, matrices[0].columns)
    let scale = kernel && conventions == .weightWatcher ? WeightWatcher.convolutionEigenvalueScale : 1
    let perSlice = try matrices.map { try Self.squaredSingularValues($0).map { $0 * scale } }
    let x = perSlice.flatMap { $0 }.sorted()
    self.conventions = conventions
    rows = m
    columns = n
    slices = matrices.count
    eigenvalues = x
    let top = x.last ?? 0
    spectralNorm = top.squareRoot()
    stableRank = top > 0 ? x.reduce(0, +) / top : 0
    (marchenkoPastur, marchenkoPasturStatus) = SpectralFit.marchenkoPasturWithStatus(x, rows: m, columns: n)
    weightWatcherFit = conventions == .weightWatcher ? WeightWatcher.marchenkoPastur(x, long: m, short: n) : nil
    powerLaw = conventions == .weightWatcher ? WeightWatcher.powerLaw(x) : PowerLawTail(x)
    ratioMean = Self.meanRatio(perSlice.map { $0.sorted() })
    let numpy = WeightWatcher.rankTolerance(lambdaMax: top, long: m)
    let gramRoute = n > SingularValueDecomposition.jacobiMaximumRank
    rankTolerance = max(numpy, gramRoute ? top * Double(m) * Double.ulpOfOne : 0)
    let tolerance = rankTolerance
    matrixRank = x.filter { $0 > tolerance }.count
    entropy = conventions == .weightWatcher ? WeightWatcher.entropy(x, rank: matrixRank)
      : Self.entropy(x.filter { $0 > tolerance })
    randomized = try randomSeed.map { seed in
      try RandomizedSpectrum(slices: matrices, original: x, seed: seed, conventions: conventions, eigenvalueScale: scale)
    }
  }

  /// Analyses a square symmetric matrix as the operator itself (no MP fit: that law is for WᵀW;
  /// Dyson's definitions whatever the conventions, as WeightWatcher has none for this case).
  public init(symmetric a: Matrix<Double>) throws {
    let lambda = try SymmetricEigen(a).eigenvalues
    conventions = .dyson
    rows = a.rows
    columns = a.columns
    slices = 1
    eigenvalues = lambda
    let top = lambda.map(abs).max() ?? 0
    spectralNorm = top
    stableRank = top > 0 ? lambda.reduce(0) { $0 + $1 * $1 } / (top * top) : 0
    marchenkoPastur = nil
    marchenkoPasturStatus = "not defined for a symmetric operator"
    weightWatcherFit = nil
    powerLaw = PowerLawTail(lambda)
    ratioMean = Self.meanRatio([lambda])
    // Eigenvalues of A itself are accurate to ≈ n·ε·‖A‖.
    rankTolerance = top * Double(a.rows) * Double.ulpOfOne
    let tolerance = rankTolerance
    matrixRank = lambda.filter { abs($0) > tolerance }.count
    entropy = Self.entropy(lambda.map(abs).filter { $0 > tolerance })
    randomized = nil
  }

  /// σ² of one matrix, either orientation, descending: one-sided Jacobi for a short side up to 64
  /// (every σ to high relative accuracy), else the eigenvalues of the short side's Gram matrix
  /// (see `SingularValueDecomposition`). `eigenvalues(of:)` gives them ascending.
  static func squaredSingularValues(_ w: Matrix<Double>) throws -> [Double] {
    try SingularValueDecomposition(w).singularValues.map { $0 * $0 }
  }

  /// The eigenvalues of WᵀW for the short side of W, ascending: what every measure here starts from.
  public static func eigenvalues(of w: Matrix<Double>) throws -> [Double] {
    try squaredSingularValues(w).reversed()
  }

  static func meanRatio(_ spectra: [[Double]]) -> Double {
    let r = spectra.flatMap { SpacingRatio.ratios($0) }
    return r.isEmpty ? .nan : mean(r)
  }

  /// −Σ p ln p / ln(count) with p = x/Σx over `x` (all > 0); one value (or none) gives 0.
  static func entropy(_ x: [Double]) -> Double {
    let total = x.reduce(0, +)
    guard total > 0, x.count > 1 else { return 0 }
    let h = x.reduce(0.0) { s, v in v > 0 ? s - (v / total) * log(v / total) : s }
    return h / log(Double(x.count))
  }
}
