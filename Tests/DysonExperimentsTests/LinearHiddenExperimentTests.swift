import Foundation
import Testing
@testable import DysonExperiments

@Suite("linear hidden: the network with a fixed Z")
struct LinearHiddenExperimentTests {
  func config(z: String) throws -> LinearHiddenExperiment.Config {
    var c = LinearHiddenExperiment.Config()
    c.training.batchesPerEpoch = 200
    c.training.epochs = 2
    c.runs = 600
    // A data set per student: with one shared set, the first batches' moments set the fast mode's
    // rate for every student alike (quenched disorder, ~10 % here; Docs/Linear.md).
    c.dataPerStudent = true
    let setting = try #require(LinearHiddenExperiment.Config.settings.first { $0.name == "z" })
    try setting.write(&c, z)
    return c
  }

  @Test("Z = 1: one species; the two-species fit returns σ₁ = σ₂ and is not preferred by AIC; rates within 6 %")
  func identity() async throws {
    let r = try await LinearHiddenExperiment.run(try config(z: "identity"), workers: 2)
    let two = r.twoSpecies
    #expect(abs(abs(two.parameters[1]) - abs(two.parameters[2])) < 2 * (two.errors[1] + two.errors[2]))
    #expect(2 * (r.oneSpecies.objective - r.twoSpecies.objective) - 2 < 2)
    // Both modes share one rate; sorting the two singular values splits the fitted rates of the
    // larger and the smaller around it by a few per cent.
    for m in r.modes { #expect(abs(m.rate / m.theoryRate - 1) < 0.06, "rate \(m.rate) vs \(m.theoryRate)") }
  }

  @Test("Z = diag(1, ½): two species preferred, σ₁/σ₂ as the linearised law, both modes relax at −ln(1 − αz²) within 3 %")
  func twoSpecies() async throws {
    let r = try await LinearHiddenExperiment.run(try config(z: "two-species"), workers: 2)
    print("linear hidden (test): rates \(r.modes.map { ($0.rate, $0.theoryRate) }), σ ratio \(r.sigmaRatio) ± \(r.sigmaRatioError) (linearised \(r.theorySigmaRatio)), ΔAIC \(2 * (r.oneSpecies.objective - r.twoSpecies.objective) - 2)")
    #expect(2 * (r.oneSpecies.objective - r.twoSpecies.objective) - 2 > 6)
    #expect(r.sigmaRatio < 0.85)   // clearly two widths
    // …in the ratio the linearised stationary law gives (its own two-species fit).
    #expect(abs(r.sigmaRatio - r.theorySigmaRatio) < 3 * r.sigmaRatioError, "σ ratio \(r.sigmaRatio) ± \(r.sigmaRatioError) vs \(r.theorySigmaRatio)")
    for m in r.modes { #expect(abs(m.rate / m.theoryRate - 1) < 0.03, "z = \(m.z): \(m.rate) vs \(m.theoryRate)") }
  }

  @Test("A singular or malformed Z is refused with the option's name")
  func badZ() throws {
    var c = LinearHiddenExperiment.Config()
    let setting = try #require(LinearHiddenExperiment.Config.settings.first { $0.name == "z" })
    #expect(throws: SettingError.self) { try setting.write(&c, "1,2,2,4") }
    #expect(throws: SettingError.self) { try setting.write(&c, "1,2") }
    try setting.write(&c, "2,0,0,1")
    #expect(c.training.z == [2, 0, 0, 1])
  }
}
