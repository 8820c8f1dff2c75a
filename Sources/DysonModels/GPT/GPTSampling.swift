import DysonCore

extension GPT {
  /// Appends `count` tokens to `context`, each drawn from the model's next-token distribution
  /// given the last `block` tokens (the lecture's `generate`). An empty context starts from token 0.
  public func generate(after context: [Int32], count: Int, using rng: inout Xoshiro256StarStar) throws(GPTError) -> [Int32] {
    try sampleTokens(after: context, count: count, using: &rng)
  }

  func sampleTokens(after context: [Int32], count: Int, using rng: inout Xoshiro256StarStar) throws(GPTError) -> [Int32] {
    var tokens = context.isEmpty ? [0] : context
    let V = configuration.vocabulary
    for token in tokens where !(0..<Int32(V)).contains(token) {
      throw .invalidTokens("context token \(token) is outside the vocabulary 0..<\(V)")
    }
    var activations: GPTActivations<Scalar>? = nil
    for _ in 0..<max(count, 0) {
      let window = Array(tokens.suffix(configuration.block))
      if activations?.length != window.count {
        activations = GPTActivations(configuration, batch: 1, length: window.count)
      }
      let a = activations!
      try a.load(inputs: window, targets: nil)
      _ = parameters.withUnsafeBufferPointer { forward($0.baseAddress!, a, computeLoss: false) }
      let logits = a.nextTokenLogits(sequence: 0, position: window.count - 1).map(Double.init)
      let top = logits.max()!
      let weights = logits.map { portableExp(max($0 - top, -700)) }
      var u = rng.uniform() * weights.reduce(0, +)
      var next = V - 1
      for (c, w) in weights.enumerated() {
        u -= w
        if u < 0 { next = c; break }
      }
      tokens.append(Int32(next))
    }
    return tokens
  }
}

extension GPT where Scalar == Float {
  // Concrete Float entry points: a generic public method called from another module runs
  // unspecialised (every arithmetic operation a witness call); these compile the kernels for Float.

  /// `generate` compiled for `Float` (see the generic method).
  public func generate(after context: [Int32], count: Int, using rng: inout Xoshiro256StarStar) throws(GPTError) -> [Int32] {
    try sampleTokens(after: context, count: count, using: &rng)
  }

  /// `lossAndGradient` compiled for `Float` (see the generic method).
  public func lossAndGradient(inputs: [Int32], targets: [Int32], batch: Int) throws(GPTError) -> (loss: Double, gradient: [Float]) {
    try computeLossAndGradient(inputs: inputs, targets: targets, batch: batch)
  }
}
