import DysonCore
import DysonTestSupport
import Foundation
import Testing
@testable import DysonModels

/// A GPT small enough for finite differences over every parameter, with every part present:
/// two layers, two heads of size 4, a sequence shorter than the block.
private func tinyConfiguration(scale: GPTConfiguration.AttentionScale = .embedding, embedding: Int = 8) -> GPTConfiguration {
  var c = GPTConfiguration()
  c.vocabulary = 7
  c.layers = 2
  c.heads = 2
  c.embedding = embedding
  c.block = 6
  c.hiddenWidth = 12
  c.attentionScale = scale
  return c
}

/// The configurations the gradient check covers: both score scales with rows of whole SIMD8
/// chunks (C = 8), and C = 6 (head size 3), where every row kernel takes its scalar tail.
private let gradientCases: [GPTConfiguration] = [
  tinyConfiguration(scale: .embedding), tinyConfiguration(scale: .headSize), tinyConfiguration(embedding: 6),
]

private func randomTokens(_ count: Int, vocabulary: Int, seed: UInt64) -> [Int32] {
  var rng = Xoshiro256StarStar(seed: seed)
  return (0..<count).map { _ in Int32(rng.next() % UInt64(vocabulary)) }
}

@Suite("GPT") struct GPTTests {
  @Test("the lecture configuration has the paper's 209 729 parameters, under PyTorch's names and shapes")
  func parameterCount() throws {
    let layout = GPTLayout(GPTConfiguration())
    #expect(layout.count == 209_729)
    #expect(layout.tensors.reduce(0) { $0 + $1.count } == 209_729)
    #expect(layout.tensor(named: "blocks.3.sa.heads.2.key.weight")?.shape == [16, 64])
    #expect(layout.tensor(named: "blocks.0.ffwd.net.2.weight")?.shape == [64, 256])
    #expect(layout.tensor(named: "lm_head.bias")?.shape == [65])
    // Tensors tile the flat vector without overlap.
    let covered = layout.tensors.flatMap { Array($0.offset..<($0.offset + $0.count)) }.sorted()
    #expect(covered == Array(0..<layout.count))
  }

  @Test("PyTorch initialisation: key entries have variance 1/192, embeddings 1, LayerNorm 1 and 0")
  func initialisation() throws {
    var rng = Xoshiro256StarStar(seed: 3)
    let model = try GPT<Double>(GPTConfiguration(), using: &rng)
    var keys: [Double] = []
    for l in 0..<4 { for h in 0..<4 { keys += model.values(of: model.layout.tensor(named: "blocks.\(l).sa.heads.\(h).key.weight")!) } }
    let variance = keys.map { $0 * $0 }.reduce(0, +) / Double(keys.count)
    // U(±1/8) has variance 1/192; 16 384 samples give a standard error of 1/192·√(0.8/16384) ≈ 1.2e-5.
    #expect(abs(variance - 1.0 / 192) < 6e-5)
    #expect(keys.allSatisfy { abs($0) <= 0.125 })
    let embedding = Array(model.values(of: model.layout.tensor(named: "token_embedding_table.weight")!))
    let embeddingVariance: Double = embedding.map { $0 * $0 }.reduce(0, +) / Double(embedding.count)
    #expect(abs(embeddingVariance - 1) < 0.07)  // 4160 samples: standard error √(2/4160) ≈ 0.022
    #expect(model.values(of: model.layout.tensor(named: "blocks.1.ln2.weight")!).allSatisfy { $0 == 1 })
    #expect(model.values(of: model.layout.tensor(named: "ln_f.bias")!).allSatisfy { $0 == 0 })
  }

