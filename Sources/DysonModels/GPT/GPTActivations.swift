import DysonCore

/// Every intermediate of one forward pass that the backward pass needs, and the backward
/// pass's scratch, in one allocation sized for `batch` sequences of `length` tokens.
///
/// Allocated once per shape and reused: a training step allocates nothing (llm.c's layout, where
/// each activation is a slice of one buffer). Sendable because the pieces of a pass write disjoint
/// rows and the parameter jobs only read (`GPT.forward`, `GPT.backward`).
public final class GPTActivations<Scalar: DysonScalar>: @unchecked Sendable {
  public let batch: Int
  public let length: Int
  let configuration: GPTConfiguration
  private let storage: UnsafeMutableBufferPointer<Scalar>

  /// Per layer l: inputs x_l (l = 0 is the embedding sum; l = L is the final residual stream).
  let residual: UnsafeMutablePointer<Scalar>
  /// Per layer: the stream after attention, x_l + attn(LN1(x_l)).
  let middle: UnsafeMutablePointer<Scalar>
  let norm1, norm1Mean, norm1InverseDeviation: UnsafeMutablePointer<Scalar>
  let fused: UnsafeMutablePointer<Scalar>
  let probabilities: UnsafeMutablePointer<Scalar>
  let attended: UnsafeMutablePointer<Scalar>
  let norm2, norm2Mean, norm2InverseDeviation: UnsafeMutablePointer<Scalar>
  let hiddenPre, hidden: UnsafeMutablePointer<Scalar>
  let finalNorm, finalMean, finalInverseDeviation: UnsafeMutablePointer<Scalar>
  /// Logits, then probabilities, then ∂L/∂logits.
  let logits: UnsafeMutablePointer<Scalar>
  /// −log p[target] of each row, summed in row order after the rows' pieces are done.
  let rowLosses: UnsafeMutablePointer<Double>
  // The backward row pass's results, per layer: the parameter pass sums ∂L/∂θ over all rows from
  // them, after every row is done (`GPT.backward`). ∂L/∂hidden takes the place of hiddenPre, whose
  // sign the relu's derivative reads from hidden instead.
  /// ∂L/∂x_l for l = 0...L (the gradient of the stream entering block l; L is the final stream).
  let dResidual: UnsafeMutablePointer<Scalar>
  /// ∂L/∂m_l, the stream's gradient after block l's attention; ∂L/∂LN1 and ∂L/∂LN2 outputs; ∂L/∂qkv.
  let dMiddle, dNorm1, dNorm2, dFused: UnsafeMutablePointer<Scalar>
  /// ∂L/∂(final LayerNorm output), and ∂L/∂(attention output), used within the row pass only.
  let dFinalNorm, dAttended: UnsafeMutablePointer<Scalar>
  /// Per sequence: transposed keys or values of one head and one row of scores (see `AttentionShape`),
  /// so that sequences can go through attention at the same time.
  let attentionScratch: UnsafeMutablePointer<Scalar>
  /// Token ids of the current batch: inputs and next-token targets, N each.
  let inputs, targets: UnsafeMutablePointer<Int32>

