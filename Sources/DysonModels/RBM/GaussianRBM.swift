import DysonCore
import Foundation

/// The Gaussian (scalar-field) restricted Boltzmann machine (Docs/Science.md §2.1):
///   S(φ, h) = ½μ²φᵀφ + (h − η)ᵀ(h − η)/(2σ_h²) − φᵀWh,   W of shape N_v × N_h,
/// with conditionals h|φ ~ N(η + σ_h²Wᵀφ, σ_h²) and φ|h ~ N(Wh/μ², 1/μ²), and marginal
/// p(φ) ∝ exp(−½φᵀKφ + (Wη)ᵀφ), K = μ² − σ_h²WWᵀ, which exists only while K is positive definite.
public struct GaussianRBM: Sendable {
  /// W, N_v × N_h.
  public var weights: Matrix<Double>
  /// μ², the visible units' mass.
  public var mu2: Double
  /// σ_h, the hidden units' standard deviation.
  public var sigmaH: Double
  /// η, the hidden bias (N_h values).
  public var hiddenBias: [Double]

  /// N_v.
  public var visible: Int { weights.rows }
  /// N_h.
  public var hidden: Int { weights.columns }

  /// A machine with these parameters; η defaults to zeros.
  public init(weights: Matrix<Double>, mu2: Double, sigmaH: Double, hiddenBias: [Double]? = nil) {
    self.weights = weights
    self.mu2 = mu2
    self.sigmaH = sigmaH
    self.hiddenBias = hiddenBias ?? [Double](repeating: 0, count: weights.columns)
  }

  /// K = μ²·1 − σ_h²WWᵀ (N_v × N_v).
  public var kernel: Matrix<Double> {
    let wwt = try! Matrix.product(weights, .normal, weights, .transposed)  // shapes agree by construction
    return Matrix(rows: visible, columns: visible) { i, j in (i == j ? mu2 : 0) - sigmaH * sigmaH * wwt[i, j] }
  }

  /// Eigenvalues of X = σ_h²WᵀW, ascending: the spectrum the papers follow (K has μ² − xᵢ).
  public func spectrum() throws -> [Double] {
    let s = try SingularValueDecomposition(weights).singularValues
    return s.map { sigmaH * sigmaH * $0 * $0 }.sorted()
  }

  /// Throws unless K is positive definite (every xᵢ < μ²).
  public func checkPositiveDefinite() throws {
    let x = try spectrum()
    if let top = x.last, !(top < mu2) { throw RBMError.notPositiveDefinite(largestX: top, mu2: mu2) }
  }

  /// Exact samples of the marginal N(0, K⁻¹) (η = 0), one per row. With WᵀW = VΛVᵀ (eigenvalues ν),
  ///   K^{-1/2} = 1/μ + W V f(Λ) Vᵀ Wᵀ,  f(ν) = ((μ² − σ_h²ν)^{-1/2} − 1/μ)/ν
  /// (K's eigenvectors outside W's column space have eigenvalue μ²), so φ = K^{-1/2}y costs
  /// O(N_v·N_h) per sample after one N_h × N_h eigendecomposition.
  public func samples(_ count: Int, using rng: inout Xoshiro256StarStar) throws -> Matrix<Double> {
    try checkPositiveDefinite()
    let s2 = sigmaH * sigmaH, mu = mu2.squareRoot()
    let wtw = try Matrix.product(weights, .transposed, weights, .normal)   // ν = singular values²
    let f = try SymmetricEigen(wtw, vectors: true).applying { nu in
      let t = s2 * max(nu, 0)
      // For tiny ν the difference cancels; its series is σ_h²/(2μ³)(1 + 3t/(4μ²)).
      if t < 1e-6 * mu2 { return s2 / (2 * mu2 * mu) * (1 + 0.75 * t / mu2) }
      return (1 / (mu2 - t).squareRoot() - 1 / mu) / max(nu, .leastNormalMagnitude)
    }
    let y = Matrix<Double>.gaussian(rows: count, columns: visible, mean: 0, standardDeviation: 1, using: &rng)
    // Rows: φᵀ = yᵀ/μ + yᵀ W f Wᵀ.
    let projected = try Matrix.product(try Matrix.product(y, weights), f)
    var phi = try Matrix.product(projected, .normal, weights, .transposed)
    try phi.add(y, scaledBy: 1 / mu)
    return phi
  }

