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

  /// The Gram matrix of the short side: AᵀA (n×n) when rows ≥ columns, AAᵀ (m×m) otherwise, the
  /// smaller of the two matrices whose eigenvalues are the squared singular values, formed
  /// without transposing A. Only the block columns' parts on and below the diagonal are
  /// multiplied (about half the flops of the product) and the rest is mirrored, so the result is
  /// exactly symmetric (the full product's last few columns are dot products, summed in another
  /// order than their mirror images: it can differ from its transpose in the last bit).
  /// - Complexity: ≈ r²·max(m, n) multiply-adds, r = min(m, n).
  public func shortSideGram() -> Matrix {
    let tall = rows >= columns
    let r = tall ? columns : rows, depth = tall ? rows : columns
    var c = Matrix(rows: r, columns: r)
    let block = 128
    storage.withUnsafeBufferPointer { w in
      c.storage.withUnsafeMutableBufferPointer { g in
        var j0 = 0
        while j0 < r {
          let j1 = Swift.min(r, j0 + block)
          // Rows j0..<r of block column j0..<j1.
          let out = UnsafeMutableBufferPointer(rebasing: g[(j0 * r + j0)...])
          if tall {   // C[j0..., J] = A[:, j0...]ᵀ · A[:, J]
            let a = UnsafeBufferPointer(rebasing: w[j0...])
            Scalar.gemm(.transposed, .normal, m: r - j0, n: j1 - j0, k: depth, alpha: 1, a: a, lda: columns,
                        b: a, ldb: columns, beta: 0, c: out, ldc: r)
          } else {    // C[j0..., J] = A[j0..., :] · A[J, :]ᵀ
            let a = UnsafeBufferPointer(rebasing: w[(j0 * columns)...])
            Scalar.gemm(.normal, .transposed, m: r - j0, n: j1 - j0, k: depth, alpha: 1, a: a, lda: columns,
                        b: a, ldb: columns, beta: 0, c: out, ldc: r)
          }
          j0 = j1
        }
        // The blocks above the diagonal blocks from their mirror images.
        j0 = 0
        while j0 < r {
          let j1 = Swift.min(r, j0 + block)
          for i in j1..<r { for j in j0..<j1 { g[j * r + i] = g[i * r + j] } }
          j0 = j1
        }
      }
    }
    return c
  }
}
