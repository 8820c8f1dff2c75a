// Gamma and χ variates, and the Bartlett factor of a Wishart matrix: what it takes to draw the
// Gram matrix ZᵀZ of an m × n Gaussian matrix Z without drawing its m·n entries.
//
// Bartlett (1933): the QR factorisation Z = QR of an m × n matrix of i.i.d. N(0, 1) has an R
// (min(m, n) × n, upper trapezoidal) with independent entries, R_ii ~ χ_{m−i} (i from 0) and
// R_ij ~ N(0, 1) for j > i. (The first Householder reflection depends on column 0 only; it turns
// the other columns into fresh Gaussians, and the argument repeats on the (m − 1) × (n − 1) rest.)
// So ZᵀZ = RᵀR ~ Wishart_n(m, 1) from n(n + 1)/2 numbers instead of m·n.

extension Xoshiro256StarStar {
  /// Gamma(shape, 1) for shape ≥ 1 (Marsaglia & Tsang, ACM TOMS 26(3), 2000): d·(1 + cx)³ for a
  /// normal x, d = shape − 1/3, c = 1/√(9d), accepted by a squeeze (about 98 %) or by the
  /// logarithmic test. IEEE arithmetic and `portableLog` only: the same numbers on every machine.
  public mutating func gamma(shape a: Double) -> Double {
    gamma(shape: a, tables: ZigguratTables.shared)
  }

  @inlinable @inline(__always)
  mutating func gamma(shape a: Double, tables: ZigguratTables) -> Double {
    precondition(a >= 1 && a.isFinite, "gamma(shape:) needs a finite shape ≥ 1, got \(a)")
    let d = a - 1.0 / 3, c = 1 / (9 * d).squareRoot()
    while true {
      let x = normal(tables: tables)
      var v = 1 + c * x
      if v <= 0 { continue }
      v = v * v * v
      let u = uniformOpen()
      let x2 = x * x
      if u < 1 - 0.0331 * x2 * x2 { return d * v }
      if portableLog(u) < 0.5 * x2 + d * (1 - v + portableLog(v)) { return d * v }
    }
  }

  /// χ with `degrees` ≥ 1 degrees of freedom (the norm of that many independent normals):
  /// |x| for one, √(2·Gamma(d/2)) otherwise.
  public mutating func chi(degrees d: Int) -> Double {
    chi(degrees: d, tables: ZigguratTables.shared)
  }

  @inlinable @inline(__always)
  mutating func chi(degrees d: Int, tables: ZigguratTables) -> Double {
    precondition(d >= 1, "chi(degrees:) needs d ≥ 1, got \(d)")
    if d == 1 { return normal(tables: tables).magnitude }
    return (2 * gamma(shape: Double(d) / 2, tables: tables)).squareRoot()
  }

  /// Writes the Bartlett factor R of Wishart_n(m, 1) (see the top of this file): min(m, n) rows
  /// of n, row-major, element (i, j) at `out[(i·n + j)·stride]` (a stride lets one generator fill
  /// one lane of interleaved vectors). Draw order, row by row: χ_{m−i}, then N(0, 1) for
  /// j = i + 1 ..< n. Entries below the diagonal are written as zeros.
  /// Package-internal: it writes through a raw pointer with no count check (the caller owns a
  /// buffer of min(m, n)·n·stride values); `bartlettFactor(degrees:size:)` is the safe form.
  package mutating func fillBartlettFactor(_ out: UnsafeMutablePointer<Double>, stride: Int = 1, degrees m: Int, size n: Int) {
    precondition(m >= 1 && n >= 1 && stride >= 1, "fillBartlettFactor: needs m, n, stride ≥ 1; got \(m), \(n), \(stride)")
    let tables = ZigguratTables.shared
    for i in 0..<min(m, n) {
      let row = out + i * n * stride
      for j in 0..<i { row[j * stride] = 0 }
      row[i * stride] = chi(degrees: m - i, tables: tables)
      for j in (i + 1)..<n { row[j * stride] = 0 + 1 * normal(tables: tables) }   // as fillNormal: −0 → +0
    }
  }

  /// The Bartlett factor R of Wishart_n(m, 1) as min(m, n) rows of n, row-major (RᵀR is a
  /// Wishart draw); the same draws as `fillBartlettFactor`.
  public mutating func bartlettFactor(degrees m: Int, size n: Int) -> [Double] {
    var r = [Double](repeating: 0, count: min(m, n) * n)
    r.withUnsafeMutableBufferPointer { fillBartlettFactor($0.baseAddress!, degrees: m, size: n) }
    return r
  }
}
