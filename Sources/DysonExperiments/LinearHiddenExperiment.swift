import DysonCore
import DysonIO
import DysonModels
import DysonPlot
import DysonRMT
import Foundation

/// The one-hidden-layer linear network with a fixed second layer Z (2412.20496 Figs. 4–5, as
/// reconstructed in Docs/Science.md §4): y = ZWx against the teacher ZW_t x, SGD on W with the
/// induced noise of the teacher–student model. The paper's matrices are unknown; Z is an option.
///
/// Linearised theory (Docs/Linear.md): in the basis of Z's right singular vectors, W_t = κ·1 and
/// the noise are unchanged, and mode i of δ = W − W_t decays by the factor (1 − αzᵢ²) per update.
/// So the mean singular value ξᵢ(t) = κ − (κ − ξᵢ(0))·e^{−cᵢt} with cᵢ = −ln(1 − αzᵢ²). In the
/// stationary state, with rᵢ = 1 − αzᵢ² and n = ns²/|B|, the symmetric part S of δ (whose
/// eigenvalues are the singular values to first order) has independent Gaussian entries with
///   Var S₁₁ = 2α²n/(1 − r₁²),  Var S₂₂ = 2α²n/(1 − r₂²),
///   Var S₁₂ = (α²n/4)·[1/(1 − r₁²) + 1/(1 − r₂²) + 2/(1 − r₁r₂)]
/// (δ₁₂ and δ₂₁ are driven by the same noise but decay at different rates). That is not exactly
/// a two-species Coulomb gas, so the predicted σ₁/σ₂ is the likelihood fit of the two-species
/// density to a large exact sample of this linearised law (the naive √(Var S₁₁/Var S₂₂), which
/// ignores the off-diagonal entry, misses the measured ratio by 4σ).
public struct LinearHiddenExperiment {
  /// The study's settings; `settings` names each as a command-line option and config.json key.
  public struct Config: Codable, Sendable, Equatable {
    /// The network: the paper's Z = diag(1, ½), recording the first 200 updates of each student.
    public var training: TeacherStudentConfiguration = {
      var c = TeacherStudentConfiguration()
      c.z = [1, 0, 0, 0.5]
      c.recordUpdates = 200
      return c
    }()
    /// Students averaged for the relaxation and pooled for the stationary density.
    public var runs = 500
    /// Trajectories drawn one by one.
    public var shown = 20
    /// The relaxation fit starts at this update (the first few carry the random start).
    public var fitFrom = 5
    /// The seed every random stream of the study derives from (`--seed`).
    public var seed: UInt64 = 1
    /// Bootstrap resamples (`--resamples`).
    public var resamples = 200
    /// A data set per student instead of one shared (see `TeacherStudentExperiment.Config`).
    public var dataPerStudent = false

    /// The defaults above: the papers' settings.
    public init() {}

    /// Smaller ensembles and shorter training: what `--quick` runs.
    public static var quick: Config {
      var c = Config()
      c.runs = 200
      c.resamples = 50
      return c
    }

    /// Z by name — `identity`, `two-species` (diag(1, ½)) — or as four numbers a,b,c,d (row-major).
    var zText: String {
      get {
        switch training.z {
        case [1, 0, 0, 1]: "identity"
        case [1, 0, 0, 0.5]: "two-species"
        default: training.z.map { "\($0)" }.joined(separator: ",")
        }
      }
      set {
        switch newValue {
        case "identity": training.z = [1, 0, 0, 1]
        case "two-species": training.z = [1, 0, 0, 0.5]
        default: training.z = newValue.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        }
      }
    }

