import DysonModels
import DysonRMT
import DysonIO
import Foundation
import Testing
@testable import DysonExperiments

@Suite("GPT scaling") struct GPTScalingTests {
  @Test("the grid: nine points per optimizer; the equal-ratio sets share η/|B| and η/√|B| exactly")
  func grid() throws {
    let points = try GPTScalingExperiment.points(GPTScalingExperiment.Config())
    #expect(points.count == 18)
    for optimizer in [OptimizerConfiguration.Method.sgd, .adamw] {
      let mine = points.filter { $0.optimizer == optimizer }
      #expect(mine.count == 9 && Set(mine.map(\.name)).count == 9)
      let linear = mine.filter(\.linearSet).map(\.linearRatio), root = mine.filter(\.squareRootSet).map(\.squareRootRatio)
      #expect(linear.count == 3 && root.count == 3)
      #expect(linear.allSatisfy { abs($0 - linear[0]) <= 1e-15 * linear[0] })
      #expect(root.allSatisfy { abs($0 - root[0]) <= 1e-15 * root[0] })
      // And each set is unequal under the other rule: the sets tell the rules apart.
      let crossed = mine.filter(\.linearSet).map(\.squareRootRatio)
      #expect(crossed.max()! / crossed.min()! > 1.9)
    }
    var bad = GPTScalingExperiment.Config()
    bad.optimizers = ["sgd", "lion"]
    #expect(throws: ExperimentError.self) { try GPTScalingExperiment.points(bad) }
  }

  /// Measurements whose observables follow `law` exactly, with 1 % errors.
  static func synthetic(_ law: (GPTScalingExperiment.Point) -> Double) throws -> [GPTScalingExperiment.Measurement] {
    try GPTScalingExperiment.points(GPTScalingExperiment.Config()).map { p in
      let e = GPTScalingExperiment.Estimate(value: law(p), error: 0.01 * law(p))
      return GPTScalingExperiment.Measurement(point: p, diffusion: [e, e, e], width: [e, e, e], widthStep: 100,
                                              trainLoss: e, validationLoss: e, runs: 4, failures: [])
    }
  }

  @Test("observables ∝ η/|B| pass the linear rule (χ² = 0, R₀² = 1) and fail the square-root rule; and the reverse")
  func verdictsTellTheRulesApart() throws {
    for (law, rule, other) in [({ (p: GPTScalingExperiment.Point) in 3 * p.linearRatio }, "η/|B|", "η/√|B|"),
                               ({ (p: GPTScalingExperiment.Point) in 3 * p.squareRootRatio }, "η/√|B|", "η/|B|")] {
      let verdicts = GPTScalingExperiment.verdicts(try Self.synthetic(law))
      for v in verdicts where v.observable == "diffusion key" {
        if v.rule == rule {
          #expect(v.chiSquare < 1e-20 && v.pValue > 0.999, "\(v.optimizer) \(v.rule): χ² \(v.chiSquare)")
          #expect(abs(v.collapse!.slope - 3) < 1e-12 && abs(v.collapse!.r2Uncentred - 1) < 1e-12 && abs(v.collapse!.r2 - 1) < 1e-12)
        } else {
          #expect(v.rule == other && v.pValue < 1e-6, "\(v.optimizer) \(v.rule): p \(v.pValue) should reject")
        }
      }
    }
  }

  @Test("a tiny study runs end to end; --resume reads the finished points back, and two shards merged give the same summary")
  func endToEndAndResume() async throws {
    let text = NSTemporaryDirectory() + "dyson-scaling-\(UUID().uuidString).txt"
    try String(repeating: "to be or not to be, that is the question.\n", count: 60).write(toFile: text, atomically: true, encoding: .utf8)
    let folder = NSTemporaryDirectory() + "dyson-scaling-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: text); try? FileManager.default.removeItem(atPath: folder) }
    var c = GPTScalingExperiment.Config()
    c.data = text
    c.optimizers = ["sgd"]
    c.model.layers = 1
    c.model.heads = 2
    c.model.embedding = 8
    c.model.block = 8
    c.model.hiddenWidth = 16
    c.batch = 4
    c.iterations = 60
    c.runs = 2
    c.recordInterval = 2
    c.evalBatches = 2
    c.resamples = 10
    c.checkpointDirectory = folder
    let first = try await GPTScalingExperiment.run(c, workers: 2)
    #expect(first.measurements.count == 9)
    for m in first.measurements {
      #expect(m.runs == 2 && m.failures.isEmpty)
      #expect(m.diffusion.allSatisfy { $0.value > 0 && $0.value.isFinite }, "\(m.point.name): \(m.diffusion)")
      #expect(m.validationLoss.value.isFinite)
    }
    // The width is taken where η·step is the same at every point.
    let slowest = first.measurements.map(\.point.learningRate).min()!
    for m in first.measurements {
      #expect(abs(Double(m.widthStep) * m.point.learningRate - 60 * slowest) <= 1 * m.point.learningRate + 1e-12)
    }
    c.resume = true
    let again = try await GPTScalingExperiment.run(c, workers: 1)
    #expect(zip(first.measurements, again.measurements).allSatisfy { $0.diffusion == $1.diffusion && $0.validationLoss == $1.validationLoss })
    // Two shards (run 0 and run 1 of every point), joined as dyson merge joins them: the same summary.
    c.resume = false
    c.checkpointDirectory = ""
    let parts = [try await GPTScalingExperiment.shard(c, part: 0..<1), try await GPTScalingExperiment.shard(c, part: 1..<2)]
    let merged = try GPTScalingExperiment.result(c, records: zip(parts[0], parts[1]).map { $0 + $1 }, seconds: first.seconds)
    #expect(try JSONValue(encoding: GPTScalingExperiment.summary(merged)) == JSONValue(encoding: GPTScalingExperiment.summary(first)))
    #expect(throws: ExperimentError.self) { try GPTScalingExperiment.result(c, records: Array(parts[0].prefix(3)), seconds: 0) }
  }
}
