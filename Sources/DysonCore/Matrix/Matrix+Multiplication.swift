extension Matrix {
  /// c ← alpha · op(a) · op(b) + beta · c. Throws if the shapes do not agree; `c` must already
  /// have the result's shape (it is read when beta ≠ 0).
  public static func multiply(
    _ a: Matrix, _ transposeA: Transpose, _ b: Matrix, _ transposeB: Transpose,
    alpha: Scalar = 1, beta: Scalar = 0, into c: inout Matrix
  ) throws(ShapeError) {
    let (m, ka) = transposeA == .normal ? (a.rows, a.columns) : (a.columns, a.rows)
    let (kb, n) = transposeB == .normal ? (b.rows, b.columns) : (b.columns, b.rows)
    let name = "matmul \(transposeA)\(transposeB)"
    guard ka == kb else { throw .mismatch(operation: name, left: a.shape, right: b.shape) }
    guard c.rows == m, c.columns == n else {
      throw .mismatch(operation: name + " into C", left: Shape(m, n), right: c.shape)
    }
    a.storage.withUnsafeBufferPointer { pa in
      b.storage.withUnsafeBufferPointer { pb in
        c.storage.withUnsafeMutableBufferPointer { pc in
          Scalar.gemm(transposeA, transposeB, m: m, n: n, k: ka, alpha: alpha,
                      a: pa, lda: a.columns, b: pb, ldb: b.columns, beta: beta, c: pc, ldc: n)
        }
      }
    }
  }

  /// op(a) · op(b) as a new matrix; throws if the inner sizes differ.
  public static func product(
    _ a: Matrix, _ transposeA: Transpose, _ b: Matrix, _ transposeB: Transpose
  ) throws(ShapeError) -> Matrix {
    let m = transposeA == .normal ? a.rows : a.columns
    let n = transposeB == .normal ? b.columns : b.rows
    var c = Matrix(rows: m, columns: n)
    try multiply(a, transposeA, b, transposeB, into: &c)
    return c
  }

  /// c ← alpha · a · b + beta · c.
  public static func multiply(_ a: Matrix, _ b: Matrix, alpha: Scalar = 1, beta: Scalar = 0, into c: inout Matrix) throws(ShapeError) {
    try multiply(a, .normal, b, .normal, alpha: alpha, beta: beta, into: &c)
  }

  /// a · b as a new matrix; throws if the inner sizes differ.
  public static func product(_ a: Matrix, _ b: Matrix) throws(ShapeError) -> Matrix {
    try product(a, .normal, b, .normal)
  }

  /// The matrix product; stops with both shapes in the message if they do not agree.
  public static func * (a: Matrix, b: Matrix) -> Matrix {
    checked("*") { () throws(ShapeError) in try product(a, .normal, b, .normal) }
  }

  /// AᵀA (n×n for an m×n matrix): the operator whose eigenvalues are the squared singular values.
  public func gram() -> Matrix { try! Matrix.product(self, .transposed, self, .normal) }
}
