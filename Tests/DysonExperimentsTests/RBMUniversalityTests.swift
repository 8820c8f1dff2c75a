import Foundation
import Testing
import DysonCore
import DysonRMT
@testable import DysonExperiments

@Suite("rbm universality: the analysis on samples with known answers")
struct RBMUniversalityTests {
  @Test("Exact two-level pairs and Gaussian singles: σ, ⟨S⟩ = √πσ, U₄ and λ/κ come back within errors")
  func analysisRecoversTruth() throws {
    let kappas = [4.0, 5.0, 5.0, 7.0]           // one single, one pair, one single
    let sigmaPair = 0.05, sigmaSingle = 0.03
    var rng = Xoshiro256StarStar(seed: 99)
    let pair = TwoLevelCoulombGas(center: 5, sigma: sigmaPair)
    let spectra: [[Double]] = (0..<3000).map { _ in
      let (a, b) = pair.sample(using: &rng)
      return [4 + sigmaSingle * rng.normal(), a, b, 7 + sigmaSingle * rng.normal()].sorted()
    }
    let (modes, ks) = try RBMUniversalityExperiment.analyse(spectra, kappas: kappas, resamples: 30, seed: 1)
    #expect(modes.map(\.members) == [[0], [1, 2], [3]])
    let p = modes[1]
    print("pair: σ = \(p.sigma) ± \(p.sigmaError), ⟨S⟩ = \(p.meanSpacing!) ± \(p.meanSpacingError!), U₄ = \(p.binder) ± \(p.binderError)")
    // Errors of the right size (σ/√(2n) ≈ 0.0005 for 6000 pooled values), so the 4σ checks bite.
    #expect(p.sigmaError > 0.0002 && p.sigmaError < 0.0015 && p.binderError < 0.03 && p.lambdaOverKappaError < 0.0005)
    #expect(abs(p.sigma - sigmaPair) < 4 * p.sigmaError)
    #expect(abs(p.meanSpacing! - Double.pi.squareRoot() * sigmaPair) < 4 * p.meanSpacingError! + 0.02 * sigmaPair)  // FD-binned mean: ~1 % bias
    #expect(abs(p.binder - TwoLevelCoulombGas.binderCumulant) < 4 * p.binderError)
    #expect(abs(p.lambdaOverKappa - 1) < 4 * p.lambdaOverKappaError)
    for single in [modes[0], modes[2]] {
      #expect(abs(single.sigma - sigmaSingle) < 4 * single.sigmaError)
      #expect(abs(single.binder) < 4 * single.binderError)
      #expect(single.meanSpacing == nil)
    }
    #expect(try #require(ks).pValue > 0.001)
  }

  @Test("Sampling along runs: (steps − burn-in)/every + 1 spectra per run")
  func samplingAlongRuns() async throws {
    var c = RBMUniversalityExperiment.Config()
    c.runs = 3; c.training.updates = 300; c.training.visible = 6; c.training.hidden = 6; c.resamples = 5
    c.burnIn = 100; c.sampleEvery = 50
    let r = try await RBMUniversalityExperiment.run(c, workers: 2)
    #expect(r.succeededRuns == 3 && r.spectra.count == 3 * 5)
    c.burnIn = 400
    await #expect(throws: ExperimentError.self) { try await RBMUniversalityExperiment.run(c) }
  }

  @Test("End to end on a tiny ensemble: every record is written")
  func endToEnd() async throws {
    var c = RBMUniversalityExperiment.Config()
    c.runs = 6; c.training.updates = 100; c.training.visible = 6; c.training.hidden = 6; c.resamples = 5
    let r = try await RBMUniversalityExperiment.run(c, workers: 2)
    #expect(r.spectra.count == 6 && r.modes.count == 4)       // κ on a 6-ring: 1 + 2 pairs + 1
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dyson-univ-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var output = try ExperimentOutput(directory: dir, study: "test")
    try RBMUniversalityExperiment.write(r, to: &output)
    for file in ["config.json", "summary.json", "spectra.csv", "pairs.svg", "universality.svg", "index.html"] {
      #expect(FileManager.default.fileExists(atPath: dir + "/" + file), "\(file) missing")
    }
    let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/summary.json"))) as! [String: Any]
    let modes = summary["modes"] as! [[String: Any]]
    #expect(modes.count == 4 && modes[1]["mean_spacing"] is Double && modes[0]["mean_spacing"] is NSNull)
  }
}
