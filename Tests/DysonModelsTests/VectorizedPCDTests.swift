import Testing
import DysonCore
@testable import DysonModels

@Suite("Vectorised PCD: four runs in the lanes of one vector")
struct VectorizedPCDTests {
  /// The scalar run of `stream` after `updates` updates (nil error) or the error it stopped with.
  func scalarRun(_ c: PCDConfiguration, seed: UInt64, stream: UInt64, updates: Int) throws -> ([Double], RBMError?) {
    var pcd = try PersistentContrastiveDivergence(configuration: c, seed: seed, stream: stream)
    do { for _ in 0..<updates { try pcd.update() } } catch let e as RBMError { return (pcd.rbm.weights.elements, e) }
    return (pcd.rbm.weights.elements, nil)
  }

  @Test("Each lane is its scalar run bit for bit, whatever runs share the vector",
        arguments: [PCDConfiguration.PositivePhase.analytic, .sampled],
                   [(PCDConfiguration.Sampler.kstep, 6), (.gibbs, 6), (.gram, 10), (.gram, 16)] as [(PCDConfiguration.Sampler, Int)])
  func lanesEqualScalarRuns(phase: PCDConfiguration.PositivePhase, sampler: (PCDConfiguration.Sampler, Int)) throws {
    var c = PCDConfiguration()
    c.visible = 7; c.hidden = 5; c.batch = sampler.1; c.gibbsSteps = 2; c.positivePhase = phase; c.sampler = sampler.0
    c.momentum = 0.3; c.weightDecay = 0.01
    let streams: [UInt64] = [6, 0, 11, 3]
    var lanes = try VectorizedPCD(configuration: c, seed: 8, streams: streams)
    for _ in 0..<40 { lanes.update() }
    for (lane, stream) in streams.enumerated() {
      let (w, error) = try scalarRun(c, seed: 8, stream: stream, updates: 40)
      #expect(error == nil)
      #expect(lanes.rbm(lane: lane).weights.elements == w, "lane \(lane) (stream \(stream)) differs from its scalar run")
    }
    // A lone stream in spare-filled lanes: the same numbers again.
    var alone = try VectorizedPCD(configuration: c, seed: 8, streams: [11])
    for _ in 0..<40 { alone.update() }
    #expect(alone.rbm(lane: 0).weights.elements == lanes.rbm(lane: 2).weights.elements)
  }

  @Test("A lane that diverges is reported at the scalar run's update; the other lanes go on untouched")
  func divergenceStaysInItsLane() throws {
    var c = PCDConfiguration()
    c.visible = 6; c.hidden = 6; c.batch = 4
    c.alpha = 1.6   // 8 of these 12 runs blow up within 60 updates, 4 do not
    var outcomes: [(UInt64, [Double], RBMError?)] = []
    for stream in UInt64(0)..<12 {
      let (w, e) = try scalarRun(c, seed: 2, stream: stream, updates: 60)
      outcomes.append((stream, w, e))
    }
    let diverging = outcomes.filter { $0.2 != nil }, healthy = outcomes.filter { $0.2 == nil }
    try #require(!diverging.isEmpty && !healthy.isEmpty, "the test needs both kinds of lanes; α = \(c.alpha)")
    let mixed = [diverging[0], healthy[0], diverging.last!, healthy.last!]
    var lanes = try VectorizedPCD(configuration: c, seed: 2, streams: mixed.map(\.0))
    for _ in 0..<60 { lanes.update() }
    for (lane, run) in mixed.enumerated() {
      #expect(lanes.failures[lane] == run.2, "lane \(lane): \(String(describing: lanes.failures[lane])) vs \(String(describing: run.2))")
      if run.2 == nil { #expect(lanes.rbm(lane: lane).weights.elements == run.1) }
    }
  }
}

@Suite("Adam for the RBM")
struct RBMAdamTests {
  @Test("two Adam steps on given gradients equal the update computed by hand")
  func twoStepsByHand() {
    let (b1, b2, eps) = (0.9, 0.999, 1e-8)
    let g1: [Double] = [0.5, -2, 1e-3], g2: [Double] = [0.25, 1, -4e-3]
    var m = [Double](repeating: 0, count: 3), v = m
    var directions: [[Double]] = []
    for (t, g) in [g1, g2].enumerated() {
      var d = g
      d.withUnsafeMutableBufferPointer { d in
        m.withUnsafeMutableBufferPointer { m in
          v.withUnsafeMutableBufferPointer { v in
            PCDUpdate<Double>.adamDirection(gradient: d.baseAddress!, firstMoment: m.baseAddress!, secondMoment: v.baseAddress!, count: 3,
                                            beta1: b1, beta2: b2, epsilon: eps, step: t + 1)
          }
        }
      }
      directions.append(d)
    }
    // By hand: m₁ = 0.1g₁, v₁ = 0.001g₁², step 1 = (α/0.1)·m₁/(√v₁/√0.001 + ε) = α·g₁/(|g₁| + ε).
    // m₂ = 0.09g₁ + 0.1g₂, v₂ = 0.000999g₁² + 0.001g₂², step 2 = (α/0.19)·m₂/(√v₂/√(1 − 0.999²) + ε).
    for k in 0..<3 {
      let step1 = directions[0][k] / (1 - b1)
      #expect(abs(step1 - g1[k] / (abs(g1[k]) + eps)) < 1e-12)
      let m2 = 0.09 * g1[k] + 0.1 * g2[k], v2 = 0.000999 * g1[k] * g1[k] + 0.001 * g2[k] * g2[k]
      let step2 = m2 / (v2.squareRoot() / (1 - b2 * b2).squareRoot() + eps) / (1 - b1 * b1)
      #expect(abs(directions[1][k] / (1 - b1 * b1) - step2) < 1e-12 * max(1, abs(step2)))
    }
  }

