// Singular values of a rectangular M×N matrix W = U Σ Vᵀ, two routes:
//
// - One-sided Jacobi on W itself (Hestenes 1958; de Rijk, SIAM J. Sci. Stat. Comput. 10(2), 1989).
//   The r = min(M, N) short-side vectors of W are rotated in pairs until mutually orthogonal;
//   their norms are then the singular values. Advantages: every σ to high *relative* accuracy
//   (for W = B·D with B well conditioned, Demmel & Veselić 1992), so the small singular values —
//   the lower Marchenko–Pastur edge — are right. Disadvantages: O(r²·max(M,N)) per sweep, ~6–10 sweeps.
// - The Gram route: eigenvalues of WᵀW (or WWᵀ), σ = √max(λ, 0). Advantages: one gemm + one
//   symmetric eigensolve, several times faster for large r. Disadvantages: forming WᵀW squares
//   the condition number: σᵢ is only accurate to ≈ ε·σ₁²/σᵢ, so σᵢ below √ε·σ₁ ≈ 1.5e-8·σ₁ are noise.
// Spectral studies of WᵀW use the eigenvalues xᵢ = σᵢ², which the Gram route gives to absolute
// accuracy ε‖W‖²: enough there, and what `Method.automatic` picks for r > 64.

/// The thin SVD W = U·diag(σ)·Vᵀ, singular values in descending order (as numpy's `svd`).
public struct SingularValueDecomposition: Sendable {
  /// How the decomposition is computed; `.automatic` picks by shape (the notes above).
  public enum Method: String, Sendable, CaseIterable {
    /// By shape (the notes above); one-sided Jacobi on W; the eigenvalues of the Gram matrix WᵀW.
    case automatic, oneSidedJacobi, gram
  }

  /// σ₀ ≥ σ₁ ≥ … ≥ σ_{r−1} ≥ 0, r = min(M, N).
  public let singularValues: [Double]
  /// M×r, orthonormal columns (left singular vectors); nil unless requested.
  public let u: Matrix<Double>?
  /// N×r, orthonormal columns (right singular vectors); nil unless requested.
  public let v: Matrix<Double>?

  /// Largest r = min(M, N) for which `.automatic` uses one-sided Jacobi.
  public static let jacobiMaximumRank = 64

  /// - Throws: `LinalgError.nonFinite` for NaN/Inf input.
  public init<Scalar: DysonScalar>(_ w: Matrix<Scalar>, vectors: Bool = false, method: Method = .automatic) throws(LinalgError) {
    let w = Scalar.self == Double.self ? w as! Matrix<Double> : w.converted(to: Double.self)
    try w.checkFinite()
    let r = Swift.min(w.rows, w.columns)
    let useJacobi = method == .oneSidedJacobi || (method == .automatic && r <= SingularValueDecomposition.jacobiMaximumRank)
    if useJacobi {
      (singularValues, u, v) = try oneSidedJacobi(w, vectors: vectors)
    } else {
      (singularValues, u, v) = try gramSVD(w, vectors: vectors)
    }
  }
}

/// Singular values of `w`, descending.
public func singularValues<Scalar: DysonScalar>(
  of w: Matrix<Scalar>, method: SingularValueDecomposition.Method = .automatic
) throws(LinalgError) -> [Double] {
  try SingularValueDecomposition(w, method: method).singularValues
}

