import DysonCore
import Foundation

/// The empirical spectral density of one weight matrix and what is measured on it, as
/// `dyson spectrum` reports it: the eigenvalues of X = WᵀW with W oriented so that N ≤ M (or, for
/// `symmetric`, of the square symmetric matrix itself), an MP fit, the power-law tail, the
/// spectral norm, the stable rank and the mean spacing ratio.
public struct WeightSpectrum: Sendable {
  /// Rows M ≥ columns N after orientation (for `symmetric`, M = N = size).
  public let rows: Int
  public let columns: Int
  /// Eigenvalues, ascending.
  public let eigenvalues: [Double]
  public let marchenkoPastur: MarchenkoPasturFit?
  public let powerLaw: PowerLawTail?
  /// ‖W‖₂ = largest singular value (symmetric: largest |λ|).
  public let spectralNorm: Double
  /// ‖W‖²_F/‖W‖²₂ (symmetric: Σλ²/max λ²).
  public let stableRank: Double
  /// ⟨r̃⟩ of the eigenvalues (NaN when fewer than 3).
  public let ratioMean: Double

  /// Analyses a weight matrix W (any orientation).
  public init(weights w: Matrix<Double>) throws {
    let oriented = w.rows >= w.columns ? w : w.transposed()
    let m = oriented.rows, n = oriented.columns
    // Singular values of W itself keep the small eigenvalues accurate; x = σ².
    let sigma = try SingularValueDecomposition(oriented).singularValues
    let x = sigma.map { $0 * $0 }.sorted()
    rows = m
    columns = n
    eigenvalues = x
    spectralNorm = sigma.max() ?? 0
    let frobenius2 = x.reduce(0, +)
    stableRank = spectralNorm > 0 ? frobenius2 / (spectralNorm * spectralNorm) : 0
    marchenkoPastur = n >= 4 ? try? SpectralFit.marchenkoPastur(x, rows: m, columns: n) : nil
    powerLaw = PowerLawTail(x)
    let r = SpacingRatio.ratios(x)
    ratioMean = r.isEmpty ? .nan : r.reduce(0, +) / Double(r.count)
  }

  /// Analyses a square symmetric matrix as the operator itself (no MP fit: that law is for WᵀW).
  public init(symmetric a: Matrix<Double>) throws {
    let lambda = try SymmetricEigen(a).eigenvalues
    rows = a.rows
    columns = a.columns
    eigenvalues = lambda
    let top = lambda.map(abs).max() ?? 0
    spectralNorm = top
    stableRank = top > 0 ? lambda.reduce(0) { $0 + $1 * $1 } / (top * top) : 0
    marchenkoPastur = nil
    powerLaw = PowerLawTail(lambda)
    let r = SpacingRatio.ratios(lambda)
    ratioMean = r.isEmpty ? .nan : r.reduce(0, +) / Double(r.count)
  }
}
