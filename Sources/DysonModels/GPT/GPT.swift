import DysonCore
import Synchronization

/// The character-level transformer of Karpathy's lecture (Docs/Science.md §5.2): token and
/// position embeddings, `layers` pre-LayerNorm blocks x + MHA(LN1(x)), x + MLP(LN2(x)), a final
/// LayerNorm and a linear head, trained with the cross-entropy of the next character.
///
/// The parameters are one flat vector laid out by `GPTLayout`; `forward` and `backward` are
/// written out by hand layer by layer, each backward step with its derivation (see also
/// Docs/Gradients.md). Training runs in `Float`; `Double` is for checking gradients.
public struct GPT<Scalar: DysonScalar>: Sendable {
  /// The sizes and choices the model was built with.
  public let configuration: GPTConfiguration
  /// Where each tensor lives in `parameters`.
  public let layout: GPTLayout
  /// Every parameter in one flat vector, laid out by `layout`.
  public var parameters: [Scalar]

  /// A freshly initialised model (`configuration.initialisation`), drawn from `rng` in the order
  /// of `layout.tensors`.
  public init(_ configuration: GPTConfiguration, using rng: inout Xoshiro256StarStar) throws(GPTError) {
    try configuration.validate()
    self.configuration = configuration
    layout = GPTLayout(configuration)
    parameters = [Scalar](repeating: 0, count: layout.count)
    let byName = Dictionary(uniqueKeysWithValues: layout.tensors.map { ($0.name, $0) })
    for tensor in layout.tensors {
      let range = tensor.offset..<(tensor.offset + tensor.count)
      let name = tensor.name
      if name.hasPrefix("ln_f.") || name.contains(".ln1.") || name.contains(".ln2.") {
        let value: Scalar = name.hasSuffix(".weight") ? 1 : 0
        for i in range { parameters[i] = value }
      } else if name.hasSuffix("embedding_table.weight") {
        let deviation = configuration.initialisation == .pytorch ? 1.0 : 0.02
        for i in range { parameters[i] = Scalar(rng.normal() * deviation) }
      } else if configuration.initialisation == .gpt2 {
        let isWeight = name.hasSuffix(".weight")
        for i in range { parameters[i] = isWeight ? Scalar(rng.normal() * 0.02) : 0 }
      } else {
        // PyTorch's Linear: kaiming_uniform(a = √5) gives U(±1/√fan_in) for the weight; the bias
        // uses the same bound, with fan_in from its weight.
        let weightName = name.hasSuffix(".bias") ? String(name.dropLast(4)) + "weight" : name
        let bound = 1 / Double(byName[weightName]!.shape[1]).squareRoot()
        for i in range { parameters[i] = Scalar(rng.uniform(in: -bound, bound)) }
      }
    }
  }

  /// A model with the given parameters (laid out by `GPTLayout(configuration)`).
  public init(_ configuration: GPTConfiguration, parameters: [Scalar]) throws(GPTError) {
    try configuration.validate()
    let layout = GPTLayout(configuration)
    guard parameters.count == layout.count else {
      throw .invalidParameters("expected \(layout.count) parameters for this configuration, got \(parameters.count)")
    }
    self.configuration = configuration
    self.layout = layout
    self.parameters = parameters
  }

  /// The values of one named tensor (row-major, PyTorch shape `layout.tensor(named:)!.shape`).
  public func values(of tensor: GPTLayout.Tensor) -> ArraySlice<Scalar> {
    parameters[tensor.offset..<(tensor.offset + tensor.count)]
  }

  /// Mean cross-entropy of next-token prediction on a batch (`inputs`, `targets`: batch × length).
  public func loss(inputs: [Int32], targets: [Int32], batch: Int) throws(GPTError) -> Double {
    let activations = try prepared(inputs: inputs, targets: targets, batch: batch)
    return parameters.withUnsafeBufferPointer { forward($0.baseAddress!, activations, computeLoss: true) }
  }

  /// The loss and ∂L/∂θ for every parameter, in the layout of `parameters`.
  public func lossAndGradient(inputs: [Int32], targets: [Int32], batch: Int) throws(GPTError) -> (loss: Double, gradient: [Scalar]) {
    try computeLossAndGradient(inputs: inputs, targets: targets, batch: batch)
  }

