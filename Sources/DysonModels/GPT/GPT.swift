import DysonCore

/// The character-level transformer of Karpathy's lecture (science notes §5.2): token and
/// position embeddings, `layers` pre-LayerNorm blocks x + MHA(LN1(x)), x + MLP(LN2(x)), a final
/// LayerNorm and a linear head, trained with the cross-entropy of the next character.
///
/// The parameters are one flat vector laid out by `GPTLayout`; `forward` and `backward` are
/// written out by hand layer by layer, each backward step with its derivation (see also
/// Docs/Gradients.md). Training runs in `Float`; `Double` is for checking gradients.
public struct GPT<Scalar: DysonScalar>: Sendable {
  public let configuration: GPTConfiguration
  public let layout: GPTLayout
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

  // MARK: - Forward

  /// Runs the model on `activations.inputs`; returns the mean loss against `activations.targets`
  /// (leaving probabilities in `logits`) or, without `computeLoss`, leaves the raw logits and returns 0.
  func forward(_ p: UnsafePointer<Scalar>, _ a: GPTActivations<Scalar>, computeLoss: Bool) -> Double {
    let c = configuration, N = a.rows, T = a.length, C = c.embedding, H = c.hiddenWidth
    let epsilon = Scalar(c.layerNormEpsilon), scale = Scalar(c.scoreScale)
    let shape = a.attentionShape
    // x₀ = wte[token] + wpe[position]
    for n in 0..<N {
      let token = p + layout.tokenEmbedding + Int(a.inputs[n]) * C
      let position = p + layout.positionEmbedding + (n % T) * C
      let x = a.residual + n * C
      for j in 0..<C { x[j] = token[j] + position[j] }
    }
    for (l, block) in layout.blocks.enumerated() {
      let x = a.residual + l * N * C, middle = a.middle + l * N * C, next = a.residual + (l + 1) * N * C
      let norm1 = a.norm1 + l * N * C, fused = a.fused + l * N * 3 * C, attended = a.attended + l * N * C
      let norm2 = a.norm2 + l * N * C, hiddenPre = a.hiddenPre + l * N * H, hidden = a.hidden + l * N * H
      layerNormForward(norm1, mean: a.norm1Mean + l * N, inverseDeviation: a.norm1InverseDeviation + l * N, x,
                       weight: p + block.norm1Weight, bias: p + block.norm1Bias, rows: N, width: C, epsilon: epsilon)
      linearForward(fused, norm1, weight: p + block.attentionWeight, bias: nil, rows: N, inputs: C, outputs: 3 * C)
      attentionForward(attended, probabilities: a.probabilities + l * shape.probabilityCount, scratch: a.attentionScratch, fused, shape: shape, scale: scale)
      // middle = x + proj(attended)
      linearForward(middle, attended, weight: p + block.projectionWeight, bias: p + block.projectionBias,
                    rows: N, inputs: C, outputs: C)
      for i in 0..<(N * C) { middle[i] += x[i] }
      layerNormForward(norm2, mean: a.norm2Mean + l * N, inverseDeviation: a.norm2InverseDeviation + l * N, middle,
                       weight: p + block.norm2Weight, bias: p + block.norm2Bias, rows: N, width: C, epsilon: epsilon)
      linearForward(hiddenPre, norm2, weight: p + block.hiddenWeight, bias: p + block.hiddenBias, rows: N, inputs: C, outputs: H)
      reluForward(hidden, hiddenPre, count: N * H)
      linearForward(next, hidden, weight: p + block.outputWeight, bias: p + block.outputBias, rows: N, inputs: H, outputs: C)
      for i in 0..<(N * C) { next[i] += middle[i] }
    }
    let last = a.residual + layout.blocks.count * N * C
    layerNormForward(a.finalNorm, mean: a.finalMean, inverseDeviation: a.finalInverseDeviation, last,
                     weight: p + layout.finalNormWeight, bias: p + layout.finalNormBias, rows: N, width: C, epsilon: epsilon)
    linearForward(a.logits, a.finalNorm, weight: p + layout.headWeight, bias: p + layout.headBias,
                  rows: N, inputs: C, outputs: c.vocabulary)
    guard computeLoss else { return 0 }
    return softmaxCrossEntropyForward(a.logits, targets: a.targets, rows: N, classes: c.vocabulary)
  }

  // MARK: - Backward