  @Test("head spectra are the squared singular values of each PyTorch head weight, and keep their nested JSON layout")
  func headSpectra() throws {
    var rng = Xoshiro256StarStar(seed: 5)
    let c = tinyConfiguration()
    let model = try GPT<Double>(c, using: &rng)
    let spectra = model.headSpectra
    #expect(spectra.layers == 2 && spectra.heads == 2 && spectra.levels == 4)
    for l in 0..<2 {
      for p in HeadProjection.allCases {
        for h in 0..<2 {
          let weight = Array(model.values(of: model.layout.tensor(named: "blocks.\(l).sa.heads.\(h).\(p.rawValue).weight")!))
          let sigma = try singularValues(of: Matrix(rows: 4, columns: 8, elements: weight))
          let expected = sigma.map { $0 * $0 }.sorted()
          let got = spectra[layer: l, projection: p, head: h]
          #expect(zip(got, expected).allSatisfy { abs($0 - $1) < 1e-12 * max(1, expected.last!) }, "layer \(l) \(p) head \(h)")
          #expect((0..<4).allSatisfy { spectra[layer: l, projection: p, head: h, level: $0] == got[$0] })
        }
      }
    }
    // JSON: [layer][projection][head][level], and back to the same value.
    let json = try JSONEncoder().encode(spectra)
    let nested = try JSONDecoder().decode([[[[Double]]]].self, from: json)
    #expect(nested.count == 2 && nested[1].count == 3 && nested[1][2].count == 2 && nested[1][2][1] == spectra[layer: 1, projection: .value, head: 1])
    #expect(try JSONDecoder().decode(HeadSpectra.self, from: json) == spectra)
    #expect(throws: DecodingError.self) { try JSONDecoder().decode(HeadSpectra.self, from: Data("[[[[1.0]], [[1.0]]]]".utf8)) }
  }

  @Test("every parameter tensor's gradient matches central differences to 1e-6", arguments: gradientCases)
  func gradientsMatchFiniteDifferences(c: GPTConfiguration) throws {
    var rng = Xoshiro256StarStar(seed: 11)
    var model = try GPT<Double>(c, using: &rng)
    // Move LayerNorm and bias parameters off their initial 1 and 0 so that no term vanishes by symmetry.
    for i in model.parameters.indices { model.parameters[i] += 0.3 * rng.normal() * 0.3 }
    let batch = 2, length = 5
    let tokens = randomTokens(batch * (length + 1), vocabulary: c.vocabulary, seed: 5)
    var inputs: [Int32] = [], targets: [Int32] = []
    for b in 0..<batch {
      inputs += tokens[(b * (length + 1))..<(b * (length + 1) + length)]
      targets += tokens[(b * (length + 1) + 1)..<((b + 1) * (length + 1))]
    }
    let (loss, gradient) = try model.lossAndGradient(inputs: inputs, targets: targets, batch: batch)
    #expect(loss.isFinite && loss > 0)
    let h = 1e-5
    for tensor in model.layout.tensors {
      var numeric: [Double] = []
      for i in tensor.offset..<(tensor.offset + tensor.count) {
        var shifted = model
        numeric.append(centralDifference(step: h) { d in
          shifted.parameters[i] = model.parameters[i] + d
          return try! shifted.loss(inputs: inputs, targets: targets, batch: batch)
        })
      }
      let analytic = Array(gradient[tensor.offset..<(tensor.offset + tensor.count)])
      let difference = zip(analytic, numeric).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
      let norm = numeric.map { $0 * $0 }.reduce(0, +).squareRoot()
      #expect(norm > 1e-8, "\(tensor.name): gradient vanishes, the check would be empty")
      #expect(difference <= 1e-6 * norm, "\(tensor.name): ‖∂ − FD‖/‖FD‖ = \(difference / norm)")
    }
  }

  @Test("GPTReference, the plain-loop model, matches central differences for every tensor to 1e-6")
  func referenceMatchesFiniteDifferences() {
    let c = tinyConfiguration()
    var rng = Xoshiro256StarStar(seed: 12)
    var theta = (try! GPT<Double>(c, using: &rng)).parameters
    for i in theta.indices { theta[i] += 0.09 * rng.normal() }
    let batch = 2, length = 4
    let inputs = randomTokens(batch * length, vocabulary: c.vocabulary, seed: 6)
    let targets = randomTokens(batch * length, vocabulary: c.vocabulary, seed: 7)
    let (_, gradient) = GPTReference.lossAndGradient(c, parameters: theta, inputs: inputs, targets: targets, batch: batch)
    for tensor in GPTLayout(c).tensors {
      let range = tensor.offset..<(tensor.offset + tensor.count)
      let numeric = range.map { i in
        centralDifference(step: 1e-5) { d in
          var shifted = theta
          shifted[i] += d
          return GPTReference.lossAndGradient(c, parameters: shifted, inputs: inputs, targets: targets, batch: batch).loss
        }
      }
      let difference = zip(gradient[range], numeric).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
      let norm = numeric.map { $0 * $0 }.reduce(0, +).squareRoot()
      #expect(norm > 1e-8, "\(tensor.name): gradient vanishes")
      #expect(difference <= 1e-6 * norm, "\(tensor.name): ‖∂ − FD‖/‖FD‖ = \(difference / norm)")
    }
  }