  @Test("the first Adam update moves every weight by α·g/(|g| + ε), g the first SGD update's gradient; lanes equal scalar runs")
  func firstStepAndLanes() throws {
    var c = PCDConfiguration()
    c.visible = 7; c.hidden = 5; c.batch = 6; c.alpha = 1e-3
    var sgd = try PersistentContrastiveDivergence(configuration: c, seed: 4, stream: 2)
    var adamConfiguration = c
    adamConfiguration.optimizer = .adam
    var adam = try PersistentContrastiveDivergence(configuration: adamConfiguration, seed: 4, stream: 2)
    let w0 = sgd.rbm.weights.elements
    try sgd.update()
    try adam.update()
    for k in 0..<35 {
      // The same chains and W₀ in both runs, so SGD's step is α·g, and Adam's first is α·g/(|g| + ε).
      let g = (sgd.rbm.weights.elements[k] - w0[k]) / c.alpha
      let step = adam.rbm.weights.elements[k] - w0[k]
      #expect(abs(step - c.alpha * g / (abs(g) + c.adamEpsilon)) < 1e-13, "weight \(k): \(step) for g = \(g)")
    }
    var lanes = try VectorizedPCD(configuration: adamConfiguration, seed: 4, streams: [2, 5, 0, 1])
    for _ in 0..<30 { lanes.update() }
    var scalar = try PersistentContrastiveDivergence(configuration: adamConfiguration, seed: 4, stream: 5)
    for _ in 0..<30 { try scalar.update() }
    #expect(lanes.rbm(lane: 1).weights.elements == scalar.rbm.weights.elements)
  }

  @Test("with Adam the RBM still learns the field: each mode's ⟨x⟩ (a degenerate pair's mean) within 3 % of μ² − κ")
  func learnsTheTarget() throws {
    var c = PCDConfiguration()
    c.optimizer = .adam
    c.alpha = 0.002
    c.batch = 64
    var pcd = try PersistentContrastiveDivergence(configuration: c, seed: 1, stream: 0)
    var sum = [Double](repeating: 0, count: c.hidden), samples = 0
    for u in 0..<20000 {
      try pcd.update()
      if u >= 10000 && u % 20 == 0 {
        let x = try pcd.rbm.spectrum().sorted(by: >)
        for i in 0..<c.hidden { sum[i] += x[i] }
        samples += 1
      }
    }
    // The sorted levels of a degenerate pair repel each other (the papers' point): compare each
    // mode's members' mean with its target.
    let targets = pcd.target.eigenvalues.map { c.mu2 - $0 }.sorted(by: >)
    var i = 0
    while i < c.hidden {
      let members = i + 1 < c.hidden && abs(targets[i] - targets[i + 1]) < 1e-9 ? 2 : 1
      let x = sum[i..<(i + members)].reduce(0, +) / Double(members * samples)
      #expect(abs(x / targets[i] - 1) < 0.03, "mode at \(targets[i]): ⟨x⟩ = \(x)")
      i += members
    }
  }
}
