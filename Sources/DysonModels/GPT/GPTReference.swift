import DysonCore

// The whole GPT — forward pass, loss, backward pass — in plain loops over Double: the file to
// read first. One function per layer, called in the order of nanoGPT's `forward`; no SIMD, no
// pointers, no buffer reused; each line's shape in a trailing comment. `GPT` computes the same
// numbers with tiled SIMD kernels and one flat buffer; the tests hold the two together (as
// `gemmReference` holds the gemm), and hold this file to finite differences.
//
// Shapes: B sequences of T positions, N = B·T rows (one per token), C = embedding width,
// nh heads of hs = C/nh, H = hidden width, V = vocabulary. A matrix is an array of its rows.
// PyTorch's Linear stores its weight as [out, in]. Derivations: Docs/Gradients.md.

/// The GPT's loss and gradient, written to be read (see the top of GPTReference.swift).
public enum GPTReference {
  /// A matrix as an array of its rows.
  public typealias Matrix = [[Double]]

  /// Mean next-token cross-entropy of `inputs` against `targets` (B × T tokens each) and ∂L/∂θ for
  /// every parameter, in the layout of `GPTLayout(c)`.
  public static func lossAndGradient(_ c: GPTConfiguration, parameters θ: [Double], inputs: [Int32], targets: [Int32],
                                     batch B: Int) -> (loss: Double, gradient: [Double]) {
    let layout = GPTLayout(c)
    let w = Weights(c, layout, θ)
    let T = inputs.count / B, eps = c.layerNormEpsilon

    // Forward: x = wte[idx] + wpe[pos]; per block x = x + sa(ln1(x)), x = x + ffwd(ln2(x));
    // logits = lm_head(ln_f(x)).
    var x = embed(inputs, positions: T, w.tokenEmbedding, w.positionEmbedding)         // (N, C)
    var saved: [BlockActivations] = []
    for b in w.blocks {
      let n1 = layerNorm(x, b.norm1Weight, b.norm1Bias, epsilon: eps)                   // (N, C)
      let q = linear(n1.y, b.query, nil), k = linear(n1.y, b.key, nil)                  // (N, C): head h in columns h·hs..<(h+1)·hs
      let v = linear(n1.y, b.value, nil)                                                 // (N, C)
      let att = attention(q: q, k: k, v: v, sequences: B, heads: c.heads, scale: c.scoreScale)  // out (N, C), p (B, nh, T, T)
      let m = add(x, linear(att.out, b.projection, b.projectionBias))                    // (N, C)
      let n2 = layerNorm(m, b.norm2Weight, b.norm2Bias, epsilon: eps)                   // (N, C)
      let a = linear(n2.y, b.hidden, b.hiddenBias)                                       // (N, H)
      let h = relu(a)                                                                    // (N, H)
      saved.append(BlockActivations(x: x, n1: n1, q: q, k: k, v: v, attended: att.out, p: att.p, m: m, n2: n2, a: a, h: h))
      x = add(m, linear(h, b.output, b.outputBias))                                      // (N, C)
    }
    let nf = layerNorm(x, w.finalNormWeight, w.finalNormBias, epsilon: eps)            // (N, C)
    let logits = linear(nf.y, w.head, w.headBias)                                        // (N, V)
    let (loss, dLogits) = crossEntropy(logits, targets: targets)                         // scalar, (N, V)

    // Backward: the same calls in reverse, each layer's backward after its forward's inputs.
    var g = Weights(zerosLike: w)
    let head = linearBackward(dLogits, input: nf.y, weight: w.head)                      // dx (N, C), dW (V, C), db (V)
    (g.head, g.headBias) = (head.dWeight, head.dBias)
    let final = layerNormBackward(head.dx, nf, w.finalNormWeight)                       // (N, C), (C), (C)
    (g.finalNormWeight, g.finalNormBias) = (final.dWeight, final.dBias)
    var dx = final.dx                                                                    // ∂L/∂x entering ln_f (N, C)
    for l in w.blocks.indices.reversed() {
      let b = w.blocks[l], s = saved[l]
      // x' = m + W₂·relu(W₁·ln2(m) + b₁) + b₂: ∂m = ∂x' + the MLP branch's gradient.
      let out = linearBackward(dx, input: s.h, weight: b.output)                         // (N, H), (C, H), (C)
      let da = reluBackward(out.dx, preActivation: s.a)                                 // (N, H)
      let hidden = linearBackward(da, input: s.n2.y, weight: b.hidden)                   // (N, C), (H, C), (H)
      let norm2 = layerNormBackward(hidden.dx, s.n2, b.norm2Weight)                      // (N, C), (C), (C)
      let dm = add(dx, norm2.dx)                                                         // (N, C)
      // m = x + W_o·attention(q, k, v) + b_o with q, k, v = ln1(x)·W_{q,k,v}ᵀ: ∂x = ∂m + the branch.
      let projection = linearBackward(dm, input: s.attended, weight: b.projection)      // (N, C), (C, C), (C)
      let dqkv = attentionBackward(projection.dx, q: s.q, k: s.k, v: s.v, p: s.p, heads: c.heads, scale: c.scoreScale)  // 3 × (N, C)
      let query = linearBackward(dqkv.dq, input: s.n1.y, weight: b.query)                // (N, C), (C, C)
      let key = linearBackward(dqkv.dk, input: s.n1.y, weight: b.key)
      let value = linearBackward(dqkv.dv, input: s.n1.y, weight: b.value)
      let norm1 = layerNormBackward(add(add(query.dx, key.dx), value.dx), s.n1, b.norm1Weight)  // (N, C), (C), (C)
      dx = add(dm, norm1.dx)                                                             // (N, C)
      g.blocks[l] = BlockWeights(
        norm1Weight: norm1.dWeight, norm1Bias: norm1.dBias, query: query.dWeight, key: key.dWeight, value: value.dWeight,
        projection: projection.dWeight, projectionBias: projection.dBias, norm2Weight: norm2.dWeight, norm2Bias: norm2.dBias,
        hidden: hidden.dWeight, hiddenBias: hidden.dBias, output: out.dWeight, outputBias: out.dBias)
    }
    (g.tokenEmbedding, g.positionEmbedding) = embedBackward(dx, inputs, positions: T, tokens: c.vocabulary, block: c.block)
    return (loss, g.flattened(layout))
  }