  @Test("the SIMD model equals GPTReference: loss to 1e-13, every tensor's gradient to 1e-11 (Double) and 1e-4 (Float)",
        arguments: gradientCases + [GPTConfiguration()])
  func kernelsMatchReference(c: GPTConfiguration) throws {
    var rng = Xoshiro256StarStar(seed: 21)
    var model = try GPT<Double>(c, using: &rng)
    for i in model.parameters.indices { model.parameters[i] += 0.05 * rng.normal() }
    let batch = 3, length = min(c.block, 13)   // 13: not a multiple of the four-row blocks
    let inputs = randomTokens(batch * length, vocabulary: c.vocabulary, seed: 8)
    let targets = randomTokens(batch * length, vocabulary: c.vocabulary, seed: 9)
    let truth = GPTReference.lossAndGradient(c, parameters: model.parameters, inputs: inputs, targets: targets, batch: batch)
    let double = try model.lossAndGradient(inputs: inputs, targets: targets, batch: batch)
    let float = try GPT<Float>(c, parameters: model.parameters.map { Float($0) })
      .lossAndGradient(inputs: inputs, targets: targets, batch: batch)
    #expect(abs(double.loss - truth.loss) <= 1e-13 * truth.loss, "loss \(double.loss) vs \(truth.loss)")
    #expect(abs(float.loss - truth.loss) <= 1e-5 * truth.loss, "Float loss \(float.loss) vs \(truth.loss)")
    for tensor in model.layout.tensors {
      let range = tensor.offset..<(tensor.offset + tensor.count)
      let norm = truth.gradient[range].map { $0 * $0 }.reduce(0, +).squareRoot()
      func error(_ g: [Double]) -> Double { zip(g[range], truth.gradient[range]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot() / norm }
      #expect(norm > 0, "\(tensor.name): gradient vanishes")
      #expect(error(double.gradient) <= 1e-11, "\(tensor.name) (Double): relative error \(error(double.gradient))")
      #expect(error(float.gradient.map { Double($0) }) <= 1e-4, "\(tensor.name) (Float): relative error \(error(float.gradient.map { Double($0) }))")
    }
  }

  @Test("the loss at initialisation is ln 65 + Var(logit)/2 ≈ 4.34 for random tokens")
  func initialLoss() throws {
    var rng = Xoshiro256StarStar(seed: 1)
    let model = try GPT<Float>(GPTConfiguration(), using: &rng)
    let tokens = randomTokens(16 * 32 * 2, vocabulary: 65, seed: 2)
    let loss = try model.loss(inputs: Array(tokens[0..<512]), targets: Array(tokens[512...]), batch: 16)
    // Logits = unit-variance LayerNorm output · U(±1/8) weights + U(±1/8) bias: variance
    // 64/192 + 1/192 = 0.339; for targets independent of the logits, E[L] ≈ ln 65 + 0.339/2 = 4.344
    // (second order in the logit spread). 512 tokens leave a sampling error of about 0.03.
    #expect(abs(loss - 4.344) < 0.1, "loss \(loss)")
  }

  @Test("the loss and gradient are the same bits on 1, 2 and 3 threads (uneven pieces of a batch of 5)")
  func sameBitsAtAnyThreadCount() throws {
    var rng = Xoshiro256StarStar(seed: 3)
    let model = try GPT<Float>(GPTConfiguration(), using: &rng)
    let batch = 5, length = 12
    let inputs = randomTokens(batch * length, vocabulary: 65, seed: 4)
    let targets = randomTokens(batch * length, vocabulary: 65, seed: 5)
    func run(threads: Int) throws -> (loss: UInt64, gradient: [UInt32]) {
      let (loss, gradient) = try Parallelism.$kernelThreads.withValue(threads) {
        try model.lossAndGradient(inputs: inputs, targets: targets, batch: batch)
      }
      return (loss.bitPattern, gradient.map(\.bitPattern))
    }
    let one = try run(threads: 1)
    #expect(one.gradient.contains { $0 != 0 })
    for threads in [2, 3] {
      let other = try run(threads: threads)
      #expect(other.loss == one.loss, "loss differs at \(threads) threads")
      let differing = zip(one.gradient, other.gradient).filter { $0 != $1 }.count
      #expect(differing == 0, "\(differing) gradient entries differ at \(threads) threads")
    }
  }

  @Test("tokens outside the vocabulary or of the wrong count are refused with a message")
  func invalidTokens() throws {
    var rng = Xoshiro256StarStar(seed: 1)
    let model = try GPT<Double>(tinyConfiguration(), using: &rng)
    #expect(throws: GPTError.self) { try model.loss(inputs: [0, 1, 7], targets: [1, 2, 3], batch: 1) }
    #expect(throws: GPTError.self) { try model.loss(inputs: [0, 1, 2], targets: [1, 2], batch: 1) }
    #expect(throws: GPTError.self) { try model.loss(inputs: Array(repeating: 0, count: 7), targets: Array(repeating: 0, count: 7), batch: 1) }
    var bad = GPTConfiguration()
    bad.heads = 5
    #expect(throws: GPTError.self) { try GPT<Double>(bad, using: &rng) }
  }
}

@Suite("AdamW") struct AdamWTests {
  @Test("two steps match the hand-computed bias-corrected update with decoupled decay")
  func twoSteps() {
    var c = AdamWConfiguration()
    c.learningRate = 0.1
    // Eleven parameters: 0 and 1 go through the eight-lane loop, 9 and 10 (the same values) through the scalar tail.
    var adam = AdamW<Double>(c, count: 11)
    var theta = [1.0, -2.0] + [Double](repeating: 0.25, count: 7) + [1.0, -2.0]
    adam.update(&theta, gradient: [0.5, 0] + [Double](repeating: 0, count: 7) + [0.5, 0])
    adam.update(&theta, gradient: [-0.2, 0] + [Double](repeating: 0, count: 7) + [-0.2, 0])
    #expect(theta[9] == theta[0] && theta[10] == theta[1])
    // θ₁: decay 1 → 0.999; m = 0.05, v = 2.5e-4; m̂ = 0.5, v̂ = 0.25: θ = 0.999 − 0.1·0.5/(0.5 + 1e-8).
    let theta1 = 0.999 - 0.1 * 0.5 / (0.5 + 1e-8)
    // θ₂: decay; m = 0.9·0.05 − 0.1·0.2 = 0.025, v = 0.999·2.5e-4 + 0.001·0.04 = 2.8975e-4;
    // m̂ = 0.025/0.19, v̂ = 2.8975e-4/0.001999.
    let expected = theta1 * 0.999 - 0.1 * (0.025 / 0.19) / ((2.8975e-4 / 0.001999).squareRoot() + 1e-8)
    #expect(abs(theta[0] - expected) < 1e-14, "\(theta[0]) vs \(expected)")
    // Zero gradient: only the decay acts, twice.
    let decayedTwice: Double = -2 * 0.999 * 0.999
    #expect(abs(theta[1] - decayedTwice) < 1e-15)
    #expect(adam.step == 2)
  }
}

@Suite("Optimizers") struct OptimizerTests {
  /// Every optimizer with lr 0.1, β (0.9, 0.999), ε 1e-8, λ 0.01, μ 0.9.
  static func configuration(_ method: OptimizerConfiguration.Method) -> OptimizerConfiguration {
    var c = OptimizerConfiguration()
    c.method = method
    c.learningRate = 0.1
    return c
  }