  public init(_ configuration: GPTConfiguration, batch: Int, length: Int) {
    precondition(batch >= 1 && (1...configuration.block).contains(length), "GPTActivations: batch \(batch), length \(length)")
    self.batch = batch
    self.length = length
    self.configuration = configuration
    let L = configuration.layers, N = batch * length, C = configuration.embedding
    let H = configuration.hiddenWidth, V = configuration.vocabulary
    let attention = AttentionShape(batch: batch, length: length, heads: configuration.heads, headSize: configuration.headSize)
    let sizes = [
      (L + 1) * N * C, L * N * C,                          // residual, middle
      L * N * C, L * N, L * N,                             // norm1
      L * N * 3 * C, L * attention.probabilityCount, L * N * C,
      L * N * C, L * N, L * N,                             // norm2
      L * N * H, L * N * H,
      N * C, N, N, N * V,
      (L + 1) * N * C, L * N * C, L * N * C, L * N * C, L * N * 3 * C,  // backward: dResidual … dFused
      N * C, N * C, batch * attention.scratchCount,
    ]
    // Each slice starts on a 64-byte line: a vector load never straddles two lines more than it must.
    let lineScalars = max(1, 64 / MemoryLayout<Scalar>.stride)
    let padded = sizes.map { ($0 + lineScalars - 1) / lineScalars * lineScalars }
    storage = UnsafeMutableBufferPointer(
      start: UnsafeMutableRawPointer.allocate(byteCount: padded.reduce(0, +) * MemoryLayout<Scalar>.stride, alignment: 64)
        .bindMemory(to: Scalar.self, capacity: padded.reduce(0, +)),
      count: padded.reduce(0, +))
    storage.initialize(repeating: 0)
    var cursor = storage.baseAddress!
    var slices: [UnsafeMutablePointer<Scalar>] = []
    for size in padded {
      slices.append(cursor)
      cursor += size
    }
    (residual, middle, norm1, norm1Mean, norm1InverseDeviation) = (slices[0], slices[1], slices[2], slices[3], slices[4])
    (fused, probabilities, attended) = (slices[5], slices[6], slices[7])
    (norm2, norm2Mean, norm2InverseDeviation, hiddenPre, hidden) = (slices[8], slices[9], slices[10], slices[11], slices[12])
    (finalNorm, finalMean, finalInverseDeviation, logits) = (slices[13], slices[14], slices[15], slices[16])
    (dResidual, dMiddle, dNorm1, dNorm2, dFused) = (slices[17], slices[18], slices[19], slices[20], slices[21])
    (dFinalNorm, dAttended, attentionScratch) = (slices[22], slices[23], slices[24])
    rowLosses = .allocate(capacity: N)
    rowLosses.initialize(repeating: 0, count: N)
    inputs = .allocate(capacity: 2 * N)
    inputs.initialize(repeating: 0, count: 2 * N)
    targets = inputs + N
  }

  deinit {
    storage.deallocate()
    rowLosses.deallocate()
    inputs.deallocate()
  }

  var rows: Int { batch * length }
  /// ∂L/∂hidden of block l (N × H), in the place of its pre-activation (see `dResidual`).
  func dHidden(_ l: Int) -> UnsafeMutablePointer<Scalar> { hiddenPre + l * rows * configuration.hiddenWidth }
  var attentionShape: AttentionShape {
    AttentionShape(batch: batch, length: length, heads: configuration.heads, headSize: configuration.headSize)
  }

  /// Copies a batch of token ids in, checking each against the vocabulary.
  public func load(inputs newInputs: [Int32], targets newTargets: [Int32]?) throws(GPTError) {
    let N = rows, V = configuration.vocabulary
    guard newInputs.count == N, newTargets.map({ $0.count == N }) ?? true else {
      throw .invalidTokens("expected \(batch)×\(length) = \(N) inputs and targets, got \(newInputs.count) and \(newTargets?.count ?? 0)")
    }
    for (n, token) in newInputs.enumerated() {
      guard (0..<Int32(V)).contains(token) else { throw .invalidTokens("input \(n) is \(token), outside the vocabulary 0..<\(V)") }
      inputs[n] = token
    }
    if let newTargets {
      for (n, token) in newTargets.enumerated() {
        guard (0..<Int32(V)).contains(token) else { throw .invalidTokens("target \(n) is \(token), outside the vocabulary 0..<\(V)") }
        targets[n] = token
      }
    }
  }

  /// Raw logits of the next token after position t of sequence b (after a forward pass without
  /// loss; with the loss, the buffer holds probabilities instead).
  func nextTokenLogits(sequence b: Int, position t: Int) -> [Scalar] {
    let V = configuration.vocabulary
    return Array(UnsafeBufferPointer(start: logits + (b * length + t) * V, count: V))
  }
}