  func computeLossAndGradient(inputs: [Int32], targets: [Int32], batch: Int) throws(GPTError) -> (loss: Double, gradient: [Scalar]) {
    let activations = try prepared(inputs: inputs, targets: targets, batch: batch)
    var gradient = [Scalar](repeating: 0, count: layout.count)
    let loss = parameters.withUnsafeBufferPointer { p in
      let loss = forward(p.baseAddress!, activations, computeLoss: true)
      gradient.withUnsafeMutableBufferPointer { backward(p.baseAddress!, gradient: $0.baseAddress!, activations) }
      return loss
    }
    return (loss, gradient)
  }

  private func prepared(inputs: [Int32], targets: [Int32]?, batch: Int) throws(GPTError) -> GPTActivations<Scalar> {
    guard batch >= 1, inputs.count % batch == 0, (1...configuration.block).contains(inputs.count / batch) else {
      throw .invalidTokens("\(inputs.count) tokens do not form \(batch) sequences of 1...\(configuration.block) tokens")
    }
    let activations = GPTActivations<Scalar>(configuration, batch: batch, length: inputs.count / batch)
    try activations.load(inputs: inputs, targets: targets)
    return activations
  }

  // MARK: - Pieces of the batch

  /// Runs `body` on consecutive pieces of the batch's sequences, at once on up to
  /// `Parallelism.kernelThreadCount` threads (each piece's products on one thread). A row's
  /// arithmetic never depends on the other rows — the gemm adds in an order fixed by the depth
  /// alone, attention stays within a sequence — so the results are the same bits however the
  /// batch is cut, and so whatever the thread count.
  func forEachPiece(_ a: GPTActivations<Scalar>, _ body: @escaping @Sendable (_ sequences: Range<Int>, _ scratch: Int) -> Void) {
    let pieces = min(a.batch, Parallelism.kernelThreadCount)
    if pieces == 1 { return body(0..<a.batch, 0) }
    Parallelism.forEach(count: pieces) { k in
      Parallelism.$kernelThreads.withValue(1) { body((k * a.batch / pieces)..<((k + 1) * a.batch / pieces), k) }
    }
  }

  // MARK: - Forward

  /// Runs the model on `activations.inputs`; returns the mean loss against `activations.targets`
  /// (leaving probabilities in `logits`) or, without `computeLoss`, leaves the raw logits and returns 0.
  func forward(_ p: UnsafePointer<Scalar>, _ a: GPTActivations<Scalar>, computeLoss: Bool) -> Double {
    let parameters = SharedPointer(p)
    forEachPiece(a) { sequences, piece in
      self.forward(parameters.base, a, sequences: sequences, scratch: piece, computeLoss: computeLoss)
    }
    guard computeLoss else { return 0 }
    var total = 0.0
    for n in 0..<a.rows { total += a.rowLosses[n] }  // in row order, whatever the pieces
    return total / Double(a.rows)
  }

