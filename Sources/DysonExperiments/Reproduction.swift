import DysonCore
import DysonIO
import DysonRMT
import Foundation

/// One study of `dyson reproduce`, named as its output folder.
public enum Study: String, CaseIterable, Sendable, Codable {
  /// 2411.13512 Fig. 2: the spectrum learnt.
  case rbmLearn = "rbm-learn"
  /// The degenerate pairs' universality at the end of training.
  case rbmUniversality = "rbm-universality"
  /// The linear scaling rule in α/|B|.
  case rbmScaling = "rbm-scaling"
  /// 2309.15002: MNIST, N_h and μ² as ultraviolet regulators.
  case rbmMNIST = "rbm-mnist"
  /// 2407.16427: the linear teacher–student model with induced noise.
  case linearTS = "linear-ts"
  /// 2412.20496: the network with a fixed second layer Z.
  case linearHidden = "linear-hidden"
  /// 2411.13512 Figs. 3–4: the GPT's key spectra.
  case gptSpectra = "gpt-spectra"
  /// The linear scaling rule inside the GPT, SGD against AdamW.
  case gptScaling = "gpt-scaling"
  /// Discrete Dyson Brownian motion of two degenerate levels.
  case dbm = "dbm"

  /// The study's title in the report.
  public var title: String {
    switch self {
    case .rbmLearn: "Gaussian RBM: learning the spectrum of a lattice field"
    case .rbmUniversality: "Gaussian RBM: random-matrix universality at the end of training"
    case .rbmScaling: "Gaussian RBM: the linear scaling rule in α/|B|"
    case .rbmMNIST: "Gaussian RBM: MNIST as ultraviolet regulator"
    case .linearTS: "Linear teacher–student with induced noise"
    case .linearHidden: "Linear network with a fixed Z: two species"
    case .gptSpectra: "Character-level GPT: spectra of the key matrices"
    case .gptScaling: "Character-level GPT: the linear scaling rule under SGD and AdamW"
    case .dbm: "Dyson Brownian motion of SGD: two degenerate levels"
    }
  }

  /// The paper and figure the study reproduces.
  public var source: String {
    switch self {
    case .rbmLearn: "arXiv:2411.13512 Fig. 2"
    case .rbmUniversality: "arXiv:2407.16427 (PRE 111, 015303); arXiv:2412.20496 Figs. 2–3"
    case .rbmScaling: "arXiv:2411.13512 Fig. 1; arXiv:2407.16427"
    case .rbmMNIST: "arXiv:2309.15002"
    case .linearTS: "arXiv:2407.16427, teacher–student model"
    case .linearHidden: "arXiv:2412.20496 Figs. 4–5"
    case .gptSpectra: "arXiv:2411.13512 Figs. 3–4"
    case .gptScaling: "the papers' outlook (2411.13512): does η/|B| govern the transformer's weight fluctuations?"
    case .dbm: "Docs/Science.md §1.5–1.8 (2407.16427): the stationary Coulomb gas and the linear scaling rule"
    }
  }

  /// The command that reruns the study alone, into `directory`; `program` invokes the `dyson` tool.
  public func command(program: String = "dyson", quick: Bool, directory: String) -> String {
    let verb: String
    switch self {
    case .rbmLearn: verb = "rbm learn"
    case .rbmUniversality: verb = "rbm universality"
    case .rbmScaling: verb = "rbm scaling"
    case .rbmMNIST: verb = "rbm mnist"
    case .linearTS: verb = "linear ts"
    case .linearHidden: verb = "linear hidden"
    case .gptSpectra: verb = "gpt spectra"
    case .gptScaling: verb = "gpt scaling"
    case .dbm: verb = "dbm"
    }
    return "\(program) reproduce \(rawValue)\(quick ? " --quick" : "") --out \(directory)   # or: \(program) \(verb) --config \(directory)/\(rawValue)/config.json"
  }

  /// The data file the study needs, relative to the data folder, if any.
  public var dataFile: String? {
    switch self {
    case .rbmMNIST: "mnist/train-images-idx3-ubyte.gz"
    case .gptSpectra, .gptScaling: "tinyshakespeare.txt"
    default: nil
    }
  }
}