  @Test("two steps of adam, sgd and momentum match the update computed by hand")
  func handComputed() {
    // One parameter θ = 1, gradients 0.5 then −0.2; λ = 0.01 is added to each gradient.
    func twoSteps(_ method: OptimizerConfiguration.Method) -> Double {
      var optimizer = Optimizer<Double>(Self.configuration(method), count: 1)
      var theta = [1.0]
      optimizer.update(&theta, gradient: [0.5])
      optimizer.update(&theta, gradient: [-0.2])
      return theta[0]
    }
    // sgd: g₁ = 0.5 + 0.01 = 0.51, θ₁ = 1 − 0.051 = 0.949; g₂ = −0.2 + 0.00949, θ₂ = θ₁ − 0.1·g₂.
    let sgd1 = 1 - 0.1 * 0.51
    #expect(abs(twoSteps(.sgd) - (sgd1 - 0.1 * (-0.2 + 0.01 * sgd1))) < 1e-15)
    // momentum: b₁ = g₁ (θ₁ as sgd); b₂ = 0.9·b₁ + g₂, θ₂ = θ₁ − 0.1·b₂.
    #expect(abs(twoSteps(.momentum) - (sgd1 - 0.1 * (0.9 * 0.51 + (-0.2 + 0.01 * sgd1)))) < 1e-15)
    // adam: g₁ = 0.51, m = 0.051, v = 0.001·0.51²; m̂ = 0.51, v̂ = 0.51²: θ₁ = 1 − 0.1·0.51/(0.51 + 1e-8).
    let adam1 = 1 - 0.1 * 0.51 / (0.51 + 1e-8)
    let g2 = -0.2 + 0.01 * adam1
    let m2 = 0.9 * 0.051 + 0.1 * g2, v2 = 0.999 * (0.001 * 0.51 * 0.51) + 0.001 * g2 * g2
    let adam2 = adam1 - 0.1 * (m2 / (1 - 0.81)) / ((v2 / (1 - 0.999 * 0.999)).squareRoot() + 1e-8)
    #expect(abs(twoSteps(.adam) - adam2) < 1e-14, "\(twoSteps(.adam)) vs \(adam2)")
  }