    /// Each field's option name, help text and valid range: the command's options and the keys of config.json.
    public static let settings: [Setting<Config>] = [
      Setting("z", "the fixed layer Z: identity, two-species (diag(1, 0.5)) or a,b,c,d row-major", read: { $0.zText }) { (c: inout Config, text: String) throws(SettingError) in
        var trial = c
        trial.zText = text
        let z = trial.training.z
        guard z.count == 4, z.allSatisfy(\.isFinite), abs(z[0] * z[3] - z[1] * z[2]) > 1e-12 else {
          throw SettingError(name: "z", message: "must be identity, two-species or four numbers of an invertible 2×2, got '\(text)'")
        }
        c = trial
      },
      .number("alpha", "learning rate α", \.training.alpha, 0...10),
      .integer("batch", "batch size |B|", \.training.batch, 1...100_000),
      .number("noise", "induced-noise strength ns", \.training.noise, 0...100),
      .integer("epochs", "epochs", \.training.epochs, 1...1_000_000),
      .integer("batches-per-epoch", "mini-batches per epoch", \.training.batchesPerEpoch, 1...10_000_000),
      .integer("record", "updates recorded for the relaxation", \.training.recordUpdates, 10...1_000_000),
      .integer("fit-from", "first update of the relaxation fit", \.fitFrom, 0...1_000_000),
      .integer("runs", "students", \.runs, 2...100_000_000),
      .boolean("data-per-student", "a fresh data set per student instead of one shared (the authors)", \.dataPerStudent),
      .integer("shown", "trajectories drawn", \.shown, 0...1000),
      .integer("resamples", "bootstrap resamples", \.resamples, 2...100_000),
      .seed("seed; student k uses stream k", \.seed),
    ]
  }

  /// The relaxation of one singular value.
  public struct Mode: Sendable {
    /// zᵢ, the singular value of Z this mode relaxes with.
    public let z: Double
    /// Fitted ξ∞, rate c per update (with error), and the theory −ln(1 − αzᵢ²).
    public let limit: Double
    /// The fitted rate c per update.
    public let rate: Double
    /// Its error.
    public let rateError: Double
    /// The theory's −ln(1 − αzᵢ²).
    public let theoryRate: Double
  }

  /// What the study measured.
  public struct Result: Sendable {
    /// The settings the study ran with.
    public let config: Config
    /// [student][update] of (x₁, x₂), x = ξ²; the mean over students.
    public let trajectories: [[Double]]
    /// The mean trajectory over students.
    public let mean: [Double]
    /// One per singular value of Z.
    public let modes: [Mode]
    /// Each student's final (x₁, x₂).
    public let finals: [[Double]]
    /// The one-species (single σ) maximum-likelihood fit of the pooled final values.
    public let oneSpecies: FitResult
    /// The two-species (σ₁, σ₂) fit.
    public let twoSpecies: FitResult
    /// KS test of the pooled values against the one-species fit.
    public let oneSpeciesKS: KolmogorovSmirnov
    /// KS test against the two-species fit.
    public let twoSpeciesKS: KolmogorovSmirnov
    /// σ₁/σ₂ fitted (σ of the faster mode over the slower) and the same fit on the linearised law.
    public let sigmaRatio: Double
    /// Its bootstrap error.
    public let sigmaRatioError: Double
    /// The same fit on the linearised stationary law.
    public let theorySigmaRatio: Double
    /// Why students stopped early.
    public let failures: [String]
    /// Wall-clock time of the study.
    public let seconds: Double
  }

