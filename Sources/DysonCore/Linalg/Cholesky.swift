/// A = L·Lᵀ for a symmetric positive definite n × n matrix: the one Cholesky factorisation of the
/// project (fits' normal equations and covariances, the RBM's target sampler). Row by row,
/// L_ij = (A_ij − Σ_{k<j} L_ik·L_jk) / L_jj and L_ii = √(A_ii − Σ_{k<i} L_ik²); (n³/3 flops).
/// `KStepTransition.choleskyUpper` is the same recurrence on SIMD lanes of four runs.
public struct Cholesky: Sendable, Equatable {
  /// The order of the factored matrix.
  public let n: Int
  /// L, row-major n × n, zeros above the diagonal.
  public let lower: [Double]

  /// Factors `a` (row-major n × n; only its lower triangle is read). Nil when `a` is not
  /// positive definite: a pivot that is ≤ 0, NaN or infinite.
  public init?(_ a: [Double], n: Int) {
    precondition(a.count == n * n, "Cholesky: \(a.count) elements for \(n) × \(n)")
    var l = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      for j in 0...i {
        var s = a[i * n + j]
        for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
        if i == j {
          guard s > 0, s.isFinite else { return nil }
          l[i * n + i] = s.squareRoot()
        } else {
          l[i * n + j] = s / l[j * n + j]
        }
      }
    }
    self.n = n
    lower = l
  }

  /// x with A·x = b: forward substitution L·z = b, then back substitution Lᵀ·x = z.
  public func solve(_ b: [Double]) -> [Double] {
    precondition(b.count == n, "Cholesky.solve: \(b.count) values for n = \(n)")
    var z = b
    for i in 0..<n {
      for k in 0..<i { z[i] -= lower[i * n + k] * z[k] }
      z[i] /= lower[i * n + i]
    }
    for i in stride(from: n - 1, through: 0, by: -1) {
      for k in (i + 1)..<n { z[i] -= lower[k * n + i] * z[k] }
      z[i] /= lower[i * n + i]
    }
    return z
  }

  /// A⁻¹, row-major, one solve per column.
  public func inverse() -> [Double] {
    var inverse = [Double](repeating: 0, count: n * n)
    for c in 0..<n {
      var e = [Double](repeating: 0, count: n)
      e[c] = 1
      for (r, x) in solve(e).enumerated() { inverse[r * n + c] = x }
    }
    return inverse
  }
}
