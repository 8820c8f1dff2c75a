import DysonExperiments
import Foundation

/// `dyson reproduce [study…]`: every study with the papers' defaults (or `--quick`), one report.
enum ReproduceCommand {
  static var help: String {
    """
    usage: dyson reproduce [study…] [--quick] [--out DIR] [--resume] [--force] [--data DIR] [--quiet] [--progress-log SECONDS] [--json]

    Runs the studies (all by default, in this order) with the papers' settings, each into DIR/<study>/,
    and writes one report, DIR/index.html: every figure with its caption, the headline numbers next
    to the papers' values, and the command that regenerates each.

    \(Study.allCases.map { "  \($0.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0)) \($0.title)" }.joined(separator: "\n"))

        --quick       smaller ensembles and shorter training: the whole set in about 2 minutes on 2 cores
                      (every figure says so); without it the set takes about 1.5 hours (see Docs/Reproducing.md)
        --out DIR     output folder (default runs/reproduce; runs/reproduce-quick with --quick)
        --resume      keep studies that finished with the same settings; the RBM ensembles and the GPT
                      runs continue from what they saved. Ctrl-C stops after the current step;
                      --resume then finishes the job.
        --force       write into DIR even when it holds another command's output
        --data DIR    where tiny Shakespeare and MNIST are (default Datasets; when missing,
                      Datasets/fetch.sh is run to copy or download them)
        --quiet       no progress and no per-study lines, only errors and the final line
        --progress-log SECONDS
                      a whole progress line every SECONDS, also when standard error is a
                      file or a pipe (runs under nohup)
        --json        print each finished study's headline numbers as one JSON object per line
    """
  }

  static func run(_ arguments: [String]) async throws {
    let o = try Options(arguments, valued: ["out", "data"], switches: ["quick", "resume", "force", "quiet", "json"], positional: true)
    var studies: [Study] = []
    for name in o.positionals {
      guard let study = Study(rawValue: name) else {
        let names = Study.allCases.map(\.rawValue)
        let hint = names.min { editDistance($0, name) < editDistance($1, name) }.map { " (did you mean '\($0)'?)" } ?? ""
        throw UsageError(description: "unknown study '\(name)'\(hint); studies: \(names.joined(separator: ", "))")
      }
      if !studies.contains(study) { studies.append(study) }
    }
    if studies.isEmpty { studies = Study.allCases }
    var job = Reproduction()
    job.quick = o.has("quick")
    job.directory = o.string("out") ?? (job.quick ? "runs/reproduce-quick" : "runs/reproduce")
    job.resume = o.has("resume")
    job.force = o.has("force")
    job.dataDirectory = o.string("data") ?? StudyOptions.dataDirectory
    job.missingDataAdvice = "run Datasets/fetch.sh (it copies or downloads the files and checks them), then rerun with --resume"
    job.program = rerunProgram()
    job.showProgress = !o.has("quiet")
    let quiet = o.has("quiet"), json = o.has("json")
    fetchMissingData(for: studies, into: job.dataDirectory, quiet: quiet)

    let start = Date()
    let reports = try await job.run(studies) { line in
      if !quiet { FileHandle.standardError.write(Data("reproduce: \(line)\n".utf8)) }
    }
    if json {
      for r in reports {
        let object: [String: Any] = [
          "study": r.study.rawValue, "quick": r.quick, "seconds": r.seconds, "skipped": r.skipped ?? NSNull(),
          "headlines": r.headlines.map { ["quantity": $0.quantity, "dyson": $0.ours, "reference": $0.reference] },
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: data, as: UTF8.self))
      }
    } else if !quiet {
      for r in reports where r.skipped == nil {
        print("\(r.study.rawValue):")
        for h in r.headlines { print("  \(h.quantity): \(h.ours)   [\(h.reference)]") }
      }
    }
    let skipped = reports.filter { $0.skipped != nil }
    print(String(format: "wrote %@/index.html: %d studies in %.0f s%@", job.directory, reports.count - skipped.count, Date().timeIntervalSince(start),
                 skipped.isEmpty ? "" : "; skipped for missing data: " + skipped.map(\.study.rawValue).joined(separator: ", ")))
    if !skipped.isEmpty { throw ExitQuietly(code: 1) }
  }

  /// This program as the user can type it again: its path relative to the working directory when
  /// it lies inside it (`.build/release/dyson`), else as invoked.
  static func rerunProgram() -> String {
    let invoked = CommandLine.arguments.first ?? "dyson"
    let here = FileManager.default.currentDirectoryPath + "/"
    return invoked.hasPrefix(here) ? String(invoked.dropFirst(here.count)) : invoked
  }

  /// Runs Datasets/fetch.sh (copy from a shared/datasets folder beside the checkout, else download; sha256-checked) when a
  /// study needs a data file that is not there and the script is at hand.
  static func fetchMissingData(for studies: [Study], into directory: String, quiet: Bool) {
    let missing = studies.compactMap(\.dataFile).filter { !FileManager.default.fileExists(atPath: directory + "/" + $0) }
    let script = directory + "/fetch.sh"
    guard !missing.isEmpty, FileManager.default.fileExists(atPath: script) else { return }
    if !quiet { FileHandle.standardError.write(Data("reproduce: \(missing.joined(separator: ", ")) missing; running \(script)\n".utf8)) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["bash", script]
    process.standardOutput = quiet ? FileHandle.nullDevice : FileHandle.standardError
    process.standardError = FileHandle.standardError
    do {
      try process.run()
      process.waitUntilExit()
    } catch {
      printError("could not run \(script): \(error.localizedDescription)")
    }
  }
}
