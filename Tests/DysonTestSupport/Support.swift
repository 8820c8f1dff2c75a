// Shared helpers for every test bundle: closeness with explicit tolerances, central
// differences, seeded fixtures.
import DysonCore

/// |a − b| ≤ absolute + relative·max(|a|, |b|).
public func isClose<T: BinaryFloatingPoint>(_ a: T, _ b: T, relative: T = 0, absolute: T = 0) -> Bool {
  abs(a - b) <= absolute + relative * max(abs(a), abs(b))
}

/// (f(h) − f(−h)) / 2h: the central difference of `f` at 0, error O(h²) + O(ε·|f|/h).
public func centralDifference(step h: Double, _ f: (Double) -> Double) -> Double {
  (f(h) - f(-h)) / (2 * h)
}

/// A random symmetric n×n matrix (GOE-like) from the stream (seed, n).
public func randomSymmetric(_ n: Int, seed: UInt64) -> Matrix<Double> {
  let g = Matrix<Double>.gaussian(rows: n, columns: n, seed: seed, stream: UInt64(n))
  return (g + g.transposed()) * 0.5
}

/// max |A − B| over all elements (same shapes required).
public func maxDifference<T: DysonScalar>(_ a: Matrix<T>, _ b: Matrix<T>) -> T {
  precondition(a.shape == b.shape, "maxDifference: \(a.shape) vs \(b.shape)")
  return zip(a.elements, b.elements).reduce(T(0)) { max($0, abs($1.0 - $1.1)) }
}

/// ‖QᵀQ − I‖ max-norm for a matrix with orthonormal columns.
public func orthogonalityError(_ q: Matrix<Double>) -> Double {
  maxDifference(try! Matrix.product(q, .transposed, q, .normal), Matrix<Double>.identity(q.columns))
}
