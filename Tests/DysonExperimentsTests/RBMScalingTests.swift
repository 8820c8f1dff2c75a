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
    #expect(summary["a_fit"] is Double && summary["a_fit_error"] is Double && summary["r2"] is Double)
    #expect((summary["configurations"] as? [Any])?.count == 3)
  }
}
