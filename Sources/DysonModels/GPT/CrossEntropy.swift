import DysonCore

// Softmax cross-entropy over the vocabulary, averaged over the N = B·T predicted tokens:
//   L = −(1/N) Σ_n log p_n[y_n],  p_n = softmax(z_n).
// Backward: ∂L/∂z_n = (p_n − e_{y_n}) / N   (the softmax Jacobian contracted with −1/p at y_n).

/// Turns each row of `logits` into probabilities in place and writes each row's −log p[target].
@inline(__always)
func softmaxCrossEntropyForward<Scalar: DysonScalar>(
  _ logits: UnsafeMutablePointer<Scalar>, losses: UnsafeMutablePointer<Double>, targets: UnsafePointer<Int32>,
  rows: Int, classes V: Int
) {
  for n in 0..<rows {
    let z = logits + n * V
    var maximum = -Scalar.infinity
    for c in 0..<V { maximum = max(maximum, z[c]) }
    let target = Int(targets[n])
    let shiftedTarget = z[target] - maximum
    let sum = exponentiateShifted(z, count: V, shift: maximum)
    let inverse = 1 / sum
    for c in 0..<V { z[c] *= inverse }
    // log p[y] = (z_y − max) − log Σ: finite even where p[y] underflows.
    losses[n] = -Double(shiftedTarget - Scalar.log(sum))
  }
}

/// probabilities → ∂L/∂logits in place, for `rows` rows of a batch of `batchRows` (the mean's N).
@inline(__always)
func softmaxCrossEntropyBackward<Scalar: DysonScalar>(
  _ probabilities: UnsafeMutablePointer<Scalar>, targets: UnsafePointer<Int32>, rows: Int, batchRows: Int, classes V: Int
) {
  let inverseRows = 1 / Scalar(batchRows)
  for n in 0..<rows {
    let row = probabilities + n * V
    row[Int(targets[n])] -= 1
    for c in 0..<V { row[c] *= inverseRows }
  }
}