  /// Overwrites `g` with ∂L/∂θ, after `forward(…, computeLoss: true)` on the same activations.
  /// The residual stream's gradient flows back in `dResidual`; each block adds its branches to it
  /// (x_{l+1} = m + MLP(LN2(m)) ⇒ ∂L/∂m = ∂L/∂x_{l+1} + LN2ᵀ MLPᵀ ∂L/∂x_{l+1}; likewise for m = x_l + MHA(LN1(x_l))).
  func backward(_ p: UnsafePointer<Scalar>, gradient g: UnsafeMutablePointer<Scalar>, _ a: GPTActivations<Scalar>) {
    let c = configuration, N = a.rows, T = a.length, C = c.embedding, H = c.hiddenWidth, V = c.vocabulary
    let scale = Scalar(c.scoreScale)
    let shape = a.attentionShape
    softmaxCrossEntropyBackward(a.logits, targets: a.targets, rows: N, classes: V)
    // logits = LN_f(x_L)·W_headᵀ + b
    linearBackward(dx: a.dNorm, dWeight: g + layout.headWeight, dBias: g + layout.headBias,
                   dy: a.logits, x: a.finalNorm, weight: p + layout.headWeight, rows: N, inputs: C, outputs: V)
    let dx = a.dResidual
    dx.update(repeating: 0, count: N * C)
    layerNormBackward(dx: dx, dWeight: g + layout.finalNormWeight, dBias: g + layout.finalNormBias, dy: a.dNorm,
                      x: a.residual + layout.blocks.count * N * C, weight: p + layout.finalNormWeight,
                      mean: a.finalMean, inverseDeviation: a.finalInverseDeviation, rows: N, width: C)
    for l in layout.blocks.indices.reversed() {  // a range: reversing it allocates nothing
      let block = layout.blocks[l]
      let x = a.residual + l * N * C, middle = a.middle + l * N * C
      let norm1 = a.norm1 + l * N * C, fused = a.fused + l * N * 3 * C, attended = a.attended + l * N * C
      let norm2 = a.norm2 + l * N * C, hiddenPre = a.hiddenPre + l * N * H, hidden = a.hidden + l * N * H
      // MLP branch: x_{l+1} = m + W₂·relu(W₁·LN2(m) + b₁) + b₂; relu' = [pre > 0].
      linearBackward(dx: a.dHidden, dWeight: g + block.outputWeight, dBias: g + block.outputBias,
                     dy: dx, x: hidden, weight: p + block.outputWeight, rows: N, inputs: H, outputs: C)
      reluBackward(a.dHidden, preActivation: hiddenPre, count: N * H)
      linearBackward(dx: a.dNorm, dWeight: g + block.hiddenWeight, dBias: g + block.hiddenBias,
                     dy: a.dHidden, x: norm2, weight: p + block.hiddenWeight, rows: N, inputs: C, outputs: H)
      layerNormBackward(dx: dx, dWeight: g + block.norm2Weight, dBias: g + block.norm2Bias, dy: a.dNorm, x: middle,
                        weight: p + block.norm2Weight, mean: a.norm2Mean + l * N,
                        inverseDeviation: a.norm2InverseDeviation + l * N, rows: N, width: C)
      // Attention branch: m = x_l + W_o·MHA(LN1(x_l)·W_attnᵀ) + b_o.
      linearBackward(dx: a.dAttended, dWeight: g + block.projectionWeight, dBias: g + block.projectionBias,
                     dy: dx, x: attended, weight: p + block.projectionWeight, rows: N, inputs: C, outputs: C)
      attentionBackward(dqkv: a.dFused, scratch: a.attentionScratch, dout: a.dAttended, qkv: fused,
                        probabilities: a.probabilities + l * shape.probabilityCount, shape: shape, scale: scale)
      linearBackward(dx: a.dNorm, dWeight: g + block.attentionWeight, dBias: nil,
                     dy: a.dFused, x: norm1, weight: p + block.attentionWeight, rows: N, inputs: C, outputs: 3 * C)
      layerNormBackward(dx: dx, dWeight: g + block.norm1Weight, dBias: g + block.norm1Bias, dy: a.dNorm, x: x,
                        weight: p + block.norm1Weight, mean: a.norm1Mean + l * N,
                        inverseDeviation: a.norm1InverseDeviation + l * N, rows: N, width: C)
    }
    // x₀ = wte[token] + wpe[position]: scatter-add the stream's gradient into both tables.
    let dTokens = g + layout.tokenEmbedding, dPositions = g + layout.positionEmbedding
    dTokens.update(repeating: 0, count: V * C)
    dPositions.update(repeating: 0, count: c.block * C)
    for n in 0..<N {
      let row = dx + n * C
      addRow(dTokens + Int(a.inputs[n]) * C, row, count: C)
      addRow(dPositions + (n % T) * C, row, count: C)
    }
  }
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