  // MARK: - Layers, forward and backward

  /// x[n] = wte[token n] + wpe[position n].
  static func embed(_ tokens: [Int32], positions T: Int, _ wte: Matrix, _ wpe: Matrix) -> Matrix {
    tokens.indices.map { n in zip(wte[Int(tokens[n])], wpe[n % T]).map { $0 + $1 } }     // (N, C)
  }

  /// ∂wte[t] = Σ of ∂x over the rows whose token is t; ∂wpe[p] likewise over positions.
  static func embedBackward(_ dx: Matrix, _ tokens: [Int32], positions T: Int, tokens V: Int, block: Int) -> (Matrix, Matrix) {
    let C = dx[0].count
    var dwte = zeros(V, C), dwpe = zeros(block, C)                                       // (V, C), (block, C)
    for n in dx.indices {
      for j in 0..<C {
        dwte[Int(tokens[n])][j] += dx[n][j]
        dwpe[n % T][j] += dx[n][j]
      }
    }
    return (dwte, dwpe)
  }

  /// y = x·Wᵀ + b (W is [out, in]).
  static func linear(_ x: Matrix, _ weight: Matrix, _ bias: [Double]?) -> Matrix {
    x.map { row in
      weight.indices.map { o in
        var sum = bias?[o] ?? 0
        for i in row.indices { sum += row[i] * weight[o][i] }
        return sum
      }
    }
  }

