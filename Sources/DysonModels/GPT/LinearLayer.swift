import DysonCore

// A PyTorch `Linear` on a batch of rows: Y = X·Wᵀ + b, X of shape [N, in], W of shape [out, in].
// Backward: ∂L/∂X = ∂L/∂Y·W,  ∂L/∂W = (∂L/∂Y)ᵀ·X,  ∂L/∂b = Σ_rows ∂L/∂Y   (Y is linear in each).

/// y = x·Wᵀ + b (b optional).
@inline(__always)
func linearForward<Scalar: DysonScalar>(
  _ y: UnsafeMutablePointer<Scalar>, _ x: UnsafePointer<Scalar>, weight: UnsafePointer<Scalar>,
  bias: UnsafePointer<Scalar>?, rows: Int, inputs: Int, outputs: Int
) {
  if let bias {
    for i in 0..<rows { (y + i * outputs).update(from: bias, count: outputs) }
  }
  Scalar.gemm(.normal, .transposed, m: rows, n: outputs, k: inputs, alpha: 1,
              a: UnsafeBufferPointer(start: x, count: rows * inputs), lda: inputs,
              b: UnsafeBufferPointer(start: weight, count: outputs * inputs), ldb: inputs,
              beta: bias == nil ? 0 : 1, c: UnsafeMutableBufferPointer(start: y, count: rows * outputs), ldc: outputs)
}

/// dx ← ∂L/∂X = ∂L/∂Y·W, row by row (rows are independent: a block of them can go alone).
@inline(__always)
func linearBackwardInput<Scalar: DysonScalar>(
  dx: UnsafeMutablePointer<Scalar>, dy: UnsafePointer<Scalar>, weight: UnsafePointer<Scalar>,
  rows: Int, inputs: Int, outputs: Int
) {
  Scalar.gemm(.normal, .normal, m: rows, n: inputs, k: outputs, alpha: 1,
              a: UnsafeBufferPointer(start: dy, count: rows * outputs), lda: outputs,
              b: UnsafeBufferPointer(start: weight, count: outputs * inputs), ldb: inputs,
              beta: 0, c: UnsafeMutableBufferPointer(start: dx, count: rows * inputs), ldc: inputs)
}

/// Overwrites dWeight ← (∂L/∂Y)ᵀ·X and dBias ← Σ_rows ∂L/∂Y: sums over every row of the batch.
@inline(__always)
func linearBackwardParameters<Scalar: DysonScalar>(
  dWeight: UnsafeMutablePointer<Scalar>, dBias: UnsafeMutablePointer<Scalar>?,
  dy: UnsafePointer<Scalar>, x: UnsafePointer<Scalar>, rows: Int, inputs: Int, outputs: Int
) {
  Scalar.gemm(.transposed, .normal, m: outputs, n: inputs, k: rows, alpha: 1,
              a: UnsafeBufferPointer(start: dy, count: rows * outputs), lda: outputs,
              b: UnsafeBufferPointer(start: x, count: rows * inputs), ldb: inputs,
              beta: 0, c: UnsafeMutableBufferPointer(start: dWeight, count: outputs * inputs), ldc: inputs)
  if let dBias { columnSums(dBias, of: dy, rows: rows, columns: outputs) }
}

/// sums[j] = Σ_i m[i·columns + j], each column's rows added in order. Thirty-two columns at a time
/// in four vector registers: as `sums[j] += row[j]` over rows, Swift kept the loop scalar, with a
/// load and a store per addition.
@inline(__always)
func columnSums<Scalar: DysonScalar>(_ sums: UnsafeMutablePointer<Scalar>, of m: UnsafePointer<Scalar>, rows: Int, columns: Int) {
  typealias V = SIMD8<Scalar>
  let stride = MemoryLayout<Scalar>.stride
  let rm = UnsafeRawPointer(m), rs = UnsafeMutableRawPointer(sums)
  var j = 0
  while j + 32 <= columns {
    var s0 = V(), s1 = V(), s2 = V(), s3 = V()
    for i in 0..<rows {
      let o = (i * columns + j) * stride
      s0 += rm.loadUnaligned(fromByteOffset: o, as: V.self)
      s1 += rm.loadUnaligned(fromByteOffset: o + 8 * stride, as: V.self)
      s2 += rm.loadUnaligned(fromByteOffset: o + 16 * stride, as: V.self)
      s3 += rm.loadUnaligned(fromByteOffset: o + 24 * stride, as: V.self)
    }
    rs.storeBytes(of: s0, toByteOffset: j * stride, as: V.self)
    rs.storeBytes(of: s1, toByteOffset: (j + 8) * stride, as: V.self)
    rs.storeBytes(of: s2, toByteOffset: (j + 16) * stride, as: V.self)
    rs.storeBytes(of: s3, toByteOffset: (j + 24) * stride, as: V.self)
    j += 32
  }
  while j + 8 <= columns {
    var s0 = V()
    for i in 0..<rows { s0 += rm.loadUnaligned(fromByteOffset: (i * columns + j) * stride, as: V.self) }
    rs.storeBytes(of: s0, toByteOffset: j * stride, as: V.self)
    j += 8
  }
  while j < columns {
    var s: Scalar = 0
    for i in 0..<rows { s += m[i * columns + j] }
    sums[j] = s
    j += 1
  }
}
