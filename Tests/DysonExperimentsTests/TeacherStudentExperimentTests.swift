import Foundation
import Testing
import DysonIO
@testable import DysonExperiments

@Suite("linear ts: scans, collapse and records")
struct TeacherStudentExperimentTests {
  func tiny() -> TeacherStudentExperiment.Config {
    var c = TeacherStudentExperiment.Config()
    c.runs = 250
    c.resamples = 20
    c.alphas = [0.1, 0.3]
    c.batches = [8, 16]
    c.noises = [0.05, 0.1]
    c.base.batchesPerEpoch = 100
    c.base.epochs = 3
    return c
  }

  @Test("The grid holds each distinct (α, |B|, ns) once; results are identical for 1 and 3 workers")
  func gridAndWorkers() async throws {
    let c = tiny()
    #expect(c.grid.count == 4)   // (0.1,16,0.1) shared by the three scans, plus 0.3, |B| 8, ns 0.05
    let one = try await TeacherStudentExperiment.run(c, workers: 1)
    let three = try await TeacherStudentExperiment.run(c, workers: 3)
    #expect(one.measurements.map(\.singularValues) == three.measurements.map(\.singularValues))
    #expect(one.spacingCollapse.slope == three.spacingCollapse.slope)
    // Every student ends near κ = 2, and the collapse is near √(2π/(2 − α)) ≈ 1.8–1.9.
    for m in one.measurements { #expect(abs(m.meanSingularValue - 2) < 0.01) }
    #expect(abs(one.spacingCollapse.slope - 1.85) < 0.25)
  }

  @Test("summary.json has the issue's keys; every record is written; bad settings are refused")
  func records() async throws {
    let r = try await TeacherStudentExperiment.run(tiny(), workers: 2)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dyson-ts-\(UUID())").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var output = try ExperimentOutput(directory: directory, study: "test")
    try TeacherStudentExperiment.write(r, to: &output)
    for file in ["config.json", "summary.json", "singular_values.csv", "collapse.svg", "density.svg", "index.html"] {
      #expect(FileManager.default.fileExists(atPath: "\(directory)/\(file)"), "\(file) missing")
    }
    let summary = try String(contentsOfFile: "\(directory)/summary.json", encoding: .utf8)
    for key in ["\"a_fit\"", "\"a_fit_error\"", "\"r2\"", "\"r2_uncentred\"", "\"alpha\"", "\"batch\"", "\"noise\"", "\"mean_spacing\"", "\"mean_spacing_error\"",
                "\"sigma_fit\"", "\"binder\"", "\"mean_singular_value\"", "\"final_loss\""] {
      #expect(summary.contains(key), "summary.json lacks \(key)")
    }
    var c = TeacherStudentExperiment.Config()
    let batch = try #require(TeacherStudentExperiment.Config.settings.first { $0.name == "batch" })
    #expect(throws: SettingError.self) { try batch.write(&c, "0") }
  }
}
