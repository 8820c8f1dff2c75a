// Householder tridiagonalisation + implicit QL with Wilkinson shifts (the algorithms of
// EISPACK tred2/tql2, Bowdler, Martin, Reinsch & Wilkinson, Numer. Math. 11, 1968; written
// here for row-major storage: every inner loop runs along a row, stride 1).
//
// Step k reflects column k below the diagonal onto e₁: H = I − τvvᵀ, v₀ = 1. The trailing
// block becomes H A₂₂ H = A₂₂ − v wᵀ − w vᵀ with p = τA₂₂v, w = p − (τ/2)(pᵀv)v. Only the lower
// triangle is kept, so A₂₂v is formed row by row as (row prefix)·v plus v_i·(row prefix) into p:
// one pass, 4 flops per stored element, and the rank-2 update is a second pass.
// - Complexity: (4/3)n³ for the reduction, O(n²) for QL without vectors; with vectors add 2n³
//   (back-transformation) and ~3n³ (QL rotations).

/// Returns (unsorted eigenvalues, eigenvectors as rows of an n×n row-major array, if asked).
func tridiagonalEigen(_ m: Matrix<Double>, vectors: Bool) throws(LinalgError) -> ([Double], [Double]?) {
  let n = m.rows
  if n == 0 { return ([], vectors ? [] : nil) }
  var a = m.elements
  var d = [Double](repeating: 0, count: n)
  var e = [Double](repeating: 0, count: n)      // e[i] couples i and i+1; e[n−1] = 0
  var tau = [Double](repeating: 0, count: n)
  var p = [Double](repeating: 0, count: n)
  var w = [Double](repeating: 0, count: n)
  var v = [Double](repeating: 0, count: n)

  a.withUnsafeMutableBufferPointer { ab in
    let a = ab.baseAddress!
    for k in 0..<Swift.max(0, n - 2) {
      let m = n - k - 1                          // size of the trailing block
      let base = (k + 1) * n + (k + 1)           // A₂₂[0][0]
      // x = A[k+1..<n, k]; reflect onto β e₁.
      let alpha = a[(k + 1) * n + k]
      var sigma = 0.0
      for i in 1..<m { let x = a[(k + 1 + i) * n + k]; sigma += x * x }
      d[k] = a[k * n + k]
      if sigma == 0 {
        tau[k] = 0; e[k] = alpha
        continue
      }
      let beta = (alpha >= 0 ? -1.0 : 1.0) * (alpha * alpha + sigma).squareRoot()
      tau[k] = (beta - alpha) / beta
      let scale = 1 / (alpha - beta)
      v[0] = 1
      for i in 1..<m { v[i] = a[(k + 1 + i) * n + k] * scale }
      e[k] = beta
      // Keep v in column k below the diagonal (no longer part of the trailing block).
      a[(k + 1) * n + k] = 1
      for i in 1..<m { a[(k + 1 + i) * n + k] = v[i] }

      v.withUnsafeMutableBufferPointer { vb in
        p.withUnsafeMutableBufferPointer { pb in
          w.withUnsafeMutableBufferPointer { wb in
            let vp = vb.baseAddress!, pp = pb.baseAddress!, wp = wb.baseAddress!
            // p = τ A₂₂ v from the lower triangle: row i contributes (row[0..<i]·v) to p_i and
            // v_i·row[0..<i] to p[0..<i].
            pp.update(repeating: 0, count: m)
            for i in 0..<m {
              let row = a + base + i * n
              pp[i] += dot(row, vp, i) + row[i] * vp[i]
              axpy(vp[i], row, pp, i)
            }
            let t = tau[k]
            for i in 0..<m { pp[i] *= t }
            // w = p − (τ/2)(pᵀv) v
            let kk = 0.5 * t * dot(pp, vp, m)
            for i in 0..<m { wp[i] = pp[i] - kk * vp[i] }
            // A₂₂ ← A₂₂ − v wᵀ − w vᵀ, lower triangle row by row.
            for i in 0..<m {
              subtractTwo(vp[i], wp, wp[i], vp, from: a + base + i * n, i + 1)
            }
          }
        }
      }
    }
  }
  if n >= 2 {
    d[n - 2] = a[(n - 2) * n + (n - 2)]
    e[n - 2] = a[(n - 1) * n + (n - 2)]
  }
  d[n - 1] = a[(n - 1) * n + (n - 1)]
  e[n - 1] = 0

  // Eigenvectors of T as rows of z (z starts as I); QL rotations mix rows i and i+1.
  var z: [Double] = vectors ? Matrix<Double>.identity(n).elements : []
  try implicitQL(&d, &e, rowsOf: &z, n: n, vectors: vectors)
  guard vectors else { return (d, nil) }

  // Back-transformation: rows of Vᵀ = rows of Zᵀ·H_{n−3}⋯H₀, i.e. each row r ← r − τ(r·v)vᵀ.
  a.withUnsafeBufferPointer { ab in
    z.withUnsafeMutableBufferPointer { zb in
      v.withUnsafeMutableBufferPointer { vb in
        let vp = vb.baseAddress!
        for k in stride(from: n - 3, through: 0, by: -1) where tau[k] != 0 {
          let m = n - k - 1
          for i in 0..<m { vp[i] = ab[(k + 1 + i) * n + k] }
          for r in 0..<n {
            let row = zb.baseAddress! + r * n + (k + 1)
            let f = tau[k] * dot(row, vp, m)
            axpy(-f, vp, row, m)
          }
        }
      }
    }
  }
  return (d, z)
}

