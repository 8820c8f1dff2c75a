import DysonCore

/// Every intermediate of one forward pass that the backward pass needs, and the backward
/// pass's scratch, in one allocation sized for `batch` sequences of `length` tokens.
///
/// Allocated once per shape and reused: a training step allocates nothing (llm.c's layout, where
/// each activation is a slice of one buffer).
public final class GPTActivations<Scalar: DysonScalar> {
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
  // Backward scratch.
  let dResidual, dNorm, dFused, dAttended, dHidden: UnsafeMutablePointer<Scalar>
  /// Transposed keys or values of one head and one row of scores (see `AttentionShape`).
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
      N * C, N * C, N * 3 * C, N * C, N * H, attention.scratchCount,  // backward scratch
    ]
    storage = .allocate(capacity: sizes.reduce(0, +))
    storage.initialize(repeating: 0)
    var cursor = storage.baseAddress!
    var slices: [UnsafeMutablePointer<Scalar>] = []
    for size in sizes {
      slices.append(cursor)
      cursor += size
    }
    (residual, middle, norm1, norm1Mean, norm1InverseDeviation) = (slices[0], slices[1], slices[2], slices[3], slices[4])
    (fused, probabilities, attended) = (slices[5], slices[6], slices[7])
    (norm2, norm2Mean, norm2InverseDeviation, hiddenPre, hidden) = (slices[8], slices[9], slices[10], slices[11], slices[12])
    (finalNorm, finalMean, finalInverseDeviation, logits) = (slices[13], slices[14], slices[15], slices[16])
    (dResidual, dNorm, dFused, dAttended, dHidden, attentionScratch) = (slices[17], slices[18], slices[19], slices[20], slices[21], slices[22])
    inputs = .allocate(capacity: 2 * N)
    inputs.initialize(repeating: 0, count: 2 * N)
    targets = inputs + N
  }

  deinit {
    storage.deallocate()
    inputs.deallocate()
  }

  var rows: Int { batch * length }
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
