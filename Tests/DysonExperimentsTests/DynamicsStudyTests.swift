import DysonCore
@testable import DysonExperiments
import DysonIO
import DysonRMT
import Foundation
import Testing

/// `dyson dynamics` (`DynamicsStudy`) on PyTorch checkpoints and on runs written here.
@Suite("dyson dynamics: PyTorch checkpoints against numpy, bad input, resume, shards")
struct DynamicsStudyTests {
  static let fixture = Bundle.module.url(forResource: "torch-gpt-tiny", withExtension: nil, subdirectory: "Fixtures")!.path

  static func config(_ runs: [String]) -> DynamicsStudy.Config {
    var c = DynamicsStudy.Config()
    c.runs = runs
    c.tensors = ["blocks.*.sa.heads.*.key.weight"]
    c.group = #"blocks\.(\d+)\.sa"#
    c.resamples = 20
    return c
  }

  static var fixtureRuns: [String] { [fixture + "/seed-0", fixture + "/seed-1"] }

  @Test("Two PyTorch runs: λ_max and ⟨r̃⟩ per layer and step equal numpy's on the same files")
  func againstNumpy() async throws {
    let r = try await DynamicsStudy.run(Self.config(Self.fixtureRuns), workers: 2)
    #expect(r.plan.steps == [0, 100, 200])
    #expect(r.plan.groups.map(\.name) == ["blocks.0.sa", "blocks.1.sa"] && r.plan.groups.allSatisfy { $0.matrices == 2 && $0.rows == 16 && $0.columns == 8 })
    struct Truth: Decodable { let points: [Point]; struct Point: Decodable { let group: String; let step: Int; let lambda_max, ratio_mean, ratio_mean_without_largest: Double } }
    let truth = try JSONDecoder().decode(Truth.self, from: Data(contentsOf: URL(fileURLWithPath: Self.fixture + "/numpy.json")))
    try #require(truth.points.count == 6)
    for t in truth.points {
      let p = try #require(r.analysis.point(group: "blocks.\(t.group).sa", step: t.step))
      // eigvalsh of KKᵀ (8 × 8) against one-sided Jacobi on K: rounding only.
      #expect(abs(p.lambdaMax - t.lambda_max) <= 1e-12 * t.lambda_max, "layer \(t.group) step \(t.step): λ_max \(p.lambdaMax) vs \(t.lambda_max)")
      #expect(abs(p.ratioMean - t.ratio_mean) <= 1e-9 && abs(p.ratioMeanWithoutLargest - t.ratio_mean_without_largest) <= 1e-9,
              "layer \(t.group) step \(t.step): ⟨r̃⟩ \(p.ratioMean) vs \(t.ratio_mean)")
      #expect(p.mpSigma2 != nil && p.randDistance != nil)
    }
    // The outputs: summary.json and one CSV row per eigenvalue (2 runs × 3 steps × 4 heads × 8, and as many shuffled).
    let folder = NSTemporaryDirectory() + "dyson-dynamics-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: folder) }
    var output = try ExperimentOutput(directory: folder, study: "dynamics")
    try DynamicsStudy.write(r, to: &output)
    let rows = try String(contentsOfFile: folder + "/eigenvalues.csv", encoding: .utf8).split(separator: "\n").count
    #expect(rows == 1 + 2 * 2 * 3 * 4 * 8)
    for figure in ["histograms.svg", "fits.svg", "index.html", "summary.json", "config.json"] {
      #expect(FileManager.default.fileExists(atPath: folder + "/" + figure), "\(figure)")
    }
  }

  @Test("The same bits with one worker or three, and from two shards merged")
  func workersAndShards() async throws {
    let config = Self.config(Self.fixtureRuns)
    let one = try await DynamicsStudy.run(config, workers: 1)
    let three = try await DynamicsStudy.run(config, workers: 3)
    #expect(one.series == three.series && one.analysis == three.analysis)
    let first = try await DynamicsStudy.shard(config, part: 0..<1)
    let second = try await DynamicsStudy.shard(config, part: 1..<2)
    let merged = try DynamicsStudy.result(config, records: first + second, seconds: 0)
    #expect(merged.series == one.series && merged.analysis == one.analysis)
  }

  /// A run folder written here: `steps` checkpoints of a 12 × 6 matrix "w" (and a 6 × 6 "v").
  static func run(_ folder: String, steps: [Int], names: (Int) -> String = { "step-\($0).safetensors" },
                  edit: (Int, inout [StoredTensor]) -> Void = { _, _ in }) throws {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    for step in steps {
      var tensors = [StoredTensor(name: "w", shape: [12, 6], dtype: .float32, values: Matrix<Double>.gaussian(rows: 12, columns: 6, seed: UInt64(step)).elements),
                     StoredTensor(name: "v", shape: [6, 6], dtype: .float32, values: Matrix<Double>.gaussian(rows: 6, columns: 6, seed: UInt64(step) + 99).elements)]
      edit(step, &tensors)
      try Safetensors.write(tensors, to: folder + "/" + names(step))
    }
  }

  @Test("Bad input: one line naming the run, the step and the tensor", arguments: [
    "empty", "no-step", "twice", "other-steps", "missing", "reshaped", "retyped", "nan", "group", "pattern", "pickles",
  ])
  func badInput(kind: String) async throws {
    let root = NSTemporaryDirectory() + "dyson-dyn-bad-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: root) }
    let a = root + "/a", b = root + "/b"
    try Self.run(a, steps: [0, 10, 20])
    var config = DynamicsStudy.Config()
    config.runs = [a]
    config.resamples = 0
    var expected = ""
    switch kind {
    case "empty":
      try FileManager.default.createDirectory(atPath: b, withIntermediateDirectories: true)
      config.runs = [a, b]; expected = "run \(b): no checkpoints"
    case "no-step":
      try Self.run(b, steps: [0], names: { _ in "final.safetensors" })
      config.runs = [b]; expected = "'final.safetensors' has no step in its name"
    case "twice":
      try Self.run(b, steps: [0, 10], names: { "ckpt-\($0 == 0 ? "10" : "0010").safetensors" })
      config.runs = [b]; expected = "step 10 appears twice"
    case "other-steps":
      try Self.run(b, steps: [0, 10, 30])
      config.runs = [a, b]; expected = "run \(b) has other steps than run \(a): it has 30 which \(a) lacks; it lacks 20"
    case "missing":
      try Self.run(b, steps: [0, 10, 20], edit: { step, t in if step == 20 { t.removeAll { $0.name == "v" } } })
      config.runs = [a, b]; expected = "run \(b), step 20, tensor 'v': missing"
    case "reshaped":
      try Self.run(b, steps: [0, 10, 20], edit: { step, t in if step == 10 { t[0] = StoredTensor(name: "w", shape: [6, 12], dtype: .float32, values: t[0].values) } })
      config.runs = [b]; expected = "run \(b), step 10, tensor 'w': has shape [6, 12], at the first step it had [12, 6]"
    case "retyped":
      try Self.run(b, steps: [0, 10, 20], edit: { step, t in if step == 20 { t[1].dtype = .float64 } })
      config.runs = [b]; expected = "run \(b), step 20, tensor 'v': is F64, at the first step it was F32"
    case "nan":
      try Self.run(b, steps: [0, 10, 20], edit: { step, t in if step == 10 { t[0].values[5] = .nan } })
      config.runs = [b]; expected = "run \(b), step 10, tensor 'w': holds NaN (first at flat index 5)"
    case "group":
      config.group = #"layer\.(\d+)"#; expected = "tensor 'v' does not match --group"
    case "pattern":
      config.tensors = ["q*"]; expected = "no tensor matches 'q*'"
    case "pickles":
      try FileManager.default.createDirectory(atPath: b, withIntermediateDirectories: true)
      _ = FileManager.default.createFile(atPath: b + "/step-10.pt", contents: Data([0x80, 0x02]))
      config.runs = [b]; expected = "only pickled checkpoints"
    default: Issue.record("no case \(kind)")
    }
    do {
      _ = try await DynamicsStudy.run(config, workers: 2)
      Issue.record("\(kind): no error")
    } catch {
      #expect("\(error)".contains(expected), "\(kind): \(error)")
      #expect(!"\(error)".contains("\n"), "one line")
    }
  }

  @Test("Resume: read spectra are kept and reused; a checkpoint of other settings is refused")
  func resume() async throws {
    let root = NSTemporaryDirectory() + "dyson-dyn-resume-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: root) }
    try Self.run(root + "/a", steps: [0, 10, 20])
    var config = DynamicsStudy.Config()
    config.runs = [root + "/a"]
    config.resamples = 0
    let store = root + "/spectra.safetensors"
    let plan = try DynamicsStudy.plan(config)
    let fresh = try await DynamicsStudy.spectra(plan, config: config, checkpoint: store)
    #expect(try Safetensors.entries(path: store).count == 3)
    // Change one kept (run, step), as a valid checkpoint: resuming reuses it instead of reading the checkpoint again.
    let fingerprint = try #require(try Safetensors.readMetadata(path: store)["fingerprint"])
    let checkpoint = SpectraCheckpoint(path: store, fingerprint: fingerprint)
    var kept = try checkpoint.load()
    kept["run0.step1"] = kept["run0.step1"]!.map { $0 + 1 }
    try checkpoint.save(kept)
    let resumed = try await DynamicsStudy.spectra(plan, config: config, checkpoint: store, resume: true)
    #expect(resumed.spectra(run: 0, step: 0, group: 0) == fresh.spectra(run: 0, step: 0, group: 0))
    #expect(resumed.spectra(run: 0, step: 1, group: 0)[0][0] == fresh.spectra(run: 0, step: 1, group: 0)[0][0] + 1)
    // One byte of the data changed behind its back: damaged, not reused.
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: store)))
    bytes[bytes.count - 3] ^= 0x40
    try Data(bytes).write(to: URL(fileURLWithPath: store))
    do {
      _ = try await DynamicsStudy.spectra(plan, config: config, checkpoint: store, resume: true)
      Issue.record("a damaged checkpoint was reused")
    } catch {
      #expect("\(error)".contains("damaged") && "\(error)".contains(store), "\(error)")
    }
    try checkpoint.save(kept)
    var other = config
    other.seed = 7
    do {
      _ = try await DynamicsStudy.spectra(try DynamicsStudy.plan(other), config: other, checkpoint: store, resume: true)
      Issue.record("a checkpoint of other settings was reused")
    } catch {
      #expect("\(error)".contains("read with other settings") && "\(error)".contains("remove the file"), "\(error)")
    }
  }
}
