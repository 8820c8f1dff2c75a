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
