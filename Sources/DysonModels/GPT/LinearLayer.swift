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

/// Overwrites dWeight (and dBias) and, when given, dx ← ∂L/∂X (or dx += ∂L/∂X with `accumulate`).
@inline(__always)
func linearBackward<Scalar: DysonScalar>(
  dx: UnsafeMutablePointer<Scalar>?, accumulate: Bool = false,
  dWeight: UnsafeMutablePointer<Scalar>, dBias: UnsafeMutablePointer<Scalar>?,
  dy: UnsafePointer<Scalar>, x: UnsafePointer<Scalar>, weight: UnsafePointer<Scalar>,
  rows: Int, inputs: Int, outputs: Int
) {
  let dyBuffer = UnsafeBufferPointer(start: dy, count: rows * outputs)
  Scalar.gemm(.transposed, .normal, m: outputs, n: inputs, k: rows, alpha: 1,
              a: dyBuffer, lda: outputs, b: UnsafeBufferPointer(start: x, count: rows * inputs), ldb: inputs,
              beta: 0, c: UnsafeMutableBufferPointer(start: dWeight, count: outputs * inputs), ldc: inputs)
  if let dBias {
    dBias.update(repeating: 0, count: outputs)
    for i in 0..<rows {
      let row = dy + i * outputs
      for j in 0..<outputs { dBias[j] += row[j] }
    }
  }
  if let dx {
    Scalar.gemm(.normal, .normal, m: rows, n: inputs, k: outputs, alpha: 1,
                a: dyBuffer, lda: outputs, b: UnsafeBufferPointer(start: weight, count: outputs * inputs), ldb: inputs,
                beta: accumulate ? 1 : 0, c: UnsafeMutableBufferPointer(start: dx, count: rows * inputs), ldc: inputs)
  }
}