  /// ∂x = ∂y·W, ∂W = ∂yᵀ·x, ∂b = Σ_rows ∂y (y is linear in each factor).
  static func linearBackward(_ dy: Matrix, input x: Matrix, weight: Matrix) -> (dx: Matrix, dWeight: Matrix, dBias: [Double]) {
    let outputs = weight.count, inputs = weight[0].count
    var dx = zeros(x.count, inputs), dWeight = zeros(outputs, inputs), dBias = [Double](repeating: 0, count: outputs)
    for n in x.indices {
      for o in 0..<outputs {
        dBias[o] += dy[n][o]
        for i in 0..<inputs {
          dx[n][i] += dy[n][o] * weight[o][i]
          dWeight[o][i] += dy[n][o] * x[n][i]
        }
      }
    }
    return (dx, dWeight, dBias)
  }

  /// What LayerNorm's backward needs: the output, the normalised input x̂ and 1/σ per row.
  struct Normalised { let y, xHat: Matrix; let inverseDeviation: [Double] }

  /// Per row: μ = mean x, σ² = mean (x − μ)² (biased, as PyTorch), x̂ = (x − μ)/√(σ² + ε), y = γ⊙x̂ + β.
  static func layerNorm(_ x: Matrix, _ gamma: [Double], _ beta: [Double], epsilon: Double) -> Normalised {
    var y: Matrix = [], xHat: Matrix = [], inverse: [Double] = []
    for row in x {
      let C = Double(row.count)
      let mean = row.reduce(0, +) / C
      let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / C
      let r = 1 / (variance + epsilon).squareRoot()
      let normalised = row.map { ($0 - mean) * r }                                       // (C)
      xHat.append(normalised)
      y.append(normalised.indices.map { gamma[$0] * normalised[$0] + beta[$0] })
      inverse.append(r)
    }
    return Normalised(y: y, xHat: xHat, inverseDeviation: inverse)
  }

  /// ∂γ = Σ_rows ∂y⊙x̂, ∂β = Σ_rows ∂y; with g = γ⊙∂y, ∂x = r·(g − mean g − x̂·mean(g⊙x̂)).
  static func layerNormBackward(_ dy: Matrix, _ saved: Normalised, _ gamma: [Double]) -> (dx: Matrix, dWeight: [Double], dBias: [Double]) {
    let C = gamma.count
    var dx: Matrix = [], dGamma = [Double](repeating: 0, count: C), dBeta = [Double](repeating: 0, count: C)
    for n in dy.indices {
      let xHat = saved.xHat[n]
      let g = (0..<C).map { gamma[$0] * dy[n][$0] }                                      // (C)
      let meanG = g.reduce(0, +) / Double(C)
      let meanGX = (0..<C).map { g[$0] * xHat[$0] }.reduce(0, +) / Double(C)
      dx.append((0..<C).map { saved.inverseDeviation[n] * (g[$0] - meanG - xHat[$0] * meanGX) })
      for j in 0..<C {
        dGamma[j] += dy[n][j] * xHat[j]
        dBeta[j] += dy[n][j]
      }
    }
    return (dx, dGamma, dBeta)
  }

  /// relu(a) = max(a, 0).
  static func relu(_ a: Matrix) -> Matrix { a.map { $0.map { max($0, 0) } } }

  /// ∂a = ∂h where a > 0, else 0 (the kink gets 0, as PyTorch).
  static func reluBackward(_ dh: Matrix, preActivation a: Matrix) -> Matrix {
    zip(dh, a).map { zip($0, $1).map { $1 > 0 ? $0 : 0 } }
  }

  /// Causal self-attention per sequence and head: a_ij = s·q_i·k_j for j ≤ i, p_i = softmax(a_i),
  /// out_i = Σ_j p_ij v_j. Returns the output and p (indexed [sequence][head][i][j], zero for j > i).
  static func attention(q: Matrix, k: Matrix, v: Matrix, sequences B: Int, heads: Int, scale s: Double) -> (out: Matrix, p: [[Matrix]]) {
    let T = q.count / B, C = q[0].count, hs = C / heads
    var out = zeros(q.count, C)                                                          // (N, C)
    var p = [[Matrix]](repeating: [Matrix](repeating: zeros(T, T), count: heads), count: B)  // (B, nh, T, T)
    for b in 0..<B {
      for h in 0..<heads {
        let columns = (h * hs)..<((h + 1) * hs)
        for i in 0..<T {
          let qi = q[b * T + i]
          let scores = (0...i).map { j in s * columns.map { qi[$0] * k[b * T + j][$0] }.reduce(0, +) }  // (i + 1)
          let top = scores.max()!
          let e = scores.map { Double.exp($0 - top) }
          let total = e.reduce(0, +)
          for j in 0...i {
            p[b][h][i][j] = e[j] / total
            for d in columns { out[b * T + i][d] += p[b][h][i][j] * v[b * T + j][d] }
          }
        }
      }
    }
    return (out, p)
  }