  /// θ after three steps, printed by `python3 Benchmarks/peers/torch_optimizers.py` (PyTorch 2.15.0,
  /// float64, single-tensor loops): the same problem, the same hyperparameters.
  static let torch: [OptimizerConfiguration.Method: [Double]] = [
    .adamw: [0.6988988855023129, -2.2507984159632364, 0.5507333598676744, 3.263760942572612, -0.5106868413447766, 0.448468105180687,
             1.7196807946605008, -1.0972600996344644, 1.5623096429499863, -0.7924724478514382, -0.1989601385875559],
    .adam: [0.701530665616252, -2.254891696080022, 0.551099322421333, 3.2701406763077614, -0.5114013905785203, 0.45041633958460436,
            1.7246431895024812, -1.0929942478536316, 1.5549207536789647, -0.7942205119460203, -0.19895229356046326],
    .sgd: [0.7479426447011751, -2.1318651219596227, 0.6299014105877377, 3.1113544958297803, -0.44798450549011887, 0.34546011723386355,
           1.7579837312703819, -0.9844190359164433, 1.4309162119623715, -0.8968891234650519, -0.44400307282113044],
    .momentum: [0.5465987036682712, -2.3465210976310305, 0.6714916546390008, 3.2699302628706, -0.515833566320022, -0.012385098034428187,
                1.4398176704230152, -1.0226102526601788, 1.4506546427093179, -1.1478140500084857, -0.9467482817916969],
  ]

  @Test("three steps of every optimizer equal PyTorch's torch.optim to 1e-14 (eight SIMD lanes and a scalar tail)",
        arguments: OptimizerConfiguration.Method.allCases)
  func matchesPyTorch(method: OptimizerConfiguration.Method) throws {
    var theta = [1.0, -2.0, 0.5, 3.0, -0.25, 0.75, 2.0, -1.0, 1.5, -0.5, 0.1]
    var optimizer = Optimizer<Double>(Self.configuration(method), count: theta.count)
    for t in 1...3 {
      optimizer.update(&theta, gradient: theta.indices.map { i in Foundation.sin(1.3 * Double(i) + 0.7 * Double(t)) + 0.1 * Double(i) })
    }
    let expected = try #require(Self.torch[method])
    let worst = zip(theta, expected).map { abs($0 - $1) }.max()!
    #expect(worst < 1e-14, "\(method): max |Δ| \(worst)")
  }