/// One number of the report: ours next to the paper's (or the theory's).
public struct Headline: Codable, Sendable, Equatable {
  /// What is measured.
  public var quantity: String
  /// Dyson's value, with its error.
  public var ours: String
  /// The paper's value or the theory's, with its source.
  public var reference: String

  /// A headline from its three texts.
  public init(_ quantity: String, ours: String, reference: String) {
    self.quantity = quantity
    self.ours = ours
    self.reference = reference
  }
}

/// What one study produced, stored as `DIR/<study>/report.json` when it completes, so that the
/// report can be rebuilt and `--resume` can skip finished studies.
public struct StudyReport: Codable, Sendable, Equatable {
  /// A figure of the study.
  public struct FigureEntry: Codable, Sendable, Equatable {
    /// Its file name in the study's folder.
    public var file: String
    /// Its caption.
    public var caption: String
  }

  /// Which study.
  public var study: Study
  /// The study's configuration as written to its config.json: a finished study is reused only
  /// for the same configuration.
  public var configuration: String
  /// Whether it ran with `--quick`'s sizes.
  public var quick: Bool
  /// Wall-clock time of the study.
  public var seconds: Double
  /// Its numbers next to the papers'.
  public var headlines: [Headline]
  /// Its figures, in order.
  public var figures: [FigureEntry]
  /// Why the study did not run (missing data), or nil.
  public var skipped: String?
}

/// `dyson reproduce`: every study with the papers' defaults — or, with `quick`, smaller ensembles
/// that all fit in a few minutes on two cores — each into `directory/<study>/`, and one report,
/// `directory/index.html`, with every figure, its caption, the headline numbers next to the
/// papers' and the command that regenerates it.
public struct Reproduction: Sendable {
  /// The folder of the report; each study writes `directory/<study>/`.
  public var directory = "runs/reproduce"
  /// Smaller ensembles and shorter training (every caption says so).
  public var quick = false
  /// Reuse studies that finished with the same configuration; GPT runs continue from checkpoints.
  public var resume = false
  /// Write into `directory` even when it holds another command's output.
  public var force = false
  /// The folder holding tinyshakespeare.txt and mnist/train-images-idx3-ubyte.gz.
  public var dataDirectory = "."
  /// Added to the report's note when a data file is missing: how the caller's users get it.
  public var missingDataAdvice = "then rerun with --resume"
  /// How the report's rerun lines start: the caller's command for the `dyson` tool.
  public var program = "dyson"
  /// Worker tasks of the ensembles; nil: one per core. The results do not depend on it.
  public var workers: Int?
  /// Progress lines on a terminal.
  public var showProgress = true

  /// The papers' sizes, into runs/reproduce under the working directory.
  public init() {}

  /// The study name the report's folder is claimed for.
  public static let reportStudy = "reproduce"

  /// Runs `studies` in order; `log` receives one line per event. A study whose data is missing is
  /// skipped and says so in the report; any other failure stops the job.
  public func run(_ studies: [Study], log: @Sendable (String) -> Void) async throws -> [StudyReport] {
    _ = try ExperimentOutput(directory: directory, study: Self.reportStudy, force: force)
    var reports: [StudyReport] = []
    for study in studies {
      try Interruption.check()
      let folder = directory + "/" + study.rawValue
      let configuration = try configurationText(study)
      if resume, let done = Self.loadReport(folder), done.configuration == configuration, done.quick == quick, done.skipped == nil {
        log("\(study.rawValue): finished before, reused (\(String(format: "%.0f", done.seconds)) s)")
        reports.append(done)
        continue
      }
      if let file = study.dataFile, !FileManager.default.fileExists(atPath: dataDirectory + "/" + file) {
        let report = StudyReport(study: study, configuration: configuration, quick: quick, seconds: 0, headlines: [], figures: [],
                                 skipped: "\(dataDirectory)/\(file) is missing; \(missingDataAdvice)")
        log("\(study.rawValue): skipped: \(report.skipped!)")
        reports.append(report)
        continue
      }
      log("\(study.rawValue): \(study.title)")
      let report = try await execute(study, folder: folder, configuration: configuration)
      try AtomicFile.write(try Self.encode(report), to: folder + "/report.json")
      log(String(format: "\(study.rawValue): done in %.1f s", report.seconds))
      reports.append(report)
      try writeReport(reports, planned: studies)
    }
    try writeReport(reports, planned: studies)
    return reports
  }

