// Eigenvalues and eigenvectors of a real symmetric matrix, A = V Λ Vᵀ.
//
// Goals, in order: (1) small residual ‖AV − VΛ‖ ≤ c·n·ε·‖A‖ and orthonormal V for every input,
// degenerate and rank-deficient spectra included (the RBM's target has four degenerate pairs);
// (2) never loop or crash: NaN/Inf, non-square and non-symmetric input throw; (3) speed.
//
// Two methods, chosen by size (`Method.automatic`):
// - Cyclic Jacobi (JacobiEigen.swift). Advantages: small eigenvalues to high *relative* accuracy
//   for definite matrices (Demmel & Veselić, SIAM J. Matrix Anal. Appl. 13(4), 1992); simple.
//   Disadvantages: O(n³) per sweep and ~6–10 sweeps, column access in row-major storage.
// - Householder tridiagonalisation + implicit QL with Wilkinson shifts (TridiagonalEigen.swift).
//   Advantages: (4/3)n³ flops for eigenvalues, +~3n³ with vectors; stride-1 SIMD row kernels.
//   Disadvantages: only absolute accuracy ε·‖A‖ for small eigenvalues.
// Speed alone never picks Jacobi: `dyson-bench eigen` measured QL faster at every size
// (eigenvalues, n = 8: 0.004 vs 0.008 ms; n = 12: 0.007 vs 0.022 ms). `.automatic` still uses
// Jacobi up to n = 12, where it costs < 0.02 ms, for its relative accuracy on the small definite
// matrices of the RBM and teacher–student studies (N = 10 and 2).

/// The eigen-decomposition of a symmetric matrix, eigenvalues in ascending order (as numpy's `eigh`).
public struct SymmetricEigen: Sendable {
  public enum Method: String, Sendable, CaseIterable {
    case automatic, jacobi, tridiagonalQL
  }

  /// Ascending eigenvalues λ₀ ≤ λ₁ ≤ … ≤ λₙ₋₁.
  public let eigenvalues: [Double]
  /// Column i is the unit eigenvector of λᵢ; nil unless requested.
  public let eigenvectors: Matrix<Double>?

  /// Largest n for which `.automatic` uses Jacobi.
  public static let jacobiMaximumSize = 12

  /// Relative asymmetry max|A − Aᵀ| / max|A| above which the input is rejected.
  public static let symmetryTolerance = 1e-10

  /// Decomposes `a` (any `DysonScalar`; computed in Double). Only the lower triangle is used
  /// once `a` has passed the symmetry check.
  /// - Throws: `LinalgError` for NaN/Inf, non-square or non-symmetric input.
  /// - Complexity: O(n³).
  public init<Scalar: DysonScalar>(_ a: Matrix<Scalar>, vectors: Bool = false, method: Method = .automatic) throws(LinalgError) {
    let a = Scalar.self == Double.self ? a as! Matrix<Double> : a.converted(to: Double.self)
    guard a.isSquare else { throw .notSquare(rows: a.rows, columns: a.columns) }
    try a.checkFinite()
    let n = a.rows
    let scale = a.maxAbs()
    for i in 0..<n {
      for j in 0..<i {
        let d = abs(a[i, j] - a[j, i])
        if d > SymmetricEigen.symmetryTolerance * scale { throw .notSymmetric(row: i, column: j, difference: d) }
      }
    }
    let useJacobi = method == .jacobi || (method == .automatic && n <= SymmetricEigen.jacobiMaximumSize)
    let (values, vectorsT) = useJacobi
      ? try jacobiEigen(a, vectors: vectors)
      : try tridiagonalEigen(a, vectors: vectors)
    // Sort ascending; vectorsT holds eigenvectors as rows, the result as columns.
    let order = values.indices.sorted { values[$0] < values[$1] }
    eigenvalues = order.map { values[$0] }
    if let vt = vectorsT {
      eigenvectors = Matrix(rows: n, columns: n) { i, j in vt[order[j] * n + i] }
    } else {
      eigenvectors = nil
    }
  }
}

/// Eigenvalues of a symmetric matrix, ascending (numpy's `eigvalsh`).
public func eigenvaluesSymmetric<Scalar: DysonScalar>(_ a: Matrix<Scalar>) throws(LinalgError) -> [Double] {
  try SymmetricEigen(a).eigenvalues
}

extension SymmetricEigen {
  /// Decomposes the symmetric tridiagonal matrix with `diagonal` d and `offDiagonal` e
  /// (e[i] couples i and i + 1, e.count = d.count − 1) by implicit QL directly: O(n²) for the
  /// eigenvalues, where the dense route would spend (4/3)n³ on a reduction that is already done.
  /// Used for Hamiltonians on a grid (Fokker–Planck, Schrödinger).
  public init(tridiagonal diagonal: [Double], offDiagonal: [Double], vectors: Bool = false) throws(LinalgError) {
    let n = diagonal.count
    guard offDiagonal.count == max(0, n - 1) else { throw .notSquare(rows: n, columns: offDiagonal.count + 1) }
    guard diagonal.allSatisfy(\.isFinite), offDiagonal.allSatisfy(\.isFinite) else { throw .nonFinite(row: 0, column: 0) }
    var d = diagonal
    var e = offDiagonal + [0]
    var z = [Double](repeating: 0, count: vectors ? n * n : 0)
    if vectors { for i in 0..<n { z[i * n + i] = 1 } }
    if n > 0 { try implicitQL(&d, &e, rowsOf: &z, n: n, vectors: vectors) }
    let order = d.indices.sorted { d[$0] < d[$1] }
    eigenvalues = order.map { d[$0] }
    eigenvectors = vectors ? Matrix(rows: n, columns: n) { i, j in z[order[j] * n + i] } : nil
  }
}

extension SymmetricEigen {
  /// f(A) = V f(Λ) Vᵀ from a decomposition with eigenvectors, e.g. A⁻¹ with f = 1/λ.
  public func applying(_ f: (Double) -> Double) -> Matrix<Double> {
    guard let v = eigenvectors else { preconditionFailure("SymmetricEigen.applying needs eigenvectors (vectors: true)") }
    let n = eigenvalues.count
    let fl = eigenvalues.map(f)
    return Matrix(rows: n, columns: n) { i, j in
      var s = 0.0
      for k in 0..<n { s += v[i, k] * fl[k] * v[j, k] }
      return s
    }
  }
}
