// Cyclic Jacobi (Jacobi 1846; the threshold and update forms of Rutishauser, Numer. Math. 9, 1966).
// Each rotation zeroes A_pq exactly; a sweep visits every p < q. A_pq is skipped when it is
// negligible against √|A_pp·A_qq| (the relative criterion of Demmel & Veselić), so small
// eigenvalues of a definite matrix keep relative accuracy.
// - Complexity: O(n³) per sweep; quadratic convergence, typically 5–10 sweeps.

/// Returns (unsorted eigenvalues, eigenvectors as rows of an n×n row-major array, if asked).
func jacobiEigen(_ m: Matrix<Double>, vectors: Bool) throws(LinalgError) -> ([Double], [Double]?) {
  let n = m.rows
  var a = m.elements
  var v: [Double] = vectors ? Matrix<Double>.identity(n).elements : []
  let maxSweeps = 100
  let eps = Double.ulpOfOne
  var sweep = 0
  while true {
    var rotated = false
    for p in 0..<n {
      for q in (p + 1)..<Swift.max(p + 1, n) {
        let apq = a[p * n + q]
        let app = a[p * n + p], aqq = a[q * n + q]
        if abs(apq) <= 0.5 * eps * abs(app).squareRoot() * abs(aqq).squareRoot() {
          if apq != 0 { a[p * n + q] = 0; a[q * n + p] = 0 }
          continue
        }
        rotated = true
        // tan θ = t is the smaller root of t² + 2ζt − 1 = 0, ζ = (A_qq − A_pp)/(2A_pq).
        let zeta = (aqq - app) / (2 * apq)
        let t = zeta.isFinite
          ? (zeta >= 0 ? 1 : -1) / (abs(zeta) + (1 + zeta * zeta).squareRoot())
          : 0
        let c = 1 / (1 + t * t).squareRoot(), s = t * c
        a[p * n + p] = app - t * apq
        a[q * n + q] = aqq + t * apq
        a[p * n + q] = 0; a[q * n + p] = 0
        for r in 0..<n where r != p && r != q {
          let arp = a[r * n + p], arq = a[r * n + q]
          let newP = c * arp - s * arq, newQ = s * arp + c * arq
          a[r * n + p] = newP; a[p * n + r] = newP
          a[r * n + q] = newQ; a[q * n + r] = newQ
        }
        if vectors {
          // Rows p and q of Vᵀ rotate together: stride-1.
          v.withUnsafeMutableBufferPointer { vp in
            rotate(vp.baseAddress! + p * n, vp.baseAddress! + q * n, n, c: c, s: s)
          }
        }
      }
    }
    if !rotated { break }
    sweep += 1
    if sweep >= maxSweeps { throw .noConvergence(method: "Jacobi", iterations: sweep) }
  }
  return ((0..<n).map { a[$0 * n + $0] }, vectors ? v : nil)
}