/// Rotates the rows of G (r × L, the short-side vectors of W) until they are orthogonal.
/// G = Rᵀ·S·Y with R the accumulated rotations and Y orthonormal rows.
/// `pairTolerance` overrides the √L·ε below (tests use it to reach the sweep limit).
func oneSidedJacobi(_ w: Matrix<Double>, vectors: Bool, pairTolerance: Double? = nil) throws(LinalgError)
  -> ([Double], Matrix<Double>?, Matrix<Double>?) {
  let tall = w.rows >= w.columns
  let g0 = tall ? w.transposed() : w                 // rows = the r short-side vectors
  let r = g0.rows, len = g0.columns
  if r == 0 {
    return ([], vectors ? Matrix(rows: w.rows, columns: 0) : nil, vectors ? Matrix(rows: w.columns, columns: 0) : nil)
  }
  var g = g0.elements
  var rot: [Double] = vectors ? Matrix<Double>.identity(r).elements : []
  // The pair tolerance on cos∠(gᵢ, gⱼ): √L·ε as LAPACK's dgesvj. A dot product of length L
  // carries rounding of about √L·ε relative, so at ε a pair just rotated can test as open
  // again, and some matrices cycled until the sweep limit (a 10×10 one in the tests).
  let eps = pairTolerance ?? Double(len).squareRoot() * Double.ulpOfOne
  let maxSweeps = 60
  var sweep = 0
  // A vector shorter than √L·ε·‖W‖_F is rounding left by earlier rotations (rank deficiency):
  // its direction is noise, so rotating it against another only stirs the noise and the sweeps
  // can cycle (seen on a shuffled matrix with three equal columns). Its σ is zero to the
  // accuracy any SVD of W has; pairs with it are left alone.
  let negligible = Double(len) * Double.ulpOfOne * Double.ulpOfOne * g.reduce(0) { $0 + $1 * $1 }
  try g.withUnsafeMutableBufferPointer { (gb) throws(LinalgError) in
    let gp = gb.baseAddress!
    var norms = (0..<r).map { dot(gp + $0 * len, gp + $0 * len, len) }
    while true {
      var rotated = false
      var worstCosine = 0.0
      for i in 0..<r {
        for j in (i + 1)..<Swift.max(i + 1, r) {
          let alpha = norms[i], beta = norms[j]
          let gamma = dot(gp + i * len, gp + j * len, len)
          // Converged pair: cos∠(gᵢ, gⱼ) below the tolerance (relative, so tiny vectors are treated fairly).
          if abs(gamma) <= eps * alpha.squareRoot() * beta.squareRoot() || gamma == 0 || alpha <= negligible || beta <= negligible { continue }
          rotated = true
          worstCosine = Swift.max(worstCosine, abs(gamma) / (alpha.squareRoot() * beta.squareRoot()))
          // tan θ = t, the smaller root of t² + 2ζt − 1 = 0: it makes gᵢ′·gⱼ′ = 0.
          let zeta = (beta - alpha) / (2 * gamma)
          let t = (zeta >= 0 ? 1.0 : -1.0) / (abs(zeta) + (1 + zeta * zeta).squareRoot())
          let c = 1 / (1 + t * t).squareRoot(), s = c * t
          rotate(gp + i * len, gp + j * len, len, c: c, s: s)
          norms[i] = Swift.max(alpha - t * gamma, 0)
          norms[j] = beta + t * gamma
          if vectors {
            rot.withUnsafeMutableBufferPointer { rb in rotate(rb.baseAddress! + i * r, rb.baseAddress! + j * r, r, c: c, s: s) }
          }
        }
      }
      // Refresh the norms: the update formulas drift by a few ulps per rotation.
      for i in 0..<r { norms[i] = dot(gp + i * len, gp + i * len, len) }
      if !rotated { break }
      sweep += 1
      // Still turning at the limit: pairs within 1e-12 of orthogonal are rounding at work (σ is
      // then right to ~1e-24 relative), anything else is a real failure.
      if sweep >= maxSweeps {
        if worstCosine <= 1e-12 { break }
        throw .noConvergence(method: "one-sided Jacobi", iterations: sweep)
      }
    }
  }
  let sigma = (0..<r).map { i in g.withUnsafeBufferPointer { dot($0.baseAddress! + i * len, $0.baseAddress! + i * len, len) }.squareRoot() }
  let order = sigma.indices.sorted { sigma[$0] > sigma[$1] }
  let values = order.map { sigma[$0] }
  guard vectors else { return (values, nil, nil) }
  // Y (length-L unit rows) and R (r×r): tall W = Yᵀ S R, so U = Yᵀ, V = Rᵀ; wide W = Rᵀ S Y.
  let y = Matrix<Double>(rows: len, columns: r) { l, k in
    let i = order[k]
    // A zero or negligible σ: its vector is noise, not orthogonal to the others; any unit vector will do.
    return sigma[i] * sigma[i] > negligible ? g[i * len + l] / sigma[i] : (l == k ? 1 : 0)
  }
  let rt = Matrix<Double>(rows: r, columns: r) { l, k in rot[order[k] * r + l] }
  // Those columns of Y are arbitrary; re-orthonormalise so U (or V) stays orthonormal.
  let yOrthonormal = values.contains(where: { $0 * $0 <= negligible }) ? gramSchmidtColumns(y) : y
  return tall ? (values, yOrthonormal, rt) : (values, rt, yOrthonormal)
}

/// The Gram route: eigen-decompose the r×r Gram matrix of W's short side.
func gramSVD(_ w: Matrix<Double>, vectors: Bool) throws(LinalgError) -> ([Double], Matrix<Double>?, Matrix<Double>?) {
  let tall = w.rows >= w.columns
  let gram = w.shortSideGram()
  let eigen = try SymmetricEigen(gram, vectors: vectors)
  let r = gram.rows
  let values = eigen.eigenvalues.reversed().map { Swift.max($0, 0).squareRoot() }
  guard vectors, let q = eigen.eigenvectors else { return (values, nil, nil) }
  // Short-side vectors: eigenvectors of the Gram matrix, descending. Long side: W·v/σ (tall).
  let short = Matrix<Double>(rows: r, columns: r) { i, k in q[i, r - 1 - k] }
  let long = tall ? w * short : try! Matrix.product(w, .transposed, short, .normal)
  var longNormalised = long
  for k in 0..<r {
    for i in 0..<long.rows { longNormalised[i, k] = values[k] > 0 ? long[i, k] / values[k] : 0 }
  }
  let longOrthonormal = gramSchmidtColumns(longNormalised)
  return tall ? (values, longOrthonormal, short) : (values, short, longOrthonormal)
}

/// Modified Gram–Schmidt on the columns, twice ("twice is enough", Parlett); a zero or
/// dependent column is replaced by the first unit vector orthogonal to the ones before it.
func gramSchmidtColumns(_ a: Matrix<Double>) -> Matrix<Double> {
  guard a.columns > 0 else { return a }
  var cols = a.transposed().nested
  let len = a.rows
  var candidate = 0
  for k in 0..<cols.count {
    for _ in 0..<2 {
      for j in 0..<k {
        let proj = zip(cols[j], cols[k]).reduce(0) { $0 + $1.0 * $1.1 }
        for i in 0..<len { cols[k][i] -= proj * cols[j][i] }
      }
    }
    var norm = cols[k].reduce(0) { $0 + $1 * $1 }.squareRoot()
    while norm < 1e-8 && candidate < len {
      // Replace with a basis vector, orthogonalised against the earlier columns.
      cols[k] = (0..<len).map { $0 == candidate ? 1 : 0 }
      candidate += 1
      for _ in 0..<2 {
        for j in 0..<k {
          let proj = zip(cols[j], cols[k]).reduce(0) { $0 + $1.0 * $1.1 }
          for i in 0..<len { cols[k][i] -= proj * cols[j][i] }
        }
      }
      norm = cols[k].reduce(0) { $0 + $1 * $1 }.squareRoot()
    }
    if norm > 0 { cols[k] = cols[k].map { $0 / norm } }
  }
  return try! Matrix(cols).transposed()
}
