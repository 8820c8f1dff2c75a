import DysonCore

/// Every intermediate of one forward pass that the backward pass needs, and the backward
/// pass's scratch, in one allocation sized for `batch` sequences of `length` tokens.
///
/// Allocated once per shape and reused: a training step allocates nothing (llm.c's layout, where
/// each activation is a slice of one buffer). Sendable because the pieces of a pass write disjoint
/// rows and the parameter jobs only read (`GPT.forward`, `GPT.backward`).
public final class GPTActivations<Scalar: DysonScalar>: @unchecked Sendable {
  /// Sequences the buffers hold (B).
  public let batch: Int
  /// Tokens per sequence (T ≤ block).
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

  /// Buffers for `batch` sequences of `length` tokens of a model of `configuration`.
  public init(_ configuration: GPTConfiguration, batch: Int, length: Int) {
    precondition(batch >= 1 && (1...configuration.block).contains(length), "GPTActivations: batch \(batch), length \(length)")
    self.batch = batch
    self.length = length
    self.configuration = configuration
    let L = configuration.layers, N = batch * length, C = configuration.embedding
    let H = configuration.hiddenWidth, V = configuration.vocabulary
    let attention = AttentionShape(batch: batch, length: length, heads: configuration.heads, headSize: configuration.headSize)
    // Every buffer by name with its shape (L layers, N = batch·length rows, T × T probabilities
    // per sequence and head), in one allocation; each starts on a 64-byte line.
    let plan: [(name: String, count: Int)] = [
      ("residual", (L + 1) * N * C),                  // (L + 1, N, C)
      ("middle", L * N * C),                          // (L, N, C)
      ("norm1", L * N * C), ("norm1Mean", L * N), ("norm1InverseDeviation", L * N),   // (L, N, C), (L, N), (L, N)
      ("fused", L * N * 3 * C),                       // (L, N, 3C): keys | queries | values
      ("probabilities", L * attention.probabilityCount),  // (L, B, heads, T, T)
      ("attended", L * N * C),                        // (L, N, C)
      ("norm2", L * N * C), ("norm2Mean", L * N), ("norm2InverseDeviation", L * N),   // (L, N, C), (L, N), (L, N)
      ("hiddenPre", L * N * H), ("hidden", L * N * H),  // (L, N, H) each
      ("finalNorm", N * C), ("finalMean", N), ("finalInverseDeviation", N),           // (N, C), (N), (N)
      ("logits", N * V),                              // (N, V)
      ("dResidual", (L + 1) * N * C),                 // (L + 1, N, C)
      ("dMiddle", L * N * C), ("dNorm1", L * N * C), ("dNorm2", L * N * C),           // (L, N, C) each
      ("dFused", L * N * 3 * C),                      // (L, N, 3C)
      ("dFinalNorm", N * C), ("dAttended", N * C),    // (N, C) each
      ("attentionScratch", batch * attention.scratchCount),  // (B, scratch of one sequence)
    ]
    let lineScalars = max(1, 64 / MemoryLayout<Scalar>.stride)
    let padded = plan.map { ($0.count + lineScalars - 1) / lineScalars * lineScalars }
    let total = padded.reduce(0, +)
    storage = UnsafeMutableBufferPointer(
      start: UnsafeMutableRawPointer.allocate(byteCount: total * MemoryLayout<Scalar>.stride, alignment: 64)
        .bindMemory(to: Scalar.self, capacity: total),
      count: total)
    storage.initialize(repeating: 0)
    var slices: [String: UnsafeMutablePointer<Scalar>] = [:]
    var cursor = storage.baseAddress!
    for (entry, size) in zip(plan, padded) {
      slices[entry.name] = cursor
      cursor += size
    }
    func slice(_ name: String) -> UnsafeMutablePointer<Scalar> { slices[name]! }
    (residual, middle) = (slice("residual"), slice("middle"))
    (norm1, norm1Mean, norm1InverseDeviation) = (slice("norm1"), slice("norm1Mean"), slice("norm1InverseDeviation"))
    (fused, probabilities, attended) = (slice("fused"), slice("probabilities"), slice("attended"))
    (norm2, norm2Mean, norm2InverseDeviation) = (slice("norm2"), slice("norm2Mean"), slice("norm2InverseDeviation"))
    (hiddenPre, hidden) = (slice("hiddenPre"), slice("hidden"))
    (finalNorm, finalMean, finalInverseDeviation, logits) = (slice("finalNorm"), slice("finalMean"), slice("finalInverseDeviation"), slice("logits"))
    (dResidual, dMiddle, dNorm1, dNorm2, dFused) = (slice("dResidual"), slice("dMiddle"), slice("dNorm1"), slice("dNorm2"), slice("dFused"))
    (dFinalNorm, dAttended, attentionScratch) = (slice("dFinalNorm"), slice("dAttended"), slice("attentionScratch"))
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

  /// Block l's activations and their gradients from row `first` on (the first row of a piece of
  /// the batch): each pointer is row `first` of its (N, width) matrix for this layer.
  struct Layer {
    /// x_l, the stream entering the block; m = x_l + attn(LN1(x_l)); x_{l+1} = m + MLP(LN2(m)).
    let x, middle, next: UnsafeMutablePointer<Scalar>
    let norm1, norm1Mean, norm1InverseDeviation: UnsafeMutablePointer<Scalar>
    /// qkv = LN1(x)·W_attnᵀ (N, 3C), and the attention's output (N, C).
    let fused, attended: UnsafeMutablePointer<Scalar>
    let norm2, norm2Mean, norm2InverseDeviation: UnsafeMutablePointer<Scalar>
    /// W₁·LN2(m) + b₁ and its relu (N, H); ∂L/∂hidden later takes the place of the first.
    let hiddenPre, hidden: UnsafeMutablePointer<Scalar>
    /// ∂L/∂x_l, ∂L/∂m, ∂L/∂x_{l+1}; ∂L/∂LN1(x), ∂L/∂LN2(m); ∂L/∂qkv.
    let dX, dMiddle, dNext, dNorm1, dNorm2, dFused: UnsafeMutablePointer<Scalar>
  }

  func layer(_ l: Int, from first: Int) -> Layer {
    let N = rows, C = configuration.embedding, H = configuration.hiddenWidth
    let row = l * N + first
    return Layer(x: residual + row * C, middle: middle + row * C, next: residual + (row + N) * C,
                 norm1: norm1 + row * C, norm1Mean: norm1Mean + row, norm1InverseDeviation: norm1InverseDeviation + row,
                 fused: fused + row * 3 * C, attended: attended + row * C,
                 norm2: norm2 + row * C, norm2Mean: norm2Mean + row, norm2InverseDeviation: norm2InverseDeviation + row,
                 hiddenPre: hiddenPre + row * H, hidden: hidden + row * H,
                 dX: dResidual + row * C, dMiddle: dMiddle + row * C, dNext: dResidual + (row + N) * C,
                 dNorm1: dNorm1 + row * C, dNorm2: dNorm2 + row * C, dFused: dFused + row * 3 * C)
  }
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