  // MARK: Configurations

  /// The quick set: every study at a size that keeps the whole set near four minutes on two cores
  /// in the default build, large enough for the figures to show the effect.
  var rbmLearn: RBMLearnExperiment.Config {
    var c = RBMLearnExperiment.Config()
    if quick { c.runs = 32 }
    return c
  }

  /// Quick: spectra sampled along 20 runs after a burn-in (Docs/RBM.md: the same stationary law
  /// as final states, at a tenth of the cost).
  var rbmUniversality: RBMUniversalityExperiment.Config {
    var c = RBMUniversalityExperiment.Config()
    if quick {
      c.runs = 20
      c.training.updates = 80_000
      c.burnIn = 30_000
      c.sampleEvery = 1000
      c.resamples = 100
    }
    return c
  }

  var rbmScaling: RBMScalingExperiment.Config {
    var c = RBMScalingExperiment.Config()
    if quick {
      c.base.runs = 12
      c.base.training.updates = 60_000
      c.base.burnIn = 30_000
      c.base.sampleEvery = 1500
      c.base.resamples = 50
    }
    return c
  }

  var rbmMNIST: RBMMNISTExperiment.Config {
    var c = quick ? RBMMNISTExperiment.Config.quick : RBMMNISTExperiment.Config()
    c.imagesPath = dataDirectory + "/" + Study.rbmMNIST.dataFile!
    return c
  }

  var linearTS: TeacherStudentExperiment.Config { quick ? .quick : TeacherStudentExperiment.Config() }

  var linearHidden: LinearHiddenExperiment.Config { quick ? .quick : LinearHiddenExperiment.Config() }

  var gptSpectra: GPTExperiment.Config {
    var c = GPTExperiment.Config()
    c.runs = 50
    if quick {
      c.runs = 2
      c.iterations = 2000
      c.evalInterval = 250
      c.evalIters = 10
      c.finalEvalIters = 50
      c.spectrumInterval = 100
      c.histogramSteps = [0, 1000, 2000]
      c.resamples = 50
    }
    c.data = dataDirectory + "/" + Study.gptSpectra.dataFile!
    c.checkpointEvery = quick ? 250 : 500
    return c
  }

  var gptScaling: GPTScalingExperiment.Config {
    var c = quick ? GPTScalingExperiment.Config.quick : GPTScalingExperiment.Config()
    c.data = dataDirectory + "/" + Study.gptScaling.dataFile!
    return c
  }

  var dbm: DBMExperiment.Config { quick ? .quick : DBMExperiment.Config() }

  /// The configuration as config.json would hold it (settings by name), to recognise a finished study.
  func configurationText(_ study: Study) throws -> String {
    switch study {
    case .rbmLearn: return settingsText(RBMLearnExperiment.Config.settings, rbmLearn)
    case .rbmUniversality: return settingsText(RBMUniversalityExperiment.Config.settings, rbmUniversality)
    case .rbmScaling: return settingsText(RBMScalingExperiment.Config.settings, rbmScaling)
    case .rbmMNIST: return settingsText(RBMMNISTExperiment.Config.settings, rbmMNIST)
    case .linearTS: return settingsText(TeacherStudentExperiment.Config.settings, linearTS)
    case .linearHidden: return settingsText(LinearHiddenExperiment.Config.settings, linearHidden)
    case .gptSpectra: return settingsText(GPTExperiment.Config.settings.filter { $0.name != "checkpoint-every" }, gptSpectra)
    case .gptScaling: return settingsText(GPTScalingExperiment.Config.settings, gptScaling)
    case .dbm: return settingsText(DBMExperiment.Config.settings, dbm)
    }
  }

