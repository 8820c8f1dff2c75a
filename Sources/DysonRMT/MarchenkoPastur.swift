import Foundation

/// The Marchenko–Pastur law (Marchenko & Pastur, Math. USSR-Sbornik 1(4), 1967) for the
/// eigenvalues x of X = WᵀW, where W is M×N (N ≤ M) with i.i.d. entries of variance σ².
///
/// With r = N/M ≤ 1 the density is
///   P(x) = √((x₊ − x)(x − x₋)) / (2π σ² M r x)   for x₋ < x < x₊,   x± = Mσ²(1 ± √r)²,
/// and 0 elsewhere; it integrates to 1, with mean Mσ² and variance M²σ⁴ r. (For N > M, WᵀW has
/// N − M zero eigenvalues: take the N ≤ M orientation, or WWᵀ.) Convention of Docs/Science.md §1.3.
public struct MarchenkoPastur: Sendable, Hashable, Codable {
  /// Rows M (the long side).
  public let rows: Int
  /// Columns N ≤ M.
  public let columns: Int
  /// Entry variance σ².
  public let variance: Double

  /// The law of the eigenvalues of WᵀW for an M × N matrix W (N ≤ M) of i.i.d. entries of variance σ².
  public init(rows: Int, columns: Int, variance: Double) {
    precondition(rows >= 1 && columns >= 1 && columns <= rows, "MarchenkoPastur: need 1 ≤ N ≤ M, got M=\(rows) N=\(columns)")
    precondition(variance > 0 && variance.isFinite, "MarchenkoPastur: variance must be finite and > 0, got \(variance)")
    self.rows = rows
    self.columns = columns
    self.variance = variance
  }

  /// r = N/M.
  public var ratio: Double { Double(columns) / Double(rows) }
  /// x₋ = Mσ²(1 − √r)².
  public var lowerEdge: Double { Double(rows) * variance * (1 - ratio.squareRoot()) * (1 - ratio.squareRoot()) }
  /// x₊ = Mσ²(1 + √r)².
  public var upperEdge: Double { Double(rows) * variance * (1 + ratio.squareRoot()) * (1 + ratio.squareRoot()) }
  /// ⟨x⟩ = Mσ².
  public var mean: Double { Double(rows) * variance }
  /// Var x = M²σ⁴r.
  public var varianceOfEigenvalues: Double { mean * mean * ratio }

  /// The density P(x); 0 outside (x₋, x₊).
  public func density(_ x: Double) -> Double {
    guard x > lowerEdge, x < upperEdge else { return 0 }
    return ((upperEdge - x) * (x - lowerEdge)).squareRoot() / (2 * Double.pi * variance * Double(rows) * ratio * x)
  }
}
