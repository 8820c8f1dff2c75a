extension Matrix {
  /// i.i.d. N(mean, standardDeviation²) entries: the Wishart factor whose AᵀA is Marchenko–Pastur.
  public static func gaussian(
    rows: Int, columns: Int, mean: Double = 0, standardDeviation: Double = 1,
    using rng: inout Xoshiro256StarStar
  ) -> Matrix {
    var m = Matrix(rows: rows, columns: columns)
    m.withUnsafeMutableBufferPointer { rng.fillNormal($0, mean: mean, standardDeviation: standardDeviation) }
    return m
  }

  /// i.i.d. N(0, 1) entries from the generator of `(seed, stream)`.
  public static func gaussian(rows: Int, columns: Int, seed: UInt64, stream: UInt64 = 0) -> Matrix {
    var rng = Xoshiro256StarStar(seed: seed, stream: stream)
    return gaussian(rows: rows, columns: columns, using: &rng)
  }

  /// i.i.d. U[lower, upper) entries (PyTorch's default `Linear` init is U(±1/√fan_in)).
  public static func uniform(
    rows: Int, columns: Int, in lower: Scalar, _ upper: Scalar, using rng: inout Xoshiro256StarStar
  ) -> Matrix {
    var m = Matrix(rows: rows, columns: columns)
    m.withUnsafeMutableBufferPointer { p in
      for i in 0..<p.count { p[i] = Scalar(rng.uniform(in: Double(lower), Double(upper))) }
    }
    return m
  }

  /// A Haar-distributed random orthogonal n×n matrix.
  ///
  /// QR of a Gaussian matrix by Householder reflections, with the signs of R's diagonal moved into
  /// Q: without that correction Q is not Haar (Mezzadri, Notices AMS 54(5), 2007).
  /// - Complexity: O(n³).
  public static func randomOrthogonal(size n: Int, using rng: inout Xoshiro256StarStar) -> Matrix {
    let g = Matrix<Double>.gaussian(rows: n, columns: n, using: &rng)
    return householderQ(of: g).converted()
  }
}

/// Q of a QR factorisation A = QR (A square, Double), with diag(R) > 0.
func householderQ(of a: Matrix<Double>) -> Matrix<Double> {
  let n = a.rows
  var r = a.transposed().nested  // r[j] is column j of A: reflections act on columns
  var vs: [[Double]] = []
  var signs: [Double] = []
  for j in 0..<n {
    // Reflect column j below the diagonal onto e_j.
    var v = Array(r[j][j...])
    let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
    let alpha = v[0] >= 0 ? -norm : norm     // sign chosen to avoid cancellation
    signs.append(alpha < 0 ? -1 : 1)         // R_jj = alpha; the correction flips Q's column j if negative
    v[0] -= alpha
    let vv = v.reduce(0) { $0 + $1 * $1 }
    vs.append(v)
    guard vv > 0 else { continue }
    for c in j..<n {
      var dot = 0.0
      for i in 0..<v.count { dot += v[i] * r[c][j + i] }
      let f = 2 * dot / vv
      for i in 0..<v.count { r[c][j + i] -= f * v[i] }
    }
  }
  // Q = H_0 H_1 … H_{n−1}: apply the reflections to the identity, last first.
  var q = Matrix<Double>.identity(n)
  for j in stride(from: n - 1, through: 0, by: -1) {
    let v = vs[j]
    let vv = v.reduce(0) { $0 + $1 * $1 }
    guard vv > 0 else { continue }
    for c in 0..<n {
      var dot = 0.0
      for i in 0..<v.count { dot += v[i] * q[j + i, c] }
      let f = 2 * dot / vv
      for i in 0..<v.count { q[j + i, c] -= f * v[i] }
    }
  }
  // Q·diag(sign(R_jj)) makes R's diagonal positive, which makes the factorisation unique.
  for c in 0..<n where signs[c] < 0 {
    for i in 0..<n { q[i, c] = -q[i, c] }
  }
  return q
}
