import DysonCore
import DysonIO
import DysonModels
import DysonPlot
import DysonRMT
import Foundation

/// The teacher–student study of 2407.16427 (Docs/Science.md §3): for each configuration of three
/// scans (α at |B| = 16, ns = 0.1; |B| at α = 0.1, ns = 0.1; ns at α = 0.1, |B| = 16), thousands
/// of students trained from independent seeds on one shared data set; their singular values ξ
/// form a doubly degenerate pair around κ = 2, analysed as the RBM's pairs are
/// (`RBMUniversalityExperiment.analyse`), and ⟨S⟩ should follow σ_pred = √(α·ns²/|B|).
///
/// Linearised theory (Docs/Linear.md): W = κ·1 + δ, δ ← (1 − α)δ + αĀ_j to first order, Ā_j the
/// batch's mean noise (off-diagonal variance ns²/|B|). The stationary δ is GOE-like with
/// off-diagonal variance v = σ_pred²/(2 − α), so S = |ξ₂ − ξ₁| is Rayleigh with scale 2√v and
///   ⟨S⟩ = √(2π/(2 − α))·σ_pred → √π·σ_pred as α → 0.
public struct TeacherStudentExperiment {
  /// The study's settings; `settings` names each as a command-line option and config.json key.
  public struct Config: Codable, Sendable, Equatable {
    /// The network, the data and the training of every student (α, |B| and ns are set per configuration).
    public var base = TeacherStudentConfiguration()
    /// Students (seeds) per configuration (`--runs`).
    public var runs = 3000
    /// The seed every random stream of the study derives from (`--seed`).
    public var seed: UInt64 = 1
    /// Bootstrap resamples for the errors (`--resamples`).
    public var resamples = 200
    /// The α scan, comma-separated (at the base |B| and ns) (`--alphas`).
    public var alphas = [0.1, 0.2, 0.3, 0.4, 0.5]
    /// The |B| scan (at the base α and ns) (`--batches`).
    public var batches = [4, 8, 16, 32, 64]
    /// The ns scan, comma-separated (at the base α and |B|) (`--noises`).
    public var noises = [0.05, 0.06, 0.07, 0.08, 0.09, 0.1]
    /// false: one data set per configuration, shared by its students (the authors). true: a data
    /// set per student, which averages out the quenched disorder of the shared batches (Docs/Linear.md).
    public var dataPerStudent = false

    /// The defaults above: the papers' settings.
    public init() {}


    /// Smaller ensembles and shorter training: what `--quick` runs.
    public static var quick: Config {
      var c = Config()
      c.runs = 300
      c.resamples = 50
      return c
    }

    /// The distinct (α, |B|, ns) of the three scans around the base point, in a fixed order.
    public var grid: [Point] {
      let b = base
      var out: [Point] = []
      for p in alphas.map({ Point(alpha: $0, batch: b.batch, noise: b.noise) })
        + batches.map({ Point(alpha: b.alpha, batch: $0, noise: b.noise) })
        + noises.map({ Point(alpha: b.alpha, batch: b.batch, noise: $0) }) where !out.contains(p) {
        out.append(p)
      }
      return out
    }

    /// One (α, |B|, ns) configuration.
    public struct Point: Codable, Sendable, Hashable {
      /// The learning rate α.
      public var alpha: Double
      /// The batch size |B|.
      public var batch: Int
      /// The noise strength ns.
      public var noise: Double
    }