  /// Eigenvalues of the model's covariance K⁻¹, descending: 1/(μ² − xᵢ) for the N_h learned
  /// modes, then 1/μ² for the N_v − N_h modes outside W's column space.
  public func covarianceSpectrum() throws -> [Double] {
    let learned = try spectrum().map { 1 / (mu2 - $0) }
    return (learned + [Double](repeating: 1 / mu2, count: visible - hidden)).sorted(by: >)
  }

  /// The exact log-likelihood per sample of data with second moment ⟨φφᵀ⟩ = `dataCovariance`
  /// (η = 0): L = −½ tr(K Σ) + ½ log det K − (N_v/2) log 2π.
  public func logLikelihood(dataCovariance sigma: Matrix<Double>) throws -> Double {
    let k = kernel
    let lambda = try SymmetricEigen(k).eigenvalues
    guard let lowest = lambda.first, lowest > 0 else { throw RBMError.notPositiveDefinite(largestX: mu2 - (lambda.first ?? 0), mu2: mu2) }
    var trace = 0.0
    for i in 0..<visible { for j in 0..<visible { trace += k[i, j] * sigma[j, i] } }
    return -0.5 * trace + 0.5 * lambda.reduce(0) { $0 + log($1) } - 0.5 * Double(visible) * log(2 * Double.pi)
  }

  /// ∂L/∂W = σ_h²(Σ − K⁻¹)W, the exact gradient (η = 0).
  /// Derivation: ∂(−½tr KΣ) = σ_h²ΣW since ∂K = −σ_h²(dW Wᵀ + W dWᵀ); ∂(½ log det K) = ½tr(K⁻¹∂K) = −σ_h²K⁻¹W.
  public func exactGradient(dataCovariance sigma: Matrix<Double>) throws -> Matrix<Double> {
    let e = try SymmetricEigen(kernel, vectors: true)
    guard let lowest = e.eigenvalues.first, lowest > 0 else { throw RBMError.notPositiveDefinite(largestX: mu2 - (e.eigenvalues.first ?? 0), mu2: mu2) }
    let kInverse = e.applying { 1 / $0 }
    var difference = sigma
    try difference.add(kInverse, scaledBy: -1)
    return try Matrix.product(difference, weights).map { $0 * sigmaH * sigmaH }
  }
}

/// Why an RBM cannot be used or trained on.
public enum RBMError: Error, CustomStringConvertible, Equatable {
  /// K = μ² − σ_h²WWᵀ is not positive definite: some x reached μ².
  case notPositiveDefinite(largestX: Double, mu2: Double)
  /// W stopped being finite at update `step`, with these hyperparameters.
  case diverged(step: Int, alpha: Double, batch: Int, seed: UInt64)
  /// Data or a saved state the trainer cannot take, in one line.
  case invalidData(String)
  /// The eigensolver failed on W (a run is then excluded like a diverged one).
  case spectrumFailed(String)

  public var description: String {
    switch self {
    case let .notPositiveDefinite(x, mu2):
      "the RBM has no marginal: K = μ² − σ_h²WWᵀ is not positive definite (largest x = \(x) ≥ μ² = \(mu2)); lower the learning rate or raise μ²"
    case let .diverged(step, alpha, batch, seed):
      "training diverged (NaN/Inf) at update \(step) with alpha = \(alpha), batch = \(batch), seed = \(seed)"
    case let .invalidData(reason):
      "unusable training data: \(reason)"
    case let .spectrumFailed(reason):
      "the spectrum of W could not be computed (\(reason))"
    }
  }
}
