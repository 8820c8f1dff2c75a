import DysonCore

/// The spectra of every head's key, query and value matrices of a GPT at one moment: for each
/// (layer, projection, head) the ascending eigenvalues of X = KᵀK (`GPT.headSpectrum`), head_size
/// values each. What the spectral study records at each recorded step.
public struct HeadSpectra: Sendable, Equatable {
  /// Transformer blocks.
  public let layers: Int
  /// Heads per block.
  public let heads: Int
  /// Eigenvalues per spectrum (head_size).
  public let levels: Int
  /// Layer-major, then projection (`HeadProjection.allCases` order), head, level.
  private let values: [Double]

  /// Spectra from `spectrum(layer, projection, head)`, each `levels` values.
  public init(layers: Int, heads: Int, levels: Int, spectrum: (Int, HeadProjection, Int) -> [Double]) {
    (self.layers, self.heads, self.levels) = (layers, heads, levels)
    var values: [Double] = []
    values.reserveCapacity(layers * HeadProjection.allCases.count * heads * levels)
    for l in 0..<layers {
      for p in HeadProjection.allCases {
        for h in 0..<heads {
          let s = spectrum(l, p, h)
          precondition(s.count == levels, "HeadSpectra: layer \(l) \(p) head \(h) has \(s.count) values, not \(levels)")
          values += s
        }
      }
    }
    self.values = values
  }

  /// The eigenvalues of head `head`'s `projection` in layer `layer`, ascending.
  public subscript(layer layer: Int, projection projection: HeadProjection, head head: Int) -> [Double] {
    let start = offset(layer, projection, head)
    return Array(values[start..<(start + levels)])
  }

  /// The `level`-th smallest eigenvalue of head `head`'s `projection` in layer `layer`.
  public subscript(layer layer: Int, projection projection: HeadProjection, head head: Int, level level: Int) -> Double {
    precondition((0..<levels).contains(level), "HeadSpectra: no level \(level) of \(levels)")
    return values[offset(layer, projection, head) + level]
  }

  private func offset(_ layer: Int, _ projection: HeadProjection, _ head: Int) -> Int {
    precondition((0..<layers).contains(layer) && (0..<heads).contains(head), "HeadSpectra: no head \(head) in layer \(layer)")
    return ((layer * HeadProjection.allCases.count + projection.slot) * heads + head) * levels
  }

  /// Every value, layer-major, then projection, head and level (the order of the checkpoints' tensor).
  public var flattened: [Double] { values }

  /// The spectra of `flattened` values in that order; nil when the count does not match.
  public init?(layers: Int, heads: Int, levels: Int, flattened: [Double]) {
    guard layers >= 0, heads >= 0, levels >= 0, flattened.count == layers * HeadProjection.allCases.count * heads * levels else { return nil }
    (self.layers, self.heads, self.levels, self.values) = (layers, heads, levels, flattened)
  }
}

extension HeadSpectra: Codable {
  // Nested arrays [layer][projection][head][level], as the records have always been written.
  public init(from decoder: Decoder) throws {
    let nested = try decoder.singleValueContainer().decode([[[[Double]]]].self)
    let layers = nested.count, heads = nested.first?.first?.count ?? 0, levels = nested.first?.first?.first?.count ?? 0
    let regular = nested.allSatisfy { $0.count == HeadProjection.allCases.count && $0.allSatisfy { $0.count == heads && $0.allSatisfy { $0.count == levels } } }
    guard regular, let spectra = HeadSpectra(layers: layers, heads: heads, levels: levels, flattened: nested.flatMap { $0.flatMap { $0.flatMap { $0 } } }) else {
      throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "spectra of unequal shapes"))
    }
    self = spectra
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encode((0..<layers).map { l in HeadProjection.allCases.map { p in (0..<heads).map { h in self[layer: l, projection: p, head: h] } } })
  }
}

extension GPT {
  /// Eigenvalues (ascending) of X = KᵀK for one head, K = Wᵀ the n_embd × head_size matrix of the
  /// projection (W is PyTorch's [head_size, n_embd] weight, so X = W·Wᵀ, head_size × head_size).
  public func headSpectrum(layer: Int, head: Int, projection: HeadProjection) -> [Double] {
    let C = configuration.embedding, hs = configuration.headSize
    precondition(layout.blocks.indices.contains(layer) && (0..<configuration.heads).contains(head), "no head \(head) in layer \(layer)")
    let base = layout.blocks[layer].attentionWeight + (projection.slot * C + head * hs) * C
    var x = Matrix<Double>(rows: hs, columns: hs)
    parameters.withUnsafeBufferPointer { p in
      for i in 0..<hs {
        for j in i..<hs {
          var sum = 0.0
          for k in 0..<C { sum += Double(p[base + i * C + k]) * Double(p[base + j * C + k]) }
          x[i, j] = sum
          x[j, i] = sum  // exactly symmetric by construction
        }
      }
    }
    // A 16×16 Gram matrix of finite weights always converges; a failure would be a solver bug.
    return try! eigenvaluesSymmetric(x).sorted()
  }

  /// Every head's key, query and value spectrum.
  public var headSpectra: HeadSpectra {
    HeadSpectra(layers: configuration.layers, heads: configuration.heads, levels: configuration.headSize) { l, p, h in
      headSpectrum(layer: l, head: h, projection: p)
    }
  }
}
