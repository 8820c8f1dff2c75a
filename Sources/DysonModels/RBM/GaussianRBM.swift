import DysonCore
import Foundation

/// The Gaussian (scalar-field) restricted Boltzmann machine (science notes §2.1):
///   S(φ, h) = ½μ²φᵀφ + (h − η)ᵀ(h − η)/(2σ_h²) − φᵀWh,   W of shape N_v × N_h,
/// with conditionals h|φ ~ N(η + σ_h²Wᵀφ, σ_h²) and φ|h ~ N(Wh/μ², 1/μ²), and marginal
/// p(φ) ∝ exp(−½φᵀKφ + (Wη)ᵀφ), K = μ² − σ_h²WWᵀ, which exists only while K is positive definite.
public struct GaussianRBM: Sendable {
  /// W, N_v × N_h.
  public var weights: Matrix<Double>
  public var mu2: Double
  public var sigmaH: Double
  /// η, the hidden bias (N_h values).
  public var hiddenBias: [Double]

  public var visible: Int { weights.rows }
  public var hidden: Int { weights.columns }

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

public enum RBMError: Error, CustomStringConvertible, Equatable {
  case notPositiveDefinite(largestX: Double, mu2: Double)
  case diverged(step: Int, alpha: Double, batch: Int, seed: UInt64)

  public var description: String {
    switch self {
    case let .notPositiveDefinite(x, mu2):
      "the RBM has no marginal: K = μ² − σ_h²WWᵀ is not positive definite (largest x = \(x) ≥ μ² = \(mu2)); lower the learning rate or raise μ²"
    case let .diverged(step, alpha, batch, seed):
      "training diverged (NaN/Inf) at update \(step) with alpha = \(alpha), batch = \(batch), seed = \(seed)"
    }
  }
}