  /// Runs the study: ensembles on `workers` tasks (default: one per core), the same result whatever
  /// their number; `progress`, when given, is advanced as the work proceeds. Throws on settings out
  /// of range and when interrupted.
  public static func run(_ config: Config, workers: Int? = nil, progress: Progress? = nil) async throws -> Result {
    let start = Date()
    let c = config.training
    let data = TeacherStudentData(c, seed: config.seed)
    let width = max(1, workers ?? ProcessInfo.processInfo.activeProcessorCount)
    let outcomes = try await TeacherStudentExperiment.train(c, data: config.dataPerStudent ? nil : data, seed: config.seed, runs: config.runs, width: width)
    progress?.advance()
    progress?.finish()
    let students = outcomes.compactMap { if case .student(let s) = $0 { s } else { nil } }
    let failures = outcomes.compactMap { if case .failure(let e) = $0 { e } else { nil } }
    guard students.count >= 2 else { throw ExperimentError.invalid("fewer than 2 students finished: \(failures.first ?? "")") }
    // Z's singular values, descending: the faster mode is the larger z (and the larger ξ early on).
    let zs = try SingularValueDecomposition(Matrix(rows: 2, columns: 2, elements: c.z)).singularValues.sorted(by: >)
    let length = c.recordUpdates + 1
    var mean = [Double](repeating: 0, count: 2 * length)
    for s in students { for k in 0..<(2 * length) { mean[k] += s.trajectory[k] / Double(students.count) } }
    // ξ(t) = ξ∞ − b·e^{−ct} on the mean of √x per mode (x₂ the larger: the fast mode).
    var modes: [Mode] = []
    for (slot, zi) in [(1, zs[0]), (0, zs[1])] {
      let t = (config.fitFrom..<length).map(Double.init)
      let xi = (config.fitFrom..<length).map { u in students.reduce(0.0) { $0 + $1.trajectory[2 * u + slot].squareRoot() } / Double(students.count) }
      let theory = -log(1 - c.alpha * zi * zi)
      let fit = try levenbergMarquardt(x: t, y: xi, initial: [xi.last!, xi.last! - xi.first!, theory * 0.8], lower: [-.infinity, -.infinity, 0]) { x, p in
        p[0] - p[1] * exp(-p[2] * (x - t[0]))
      }
      modes.append(Mode(z: zi, limit: fit.parameters[0], rate: fit.parameters[2], rateError: fit.errors[2], theoryRate: theory))
    }
    let finals = students.map { [$0.singularValues.0, $0.singularValues.1] }
    let pooled = finals.flatMap { $0 }
    let one = try SpectralFit.twoLevel(pooled, method: .maximumLikelihood)
    let two = try SpectralFit.twoSpecies(pooled, method: .maximumLikelihood)
    let ks1 = KolmogorovSmirnov(pooled, density: TwoLevelCoulombGas(center: one.parameters[0], sigma: one.parameters[1]).density,
                                range: (one.parameters[0] - 8 * one.parameters[1])...(one.parameters[0] + 8 * one.parameters[1]))
    let wide = max(abs(two.parameters[1]), abs(two.parameters[2]))
    let ks2 = KolmogorovSmirnov(pooled, density: TwoSpeciesCoulombGas(center: two.parameters[0], sigma1: abs(two.parameters[1]), sigma2: abs(two.parameters[2])).density,
                                range: (two.parameters[0] - 8 * wide)...(two.parameters[0] + 8 * wide))
    // Species 1 is the faster mode (larger z): the smaller σ.
    let (s1, s2) = (abs(two.parameters[1]), abs(two.parameters[2]))
    let (e1, e2) = (two.errors[1], two.errors[2])
    let (fast, slow, fastError, slowError) = s1 <= s2 ? (s1, s2, e1, e2) : (s2, s1, e2, e1)
    let ratio = fast / slow
    let ratioError = ratio * ((fastError / fast) * (fastError / fast) + (slowError / slow) * (slowError / slow)).squareRoot()
    let theoryRatio = try linearisedSigmaRatio(c, z: (zs[0], zs[1]), seed: config.seed)
    return Result(config: config, trajectories: students.prefix(config.shown).map(\.trajectory), mean: mean, modes: modes,
                  finals: finals, oneSpecies: one, twoSpecies: two, oneSpeciesKS: ks1, twoSpeciesKS: ks2,
                  sigmaRatio: ratio, sigmaRatioError: ratioError, theorySigmaRatio: theoryRatio,
                  failures: failures, seconds: Date().timeIntervalSince(start))
  }

  /// σ_fast/σ_slow of the two-species fit to 40 000 exact samples of the linearised stationary law.
  static func linearisedSigmaRatio(_ c: TeacherStudentConfiguration, z: (Double, Double), seed: UInt64) throws -> Double {
    // Equal z: one species by symmetry. (A fit would wander: the likelihood is flat to second
    // order in σ₁ − σ₂ there, ±0.07 in the ratio even at 80 000 values.)
    if abs(z.0 - z.1) <= 1e-12 * z.0 { return 1 }
    let n = c.noise * c.noise / Double(c.batch), a2 = c.alpha * c.alpha
    let r1 = 1 - c.alpha * z.0 * z.0, r2 = 1 - c.alpha * z.1 * z.1
    let sd11 = (2 * a2 * n / (1 - r1 * r1)).squareRoot(), sd22 = (2 * a2 * n / (1 - r2 * r2)).squareRoot()
    let sd12 = (a2 * n / 4 * (1 / (1 - r1 * r1) + 1 / (1 - r2 * r2) + 2 / (1 - r1 * r2))).squareRoot()
    var rng = Xoshiro256StarStar(seed: seed, stream: 0x7E0)
    var values: [Double] = []
    values.reserveCapacity(80_000)
    for _ in 0..<40_000 {
      let a = sd11 * rng.normal(), b = sd22 * rng.normal(), o = sd12 * rng.normal()
      let half = ((a - b) * (a - b) / 4 + o * o).squareRoot()
      values += [c.teacher + (a + b) / 2 - half, c.teacher + (a + b) / 2 + half]
    }
    let fit = try SpectralFit.twoSpecies(values, method: .maximumLikelihood)
    let (s1, s2) = (abs(fit.parameters[1]), abs(fit.parameters[2]))
    return min(s1, s2) / max(s1, s2)
  }

