import Foundation
import Testing
import DysonRMT
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
    #expect(abs(fit.slope - 2) < 4 * standard && abs(fit.standardError - standard) < 1e-15 * standard * 10)
    #expect(fit.jackknifeError > 0.3 * standard && fit.jackknifeError < 3 * standard)
    #expect(fit.r2 > 0.99)
    // By hand, unit weights: a = 7/5, Σ(y − ax)² = 0.2, Σ(y − ȳ)² = 2, Σy² = 10.
    let small = ThroughOriginFit(x: [1, 2], y: [1, 3], errors: [1, 1])
    #expect(abs(small.standardError - 1 / 5.0.squareRoot()) < 1e-15)   // 1/√(Σx²) = 1/√5
    #expect(abs(small.slope - 1.4) < 1e-14 && abs(small.r2 - 0.9) < 1e-14 && abs(small.r2Uncentred - 0.98) < 1e-14)
  }

  /// A point whose pairs' spacings lie on ⟨S⟩ = a·√(α/|B|·(μ² − κ)) exactly (μ² = 9).
  func planted(alpha: Double, batch: Int, slope a: Double, kappas: [Double] = [4.5, 6.5], error: Double = 0.01) -> RBMScalingExperiment.Point {
    let modes = kappas.map { kappa in
      RBMUniversalityExperiment.Mode(kappa: kappa, members: [0, 1], meanSpacing: a * (alpha / Double(batch) * (9 - kappa)).squareRoot(),
                                     meanSpacingError: error, sigma: 0, sigmaError: 0, center: kappa, lambdaOverKappa: 1,
                                     lambdaOverKappaError: 0, binder: 0, binderError: 0)
    }
    return RBMScalingExperiment.Point(alpha: alpha, batch: batch, modes: modes, succeeded: 1)
  }

  @Test("The slope at each α/|B|: one group per ratio (0.3/48 with 0.1/16), each slope exact on planted lines")
  func slopesByRatio() {
    let points = [planted(alpha: 0.01, batch: 16, slope: 2.6), planted(alpha: 0.1, batch: 16, slope: 2.2),
                  planted(alpha: 0.3, batch: 48, slope: 2.2), planted(alpha: 0.1, batch: 4, slope: 1.9)]
    #expect(0.3 / 48 != 0.1 / 16)   // the grouping has to allow for the last bit
    let slopes = RBMScalingExperiment.slopesByRatio(points, mu2: 9)
    let expected: [Double] = [0.01 / 16, 0.1 / 16, 0.1 / 4]
    #expect(slopes.map(\.ratio) == expected)
    #expect(slopes.map(\.fit.x.count) == [2, 4, 2])
    for (g, a) in zip(slopes, [2.6, 2.2, 1.9]) { #expect(abs(g.fit.slope - a) < 1e-13) }
  }

  @Test("The equal-ratio χ²: by hand for one pair, and its p-value against the χ² laws with 1 and 2 degrees of freedom")
  func equalRatioChiSquare() throws {
    var c = RBMScalingExperiment.Config()
    c.equalRatio = [.init(alpha: 0.05, batch: 8), .init(alpha: 0.1, batch: 16)]
    // One pair (κ = 5): ⟨S⟩ = 1.0 ± 0.1 and 1.2 ± 0.1, weighted mean 1.1, χ² = 2·(0.1/0.1)² = 2 on 1 dof.
    func point(_ alpha: Double, _ batch: Int, _ spacing: Double) -> RBMScalingExperiment.Point {
      var mode = planted(alpha: alpha, batch: batch, slope: 1, kappas: [5], error: 0.1).modes[0]
      mode.meanSpacing = spacing
      return RBMScalingExperiment.Point(alpha: alpha, batch: batch, modes: [mode], succeeded: 1)
    }
    let one = try #require(RBMScalingExperiment.equalRatioCheck(c, [point(0.05, 8, 1.0), point(0.1, 16, 1.2), point(0.01, 16, 5)]))
    #expect(abs(one.chiSquare - 2) < 1e-12 && one.degreesOfFreedom == 1)
    #expect(abs(one.pValue - erfc(1)) < 1e-12)            // P(χ²₁ ≥ 2) = erfc(√(2/2))
    #expect(abs(one.largestSpread - 0.2 / 1.1) < 1e-12)
    // Three configurations: 2 dof, P(χ²₂ ≥ q) = e^{−q/2}.
    c.equalRatio.append(.init(alpha: 0.2, batch: 32))
    let two = try #require(RBMScalingExperiment.equalRatioCheck(c, [point(0.05, 8, 1.0), point(0.1, 16, 1.2), point(0.2, 32, 1.05)]))
    #expect(two.degreesOfFreedom == 2)
    #expect(abs(two.pValue - exp(-two.chiSquare / 2)) < 1e-12)
    // Fewer than two configurations with spacings: no check.
    #expect(RBMScalingExperiment.equalRatioCheck(c, [point(0.05, 8, 1.0)]) == nil)
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
    c.alphas = [0.05, 0.1]; c.batches = [8]; c.equalRatio = [.init(alpha: 0.05, batch: 8), .init(alpha: 0.1, batch: 16)]
    c.base.runs = 4; c.base.resamples = 4; c.base.training.updates = 100; c.base.training.visible = 6; c.base.training.hidden = 6
    let r = try await RBMScalingExperiment.run(c, workers: 2)
    #expect(r.points.count == 4 && r.collapse.x.count == 6)     // the scans' 3 configurations × 2 pairs on a 6-ring
    #expect(r.slopes.map(\.fit.x.count) == [2, 4, 2])          // α/|B| = 0.05/16, 0.1/16 (and 0.05/8), 0.1/8
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dyson-scaling-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var output = try ExperimentOutput(directory: dir, study: "test")
    try RBMScalingExperiment.write(r, to: &output)
    let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/summary.json"))) as! [String: Any]
    #expect(summary["a_fit"] is Double && summary["a_fit_error"] is Double && summary["r2"] is Double && summary["r2_uncentred"] is Double)
    let configurations = try #require(summary["configurations"] as? [[String: Any]])
    #expect(configurations.count == 4)
    let slopes = try #require(summary["slope_by_ratio"] as? [[String: Any]])
    #expect(slopes.count == 3 && slopes[1]["points"] as? Int == 4)
    #expect(abs((summary["a_theory_small_noise"] as? Double ?? 0) - (2 * Double.pi).squareRoot()) < 1e-15)
    var momentum = r.config; momentum.base.training.momentum = 0.5
    #expect(RBMScalingExperiment.Result(config: momentum, points: r.points, collapse: r.collapse, slopes: r.slopes, equalRatio: r.equalRatio, seconds: 0).theorySlope == nil)
    let equal = try #require(summary["equal_ratio"] as? [String: Any])
    #expect(equal["dof"] as? Int == 2 && equal["p_value"] is Double)   // two pairs, two configurations
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