  /// The forward pass for the rows of `sequences`: every step below is row by row, except
  /// attention, which stays within each sequence.
  private func forward(_ p: UnsafePointer<Scalar>, _ a: GPTActivations<Scalar>, sequences: Range<Int>, scratch: Int,
                       computeLoss: Bool) {
    let c = configuration, N = a.rows, T = a.length, C = c.embedding, H = c.hiddenWidth
    let epsilon = Scalar(c.layerNormEpsilon), scale = Scalar(c.scoreScale)
    let shape = a.attentionShape
    let first = sequences.lowerBound * T, rows = sequences.count * T  // this piece: rows first..<first + rows
    let attentionScratch = a.attentionScratch + scratch * shape.scratchCount
    // x₀ = wte[token] + wpe[position]
    for n in first..<(first + rows) {
      let token = p + layout.tokenEmbedding + Int(a.inputs[n]) * C
      let position = p + layout.positionEmbedding + (n % T) * C
      let x = a.residual + n * C
      for j in 0..<C { x[j] = token[j] + position[j] }
    }
    for (l, block) in layout.blocks.enumerated() {
      let y = a.layer(l, from: first)  // this layer's activations, from this piece's first row
      // m = x + proj(attention(LN1(x)·W_attnᵀ))
      layerNormForward(y.norm1, mean: y.norm1Mean, inverseDeviation: y.norm1InverseDeviation, y.x,
                       weight: p + block.norm1Weight, bias: p + block.norm1Bias, rows: rows, width: C, epsilon: epsilon)
      linearForward(y.fused, y.norm1, weight: p + block.attentionWeight, bias: nil, rows: rows, inputs: C, outputs: 3 * C)
      attentionForward(a.attended + l * N * C, probabilities: a.probabilities + l * shape.probabilityCount, scratch: attentionScratch,
                       a.fused + l * N * 3 * C, shape: shape, sequences: sequences, scale: scale)
      linearForward(y.middle, y.attended, weight: p + block.projectionWeight, bias: p + block.projectionBias,
                    rows: rows, inputs: C, outputs: C)
      for i in 0..<(rows * C) { y.middle[i] += y.x[i] }
      // x_{l+1} = m + W₂·relu(W₁·LN2(m) + b₁) + b₂
      layerNormForward(y.norm2, mean: y.norm2Mean, inverseDeviation: y.norm2InverseDeviation, y.middle,
                       weight: p + block.norm2Weight, bias: p + block.norm2Bias, rows: rows, width: C, epsilon: epsilon)
      linearForward(y.hiddenPre, y.norm2, weight: p + block.hiddenWeight, bias: p + block.hiddenBias, rows: rows, inputs: C, outputs: H)
      reluForward(y.hidden, y.hiddenPre, count: rows * H)
      linearForward(y.next, y.hidden, weight: p + block.outputWeight, bias: p + block.outputBias, rows: rows, inputs: H, outputs: C)
      for i in 0..<(rows * C) { y.next[i] += y.middle[i] }
    }
    let last = a.residual + (layout.blocks.count * N + first) * C
    let finalNorm = a.finalNorm + first * C, logits = a.logits + first * c.vocabulary
    layerNormForward(finalNorm, mean: a.finalMean + first, inverseDeviation: a.finalInverseDeviation + first, last,
                     weight: p + layout.finalNormWeight, bias: p + layout.finalNormBias, rows: rows, width: C, epsilon: epsilon)
    linearForward(logits, finalNorm, weight: p + layout.headWeight, bias: p + layout.headBias,
                  rows: rows, inputs: C, outputs: c.vocabulary)
    if computeLoss {
      softmaxCrossEntropyForward(logits, losses: a.rowLosses + first, targets: a.targets + first, rows: rows, classes: c.vocabulary)
    }
  }

  // MARK: - Backward

  /// Overwrites `g` with ∂L/∂θ, after `forward(…, computeLoss: true)` on the same activations, in
  /// two passes. The row pass carries ∂L/∂(activations) back through the layers, row by row (pieces
  /// of the batch at once); the parameter pass then forms each ∂L/∂θ, a sum over all rows, from
  /// what the row pass kept (each tensor's sum is one job; jobs at once). Neither depends on how
  /// the work was split, so the gradient is the same bits at any thread count.
  func backward(_ p: UnsafePointer<Scalar>, gradient g: UnsafeMutablePointer<Scalar>, _ a: GPTActivations<Scalar>) {
    let parameters = SharedPointer(p), gradient = SharedPointer(g)
    let jobs = parameterGradientJobs(a)
    if min(a.batch, Parallelism.kernelThreadCount) == 1 {
      // One piece: each layer's sums right after its rows, while their operands are still in cache.
      backwardRows(p, a, sequences: 0..<a.batch, scratch: 0) { stage in
        for job in jobs[stage] { job(gradient.base) }
      }
      for job in jobs[jobs.count - 1] { job(gradient.base) }
      return
    }
    forEachPiece(a) { sequences, piece in self.backwardRows(parameters.base, a, sequences: sequences, scratch: piece) { _ in } }
    let all = jobs.flatMap { $0 }
    let next = Atomic<Int>(0)
    Parallelism.forEach(count: min(all.count, Parallelism.kernelThreadCount)) { _ in
      Parallelism.$kernelThreads.withValue(1) {
        while true {
          let j = next.wrappingAdd(1, ordering: .relaxed).oldValue
          guard j < all.count else { return }
          all[j](gradient.base)
        }
      }
    }
  }