    /// Each field's option name, help text and valid range: the command's options and the keys of config.json.
    public static let settings: [Setting<Config>] = [
      .integerList("batches", "the |B| scan (at the base α and ns)", \.batches, 1...100_000),
      .numberList("alphas", "the α scan, comma-separated (at the base |B| and ns)", \.alphas, 1e-12...10),
      .numberList("noises", "the ns scan, comma-separated (at the base α and |B|)", \.noises, 0...100),
      .number("alpha", "base learning rate α", \.base.alpha, 0...10),
      .integer("batch", "base batch size |B|", \.base.batch, 1...100_000),
      .number("noise", "base induced-noise strength ns", \.base.noise, 0...100),
      .integer("epochs", "epochs", \.base.epochs, 1...1_000_000),
      .integer("batches-per-epoch", "mini-batches per epoch (the data set has this × |B| inputs)", \.base.batchesPerEpoch, 1...10_000_000),
      .number("teacher", "κ: the teacher is κ·1", \.base.teacher, 1e-6...1e6),
      .number("init-scale", "standard deviation of the student's initial entries", \.base.initialScale, 0...1e3),
      .integer("runs", "students (seeds) per configuration", \.runs, 2...100_000_000),
      .boolean("data-per-student", "a fresh data set per student instead of one per configuration (the authors)", \.dataPerStudent),
      .integer("resamples", "bootstrap resamples for the errors", \.resamples, 2...100_000),
      .seed("seed; student k of configuration i uses stream k of a seed derived from it and i", \.seed),
    ]
  }

  /// What one configuration's students gave.
  public struct Measurement: Sendable {
    /// The configuration.
    public let point: Config.Point
    /// The two-level fit of the pair of squared singular values (`RBMUniversalityExperiment.Mode`).
    public let pair: RBMUniversalityExperiment.Mode
    /// All students' ξ₁ ≤ ξ₂.
    public let singularValues: [[Double]]
    /// The mean singular value over students.
    public let meanSingularValue: Double
    /// The mean final loss.
    public let finalLoss: Double
    /// Why students stopped early.
    public let failures: [String]
    /// σ_pred = √(α·ns²/|B|).
    public var predictedSigma: Double { (point.alpha * point.noise * point.noise / Double(point.batch)).squareRoot() }
    /// ⟨S⟩/σ_pred from the linearised theory at this α: √(2π/(2 − α)).
    public var theoryRatio: Double { (2 * Double.pi / (2 - point.alpha)).squareRoot() }
  }

  /// A student, or why it stopped. (Not `Result` with a typed error: typed throws inside task-group
  /// children broke the task allocator's LIFO order in debug builds — "freed pointer was not the last allocation".)
  enum Outcome: Sendable {
    case student(TeacherStudentRun)
    case failure(String)
  }

  /// What the study measured.
  public struct Result: Sendable {
    /// The settings the study ran with.
    public let config: Config
    /// One per configuration.
    public let measurements: [Measurement]
    /// ⟨S⟩ against σ_pred over every configuration; and √π·σ_fit against σ_pred.
    public let spacingCollapse: ThroughOriginFit
    /// √π·σ_fit against σ_pred.
    public let sigmaCollapse: ThroughOriginFit
    /// Wall-clock time of the study.
    public let seconds: Double
  }