  /// What summary.json holds.
  public struct Summary: Codable, Sendable, Equatable {
    /// The relaxation of one mode: its z, its limit, the fitted and the predicted rate.
    public struct ModeRate: Codable, Sendable, Equatable {
      /// zᵢ, the singular value of Z.
      public var z: Double
      /// The fitted limit ξ∞.
      public var limit: Double?
      /// The fitted rate per update, and its error.
      public var rate: Double?, rateError: Double?
      /// The theory's −ln(1 − αzᵢ²).
      public var theoryRate: Double?
      enum CodingKeys: String, CodingKey { case z, limit, rate, rateError = "rate_error", theoryRate = "theory_rate" }
    }
    /// The one-species (single σ) fit of the pooled final values and its KS test.
    public struct OneSpecies: Codable, Sendable, Equatable {
      /// The fitted centre and σ.
      public var center: Double?, sigma: Double?
      /// The minimised negative log-likelihood.
      public var negLogLikelihood: Double?
      /// KS distance and p-value of the pooled values against the fit.
      public var ksDistance: Double?, ksP: Double?
      enum CodingKeys: String, CodingKey { case center, sigma, negLogLikelihood = "neg_log_likelihood", ksDistance = "ks_distance", ksP = "ks_p" }
    }
    /// The two-species (σ₁, σ₂) fit and its KS test.
    public struct TwoSpecies: Codable, Sendable, Equatable {
      /// The fitted centre, σ₁ and σ₂.
      public var center: Double?, sigma1: Double?, sigma2: Double?
      /// The minimised negative log-likelihood.
      public var negLogLikelihood: Double?
      /// KS distance and p-value of the pooled values against the fit.
      public var ksDistance: Double?, ksP: Double?
      enum CodingKeys: String, CodingKey {
        case center, sigma1, sigma2, negLogLikelihood = "neg_log_likelihood", ksDistance = "ks_distance", ksP = "ks_p"
      }
    }
    /// "linear hidden".
    public var experiment = "linear hidden"
    /// The fixed second layer's singular values.
    public var z: [Double]
    /// Students that finished.
    public var students: Int
    /// One per singular value of Z.
    public var modes: [ModeRate]
    /// The one-species fit.
    public var oneSpecies: OneSpecies
    /// The two-species fit.
    public var twoSpecies: TwoSpecies
    /// AIC(one) − AIC(two): positive favours two species.
    public var deltaAIC: Double?
    /// σ_small/σ_large fitted, its error, and the linearised theory's value.
    public var sigmaRatio: Double?, sigmaRatioError: Double?, theorySigmaRatio: Double?
    /// Why students stopped early.
    public var failures: [String]
    /// Wall-clock time of the study.
    public var seconds: Double
    enum CodingKeys: String, CodingKey {
      case experiment, z, students, modes, oneSpecies = "one_species", twoSpecies = "two_species", deltaAIC = "delta_aic"
      case sigmaRatio = "sigma_ratio", sigmaRatioError = "sigma_ratio_error", theorySigmaRatio = "theory_sigma_ratio", failures, seconds
    }
  }

  /// The summary of a result (what `write` puts in summary.json).
  public static func summary(_ r: Result) -> Summary {
    let one = r.oneSpecies.parameters, two = r.twoSpecies.parameters
    return Summary(
      z: r.config.training.z, students: r.finals.count,
      modes: r.modes.map { m in
        Summary.ModeRate(z: m.z, limit: finite(m.limit), rate: finite(m.rate), rateError: finite(m.rateError), theoryRate: finite(m.theoryRate))
      },
      oneSpecies: Summary.OneSpecies(center: finite(one[0]), sigma: finite(one[1]), negLogLikelihood: finite(r.oneSpecies.objective),
                                     ksDistance: finite(r.oneSpeciesKS.distance), ksP: finite(r.oneSpeciesKS.pValue)),
      twoSpecies: Summary.TwoSpecies(center: finite(two[0]), sigma1: finite(abs(two[1])), sigma2: finite(abs(two[2])),
                                     negLogLikelihood: finite(r.twoSpecies.objective), ksDistance: finite(r.twoSpeciesKS.distance),
                                     ksP: finite(r.twoSpeciesKS.pValue)),
      deltaAIC: finite(2 * (r.oneSpecies.objective - r.twoSpecies.objective) - 2),
      sigmaRatio: finite(r.sigmaRatio), sigmaRatioError: finite(r.sigmaRatioError), theorySigmaRatio: finite(r.theorySigmaRatio),
      failures: r.failures, seconds: r.seconds)
  }

