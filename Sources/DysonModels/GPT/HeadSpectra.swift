import DysonCore

/// Which per-head projection of the attention a spectrum belongs to.
public enum HeadProjection: String, Sendable, CaseIterable, Codable {
  case key, query, value
  /// Position in the fused [keys | queries | values] attention weight.
  var slot: Int { switch self { case .key: 0; case .query: 1; case .value: 2 } }
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
}