  // MARK: Running one study

  func progress(_ total: Int, _ label: String, percent: Bool = false) -> Progress? {
    showProgress ? Progress(total: total, label: label, percent: percent) : nil
  }

  func execute(_ study: Study, folder: String, configuration: String) async throws -> StudyReport {
    var output = try ExperimentOutput(directory: folder, study: study.rawValue, force: force)
    if quick { output.captionNote = "Quick run (smaller ensembles than the papers; `dyson reproduce` without --quick runs their sizes)." }
    let start = Date()
    let headlines: [Headline]
    switch study {
    // The ensembles keep their finished runs in the study's folder (every minute and on Ctrl-C),
    // so that --resume does not run them again; once the outputs are written they go.
    case .rbmLearn:
      var c = rbmLearn
      c.checkpointDirectory = folder
      c.resume = resume
      let r = try await RBMLearnExperiment.run(c, workers: workers, progress: progress(c.runs, "rbm-learn: runs"))
      try RBMLearnExperiment.write(r, to: &output)
      RBMLearnExperiment.removeCheckpoints(c)
      headlines = Self.headlines(r)
    case .rbmUniversality:
      var c = rbmUniversality
      c.checkpointDirectory = folder
      c.resume = resume
      let r = try await RBMUniversalityExperiment.run(c, workers: workers, progress: progress(c.runs, "rbm-universality: runs"))
      try RBMUniversalityExperiment.write(r, to: &output)
      RBMUniversalityExperiment.removeCheckpoints(c)
      headlines = Self.headlines(r)
    case .rbmScaling:
      var c = rbmScaling
      c.base.checkpointDirectory = folder
      c.base.resume = resume
      let r = try await RBMScalingExperiment.run(c, workers: workers, progress: progress(c.grid.count, "rbm-scaling: configurations"))
      try RBMScalingExperiment.write(r, to: &output)
      RBMScalingExperiment.removeCheckpoints(c)
      headlines = Self.headlines(r)
    case .rbmMNIST:
      var c = rbmMNIST
      c.checkpointDirectory = folder
      c.resume = resume
      let data = try RBMMNISTExperiment.loadImages(path: c.imagesPath, count: c.images)
      let total = RBMMNISTExperiment.progressTotal(c, samples: data.rows)
      let r = try await RBMMNISTExperiment.run(c, data: consume data, workers: workers, progress: progress(total, "rbm-mnist:", percent: true))
      try RBMMNISTExperiment.write(r, to: &output)
      RBMMNISTExperiment.removeCheckpoints(c)
      headlines = Self.headlines(r)
    case .linearTS:
      let c = linearTS
      let r = try await TeacherStudentExperiment.run(c, workers: workers, progress: progress(c.grid.count, "linear-ts: configurations"))
      try TeacherStudentExperiment.write(r, to: &output)
      headlines = Self.headlines(r)
    case .linearHidden:
      let r = try await LinearHiddenExperiment.run(linearHidden, workers: workers)
      try LinearHiddenExperiment.write(r, to: &output)
      headlines = Self.headlines(r)
    case .gptSpectra:
      var c = gptSpectra
      c.checkpointDirectory = folder
      c.resume = resume
      let r = try await GPTExperiment.run(c, workers: workers, progress: progress(c.runs * c.iterations, "gpt-spectra: steps"))
      try GPTExperiment.write(r, to: &output)
      GPTExperiment.removeCheckpoints(c)
      headlines = Self.headlines(r)
    case .gptScaling:
      var c = gptScaling
      c.checkpointDirectory = folder
      c.resume = resume
      let points = try GPTScalingExperiment.points(c).count
      let r = try await GPTScalingExperiment.run(c, workers: workers, progress: progress(points * c.runs * c.iterations, "gpt-scaling: steps"))
      try GPTScalingExperiment.write(r, to: &output)
      headlines = Self.headlines(r)
    case .dbm:
      let c = dbm
      let r = try await DBMExperiment.run(c, workers: workers, progress: progress(c.grid.count, "dbm: configurations"))
      try DBMExperiment.write(r, to: &output)
      headlines = Self.headlines(r)
    }
    return StudyReport(study: study, configuration: configuration, quick: quick, seconds: Date().timeIntervalSince(start),
                       headlines: headlines, figures: output.figures.map { .init(file: $0.file, caption: $0.caption) }, skipped: nil)
  }