  @Test("out-of-range hyperparameters are refused with a message naming them")
  func refusals() {
    var c = OptimizerConfiguration()
    c.beta1 = 1
    #expect(c.problem?.contains("β₁") == true)
    c = OptimizerConfiguration()
    c.method = .momentum
    c.momentum = 1
    #expect(c.problem?.contains("momentum") == true)
    c = OptimizerConfiguration()
    c.method = .sgd
    c.beta1 = 1   // Adam's β do not matter to SGD
    #expect(c.problem == nil)
    c.learningRate = -1
    #expect(c.problem?.contains("learning rate") == true)
  }
}

@Suite("GPT row kernels") struct RowKernelTests {
  @Test("rowTimesMatrix equals the naive sum for every column group (32, 16, 8, single) and depth range")
  func rowTimesMatrixMatchesNaive() {
    var rng = Xoshiro256StarStar(seed: 9)
    for n in [1, 7, 8, 9, 16, 23, 32, 40, 57, 72] {
      for depth in [0..<0, 0..<1, 3..<17, 0..<33] {
        let ldb = n + 3
        let a = (0..<40).map { _ in rng.normal() }
        let b = (0..<(40 * ldb)).map { _ in rng.normal() }
        var c = [Double](repeating: .nan, count: n)
        a.withUnsafeBufferPointer { pa in
          b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
              rowTimesMatrix(pc.baseAddress!, alpha: 0.5, pa.baseAddress!, pb.baseAddress!, ldb: ldb, depth: depth, columns: n)
            }
          }
        }
        for j in 0..<n {
          let expected = 0.5 * depth.reduce(0.0) { $0 + a[$1] * b[$1 * ldb + j] }
          #expect(abs(c[j] - expected) <= 1e-13 * (1 + abs(expected)), "n \(n), depth \(depth), column \(j)")
        }
      }
    }
  }

  @Test("rowBlockTimesMatrix equals the naive sum for 1–4 rows, A in place or transposed, every column group and depth range",
        arguments: [false, true])
  func rowBlockTimesMatrixMatchesNaive(transposedA: Bool) {
    var rng = Xoshiro256StarStar(seed: 10)
    for rows in 1...4 {
      for n in [3, 8, 16, 19, 24, 32, 40] {
        for depth in [0..<0, 0..<1, 3..<17, 0..<33] {
          let lda = 37, ldb = n + 3, ldc = n + 5
          let a = (0..<(40 * lda)).map { _ in rng.normal() }
          func entry(_ r: Int, _ p: Int) -> Double { transposedA ? a[p * lda + r] : a[r * lda + p] }
          let b = (0..<(40 * ldb)).map { _ in rng.normal() }
          var c = [Double](repeating: .nan, count: 4 * ldc)
          a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
              c.withUnsafeMutableBufferPointer { pc in
                rowBlockTimesMatrix(pc.baseAddress!, ldc: ldc, alpha: -1.5, pa.baseAddress!, lda: lda, transposedA: transposedA,
                                    pb.baseAddress!, ldb: ldb, rows: rows, depth: depth, columns: n)
              }
            }
          }
          for r in 0..<4 {
            for j in 0..<ldc {
              guard r < rows && j < n else {
                #expect(c[r * ldc + j].isNaN, "rows \(rows), n \(n): wrote outside the block at \(r), \(j)")
                continue
              }
              let expected = -1.5 * depth.reduce(0.0) { $0 + entry(r, $1) * b[$1 * ldb + j] }
              #expect(abs(c[r * ldc + j] - expected) <= 1e-13 * (1 + abs(expected)), "rows \(rows), n \(n), depth \(depth), at \(r), \(j)")
            }
          }
        }
      }
    }
  }
}

