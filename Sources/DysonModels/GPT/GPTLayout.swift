/// Where each parameter tensor lives in the one flat parameter vector of a GPT.
///
/// One vector makes AdamW a single loop and checkpoints a single array. Per layer, the key, query
/// and value weights of all heads form one (3·n_embd) × n_embd matrix — keys, then queries, then
/// values, head by head — so one gemm projects all of them; each head's [head_size, n_embd]
/// PyTorch tensor is a contiguous block of rows in it.
public struct GPTLayout: Sendable, Equatable {
  /// Offsets of one transformer block's tensors (PyTorch `Linear` weights are [out, in]).
  public struct Block: Sendable, Equatable {
    /// LayerNorm 1's weight and bias ([C] each).
    public let norm1Weight, norm1Bias: Int
    /// [3C, C]: rows 0..<C keys, C..<2C queries, 2C..<3C values; head h owns rows h·hs..<(h+1)·hs of each.
    public let attentionWeight: Int
    /// The attention's output projection, [C, C] and [C].
    public let projectionWeight, projectionBias: Int
    /// LayerNorm 2's weight and bias ([C] each).
    public let norm2Weight, norm2Bias: Int
    /// The MLP's first layer, [H, C] and [H].
    public let hiddenWeight, hiddenBias: Int
    /// The MLP's second layer, [C, H] and [C].
    public let outputWeight, outputBias: Int
  }

  /// A named tensor of the PyTorch module tree: its offset and shape in the flat vector.
  public struct Tensor: Sendable, Equatable {
    /// The PyTorch name ("blocks.0.sa.heads.0.key.weight", …).
    public let name: String
    /// Index of the first element in the flat vector.
    public let offset: Int
    /// The PyTorch shape.
    public let shape: [Int]
    /// Elements in the tensor.
    public var count: Int { shape.reduce(1, *) }
  }

  /// The token embedding [V, C] and the position embedding [block, C].
  public let tokenEmbedding, positionEmbedding: Int
  /// One entry per transformer block.
  public let blocks: [Block]
  /// The final LayerNorm's weight and bias ([C] each).
  public let finalNormWeight, finalNormBias: Int
  /// The language-model head, [V, C] and [V].
  public let headWeight, headBias: Int
  /// Total number of parameters.
  public let count: Int
  /// Every tensor under its PyTorch name, in the order of `named_parameters()`.
  public let tensors: [Tensor]

  /// The layout of a model of configuration `c`.
  public init(_ c: GPTConfiguration) {
    var next = 0
    var tensors: [Tensor] = []
    func take(_ name: String, _ shape: [Int]) -> Int {
      let offset = next
      tensors.append(Tensor(name: name, offset: offset, shape: shape))
      next += shape.reduce(1, *)
      return offset
    }
    let C = c.embedding, hs = c.headSize
    tokenEmbedding = take("token_embedding_table.weight", [c.vocabulary, C])
    positionEmbedding = take("position_embedding_table.weight", [c.block, C])
    var blocks: [Block] = []
    for l in 0..<c.layers {
      let p = "blocks.\(l)."
      let attention = next
      // Named per head (key, query, value), stored as the fused matrix described above.
      for h in 0..<c.heads {
        for (slot, kind) in ["key", "query", "value"].enumerated() {
          tensors.append(Tensor(name: p + "sa.heads.\(h).\(kind).weight",
                                offset: attention + (slot * C + h * hs) * C, shape: [hs, C]))
        }
      }
      next += 3 * C * C
      let projectionWeight = take(p + "sa.proj.weight", [C, C])
      let projectionBias = take(p + "sa.proj.bias", [C])
      let hiddenWeight = take(p + "ffwd.net.0.weight", [c.hiddenWidth, C])
      let hiddenBias = take(p + "ffwd.net.0.bias", [c.hiddenWidth])
      let outputWeight = take(p + "ffwd.net.2.weight", [C, c.hiddenWidth])
      let outputBias = take(p + "ffwd.net.2.bias", [C])
      let norm1Weight = take(p + "ln1.weight", [C])
      let norm1Bias = take(p + "ln1.bias", [C])
      let norm2Weight = take(p + "ln2.weight", [C])
      let norm2Bias = take(p + "ln2.bias", [C])
      blocks.append(Block(norm1Weight: norm1Weight, norm1Bias: norm1Bias, attentionWeight: attention,
                          projectionWeight: projectionWeight, projectionBias: projectionBias,
                          norm2Weight: norm2Weight, norm2Bias: norm2Bias, hiddenWeight: hiddenWeight,
                          hiddenBias: hiddenBias, outputWeight: outputWeight, outputBias: outputBias))
    }
    self.blocks = blocks
    finalNormWeight = take("ln_f.weight", [C])
    finalNormBias = take("ln_f.bias", [C])
    headWeight = take("lm_head.weight", [c.vocabulary, C])
    headBias = take("lm_head.bias", [c.vocabulary])
    count = next
    self.tensors = tensors
  }

  /// The tensor called `name`, if the model has one.
  public func tensor(named name: String) -> Tensor? { tensors.first { $0.name == name } }
}