  /// ∂p_ij = ∂out_i·v_j, ∂v_j = Σ_i p_ij ∂out_i; through the softmax ∂a_ij = p_ij(∂p_ij − Σ_k p_ik ∂p_ik);
  /// then ∂q_i = s Σ_j ∂a_ij k_j and ∂k_j = s Σ_i ∂a_ij q_i.
  static func attentionBackward(_ dOut: Matrix, q: Matrix, k: Matrix, v: Matrix, p: [[Matrix]], heads: Int,
                                scale s: Double) -> (dq: Matrix, dk: Matrix, dv: Matrix) {
    let B = p.count, T = q.count / B, C = q[0].count, hs = C / heads
    var dq = zeros(q.count, C), dk = zeros(q.count, C), dv = zeros(q.count, C)          // (N, C) each
    for b in 0..<B {
      for h in 0..<heads {
        let columns = (h * hs)..<((h + 1) * hs)
        for i in 0..<T {
          let row = b * T + i
          let dp = (0...i).map { j in columns.map { dOut[row][$0] * v[b * T + j][$0] }.reduce(0, +) }  // (i + 1)
          let weighted = (0...i).map { p[b][h][i][$0] * dp[$0] }.reduce(0, +)
          for j in 0...i {
            let pij = p[b][h][i][j], da = pij * (dp[j] - weighted)
            for d in columns {
              dv[b * T + j][d] += pij * dOut[row][d]
              dq[row][d] += s * da * k[b * T + j][d]
              dk[b * T + j][d] += s * da * q[row][d]
            }
          }
        }
      }
    }
    return (dq, dk, dv)
  }

  /// L = −(1/N) Σ_n log softmax(z_n)[y_n]; ∂z_n = (softmax(z_n) − e_{y_n})/N.
  static func crossEntropy(_ logits: Matrix, targets: [Int32]) -> (loss: Double, dLogits: Matrix) {
    let N = Double(logits.count)
    var loss = 0.0, dLogits: Matrix = []
    for (n, z) in logits.enumerated() {
      let top = z.max()!
      let total = z.map { Double.exp($0 - top) }.reduce(0, +)
      let y = Int(targets[n])
      loss -= (z[y] - top) - Double.log(total)
      dLogits.append(z.indices.map { (($0 == y ? -1 : 0) + Double.exp(z[$0] - top) / total) / N })
    }
    return (loss / N, dLogits)
  }

  // MARK: - The parameters as named matrices

  static func zeros(_ rows: Int, _ columns: Int) -> Matrix { Matrix(repeating: [Double](repeating: 0, count: columns), count: rows) }
  static func add(_ x: Matrix, _ y: Matrix) -> Matrix { zip(x, y).map { zip($0, $1).map { $0 + $1 } } }

  /// One block's parameters (or their gradients). `query`, `key`, `value` are C × C: head h's
  /// [hs, C] weight is rows h·hs..<(h+1)·hs.
  struct BlockWeights {
    var norm1Weight, norm1Bias: [Double]
    var query, key, value, projection: Matrix
    var projectionBias: [Double]
    var norm2Weight, norm2Bias: [Double]
    var hidden: Matrix
    var hiddenBias: [Double]
    var output: Matrix
    var outputBias: [Double]
  }