  // MARK: The report

  static func encode(_ report: StudyReport) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
  }

  /// The stored report of a finished study, or nil.
  public static func loadReport(_ folder: String) -> StudyReport? {
    guard let data = try? ReadOnlyFile.contents(of: folder + "/report.json") else { return nil }
    return try? JSONDecoder().decode(StudyReport.self, from: data)
  }

  /// `index.html`: every study in order, with its numbers, command and figures; studies still to
  /// run are listed as such, so a stopped job leaves a readable report of what it finished.
  public func writeReport(_ reports: [StudyReport], planned: [Study]) throws {
    let done = Dictionary(reports.map { ($0.study, $0) }, uniquingKeysWith: { $1 })
    var html = """
    <!doctype html>
    <html lang="en"><head><meta charset="utf-8"><title>Dyson: the papers reproduced</title>
    <style>body{font-family:Georgia,serif;max-width:1100px;margin:2em auto;padding:0 1em;line-height:1.4}
    figure{margin:1.5em 0}figure img{max-width:100%}figcaption{font-size:0.95em;color:#333}
    table{border-collapse:collapse;margin:1em 0}td,th{border-bottom:1px solid #ccc;padding:0.25em 0.8em;text-align:left}
    pre{background:#f4f4f4;padding:0.5em;overflow-x:auto}.note{background:#fff4d6;padding:0.5em 1em}</style>
    </head><body>
    <h1>Dyson: the papers reproduced</h1>

    """
    if quick {
      html += "<p class=\"note\">Quick run: every study with smaller ensembles and shorter training than the papers, so the whole set takes minutes. Run <code>dyson reproduce</code> without <code>--quick</code> for the papers' sizes.</p>\n"
    }
    html += "<p>Contents: " + planned.map { "<a href=\"#\($0.rawValue)\">\(escapeHTML($0.title))</a>" }.joined(separator: " · ") + "</p>\n"
    for study in planned {
      html += "<h2 id=\"\(study.rawValue)\">\(escapeHTML(study.title))</h2>\n<p>Reproduces \(escapeHTML(study.source)).</p>\n"
      guard let report = done[study] else {
        html += "<p><em>Not run yet.</em> Rerun the same command with <code>--resume</code> to finish the report.</p>\n"
        continue
      }
      if let reason = report.skipped {
        html += "<p><strong>Skipped:</strong> \(escapeHTML(reason))</p>\n"
        continue
      }
      html += String(format: "<p>Ran in %.1f s. Its own page: <a href=\"%@/index.html\">%@/index.html</a> · <a href=\"%@/summary.json\">summary.json</a> · <a href=\"%@/config.json\">config.json</a></p>\n",
                     report.seconds, study.rawValue, study.rawValue, study.rawValue, study.rawValue)
      if !report.headlines.isEmpty {
        html += "<table><tr><th>quantity</th><th>Dyson</th><th>paper / theory</th></tr>\n"
        for h in report.headlines {
          html += "<tr><td>\(escapeHTML(h.quantity))</td><td>\(escapeHTML(h.ours))</td><td>\(escapeHTML(h.reference))</td></tr>\n"
        }
        html += "</table>\n"
      }
      html += "<pre>\(escapeHTML(study.command(program: program, quick: report.quick, directory: directory)))</pre>\n"
      for f in report.figures {
        html += ExperimentOutput.figureHTML(source: study.rawValue + "/" + f.file, caption: f.caption)
      }
    }
    html += "<p>Made by <code>dyson reproduce</code>. Every number above is in the study's summary.json.</p>\n</body></html>\n"
    try AtomicFile.write(html, to: directory + "/index.html")
  }
}
