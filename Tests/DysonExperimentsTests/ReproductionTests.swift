import DysonIO
import Foundation
import Testing
@testable import DysonExperiments

private func temporaryFolder(_ name: String) -> String {
  NSTemporaryDirectory() + "dyson-\(name)-\(UUID().uuidString)"
}

/// summary.json without its timing fields, which alone may differ between two identical runs.
private func summaryWithoutTime(_ folder: String) throws -> String {
  try String(contentsOfFile: folder + "/summary.json", encoding: .utf8).replacing(/"seconds":[-+0-9.eE]+/, with: "")
}

@Suite("Output folders") struct OutputFolderTests {
  @Test("a folder is claimed for one study: the same study may rewrite it, another may not without force")
  func claims() throws {
    let dir = temporaryFolder("claim")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    _ = try ExperimentOutput(directory: dir, study: "rbm-learn")
    _ = try ExperimentOutput(directory: dir, study: "rbm-learn")
    #expect(throws: OutputFolderError.self) { try ExperimentOutput(directory: dir, study: "gpt-spectra") }
    _ = try ExperimentOutput(directory: dir, study: "gpt-spectra", force: true)
    #expect(try String(contentsOfFile: dir + "/" + ExperimentOutput.markerName, encoding: .utf8) == "gpt-spectra\n")
  }

  @Test("a non-empty folder that is no Dyson output is refused; a file in the way gives a clear error")
  func foreign() throws {
    let dir = temporaryFolder("foreign")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try "thesis".write(toFile: dir + "/chapter1.tex", atomically: true, encoding: .utf8)
    #expect(throws: OutputFolderError.self) { try ExperimentOutput(directory: dir, study: "dbm") }
    #expect(throws: OutputFolderError.self) { try ExperimentOutput(directory: dir + "/chapter1.tex", study: "dbm") }
    // A folder below a regular file cannot be created: the error names the path.
    do {
      _ = try ExperimentOutput(directory: dir + "/chapter1.tex/sub", study: "dbm")
      Issue.record("writing below a file succeeded")
    } catch let e as FileWriteError {
      #expect(e.path.hasPrefix(dir + "/chapter1.tex/sub"))
      #expect(!e.reason.isEmpty)
    }
  }
}

@Suite("Reproduce") struct ReproductionTests {
  static func job(_ dir: String) -> Reproduction {
    var job = Reproduction()
    job.directory = dir
    job.quick = true
    job.showProgress = false
    job.dataDirectory = dir + "/no-data"  // the data studies must skip, saying why
    return job
  }

  @Test("the report links every figure that exists, and a study without its data is skipped with the reason")
  func report() async throws {
    let dir = temporaryFolder("reproduce")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let reports = try await Self.job(dir).run([.dbm, .gptSpectra]) { _ in }
    #expect(reports.map(\.study) == [.dbm, .gptSpectra])
    #expect(reports[1].skipped?.contains("tinyshakespeare.txt") == true)
    let dbm = reports[0]
    #expect(dbm.skipped == nil && dbm.figures.count == 2 && !dbm.headlines.isEmpty)
    #expect(dbm.figures.allSatisfy { $0.caption.hasPrefix("Quick run") })
    let html = try String(contentsOfFile: dir + "/index.html", encoding: .utf8)
    // Every local link and image of the report resolves to a file.
    let links = html.matches(of: /(?:src|href)="([^"#:]+)"/).map { String($0.1) }
    #expect(links.count >= 5)
    for link in links { #expect(FileManager.default.fileExists(atPath: dir + "/" + link), "broken link \(link)") }
    #expect(html.contains("Skipped"))
    // report.json round-trips.
    #expect(Reproduction.loadReport(dir + "/dbm") == dbm)
  }

  @Test("stopped between studies, --resume keeps the finished ones and ends with the same summaries")
  func interruptAndResume() async throws {
    let straightDir = temporaryFolder("straight"), stoppedDir = temporaryFolder("stopped")
    defer {
      try? FileManager.default.removeItem(atPath: straightDir)
      try? FileManager.default.removeItem(atPath: stoppedDir)
    }
    let studies: [Study] = [.dbm, .linearHidden]
    _ = try await Self.job(straightDir).run(studies) { _ in }
    let flag = InterruptFlag()
    await #expect(throws: Interrupted.self) {
      _ = try await Interruption.$flag.withValue(flag) {
        try await Self.job(stoppedDir).run(studies) { line in if line.hasPrefix("dbm: done") { flag.request() } }
      }
    }
    #expect(Reproduction.loadReport(stoppedDir + "/dbm") != nil)
    #expect(Reproduction.loadReport(stoppedDir + "/linear-hidden") == nil)
    #expect(try String(contentsOfFile: stoppedDir + "/index.html", encoding: .utf8).contains("Not run yet"))
    var resumed = Self.job(stoppedDir)
    resumed.resume = true
    let lines = LineLog()
    _ = try await resumed.run(studies) { lines.append($0) }
    #expect(lines.all.contains { $0.hasPrefix("dbm: finished before, reused") })
    for study in studies {
      #expect(try summaryWithoutTime(stoppedDir + "/" + study.rawValue) == summaryWithoutTime(straightDir + "/" + study.rawValue))
    }
  }

  @Test("a folder holding another study's output is refused before anything runs")
  func clobber() async throws {
    let dir = temporaryFolder("clobber")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    _ = try ExperimentOutput(directory: dir, study: "gpt-train")
    await #expect(throws: OutputFolderError.self) { _ = try await Self.job(dir).run([.dbm]) { _ in } }
    #expect(!FileManager.default.fileExists(atPath: dir + "/dbm"))
  }
}

/// Collects log lines from a @Sendable closure.
private final class LineLog: @unchecked Sendable {
  private let lock = NSLock()
  private var lines: [String] = []
  func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
  var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}