  /// Runs the study: ensembles on `workers` tasks (default: one per core), the same result whatever
  /// their number; `progress`, when given, is advanced as the work proceeds. Throws on settings out
  /// of range and when interrupted.
  public static func run(_ config: Config, workers: Int? = nil, progress: Progress? = nil) async throws -> Result {
    let start = Date()
    guard !config.alphas.isEmpty, !config.noises.isEmpty else { throw ExperimentError.invalid("--alphas and --noises need at least one number each") }
    let width = max(1, workers ?? ProcessInfo.processInfo.activeProcessorCount)
    var measurements: [Measurement] = []
    for (index, point) in config.grid.enumerated() {
      var c = config.base
      c.alpha = point.alpha; c.batch = point.batch; c.noise = point.noise
      let seed = SplitMix64.mix(config.seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
      let training = c
      let data = TeacherStudentData(c, seed: seed)
      let outcomes = try await train(training, data: config.dataPerStudent ? nil : data, seed: seed, runs: config.runs, width: width)
      let students = outcomes.compactMap { if case .student(let s) = $0 { s } else { nil } }
      let failures = outcomes.compactMap { if case .failure(let e) = $0 { e } else { nil } }
      guard students.count >= 2 else {
        throw ExperimentError.invalid("α = \(point.alpha), |B| = \(point.batch), ns = \(point.noise): \(students.count) of \(config.runs) students finished; \(failures.first ?? "")")
      }
      let xi = students.map { [$0.singularValues.0, $0.singularValues.1] }
      let (modes, _) = try RBMUniversalityExperiment.analyse(xi, kappas: [c.teacher, c.teacher], resamples: config.resamples, seed: seed)
      let n = Double(max(students.count, 1))
      var xiSum = 0.0, lossSum = 0.0
      for (pair, student) in zip(xi, students) { xiSum += pair[0] + pair[1]; lossSum += student.finalLoss }
      measurements.append(Measurement(point: point, pair: modes[0], singularValues: xi, meanSingularValue: xiSum / (2 * n),
                                      finalLoss: lossSum / n, failures: failures))
      progress?.advance()
    }
    progress?.finish()
    let x = measurements.map(\.predictedSigma)
    let spacing = ThroughOriginFit(x: x, y: measurements.map { $0.pair.meanSpacing ?? .nan }, errors: measurements.map { $0.pair.meanSpacingError ?? .nan })
    let sigma = ThroughOriginFit(x: x, y: measurements.map { Double.pi.squareRoot() * $0.pair.sigma },
                                 errors: measurements.map { Double.pi.squareRoot() * $0.pair.sigmaError })
    return Result(config: config, measurements: measurements, spacingCollapse: spacing, sigmaCollapse: sigma, seconds: Date().timeIntervalSince(start))
  }

  /// Students 0..<runs of one configuration in a task group, chunks of 100 per task; each student
  /// its own stream, so the outcome does not depend on the number of workers.
  /// `data` nil: each student draws its own data set (from a seed of its own).
  static func train(_ c: TeacherStudentConfiguration, data: TeacherStudentData?, seed: UInt64, runs: Int, width: Int) async throws -> [Outcome] {
    let chunk = 100
    let chunks = (runs + chunk - 1) / chunk
    return try await orderedTaskGroup(count: chunks, width: width) { k in
      var part: [Outcome] = []
      for run in k * chunk..<min((k + 1) * chunk, runs) {
        let own = data ?? TeacherStudentData(c, seed: SplitMix64.mix(seed ^ UInt64(run) &* 0xD1B5_4A32_D192_ED03))
        do { part.append(.student(try TeacherStudentRun(c, data: own, seed: seed, stream: UInt64(run)))) } catch {
          part.append(.failure("\(error)"))
        }
      }
      return part
    }.flatMap { $0 }
  }

  /// What summary.json holds.
  public struct Summary: Codable, Sendable, Equatable {
    /// One (α, |B|, ns) configuration (`Measurement`).
    public struct Configuration: Codable, Sendable, Equatable {
      /// The learning rate α.
      public var alpha: Double
      /// The batch size |B|.
      public var batch: Int
      /// The noise strength ns.
      public var noise: Double
      /// Students that finished.
      public var students: Int
      /// σ_pred = √(α·ns²/|B|).
      public var predictedSigma: Double
      /// ⟨S⟩ of the pair of squared singular values and its error.
      public var meanSpacing: Double?, meanSpacingError: Double?
      /// The two-level fit's σ and centre.
      public var sigmaFit: Double?, sigmaFitError: Double?, centerFit: Double?
      /// U₄ and its error.
      public var binder: Double?, binderError: Double?
      /// The mean singular value over students.
      public var meanSingularValue: Double?
      /// The mean final loss on the full data.
      public var finalLoss: Double?
      /// ⟨S⟩/σ_pred, and the linearised theory's √(2π/(2 − α)).
      public var spacingOverPredictedSigma: Double?
      /// The linearised theory's √(2π/(2 − α)).
      public var theoryRatio: Double?
      /// Why students stopped early.
      public var failures: [String]
      enum CodingKeys: String, CodingKey {
        case alpha, batch, noise, students, predictedSigma = "predicted_sigma", meanSpacing = "mean_spacing", meanSpacingError = "mean_spacing_error"
        case sigmaFit = "sigma_fit", sigmaFitError = "sigma_fit_error", centerFit = "center_fit", binder, binderError = "binder_error"
        case meanSingularValue = "mean_singular_value", finalLoss = "final_loss", spacingOverPredictedSigma = "spacing_over_predicted_sigma"
        case theoryRatio = "theory_ratio", failures
      }
    }
    /// "linear ts".
    public var experiment = "linear ts"
    /// The collapse ⟨S⟩ = a·σ_pred: slope, jackknife error, R², R₀².
    public var aFit: Double?, aFitError: Double?, r2: Double?, r2Uncentred: Double?
    /// The collapse √π·σ_fit = a·σ_pred.
    public var aFitSigma: Double?, aFitSigmaError: Double?, r2Sigma: Double?
    /// √π, the slope at small α.
    public var aTheorySmallAlpha: Double
    /// One per configuration.
    public var configurations: [Configuration]
    /// Wall-clock time of the study.
    public var seconds: Double
    enum CodingKeys: String, CodingKey {
      case experiment, aFit = "a_fit", aFitError = "a_fit_error", r2, r2Uncentred = "r2_uncentred", aFitSigma = "a_fit_sigma"
      case aFitSigmaError = "a_fit_sigma_error", r2Sigma = "r2_sigma", aTheorySmallAlpha = "a_theory_small_alpha", configurations, seconds
    }
  }

  /// The summary of a result (what `write` puts in summary.json).
  public static func summary(_ r: Result) -> Summary {
    Summary(
      aFit: finite(r.spacingCollapse.slope), aFitError: finite(r.spacingCollapse.jackknifeError), r2: finite(r.spacingCollapse.r2),
      r2Uncentred: finite(r.spacingCollapse.r2Uncentred), aFitSigma: finite(r.sigmaCollapse.slope),
      aFitSigmaError: finite(r.sigmaCollapse.jackknifeError), r2Sigma: finite(r.sigmaCollapse.r2), aTheorySmallAlpha: Double.pi.squareRoot(),
      configurations: r.measurements.map { m in
        Summary.Configuration(
          alpha: m.point.alpha, batch: m.point.batch, noise: m.point.noise, students: m.singularValues.count, predictedSigma: m.predictedSigma,
          meanSpacing: m.pair.meanSpacing.flatMap(finite), meanSpacingError: m.pair.meanSpacingError.flatMap(finite),
          sigmaFit: finite(m.pair.sigma), sigmaFitError: finite(m.pair.sigmaError), centerFit: finite(m.pair.center),
          binder: finite(m.pair.binder), binderError: finite(m.pair.binderError), meanSingularValue: finite(m.meanSingularValue),
          finalLoss: finite(m.finalLoss), spacingOverPredictedSigma: m.pair.meanSpacing.flatMap { finite($0 / m.predictedSigma) },
          theoryRatio: finite(m.theoryRatio), failures: m.failures)
      },
      seconds: r.seconds)
  }

  /// Writes the study's files into `output`: config.json, summary.json, its tables, figures and index.html.
  public static func write(_ r: Result, to output: inout ExperimentOutput) throws {
    try output.write(json: settingsJSON(Config.settings, r.config), to: "config.json")
    try output.write(summary: summary(r))
    var csv = CSVWriter(header: ["alpha", "batch", "noise", "student", "xi1", "xi2"])
    for m in r.measurements { for (k, xi) in m.singularValues.enumerated() { csv.appendRow([m.point.alpha, Double(m.point.batch), m.point.noise, Double(k), xi[0], xi[1]]) } }
    try output.write(csv: csv, to: "singular_values.csv")

    // (a) the collapse per scan; (b) ⟨S⟩/σ_pred against α with the theory √(2π/(2 − α)).
    let b = r.config.base
    var collapse = Panel(title: "(a) ⟨S⟩ against σ_pred", x: Axis("σ_pred = √(α·ns²/|B|)"), y: Axis("⟨S⟩"))
    let scans: [(String, (Config.Point) -> Bool)] = [
      ("α varied", { $0.batch == b.batch && $0.noise == b.noise }), ("|B| varied", { $0.alpha == b.alpha && $0.noise == b.noise }),
      ("ns varied", { $0.alpha == b.alpha && $0.batch == b.batch }),
    ]
    for (k, (name, member)) in scans.enumerated() {
      let sel = r.measurements.filter { member($0.point) && $0.pair.meanSpacing != nil }
      collapse.add(.points(x: sel.map(\.predictedSigma), y: sel.map { $0.pair.meanSpacing! }, errors: sel.map { $0.pair.meanSpacingError ?? 0 }, color: plotPalette[k], label: name))
    }
    let top = r.spacingCollapse.x.max() ?? 1
    collapse.add(.line(x: [0, top], y: [0, r.spacingCollapse.slope * top], color: "black", width: 1.2, dashed: true,
                       label: String(format: "a_fit = %.3f ± %.3f, R² = %.4f", r.spacingCollapse.slope, r.spacingCollapse.jackknifeError, r.spacingCollapse.r2)))
    collapse.add(.line(x: [0, top], y: [0, Double.pi.squareRoot() * top], color: "gray", width: 1, dashed: false, label: "√π (α → 0)"))
    var ratio = Panel(title: "(b) ⟨S⟩/σ_pred", x: Axis("α"), y: Axis("⟨S⟩/σ_pred"))
    let alphaScan = r.measurements.filter { $0.point.batch == b.batch && $0.point.noise == b.noise && $0.pair.meanSpacing != nil }
    ratio.add(.points(x: alphaScan.map(\.point.alpha), y: alphaScan.map { $0.pair.meanSpacing! / $0.predictedSigma },
                      errors: alphaScan.map { ($0.pair.meanSpacingError ?? 0) / $0.predictedSigma }, color: plotPalette[0], label: "measured"))
    let grid = (0...50).map { Double($0) / 50 * 0.6 }
    ratio.add(.line(x: grid, y: grid.map { (2 * Double.pi / (2 - $0)).squareRoot() }, color: "black", width: 1.2, dashed: true, label: "√(2π/(2 − α))"))
    try output.add(Figure(panels: [collapse, ratio], columns: 2, caption: "Teacher–student with induced noise (κ = \(b.teacher), \(r.config.runs) students per configuration, \(b.epochs) epochs × \(b.batchesPerEpoch) batches): (a) the mean spacing of the singular-value pair against σ_pred for each scan, with the weighted fit through the origin and the small-α theory √π; (b) ⟨S⟩/σ_pred along the α scan against the linearised theory √(2π/(2 − α))."), as: "collapse.svg")

    // The base configuration's ξ density with the two-level fit.
    if let base = r.measurements.first(where: { $0.point == Config.Point(alpha: b.alpha, batch: b.batch, noise: b.noise) }) {
      let pooled = base.singularValues.flatMap { $0 }
      let h = Histogram(pooled)
      var density = Panel(title: String(format: "α = %g, |B| = %d, ns = %g", b.alpha, b.batch, b.noise), x: Axis("ξ"), y: Axis("ρ(ξ)"))
      density.add(.histogram(edges: h.edges, heights: h.density, color: plotPalette[0], label: "\(base.singularValues.count) students"))
      let law = TwoLevelCoulombGas(center: base.pair.center, sigma: base.pair.sigma)
      let xs = (0...300).map { h.edges.first! + (h.edges.last! - h.edges.first!) * Double($0) / 300 }
      density.add(.line(x: xs, y: xs.map(law.density), color: "black", width: 1.5, dashed: false,
                        label: String(format: "two-level fit σ = %.4f", base.pair.sigma)))
      try output.add(Figure(density, caption: "Both singular values of every student, pooled, with the two-level Coulomb-gas density fitted (centre \(String(format: "%.4f", base.pair.center)), Binder U₄ = \(String(format: "%.3f ± %.3f", base.pair.binder, base.pair.binderError)) against −4/27)."), as: "density.svg")
    }
    try output.writeIndex(title: "Linear teacher–student with induced noise", summary: String(format: "%d configurations × %d students in %.0f s; a_fit = %.4f ± %.4f (R² = %.4f) against √π = %.4f at α → 0.", r.measurements.count, r.config.runs, r.seconds, r.spacingCollapse.slope, r.spacingCollapse.jackknifeError, r.spacingCollapse.r2, Double.pi.squareRoot()))
  }
}