  /// Writes the study's files into `output`: config.json, summary.json, its tables, figures and index.html.
  public static func write(_ r: Result, to output: inout ExperimentOutput) throws {
    let c = r.config.training
    try output.write(json: settingsJSON(Config.settings, r.config), to: "config.json")
    try output.write(summary: summary(r))
    let length = c.recordUpdates + 1
    var csv = CSVWriter(header: ["update", "mean_x1", "mean_x2"])
    for u in 0..<length { csv.appendRow([Double(u), r.mean[2 * u], r.mean[2 * u + 1]]) }
    try output.write(csv: csv, to: "relaxation.csv")

    var relax = Panel(title: "(a) relaxation", x: Axis("update"), y: Axis("x = ξ²"))
    let updates = (0..<length).map(Double.init)
    for t in r.trajectories {
      for slot in 0..<2 { relax.add(.line(x: updates, y: (0..<length).map { t[2 * $0 + slot] }, color: "#bbbbbb", width: 0.6, dashed: false, label: nil)) }
    }
    for (k, slot) in [1, 0].enumerated() {
      let m = r.modes[k]
      relax.add(.line(x: updates, y: (0..<length).map { r.mean[2 * $0 + slot] }, color: plotPalette[k], width: 2, dashed: false,
                      label: String(format: "z = %.3g: c = %.4f ± %.4f (theory %.4f)", m.z, m.rate, m.rateError, m.theoryRate)))
    }
    var density = Panel(title: "(b) stationary ξ", x: Axis("ξ"), y: Axis("ρ(ξ)"))
    let pooled = r.finals.flatMap { $0 }
    let h = Histogram(pooled)
    density.add(.histogram(edges: h.edges, heights: h.density, color: plotPalette[0], label: "\(r.finals.count) students"))
    let xs = (0...300).map { h.edges.first! + (h.edges.last! - h.edges.first!) * Double($0) / 300 }
    let one = TwoLevelCoulombGas(center: r.oneSpecies.parameters[0], sigma: r.oneSpecies.parameters[1])
    let two = TwoSpeciesCoulombGas(center: r.twoSpecies.parameters[0], sigma1: abs(r.twoSpecies.parameters[1]), sigma2: abs(r.twoSpecies.parameters[2]))
    density.add(.line(x: xs, y: xs.map(one.density), color: "black", width: 1.2, dashed: true, label: String(format: "one species, KS p = %.2g", r.oneSpeciesKS.pValue)))
    density.add(.line(x: xs, y: xs.map(two.density), color: plotPalette[1], width: 1.5, dashed: false, label: String(format: "two species, KS p = %.2g", r.twoSpeciesKS.pValue)))
    try output.add(Figure(panels: [relax, density], columns: 2, caption: "The network y = ZWx with Z = \(c.z), α = \(c.alpha), |B| = \(c.batch), ns = \(c.noise): (a) squared singular values of \(r.trajectories.count) students (grey) and the mean of \(r.finals.count) (colour) with ξ(t) = ξ∞ − b·e^{−ct} fitted from update \(r.config.fitFrom); (b) the stationary singular values with the one-species and the two-species Coulomb-gas densities fitted by likelihood; σ₁/σ₂ = \(String(format: "%.3f ± %.3f", r.sigmaRatio, r.sigmaRatioError)) against \(String(format: "%.3f", r.theorySigmaRatio)) from the linearised theory."), as: "hidden.svg")
    try output.writeIndex(title: "Linear network with a fixed Z", summary: String(format: "%d students in %.1f s; ΔAIC (one − two species) = %.1f.", r.finals.count, r.seconds, 2 * (r.oneSpecies.objective - r.twoSpecies.objective) - 2))
  }
}