@Suite("GPT relu") struct ReluTests {
  @Test("relu and its derivative in Float (eight lanes, then a tail) equal the definition, signed zeros, infinities and NaN included")
  func reluMatchesDefinition() {
    var rng = Xoshiro256StarStar(seed: 12)
    let special: [Float] = [0, -0.0, .infinity, -.infinity, .nan, -Float.nan, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 1, -1]
    // 37 values: four whole chunks, then a tail of 5; the special values land in both.
    let x = special + (0..<17).map { _ in Float(rng.normal()) } + special
    let dy = (0..<x.count).map { _ in Float(rng.normal()) }
    var y = [Float](repeating: 7, count: x.count), dx = dy
    reluForward(&y, x, count: x.count)
    reluBackward(&dx, mask: x, count: x.count)
    for i in x.indices {
      if x[i].isNaN {
        #expect(y[i].isNaN, "relu(\(x[i])) = \(y[i])")  // PyTorch propagates NaN
      } else {
        let expected: Float = x[i] > 0 ? x[i] : 0
        #expect(y[i].bitPattern == expected.bitPattern, "relu(\(x[i])) = \(y[i])")
      }
      #expect(dx[i] == (x[i] > 0 ? dy[i] : 0), "relu'(\(x[i])) passed \(dx[i]) of \(dy[i])")
    }
  }
}

/// Causal attention by its definition, in plain loops: the reference for the blocked kernels.
/// The definition, from GPTReference, on the fused [k | q | v] rows the kernels take.
private func naiveAttention(qkv: [Double], dout: [Double], shape: AttentionShape, scale: Double) -> (out: [Double], dqkv: [Double]) {
  let N = shape.batch * shape.length, C = shape.width, stride = shape.fusedWidth
  func part(_ p: Int) -> GPTReference.Matrix { (0..<N).map { n in Array(qkv[(n * stride + p * C)..<(n * stride + (p + 1) * C)]) } }
  let (k, q, v) = (part(0), part(1), part(2))
  let forward = GPTReference.attention(q: q, k: k, v: v, sequences: shape.batch, heads: shape.heads, scale: scale)
  let dOut = (0..<N).map { n in Array(dout[(n * C)..<((n + 1) * C)]) }
  let backward = GPTReference.attentionBackward(dOut, q: q, k: k, v: v, p: forward.p, heads: shape.heads, scale: scale)
  let dqkv = (0..<N).flatMap { n in backward.dk[n] + backward.dq[n] + backward.dv[n] }
  return (forward.out.flatMap { $0 }, dqkv)
}

@Suite("GPT attention") struct AttentionTests {
  @Test("blocked attention forward and backward equal the definition at the lecture's sizes and with tails",
        arguments: [(32, 16), (30, 16), (7, 8), (9, 5)])
  func attentionMatchesDefinition(length: Int, headSize: Int) {
    let shape = AttentionShape(batch: 2, length: length, heads: 3, headSize: headSize)
    var rng = Xoshiro256StarStar(seed: 21)
    let qkv = (0..<(shape.batch * length * shape.fusedWidth)).map { _ in rng.normal() }
    let dout = (0..<(shape.batch * length * shape.width)).map { _ in rng.normal() }
    let scale = 1 / Double(headSize).squareRoot()
    let (expectedOut, expectedGradient) = naiveAttention(qkv: qkv, dout: dout, shape: shape, scale: scale)
    var out = [Double](repeating: .nan, count: expectedOut.count), dqkv = [Double](repeating: .nan, count: expectedGradient.count)
    var probabilities = [Double](repeating: .nan, count: shape.probabilityCount)
    var scratch = [Double](repeating: .nan, count: shape.scratchCount)
    attentionForward(&out, probabilities: &probabilities, scratch: &scratch, qkv, shape: shape, sequences: 0..<shape.batch, scale: scale)
    attentionBackward(dqkv: &dqkv, scratch: &scratch, dout: dout, qkv: qkv, probabilities: probabilities, shape: shape, sequences: 0..<shape.batch, scale: scale)
    let outError = zip(out, expectedOut).map { abs($0 - $1) }.max()!
    let gradientError = zip(dqkv, expectedGradient).map { abs($0 - $1) }.max()!
    #expect(outError < 1e-12, "forward max |Δ| \(outError)")
    #expect(gradientError < 1e-12, "backward max |Δ| \(gradientError)")
  }
}
