/// Why a decomposition refused its input or stopped.
public enum LinalgError: Error, Equatable, CustomStringConvertible {
  /// The matrix has a NaN or an infinity (at the first such element).
  case nonFinite(row: Int, column: Int)
  /// An eigen-decomposition needs a square matrix.
  case notSquare(rows: Int, columns: Int)
  /// |A_ij − A_ji| exceeds the tolerance (relative to max |A|) at (row, column).
  case notSymmetric(row: Int, column: Int, difference: Double)
  /// The iteration did not converge (reported rather than looping).
  case noConvergence(method: String, iterations: Int)

  public var description: String {
    switch self {
    case let .nonFinite(r, c): "matrix has a non-finite element at (\(r), \(c))"
    case let .notSquare(r, c): "eigen-decomposition needs a square matrix, got \(r)×\(c)"
    case let .notSymmetric(r, c, d): "matrix is not symmetric: |A[\(r),\(c)] − A[\(c),\(r)]| = \(d)"
    case let .noConvergence(m, n): "\(m) did not converge in \(n) iterations"
    }
  }
}

extension Matrix {
  /// Throws `.nonFinite` at the first NaN or infinity.
  func checkFinite() throws(LinalgError) {
    if let i = storage.firstIndex(where: { !$0.isFinite }) {
      throw .nonFinite(row: i / Swift.max(columns, 1), column: i % Swift.max(columns, 1))
    }
  }
}
