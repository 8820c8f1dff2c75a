extension Matrix {
  /// The transpose, copied in 32×32 blocks so both reads and writes stay in cache.
  public func transposed() -> Matrix {
    var result = Matrix(rows: columns, columns: rows)
    let (m, n) = (rows, columns)
    let block = 32
    storage.withUnsafeBufferPointer { src in
      result.storage.withUnsafeMutableBufferPointer { dst in
        for i0 in stride(from: 0, to: m, by: block) {
          for j0 in stride(from: 0, to: n, by: block) {
            for i in i0..<Swift.min(i0 + block, m) {
              for j in j0..<Swift.min(j0 + block, n) { dst[j * m + i] = src[i * n + j] }
            }
          }
        }
      }
    }
    return result
  }

  /// Whether the matrix equals its transpose to within `tolerance` (absolute).
  public func isSymmetric(tolerance: Scalar = 0) -> Bool {
    guard isSquare else { return false }
    for i in 0..<rows {
      for j in (i + 1)..<Swift.max(i + 1, columns) where abs(storage[i * columns + j] - storage[j * columns + i]) > tolerance {
        return false
      }
    }
    return true
  }
}
