import Foundation
import Testing
@testable import DysonExperiments

@Suite("rbm scaling: the collapse fit and the grid")
struct RBMScalingTests {
  @Test("Weighted fit through the origin: exact slope on a line, jackknife and R² on noisy points")
  func throughOrigin() {
    let exact = ThroughOriginFit(x: [1, 2, 3, 4], y: [2.5, 5, 7.5, 10], errors: [0.1, 0.2, 0.1, 0.3])
    #expect(abs(exact.slope - 2.5) < 1e-14 && exact.jackknifeError < 1e-12 && abs(exact.r2 - 1) < 1e-14)
    // y = 2x + noise with known σ: the weighted estimate's error is 1/√(Σx²/σ²).
    let x = (1...40).map { Double($0) / 10 }
    let noise = x.indices.map { i in 0.05 * (i % 2 == 0 ? 1.0 : -1.0) }
    let fit = ThroughOriginFit(x: x, y: zip(x, noise).map { 2 * $0 + $1 }, errors: [Double](repeating: 0.05, count: 40))
    let standard = 1 / (x.reduce(0) { $0 + $1 * $1 } / 0.0025).squareRoot()
    #expect(abs(fit.slope - 2) < 4 * standard)
    #expect(fit.jackknifeError > 0.3 * standard && fit.jackknifeError < 3 * standard)
    #expect(fit.r2 > 0.99)
    // By hand, unit weights: a = 7/5, Σ(y − ax)² = 0.2, Σ(y − ȳ)² = 2, Σy² = 10.
    let small = ThroughOriginFit(x: [1, 2], y: [1, 3], errors: [1, 1])
    #expect(abs(small.slope - 1.4) < 1e-14 && abs(small.r2 - 0.9) < 1e-14 && abs(small.r2Uncentred - 0.98) < 1e-14)
  }

  @Test("The grid holds the authors' 13 distinct (α, |B|) and settings leave α and |B| to it")
  func grid() {
    let c = RBMScalingExperiment.Config()
    #expect(c.grid.count == 13)
    #expect(c.grid.contains(.init(alpha: 0.2, batch: 32)) && c.grid.contains(.init(alpha: 0.01, batch: 16)))
    #expect(!RBMScalingExperiment.Config.settings.contains { $0.name == "alpha" || $0.name == "batch" })
  }

  @Test("End to end on a tiny grid writes summary.json with a_fit, its error and R²")
  func endToEnd() async throws {
    var c = RBMScalingExperiment.Config()
    c.alphas = [0.05, 0.1]; c.batches = [8]; c.equalRatio = []
    c.base.runs = 4; c.base.resamples = 4; c.base.training.updates = 100; c.base.training.visible = 6; c.base.training.hidden = 6
    let r = try await RBMScalingExperiment.run(c, workers: 2)
    #expect(r.points.count == 3 && r.collapse.x.count == 6)     // 3 configurations × 2 pairs on a 6-ring
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dyson-scaling-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var output = try ExperimentOutput(directory: dir, study: "test")
    try RBMScalingExperiment.write(r, to: &output)
    let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/summary.json"))) as! [String: Any]
    #expect(summary["a_fit"] is Double && summary["a_fit_error"] is Double && summary["r2"] is Double && summary["r2_uncentred"] is Double)
    let configurations = try #require(summary["configurations"] as? [[String: Any]])
    #expect(configurations.count == 3)
    // A point reruns alone: `rbm universality` with its α, |B| and the seed summary.json gives
    // (a 64-bit value, above Int.max for this point) reproduces its numbers.
    let point = configurations[2]
    let seedText = try #require(point["seed"] as? String)
    #expect(UInt64(seedText)! > UInt64(Int.max))
    var alone = c.base
    alone.training.alpha = try #require(point["alpha"] as? Double)
    alone.training.batch = try #require(point["batch"] as? Int)
    let settings = RBMUniversalityExperiment.Config.settings
    try settings.first { $0.name == "seed" }!.write(&alone, seedText)
    let rerun = try await RBMUniversalityExperiment.run(alone, workers: 1)
    #expect(rerun.modes.map(\.meanSpacing) == r.points[2].modes.map(\.meanSpacing))
    #expect(rerun.modes.map(\.sigma) == r.points[2].modes.map(\.sigma) && rerun.succeededRuns == r.points[2].succeeded)
  }

  @Test("--seed takes every 64-bit value and refuses the rest with the option's name")
  func seedSetting() throws {
    let seed = try #require(RBMUniversalityExperiment.Config.settings.first { $0.name == "seed" })
    var c = RBMUniversalityExperiment.Config()
    for text in ["0", "42", "9223372036854775808", "18446744073709551615"] {
      try seed.write(&c, text)
      #expect(seed.read(c) == text)
    }
    for text in ["-1", "18446744073709551616", "1e3", "", "0x10"] {
      #expect(throws: SettingError.self, "'\(text)'") { try seed.write(&c, text) }
    }
  }
}
