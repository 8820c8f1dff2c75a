// Eigenvalues and eigenvectors of a real symmetric matrix, A = V Λ Vᵀ.
//
// Goals, in order: (1) small residual ‖AV − VΛ‖ ≤ c·n·ε·‖A‖ and orthonormal V for every input,
// degenerate and rank-deficient spectra included (the RBM's target has four degenerate pairs);
// (2) never loop or crash: NaN/Inf, non-square and non-symmetric input throw; (3) speed.
//
// Three methods, chosen by size (`Method.automatic`):
// - Cyclic Jacobi (JacobiEigen.swift). Advantages: small eigenvalues to high *relative* accuracy
//   for definite matrices (Demmel & Veselić, SIAM J. Matrix Anal. Appl. 13(4), 1992); simple.
//   Disadvantages: O(n³) per sweep and ~6–10 sweeps, column access in row-major storage.
// - Householder tridiagonalisation + implicit QL with Wilkinson shifts (TridiagonalEigen.swift).
//   Advantages: (4/3)n³ flops for eigenvalues, +~3n³ with vectors; stride-1 SIMD row kernels.
//   Disadvantages: only absolute accuracy ε·‖A‖ for small eigenvalues.
// - Dense → band → tridiagonal in two stages, then QL (BandReduction.swift), for eigenvalues
//   alone. Advantages: the reduction's memory traffic is all gemm (level 3), so large matrices
//   run at gemm speed. Disadvantages: no eigenvectors; slower below n ≈ 450, where the matrix
//   fits in cache (`dyson-bench eigen`: eigvalsh-onestage/twostage; 400: 12.0 vs 12.9 ms,
//   512: 25.4 vs 23.0 ms, fast build, one thread).
// Speed alone never picks Jacobi: `dyson-bench eigen` measured QL faster at every size
// (eigenvalues, n = 8: 0.004 vs 0.008 ms; n = 12: 0.007 vs 0.022 ms). `.automatic` still uses
// Jacobi up to n = 12, where it costs < 0.02 ms, for its relative accuracy on the small definite
// matrices of the RBM and teacher–student studies (N = 10 and 2).

/// The eigen-decomposition of a symmetric matrix, eigenvalues in ascending order (as numpy's `eigh`).
public struct SymmetricEigen: Sendable {
  /// How the decomposition is computed; `.automatic` picks by size (the notes above).
  public enum Method: String, Sendable, CaseIterable {
    /// By size (the notes above); cyclic Jacobi; Householder tridiagonalisation and implicit QL.
    case automatic, jacobi, tridiagonalQL
    /// Dense → band → tridiagonal (BandReduction.swift), then QL: eigenvalues only.
    case twoStage
  }

  /// Ascending eigenvalues λ₀ ≤ λ₁ ≤ … ≤ λₙ₋₁.
  public let eigenvalues: [Double]
  /// Column i is the unit eigenvector of λᵢ; nil unless requested.
  public let eigenvectors: Matrix<Double>?

  /// Largest n for which `.automatic` uses Jacobi.
  public static let jacobiMaximumSize = 12

  /// Smallest n for which `.automatic` computes eigenvalues alone in two stages.
  public static let twoStageMinimumSize = 448

  /// Half-bandwidth of the two-stage reduction's intermediate band for an n×n matrix.
  static func twoStageBandwidth(_ n: Int) -> Int { n >= 1024 ? 32 : 16 }

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
    precondition(!(vectors && method == .twoStage), "SymmetricEigen: the two-stage method computes eigenvalues only")
    let useTwoStage = !vectors && (method == .twoStage || (method == .automatic && n >= SymmetricEigen.twoStageMinimumSize))
    let (values, vectorsT) = useJacobi ? try jacobiEigen(a, vectors: vectors)
      : useTwoStage ? (try twoStageEigenvalues(a), nil)
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

/// Eigenvalues (unsorted) by the two-stage reduction. The matrix is scaled to max |A| = 1 first,
/// so that no sum of squares in a reflector overflows or underflows, and the eigenvalues are
/// scaled back (both scalings are exact: a power of two).
func twoStageEigenvalues(_ a: Matrix<Double>) throws(LinalgError) -> [Double] {
  let top = a.maxAbs()
  guard top > 0 else { return [Double](repeating: 0, count: a.rows) }
  // 2^k in two factors: for a matrix of subnormal numbers k exceeds Double's largest exponent.
  let k = -Int(top.exponent)
  let first = Double(sign: .plus, exponent: k / 2, significand: 1), second = Double(sign: .plus, exponent: k - k / 2, significand: 1)
  var (d, e) = twoStageTridiagonal(a, scaledBy: first, second, bandwidth: SymmetricEigen.twoStageBandwidth(a.rows))
  var none: [Double] = []
  try implicitQL(&d, &e, rowsOf: &none, n: a.rows, vectors: false)
  return d.map { $0 / first / second }
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
