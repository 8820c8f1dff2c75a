/// Every size and choice of the character-level GPT (Docs/Science.md §5.2). The defaults are the
/// "full finished code" cell of Karpathy's lecture notebook, whose model 2411.13512 analysed:
/// 4 layers × 4 heads, n_embd 64, block 32, 209 729 parameters for the 65-character vocabulary.
public struct GPTConfiguration: Codable, Sendable, Equatable {
  /// How attention scores are scaled before the softmax.
  public enum AttentionScale: String, Codable, Sendable, CaseIterable {
    /// 1/√n_embd: the notebook (`C**-0.5` with C = n_embd), the paper's model.
    case embedding
    /// 1/√head_size: the later `gpt.py` and the transformer paper.
    case headSize = "head-size"
  }

  /// How the parameters start.
  public enum Initialisation: String, Codable, Sendable, CaseIterable {
    /// PyTorch's defaults: Linear weight and bias U(±1/√fan_in), Embedding N(0, 1), LayerNorm 1 and 0.
    case pytorch
    /// `gpt.py`: Linear and Embedding weights N(0, 0.02²), biases 0, LayerNorm 1 and 0.
    case gpt2 = "normal-0.02"
  }

  /// Distinct tokens V (65 characters in tiny Shakespeare).
  public var vocabulary = 65
  /// Transformer blocks.
  public var layers = 4
  /// Attention heads per block; they must divide `embedding`.
  public var heads = 4
  /// The embedding width C (n_embd).
  public var embedding = 64
  /// Context length T: positions 0..<block have learned embeddings.
  public var block = 32
  /// Hidden width of the MLP (4 · n_embd in the lecture).
  public var hiddenWidth = 256
  /// How attention scores are scaled.
  public var attentionScale = AttentionScale.embedding
  /// How the parameters start.
  public var initialisation = Initialisation.pytorch
  /// ε of every LayerNorm (PyTorch's default).
  public var layerNormEpsilon = 1e-5

  /// The lecture's model (the defaults above).
  public init() {}

  /// hs = C / heads, the width of one head's keys, queries and values.
  public var headSize: Int { embedding / heads }

  /// The factor multiplying q·k before the softmax.
  public var scoreScale: Double {
    switch attentionScale {
    case .embedding: 1 / Double(embedding).squareRoot()
    case .headSize: 1 / Double(headSize).squareRoot()
    }
  }

  /// Throws unless the sizes describe a model that can be built.
  public func validate() throws(GPTError) {
    for (name, value) in [("vocabulary", vocabulary), ("layers", layers), ("heads", heads),
                          ("embedding", embedding), ("block", block), ("hidden width", hiddenWidth)] where value < 1 {
      throw .invalidConfiguration("\(name) must be at least 1 (got \(value))")
    }
    guard embedding % heads == 0 else {
      throw .invalidConfiguration("embedding (\(embedding)) must be a multiple of heads (\(heads))")
    }
    guard layerNormEpsilon > 0, layerNormEpsilon.isFinite else {
      throw .invalidConfiguration("LayerNorm ε must be positive (got \(layerNormEpsilon))")
    }
    guard let count = checkedParameterCount, count <= Self.maximumParameters else {
      throw .invalidConfiguration("\(layers) layers of width \(embedding) (hidden \(hiddenWidth), vocabulary \(vocabulary), block \(block)) exceed \(Self.maximumParameters) parameters")
    }
  }

  /// The largest model this CPU implementation takes (2³⁴ parameters: 64 GiB in Float).
  public static let maximumParameters = 1 << 34

  /// The number of parameters (as `GPTLayout` lays them out), by checked arithmetic: nil when it
  /// does not fit an Int, so that sizes read from a file cannot overflow the layout.
  public var checkedParameterCount: Int? {
    func product(_ x: [Int]) -> Int? {
      x.reduce(Optional(1)) { acc, v in acc.flatMap { a in v >= 0 ? a.multipliedReportingOverflow(by: v).overflow ? nil : a * v : nil } }
    }
    func sum(_ x: [Int?]) -> Int? {
      x.reduce(Optional(0)) { acc, v in acc.flatMap { a in v.flatMap { b in a.addingReportingOverflow(b).overflow ? nil : a + b } } }
    }
    let C = embedding
    let perBlock = sum([product([4, C, C]), C, product([hiddenWidth, C]), hiddenWidth, product([C, hiddenWidth]), C, product([4, C])])
    return sum([product([vocabulary, C]), product([block, C]), perBlock.flatMap { product([layers, $0]) }, product([2, C]),
                product([vocabulary, C]), vocabulary])
  }
}

