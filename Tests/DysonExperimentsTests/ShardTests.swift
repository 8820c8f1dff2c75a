import Foundation
import Testing
import DysonCore
import DysonIO
@testable import DysonExperiments

@Suite("Shards") struct ShardTests {
  @Test("blocks 1…n of a shard split cover every run exactly once, in order, sizes within one")
  func partition() throws {
    for total in [0, 1, 7, 40, 1000] {
      for n in [1, 2, 3, 7, 8] {
        let blocks = try (1...n).map { try Shard(index: $0, count: n).runs(of: total) }
        #expect(blocks.flatMap { Array($0) } == Array(0..<total))
        let sizes = blocks.map(\.count)
        #expect(sizes.max()! - sizes.min()! <= 1)
      }
    }
  }

  @Test("i/n is parsed and checked")
  func parsing() throws {
    #expect(try Shard(parsing: "3/8") == Shard(index: 3, count: 8))
    for bad in ["0/4", "5/4", "1/0", "2", "a/b", "1/2/3", "-1/2"] {
      #expect(throws: SettingError.self) { try Shard(parsing: bad) }
    }
  }

  static func config() -> RBMUniversalityExperiment.Config {
    var c = RBMUniversalityExperiment.Config()
    c.runs = 10
    c.training.updates = 400
    c.resamples = 10
    return c
  }

  @Test("shards merged give the unsharded result; a missing, doubled or foreign shard is refused")
  func mergeEqualsUnsharded() async throws {
    let c = Self.config()
    let whole = try await RBMUniversalityExperiment.run(c, workers: 2)
    let text = settingsText(RBMUniversalityExperiment.Config.settings, c)
    var files: [ShardFile<RBMEnsemble.Run>] = []
    for i in 1...3 {
      let shard = try Shard(index: i, count: 3)
      let runs = try await RBMUniversalityExperiment.ensemble(c, part: shard.runs(of: c.runs), workers: 1)
      files.append(ShardFile(study: "rbm-universality", shard: shard, configuration: text, seconds: 1, ensembles: [runs]))
    }
    // Through the file format, as dyson merge reads them.
    let directory = NSTemporaryDirectory() + "dyson-shards-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    for f in files { try f.write(to: directory + "/\(f.shard.index)") }
    let read = try (1...3).reversed().map { try ShardFile<RBMEnsemble.Run>.read(from: directory + "/\($0)") }
    let merged = try ShardFile.merge(read)
    #expect(merged.seconds == 3)
    let config = try applySettings(RBMUniversalityExperiment.Config.settings, text: merged.configuration, to: RBMUniversalityExperiment.Config())
    #expect(config == c)
    let joined = try RBMUniversalityExperiment.result(config, runs: merged.ensembles[0], seconds: merged.seconds)
    #expect(joined.spectra == whole.spectra)
    #expect(joined.modes.map(\.binder) == whole.modes.map(\.binder))
    #expect(joined.modes.map(\.sigma) == whole.modes.map(\.sigma))

    #expect(throws: ShardError.self) { try ShardFile.merge(Array(files.prefix(2))) }
    #expect(throws: ShardError.self) { try ShardFile.merge(files + [files[0]]) }
    var other = files[2]
    other.configuration = settingsText(RBMUniversalityExperiment.Config.settings, Self.config().with { $0.seed = 2 })
    #expect(throws: ShardError.self) { try ShardFile.merge([files[0], files[1], other]) }
    // Shards whose gemm kernels differ are refused; a shard file from before the field is taken.
    #expect(merged.gemmFusedMultiplyAdd == GemmKernel.usesFusedMultiplyAdd)
    var otherKernel = files[1]
    otherKernel.gemmFusedMultiplyAdd = !GemmKernel.usesFusedMultiplyAdd
    #expect(throws: ShardError.self) { try ShardFile.merge([files[0], otherKernel, files[2]]) }
    var unrecorded = files[1]
    unrecorded.gemmFusedMultiplyAdd = nil
    #expect(try ShardFile.merge([files[0], unrecorded, files[2]]).ensembles[0].count == c.runs)
    var unrecordedFirst = files[0]
    unrecordedFirst.gemmFusedMultiplyAdd = nil
    #expect(throws: ShardError.self) { try ShardFile.merge([unrecordedFirst, otherKernel, files[2]]) }   // 2 and 3 still differ
  }
}

extension RBMUniversalityExperiment.Config {
  func with(_ change: (inout Self) -> Void) -> Self {
    var c = self
    change(&c)
    return c
  }
}

@Suite("Ensemble checkpoints") struct EnsembleCheckpointTests {
  @Test("stopped after two groups of runs, the saved runs are reused and the result is the uninterrupted one")
  func stopAndResume() async throws {
    let directory = NSTemporaryDirectory() + "dyson-ensemble-ckpt-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var c = ShardTests.config()
    let whole = try await RBMUniversalityExperiment.run(c, workers: 1)
    c.checkpointDirectory = directory
    // Read once per launch of a group of four runs: the third launch stops the job.
    let flag = InterruptFlag(trippingAt: 3)
    await #expect(throws: Interrupted.self) {
      _ = try await Interruption.$flag.withValue(flag) { try await RBMUniversalityExperiment.run(c, workers: 1) }
    }
    let checkpoint = try #require(RBMUniversalityExperiment.checkpoint(c))
    let saved = try checkpoint.load()
    #expect(saved.keys.sorted() == Array(0..<8))
    c.resume = true
    let resumed = try await RBMUniversalityExperiment.run(c, workers: 2)
    #expect(resumed.spectra == whole.spectra)
    #expect(resumed.modes.map(\.binder) == whole.modes.map(\.binder))
    // Other settings must not pick up these runs.
    var other = c
    other.seed = 99
    #expect(throws: CheckpointError.self) { try EnsembleCheckpoint(path: checkpoint.path, key: settingsText(RBMUniversalityExperiment.Config.settings, other), resume: true).load() }
    // A damaged file, or runs repeated or out of range, are refused with the file named.
    let text = try String(contentsOfFile: checkpoint.path, encoding: .utf8)
    let damaged = text.replacingOccurrences(of: "initial", with: "iNitial")
    try damaged.write(toFile: checkpoint.path, atomically: true, encoding: .utf8)
    do { _ = try checkpoint.load(); Issue.record("a damaged checkpoint was read") } catch {
      #expect("\(error)".contains("damaged") && "\(error)".contains(checkpoint.path), "\(error)")
    }
    try text.write(toFile: checkpoint.path, atomically: true, encoding: .utf8)
    do { _ = try checkpoint.load(streams: 0..<4); Issue.record("runs outside the ensemble were read") } catch {
      #expect("\(error)".contains("outside this ensemble"), "\(error)")
    }
    RBMUniversalityExperiment.removeCheckpoints(c)
    #expect(!FileManager.default.fileExists(atPath: checkpoint.path))
  }
}