  /// The row pass for the rows of `sequences`. The residual stream's gradient flows back through
  /// `dResidual`; each block adds its branches to it (x_{l+1} = m + MLP(LN2(m)) ⇒ ∂L/∂m = ∂L/∂x_{l+1}
  /// + LN2ᵀ MLPᵀ ∂L/∂x_{l+1}; likewise for m = x_l + MHA(LN1(x_l))).
  /// `finished(stage)` is called when the rows are done with the head (stage L) and with block l (stage l).
  private func backwardRows(_ p: UnsafePointer<Scalar>, _ a: GPTActivations<Scalar>, sequences: Range<Int>, scratch: Int,
                            finished: (_ stage: Int) -> Void) {
    let c = configuration, N = a.rows, T = a.length, C = c.embedding, H = c.hiddenWidth, V = c.vocabulary
    let scale = Scalar(c.scoreScale)
    let shape = a.attentionShape
    let first = sequences.lowerBound * T, rows = sequences.count * T
    let logits = a.logits + first * V
    softmaxCrossEntropyBackward(logits, targets: a.targets + first, rows: rows, batchRows: N, classes: V)
    // logits = LN_f(x_L)·W_headᵀ + b
    let dFinalNorm = a.dFinalNorm + first * C
    linearBackwardInput(dx: dFinalNorm, dy: logits, weight: p + layout.headWeight, rows: rows, inputs: C, outputs: V)
    let dLast = a.dResidual + (layout.blocks.count * N + first) * C
    dLast.update(repeating: 0, count: rows * C)
    layerNormBackwardInput(dx: dLast, dy: dFinalNorm, x: a.residual + (layout.blocks.count * N + first) * C,
                           weight: p + layout.finalNormWeight, mean: a.finalMean + first,
                           inverseDeviation: a.finalInverseDeviation + first, rows: rows, width: C)
    finished(layout.blocks.count)
    for l in layout.blocks.indices.reversed() {  // a range: reversing it allocates nothing
      let block = layout.blocks[l]
      let y = a.layer(l, from: first)  // this layer's activations and gradients, from this piece's first row
      let dHidden = a.dHidden(l) + first * H
      // MLP branch: x_{l+1} = m + W₂·relu(W₁·LN2(m) + b₁) + b₂; relu' = [pre > 0] = [hidden > 0].
      linearBackwardInput(dx: dHidden, dy: y.dNext, weight: p + block.outputWeight, rows: rows, inputs: H, outputs: C)
      reluBackward(dHidden, mask: y.hidden, count: rows * H)
      linearBackwardInput(dx: y.dNorm2, dy: dHidden, weight: p + block.hiddenWeight, rows: rows, inputs: C, outputs: H)
      y.dMiddle.update(from: y.dNext, count: rows * C)
      layerNormBackwardInput(dx: y.dMiddle, dy: y.dNorm2, x: y.middle, weight: p + block.norm2Weight, mean: y.norm2Mean,
                             inverseDeviation: y.norm2InverseDeviation, rows: rows, width: C)
      // Attention branch: m = x_l + W_o·MHA(LN1(x_l)·W_attnᵀ) + b_o.
      linearBackwardInput(dx: a.dAttended + first * C, dy: y.dMiddle, weight: p + block.projectionWeight, rows: rows, inputs: C, outputs: C)
      attentionBackward(dqkv: a.dFused + l * N * 3 * C, scratch: a.attentionScratch + scratch * shape.scratchCount,
                        dout: a.dAttended, qkv: a.fused + l * N * 3 * C,
                        probabilities: a.probabilities + l * shape.probabilityCount, shape: shape, sequences: sequences, scale: scale)
      linearBackwardInput(dx: y.dNorm1, dy: y.dFused, weight: p + block.attentionWeight, rows: rows, inputs: C, outputs: 3 * C)
      y.dX.update(from: y.dMiddle, count: rows * C)
      layerNormBackwardInput(dx: y.dX, dy: y.dNorm1, x: y.x, weight: p + block.norm1Weight, mean: y.norm1Mean,
                             inverseDeviation: y.norm1InverseDeviation, rows: rows, width: C)
      finished(l)
    }
  }

