import Foundation
import Testing
import DysonIO
import DysonModels
import DysonCore
@testable import DysonExperiments

@Suite("rbm learn: ensembles, records and figures")
struct RBMLearnTests {
  func tinyConfig() -> RBMLearnExperiment.Config {
    var c = RBMLearnExperiment.Config.quick
    c.runs = 5
    c.training.updates = 300
    c.training.visible = 6
    c.training.hidden = 6
    c.recordEvery = 100
    return c
  }

  @Test("Results are bit-identical whatever the number of workers")
  func workerInvariance() async throws {
    let one = try await RBMLearnExperiment.run(tinyConfig(), workers: 1)
    let three = try await RBMLearnExperiment.run(tinyConfig(), workers: 3)
    #expect(one.final == three.final && one.initial == three.initial)
    #expect(one.trajectory.map(\.x) == three.trajectory.map(\.x))
    #expect(one.trajectory.map(\.update) == [0, 100, 200, 300])
  }

  @Test("Runs in vector lanes give the records of runs alone: spectra, trajectory, samples, failures")
  func lanesMatchRunsAlone() async throws {
    var c = tinyConfig().training
    c.updates = 120
    c.alpha = 1.4; c.batch = 4   // some of the 7 runs diverge, some do not
    let sampling = RBMEnsemble.Sampling(burnIn: 40, every: 20)
    let ensemble = try await RBMEnsemble.run(c, runs: 7, seed: 3, recordEvery: 30, sampling: sampling, workers: 2)
    #expect(ensemble.contains { $0.failure != nil } && ensemble.contains { $0.failure == nil })
    for (k, run) in ensemble.enumerated() {
      let alone = try RBMEnsemble.runAlone(c, seed: 3, stream: UInt64(k), recordEvery: 30, sampling: sampling)
      #expect(run.initial == alone.initial && run.final == alone.final && run.failure == alone.failure, "run \(k)")
      #expect(run.samples == alone.samples && run.trajectory.map(\.1) == alone.trajectory.map(\.1), "run \(k)")
    }
    #expect(ensemble[0].trajectory.map(\.0).starts(with: [0, 30]))   // run 0 records until it stops
  }

  @Test("A run whose spectrum fails is excluded with the reason; the other runs are untouched")
  func spectrumFailureExcludesOneRun() throws {
    var c = tinyConfig().training
    c.updates = 50
    let sampling = RBMEnsemble.Sampling(burnIn: 20, every: 10)
    let refusal = LinalgError.noConvergence(method: "one-sided Jacobi", iterations: 60)
    /// The eigensolver, failing at its `failing`-th call (counting from 1).
    final class FailingSpectrum {
      var calls = 0
      let failing: Int
      init(failing: Int) { self.failing = failing }
    }
    // Lanes: calls 1–4 are the initial spectra, then 4 per sample (updates 20, 30, 40, 50), then
    // the finals. Call 6 is lane 1's first sample; call 23 is lane 2's final spectrum.
    for (failing, lane) in [(6, 1), (23, 2)] {
      let counter = FailingSpectrum(failing: failing)
      let runs = try RBMEnsemble.runInLanes(c, seed: 5, streams: [0, 1, 2, 3], recordEvery: nil, sampling: sampling) { rbm in
        counter.calls += 1
        if counter.calls == counter.failing { throw refusal }
        return try rbm.spectrum()
      }
      for (k, run) in runs.enumerated() {
        let alone = try RBMEnsemble.runAlone(c, seed: 5, stream: UInt64(k), recordEvery: nil, sampling: sampling)
        #expect(run.initial == alone.initial, "run \(k)")
        if k == lane {
          #expect(run.final == nil && run.samples.isEmpty, "run \(k) excluded")
          #expect(run.failure == "run \(k): \(RBMError.spectrumFailed("\(refusal)"))")
        } else {
          #expect(run.final == alone.final && run.samples == alone.samples && run.failure == nil, "run \(k) untouched")
        }
      }
    }
    // One run alone: its final spectrum (call 6, after the initial and four samples) fails.
    let counter = FailingSpectrum(failing: 6)
    let run = try RBMEnsemble.runAlone(c, seed: 5, stream: 3, recordEvery: nil, sampling: sampling) { rbm in
      counter.calls += 1
      if counter.calls == counter.failing { throw refusal }
      return try rbm.spectrum()
    }
    #expect(run.final == nil && run.failure == "run 3: \(RBMError.spectrumFailed("\(refusal)"))")
  }

  @Test("The output folder holds every record; config.json reproduces the config")
  func outputs() async throws {
    let config = tinyConfig()
    let result = try await RBMLearnExperiment.run(config)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dyson-rbm-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var output = try ExperimentOutput(directory: dir, study: "test")
    try RBMLearnExperiment.write(result, to: &output)
    for file in ["config.json", "summary.json", "trajectory.csv", "final.csv", "trajectory.svg", "spectra.svg", "index.html"] {
      #expect(FileManager.default.fileExists(atPath: dir + "/" + file), "\(file) missing")
    }
    let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/summary.json"))) as! [String: Any]
    #expect(summary["succeeded"] as? Int == 5)
    #expect((summary["modes"] as? [[String: Any]])?.count == 6)
    // Reading config.json back through the settings gives the same config.
    let flat = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/config.json"))) as! [String: String]
    var back = RBMLearnExperiment.Config()
    for s in RBMLearnExperiment.Config.settings { try s.write(&back, flat[s.name]!) }
    #expect(back == config)
    #expect(try String(contentsOfFile: dir + "/final.csv", encoding: .utf8).split(separator: "\n").count == 6)
  }

  @Test("Settings reject bad values with the option's name")
  func settings() {
    var c = RBMLearnExperiment.Config()
    let alpha = RBMLearnExperiment.Config.settings.first { $0.name == "alpha" }!
    #expect(throws: SettingError.self) { try alpha.write(&c, "-0.1") }
    #expect(throws: SettingError.self) { try alpha.write(&c, "nan") }
    #expect((try? alpha.write(&c, "1/40")) != nil && c.training.alpha == 0.025)
  }
}