  /// Every parameter (or gradient) of the model, as the matrices of the module tree.
  struct Weights {
    var tokenEmbedding, positionEmbedding: Matrix
    var blocks: [BlockWeights]
    var finalNormWeight, finalNormBias: [Double]
    var head: Matrix
    var headBias: [Double]
    let configuration: GPTConfiguration

    /// Read from the flat vector θ laid out by `layout`.
    init(_ c: GPTConfiguration, _ layout: GPTLayout, _ θ: [Double]) {
      let C = c.embedding, H = c.hiddenWidth
      func vector(_ offset: Int, _ count: Int) -> [Double] { Array(θ[offset..<(offset + count)]) }
      func matrix(_ offset: Int, _ rows: Int, _ columns: Int) -> Matrix { (0..<rows).map { vector(offset + $0 * columns, columns) } }
      configuration = c
      tokenEmbedding = matrix(layout.tokenEmbedding, c.vocabulary, C)
      positionEmbedding = matrix(layout.positionEmbedding, c.block, C)
      blocks = layout.blocks.map { b in
        BlockWeights(norm1Weight: vector(b.norm1Weight, C), norm1Bias: vector(b.norm1Bias, C),
                     query: matrix(b.attentionWeight + C * C, C, C), key: matrix(b.attentionWeight, C, C),
                     value: matrix(b.attentionWeight + 2 * C * C, C, C),
                     projection: matrix(b.projectionWeight, C, C), projectionBias: vector(b.projectionBias, C),
                     norm2Weight: vector(b.norm2Weight, C), norm2Bias: vector(b.norm2Bias, C),
                     hidden: matrix(b.hiddenWeight, H, C), hiddenBias: vector(b.hiddenBias, H),
                     output: matrix(b.outputWeight, C, H), outputBias: vector(b.outputBias, C))
      }
      finalNormWeight = vector(layout.finalNormWeight, C)
      finalNormBias = vector(layout.finalNormBias, C)
      head = matrix(layout.headWeight, c.vocabulary, C)
      headBias = vector(layout.headBias, c.vocabulary)
    }

    /// All zeros, shaped as `w`.
    init(zerosLike w: Weights) {
      self.init(w.configuration, GPTLayout(w.configuration), [Double](repeating: 0, count: GPTLayout(w.configuration).count))
    }

    /// The flat vector of `layout`: the inverse of `init(_:_:_:)`.
    func flattened(_ layout: GPTLayout) -> [Double] {
      var θ = [Double](repeating: 0, count: layout.count)
      func put(_ values: [Double], at offset: Int) { for (i, x) in values.enumerated() { θ[offset + i] = x } }
      func put(_ m: Matrix, at offset: Int) { put(m.flatMap { $0 }, at: offset) }
      let C = configuration.embedding
      put(tokenEmbedding, at: layout.tokenEmbedding)
      put(positionEmbedding, at: layout.positionEmbedding)
      for (b, w) in zip(layout.blocks, blocks) {
        put(w.norm1Weight, at: b.norm1Weight); put(w.norm1Bias, at: b.norm1Bias)
        put(w.key, at: b.attentionWeight); put(w.query, at: b.attentionWeight + C * C); put(w.value, at: b.attentionWeight + 2 * C * C)
        put(w.projection, at: b.projectionWeight); put(w.projectionBias, at: b.projectionBias)
        put(w.norm2Weight, at: b.norm2Weight); put(w.norm2Bias, at: b.norm2Bias)
        put(w.hidden, at: b.hiddenWeight); put(w.hiddenBias, at: b.hiddenBias)
        put(w.output, at: b.outputWeight); put(w.outputBias, at: b.outputBias)
      }
      put(finalNormWeight, at: layout.finalNormWeight); put(finalNormBias, at: layout.finalNormBias)
      put(head, at: layout.headWeight); put(headBias, at: layout.headBias)
      return θ
    }
  }

  /// What one block's backward needs from its forward.
  struct BlockActivations {
    let x: Matrix
    let n1: Normalised
    let q, k, v, attended: Matrix
    let p: [[Matrix]]
    let m: Matrix
    let n2: Normalised
    let a, h: Matrix
  }
}