  /// The parameter pass: one job per tensor (or LayerNorm's pair), each summing over all rows in
  /// order. Grouped by the stage of the row pass after which they can run: block l's at l, the
  /// head's at L, the embeddings' (which need the whole stream's gradient) last, at L + 1.
  private func parameterGradientJobs(_ a: GPTActivations<Scalar>) -> [[@Sendable (UnsafeMutablePointer<Scalar>) -> Void]] {
    let c = configuration, N = a.rows, T = a.length, C = c.embedding, H = c.hiddenWidth, V = c.vocabulary
    let layout = self.layout, L = layout.blocks.count
    var stages: [[@Sendable (UnsafeMutablePointer<Scalar>) -> Void]] = layout.blocks.indices.map { l in
      let block = layout.blocks[l]
      return [
        { g in   // W₂, b₂: ∂L/∂x_{l+1} against hidden
          linearBackwardParameters(dWeight: g + block.outputWeight, dBias: g + block.outputBias, dy: a.dResidual + (l + 1) * N * C,
                                   x: a.hidden + l * N * H, rows: N, inputs: H, outputs: C)
        },
        { g in   // W₁, b₁: ∂L/∂hidden against LN2(m)
          linearBackwardParameters(dWeight: g + block.hiddenWeight, dBias: g + block.hiddenBias, dy: a.dHidden(l),
                                   x: a.norm2 + l * N * C, rows: N, inputs: C, outputs: H)
        },
        { g in   // W_attn: ∂L/∂qkv against LN1(x_l)
          linearBackwardParameters(dWeight: g + block.attentionWeight, dBias: nil, dy: a.dFused + l * N * 3 * C,
                                   x: a.norm1 + l * N * C, rows: N, inputs: C, outputs: 3 * C)
        },
        { g in   // W_o, b_o: ∂L/∂m against the attention's output
          linearBackwardParameters(dWeight: g + block.projectionWeight, dBias: g + block.projectionBias, dy: a.dMiddle + l * N * C,
                                   x: a.attended + l * N * C, rows: N, inputs: C, outputs: C)
        },
        { g in   // both LayerNorms: γ, β against the normalised inputs
          layerNormBackwardParameters(dWeight: g + block.norm2Weight, dBias: g + block.norm2Bias, dy: a.dNorm2 + l * N * C,
                                      x: a.middle + l * N * C, mean: a.norm2Mean + l * N,
                                      inverseDeviation: a.norm2InverseDeviation + l * N, rows: N, width: C)
          layerNormBackwardParameters(dWeight: g + block.norm1Weight, dBias: g + block.norm1Bias, dy: a.dNorm1 + l * N * C,
                                      x: a.residual + l * N * C, mean: a.norm1Mean + l * N,
                                      inverseDeviation: a.norm1InverseDeviation + l * N, rows: N, width: C)
        },
      ]
    }
    stages.append([{ g in   // the head and the final LayerNorm
      linearBackwardParameters(dWeight: g + layout.headWeight, dBias: g + layout.headBias, dy: a.logits, x: a.finalNorm,
                               rows: N, inputs: C, outputs: V)
      layerNormBackwardParameters(dWeight: g + layout.finalNormWeight, dBias: g + layout.finalNormBias, dy: a.dFinalNorm,
                                  x: a.residual + L * N * C, mean: a.finalMean, inverseDeviation: a.finalInverseDeviation,
                                  rows: N, width: C)
    }])
    stages.append([{ g in   // x₀ = wte[token] + wpe[position]: scatter-add the stream's gradient into both tables
      let dTokens = g + layout.tokenEmbedding, dPositions = g + layout.positionEmbedding
      dTokens.update(repeating: 0, count: V * C)
      dPositions.update(repeating: 0, count: c.block * C)
      for n in 0..<N {
        let row = a.dResidual + n * C
        addRow(dTokens + Int(a.inputs[n]) * C, row, count: C)
        addRow(dPositions + (n % T) * C, row, count: C)
      }
    }])
    return stages
  }
}

/// A pointer shared by the pieces or jobs of one pass, which read it or write disjoint parts of it.
private struct SharedPointer<T>: @unchecked Sendable {
  let base: UnsafeMutablePointer<T>
  init(_ base: UnsafeMutablePointer<T>) { self.base = base }
  init(_ base: UnsafePointer<T>) { self.base = UnsafeMutablePointer(mutating: base) }
}

/// y[j] += x[j] for j < n, eight at a time (as a plain loop into a scatter target, Swift kept it scalar).
@inline(__always)
private func addRow<Scalar: DysonScalar>(_ y: UnsafeMutablePointer<Scalar>, _ x: UnsafePointer<Scalar>, count n: Int) {
  typealias V = SIMD8<Scalar>
  let stride = MemoryLayout<Scalar>.stride
  let ry = UnsafeMutableRawPointer(y), rx = UnsafeRawPointer(x)
  var j = 0
  while j + 8 <= n {
    let o = j * stride
    ry.storeBytes(of: ry.loadUnaligned(fromByteOffset: o, as: V.self) + rx.loadUnaligned(fromByteOffset: o, as: V.self),
                  toByteOffset: o, as: V.self)
    j += 8
  }
  while j < n {
    y[j] += x[j]
    j += 1
  }
}