/// Eigenvalues of the symmetric tridiagonal (d, e) in place, by implicit QL with Wilkinson
/// shifts; with `vectors`, the same rotations applied to the rows of `z` (n×n row-major).
func implicitQL(_ d: inout [Double], _ e: inout [Double], rowsOf z: inout [Double], n: Int, vectors: Bool) throws(LinalgError) {
  let eps = Double.ulpOfOne
  let maxIterations = 60
  // tql2's running scale: the largest |d| + |e| met so far. An off-diagonal below eps times it
  // is negligible even when its neighbours on the diagonal are themselves at rounding level (the
  // null space of a singular matrix, e.g. the blank pixels of MNIST's correlator): the reduction
  // to T already moved every eigenvalue by that much, and a purely relative test never splits
  // such a block (QL then ran out of iterations).
  var scale = 0.0
  for l in 0..<n {
    var iterations = 0
    scale = Swift.max(scale, abs(d[l]) + abs(e[l]))
    while true {
      // Find the first negligible off-diagonal at or after l: the block l…m is unreduced.
      var m = l
      while m < n - 1 {
        if abs(e[m]) <= eps * (abs(d[m]) + abs(d[m + 1])) || abs(e[m]) <= eps * scale { break }
        m += 1
      }
      if m == l { break }
      iterations += 1
      if iterations > maxIterations { throw .noConvergence(method: "implicit QL", iterations: iterations) }
      // Wilkinson shift from the leading 2×2 of the block.
      var g = (d[l + 1] - d[l]) / (2 * e[l])
      var r = (g * g + 1).squareRoot()
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r))
      var s = 1.0, c = 1.0, p = 0.0
      var i = m - 1
      var deflated = false
      while i >= l {
        let f = s * e[i], b = c * e[i]
        r = (f * f + g * g).squareRoot()
        e[i + 1] = r
        if r == 0 {
          // Underflow: the block splits here.
          d[i + 1] -= p; e[m] = 0; deflated = true
          break
        }
        s = f / r; c = g / r
        g = d[i + 1] - p
        r = (d[i] - g) * s + 2 * c * b
        p = s * r
        d[i + 1] = g + p
        g = c * r - b
        if vectors {
          // Columns i, i+1 of Z rotate; here they are rows of Zᵀ: (x, y) ← (c·x − s·y, s·x + c·y)
          // with x = row i, y = row i+1.
          z.withUnsafeMutableBufferPointer { zb in
            rotate(zb.baseAddress! + i * n, zb.baseAddress! + (i + 1) * n, n, c: c, s: s)
          }
        }
        i -= 1
      }
      if deflated { continue }
      d[l] -= p; e[l] = g; e[m] = 0
    }
  }
}
