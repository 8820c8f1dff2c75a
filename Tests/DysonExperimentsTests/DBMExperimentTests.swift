import Foundation
import Testing
@testable import DysonExperiments
import DysonRMT

@Suite("DBM experiment") struct DBMExperimentTests {
  static func config() -> DBMExperiment.Config {
    var c = DBMExperiment.Config()
    c.alphas = [0.05]
    c.batches = [4]
    c.batchScanAlpha = 0.2
    c.alphaScanBatch = 16
    c.equalRatioAlphas = []
    c.chains = 1000
    c.samples = 10
    c.burnIn = 8
    return c
  }

  @Test("⟨S⟩ matches the exact discrete Coulomb gas, not the continuum, and U₄ is −4/27")
  func exactStationaryLaw() async throws {
    let r = try await DBMExperiment.run(Self.config(), workers: 2)
    #expect(r.measurements.map { [$0.point.alpha, Double($0.point.batch)] } == [[0.05, 16], [0.2, 4]])
    for m in r.measurements {
      // σ² = (α/|B|)(g̃²/Ω)/(1 − αΩ/2); for GOE 2×2 with diagonal variance σ², ⟨S⟩ = √π σ exactly.
      let exact = (Double.pi * m.discreteVariance).squareRoot()
      #expect(abs(m.meanSpacing - exact) < 4 * m.meanSpacingError, "α = \(m.point.alpha): \(m.meanSpacing) vs \(exact) ± \(m.meanSpacingError)")
      #expect(abs(m.binder - TwoLevelCoulombGas.binderCumulant) < 0.03)
      #expect(m.ks.pValue > 1e-3)
    }
    // At αΩ = 0.2 the discrete factor 1/√(1 − αΩ/2) = 1.054 is many error bars from the continuum.
    let large = try #require(r.measurements.last)
    let continuum = (Double.pi * large.continuumVariance).squareRoot()
    #expect(large.meanSpacing - continuum > 10 * large.meanSpacingError)
  }

  @Test("the records are bit-identical with one worker or two")
  func deterministic() async throws {
    var c = Self.config()
    c.chains = 300
    let one = try await DBMExperiment.run(c, workers: 1)
    let two = try await DBMExperiment.run(c, workers: 2)
    #expect(one.measurements.map(\.spacings) == two.measurements.map(\.spacings))
  }

  @Test("αΩ ≥ 1 is refused: the discrete dynamics would oscillate or diverge")
  func unstable() async throws {
    var c = Self.config()
    c.omega = 10
    await #expect(throws: ExperimentError.self) { try await DBMExperiment.run(c) }
  }
}
