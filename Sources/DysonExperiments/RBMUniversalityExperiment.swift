import DysonCore
import DysonIO
import DysonModels
import DysonPlot
import DysonRMT
import Foundation

/// Experiment 2 of the RBM study (2411.13512, 2407.16427): RMT universality at the end of
/// training. Over an ensemble of runs, the eigenvalues λ = μ² − x of the learned kernel are sorted
/// to identify the modes κᵢ (Docs/Science.md §2.5); each doubly degenerate pair is then analysed
/// with both members pooled: its spacing S against the Wigner surmise, the two-level density fit
/// (centre, σ), the Binder cumulant against −4/27, and λ/κ (repulsion). The single modes get a
/// Gaussian fit and U₄ against 0.
public struct RBMUniversalityExperiment {
  /// The study's settings; `settings` names each as a command-line option and config.json key.
  public struct Config: Codable, Sendable, Equatable {
    /// The RBM, the target field and the training of every run.
    public var training = PCDConfiguration()
    /// Independent runs (seeds) (`--runs`).
    public var runs = 1000
    /// The seed every random stream of the study derives from (`--seed`).
    public var seed: UInt64 = 1
    /// Bootstrap resamples (over runs) for the errors of fits and cumulants.
    public var resamples = 200
    /// 0: statistics from the final state of each run (the papers). Otherwise sample every this
    /// many updates along each run, from update `burnIn` on (the option of Docs/RBM.md).
    public var sampleEvery = 0
    /// Updates before sampling along a run starts (`--burn-in`).
    public var burnIn = 30_000
    /// Where finished runs are saved (every minute and on Ctrl-C); empty: nowhere. Not a setting.
    public var checkpointDirectory = ""
    /// The checkpoint's file name in `checkpointDirectory`. Not a setting.
    public var checkpointName = "checkpoint.json"
    /// Take the runs saved in the checkpoint instead of running them again.
    public var resume = false

    /// The defaults above: the papers' settings.
    public init() {}

    /// Smaller ensembles and shorter training: what `--quick` runs.
    public static var quick: Config {
      var c = Config()
      c.runs = 40
      c.training.updates = 3000
      c.resamples = 50
      return c
    }


    /// Each field's option name, help text and valid range: the command's options and the keys of config.json.
    public static let settings: [Setting<Config>] = RBMLearnExperiment.Config.settings.compactMap { s in
      // The training settings and seed/runs are shared with `learn`; `record` is not used here.
      switch s.name {
      case "record": return nil
      case "runs": return .integer("runs", "independent runs (seeds)", \.runs, 2...10_000_000)
      case "seed": return .seed("seed; run k uses stream k", \.seed)
      default:
        return Setting<Config>(s.name, s.help, read: { c in
          var learn = RBMLearnExperiment.Config(); learn.training = c.training; return s.read(learn)
        }) { (c: inout Config, text: String) throws(SettingError) in
          var learn = RBMLearnExperiment.Config(); learn.training = c.training
          try s.write(&learn, text)
          c.training = learn.training
        }
      }
    } + [.integer("resamples", "bootstrap resamples for the errors", \.resamples, 2...100_000),
         .integer("sample-every", "0: final states only (the papers); N: also sample each run every N updates after --burn-in", \.sampleEvery, 0...1_000_000_000),
         .integer("burn-in", "updates before sampling along a run starts", \.burnIn, 1...1_000_000_000)]
  }

  /// The measurements of one mode (a single κ or a degenerate pair).
  public struct Mode: Sendable {
    /// κ of the target's mode (shared by a degenerate pair).
    public var kappa: Double
    /// Indices into the ascending λ of each run.
    public var members: [Int]
    /// ⟨S⟩ of a pair (the authors' histogram-weighted mean); nil for a single mode.
    public var meanSpacing: Double?
    /// Its jackknife error over runs.
    public var meanSpacingError: Double?
    /// σ and centre of the two-level (pairs) or Gaussian (singles) fit, with bootstrap errors.
    public var sigma: Double
    /// The bootstrap error of σ.
    public var sigmaError: Double
    /// The fitted centre λ of the mode's eigenvalues.
    public var center: Double
    /// λ/κ: above 1 when the levels repel each other from the target.
    public var lambdaOverKappa: Double
    /// Its bootstrap error.
    public var lambdaOverKappaError: Double
    /// U₄ of the mode's eigenvalues (−4/27 for a pair, 0 for a Gaussian single).
    public var binder: Double
    /// Its bootstrap error.
    public var binderError: Double
  }

  /// What the study measured.
  public struct Result: Sendable {
    /// The settings the study ran with.
    public let config: Config
    /// λ = μ² − x, ascending: one per successful run, or every sample along them.
    public let spectra: [[Double]]
    /// Runs that did not diverge.
    public let succeededRuns: Int
    /// One per distinct κ of the target, ascending.
    public let modes: [Mode]
    /// KS of all pairs' S/⟨S⟩ pooled against the β = 1 surmise.
    public let spacingKS: KolmogorovSmirnov?
    /// Runs that diverged, with the reason.
    public let failures: [String]
    /// Wall-clock time of the study.
    public let seconds: Double
  }

  /// Runs the study: ensembles on `workers` tasks (default: one per core), the same result whatever
  /// their number; `progress`, when given, is advanced as the work proceeds. Throws on settings out
  /// of range and when interrupted.
  public static func run(_ config: Config, workers: Int? = nil, progress: Progress? = nil) async throws -> Result {
    let start = Date()
    let runs = try await ensemble(config, workers: workers, progress: progress)
    return try result(config, runs: runs, seconds: Date().timeIntervalSince(start))
  }

  /// The raw records of runs `part` (all by default): what a shard keeps.
  public static func ensemble(_ config: Config, part: Range<Int>? = nil, workers: Int? = nil, progress: Progress? = nil) async throws -> [RBMEnsemble.Run] {
    _ = try kappas(config)
    return try await RBMEnsemble.run(config.training, runs: config.runs, seed: config.seed, sampling: sampling(config),
                                     workers: workers, progress: progress, streams: part, checkpoint: checkpoint(config))
  }

  /// The checkpoint of finished runs, keyed by every setting, when the config names a folder.
  public static func checkpoint(_ config: Config) -> EnsembleCheckpoint? {
    guard !config.checkpointDirectory.isEmpty else { return nil }
    return EnsembleCheckpoint(path: config.checkpointDirectory + "/" + config.checkpointName,
                              key: settingsText(Config.settings, config), resume: config.resume)
  }

  /// Removes the saved runs: once the outputs (or a shard's shard.json) are written, only a stopped job needs them.
  public static func removeCheckpoints(_ config: Config) { checkpoint(config)?.remove() }

  static func sampling(_ config: Config) -> RBMEnsemble.Sampling? {
    config.sampleEvery > 0 ? RBMEnsemble.Sampling(burnIn: config.burnIn, every: config.sampleEvery) : nil
  }

  /// The target's κ (ascending), after checking the configuration.
  static func kappas(_ config: Config) throws -> [Double] {
    let c = config.training
    guard c.hidden == c.visible else { throw ExperimentError.invalid("universality needs hidden = visible (every κ learned), got \(c.hidden) and \(c.visible)") }
    let field = try LatticeFreeField(sites: c.visible, mass2: c.mass2)
    guard field.eigenvalues.last! < c.mu2 else {
      throw ExperimentError.invalid("μ² = \(c.mu2) must exceed the largest target eigenvalue κ_max = \(field.eigenvalues.last!) (m² + 4)")
    }
    if config.sampleEvery > 0 && config.burnIn > c.updates {
      throw ExperimentError.invalid("--burn-in (\(config.burnIn)) must not exceed --steps (\(c.updates)) when sampling along runs")
    }
    return field.eigenvalues
  }

  /// The result from every run's records, in run order.
  public static func result(_ config: Config, runs: [RBMEnsemble.Run], seconds: Double) throws -> Result {
    let c = config.training
    let kappas = try kappas(config)
    guard runs.count == config.runs else { throw ExperimentError.invalid("\(runs.count) runs' records for \(config.runs) runs") }
    try RBMEnsemble.check(runs, eigenvalues: c.hidden, source: "the runs' records")
    // Final states (the papers), or every sample of every successful run.
    let states = sampling(config) == nil ? runs.compactMap(\.final) : runs.filter { $0.final != nil }.flatMap(\.samples)
    let spectra = states.map { $0.map { c.mu2 - $0 }.sorted() }
    let (modes, ks) = try analyse(spectra, kappas: kappas, resamples: config.resamples, seed: config.seed)
    return Result(config: config, spectra: spectra, succeededRuns: runs.filter { $0.final != nil }.count, modes: modes, spacingKS: ks,
                  failures: runs.compactMap(\.failure), seconds: seconds)
  }

  /// The analysis alone, on ascending λ spectra and ascending κ (so it can be tested on samples
  /// whose answers are known).
  public static func analyse(_ spectra: [[Double]], kappas: [Double], resamples: Int, seed: UInt64) throws -> ([Mode], KolmogorovSmirnov?) {
    guard spectra.count >= 2 else { throw ExperimentError.invalid("universality needs at least 2 successful runs, got \(spectra.count)") }
    // Group equal κ (a relative 1e-9): the degenerate pairs of the ring.
    var groups: [[Int]] = []
    for i in kappas.indices {
      if let last = groups.last?.last, abs(kappas[last] - kappas[i]) <= 1e-9 * kappas[i] { groups[groups.count - 1].append(i) } else { groups.append([i]) }
    }
    var modes: [Mode] = []
    var normalizedSpacings: [Double] = []
    for (g, members) in groups.enumerated() {
      let kappa = kappas[members[0]]
      let perRun = spectra.map { s in members.map { s[$0] } }              // [run][member]
      let pooled: ([[Double]]) -> [Double] = { $0.flatMap { $0 } }
      let isPair = members.count == 2
      // Histogram fits as the authors; a small ensemble (too few bins) falls back to likelihood.
      func fit(_ values: [Double]) throws -> FitResult {
        if isPair {
          return try (try? SpectralFit.twoLevel(values)) ?? SpectralFit.twoLevel(values, method: .maximumLikelihood)
        }
        return try (try? SpectralFit.gaussian(values)) ?? SpectralFit.gaussian(values, method: .maximumLikelihood)
      }
      let full = try fit(pooled(perRun))
      let stream = UInt64(g + 1) << 32
      // One fit per resample gives both parameters' errors.
      let parameters = bootstrap(perRun, resamples: resamples, seed: seed, stream: stream) { (try? fit(pooled($0)))?.parameters ?? [.nan, .nan] }
      let (center, sigma) = (parameters[0], parameters[1])
      let binder = bootstrap(perRun, resamples: resamples, seed: seed, stream: stream + 2) { binderCumulant(pooled($0)) }
      var mode = Mode(kappa: kappa, members: members, meanSpacing: nil, meanSpacingError: nil,
                      sigma: full.parameters[1], sigmaError: sigma.standardError, center: full.parameters[0],
                      lambdaOverKappa: full.parameters[0] / kappa, lambdaOverKappaError: center.standardError / kappa,
                      binder: binder.value, binderError: binder.standardError)
      if isPair {
        let spacings = perRun.map { abs($0[0] - $0[1]) }
        // The authors' ⟨S⟩: the histogram-weighted mean with Freedman–Diaconis bins, jackknifed over runs.
        let s = jackknife(spacings, blocks: min(spacings.count, 100)) { Histogram($0).weightedMean }
        mode.meanSpacing = s.value
        mode.meanSpacingError = s.standardError
        let m = mean(spacings)
        normalizedSpacings += spacings.map { $0 / m }
      }
      modes.append(mode)
    }
    let ks = normalizedSpacings.isEmpty ? nil : KolmogorovSmirnov(normalizedSpacings, cdf: WignerSurmise.goe.cdf)
    return (modes, ks)
  }

  /// What summary.json holds.
  public struct Summary: Codable, Sendable, Equatable {
    /// The fit of one mode (`Mode`).
    public struct ModeFit: Codable, Sendable, Equatable {
      /// κ of the target field's mode.
      public var kappa: Double
      /// Whether the mode is a degenerate pair.
      public var degenerate: Bool
      /// ⟨S⟩ of a pair (nil for single modes) and its jackknife error.
      public var meanSpacing: Double?, meanSpacingError: Double?
      /// σ of the fitted density and its bootstrap error.
      public var sigmaFit: Double?, sigmaFitError: Double?
      /// The Binder cumulant U₄ and its error.
      public var binder: Double?, binderError: Double?
      /// The fitted centre over κ, and its error.
      public var lambdaOverKappa: Double?, lambdaOverKappaError: Double?
      enum CodingKeys: String, CodingKey {
        case kappa, degenerate, meanSpacing = "mean_spacing", meanSpacingError = "mean_spacing_error", sigmaFit = "sigma_fit"
        case sigmaFitError = "sigma_fit_error", binder, binderError = "binder_error", lambdaOverKappa = "lambda_over_kappa"
        case lambdaOverKappaError = "lambda_over_kappa_error"
      }

      /// The numbers of a mode's fit.
      public init(_ m: Mode) {
        (kappa, degenerate) = (m.kappa, m.members.count == 2)
        (meanSpacing, meanSpacingError) = (m.meanSpacing.flatMap(finite), m.meanSpacingError.flatMap(finite))
        (sigmaFit, sigmaFitError, binder, binderError) = (finite(m.sigma), finite(m.sigmaError), finite(m.binder), finite(m.binderError))
        (lambdaOverKappa, lambdaOverKappaError) = (finite(m.lambdaOverKappa), finite(m.lambdaOverKappaError))
      }
    }
    /// "rbm universality".
    public var experiment = "rbm universality"
    /// Runs started, and runs that did not diverge.
    public var runs: Int, succeeded: Int
    /// succeeded / runs.
    public var successRatio: Double
    /// Spectra analysed (runs, or samples along them).
    public var samples: Int
    /// "final state of each run" or "sampled along runs".
    public var statistics: String
    /// KS test of the pairs' normalised spacings against the GOE surmise.
    public var spacingKSDistance: Double?, spacingKSP: Double?
    /// U₄ of the two-level density, −4/27.
    public var binderTwoLevel: Double
    /// One per mode.
    public var modes: [ModeFit]
    /// Why each failed run stopped.
    public var failures: [String]
    /// Wall-clock time of the study.
    public var seconds: Double
    enum CodingKeys: String, CodingKey {
      case experiment, runs, succeeded, successRatio = "success_ratio", samples, statistics, spacingKSDistance = "spacing_ks_distance"
      case spacingKSP = "spacing_ks_p", binderTwoLevel = "binder_two_level", modes, failures, seconds
    }
  }

  /// The summary of a result (what `write` puts in summary.json).
  public static func summary(_ r: Result) -> Summary {
    Summary(
      runs: r.config.runs, succeeded: r.succeededRuns, successRatio: Double(r.succeededRuns) / Double(max(r.config.runs, 1)),
      samples: r.spectra.count, statistics: r.config.sampleEvery > 0 ? "sampled along runs" : "final state of each run",
      spacingKSDistance: r.spacingKS.flatMap { finite($0.distance) }, spacingKSP: r.spacingKS.flatMap { finite($0.pValue) },
      binderTwoLevel: TwoLevelCoulombGas.binderCumulant,
      modes: r.modes.map(Summary.ModeFit.init),
      failures: r.failures, seconds: r.seconds)
  }

  /// Writes the study's files into `output`: config.json, summary.json, its tables, figures and index.html.
  public static func write(_ r: Result, to output: inout ExperimentOutput) throws {
    let c = r.config.training
    try output.write(json: settingsJSON(Config.settings, r.config), to: "config.json")
    var csv = CSVWriter(header: ["run"] + (0..<c.hidden).map { "lambda\($0)" })
    for (k, s) in r.spectra.enumerated() { csv.appendRow([Double(k)] + s) }
    try output.write(csv: csv, to: "spectra.csv")
    try output.write(summary: summary(r))

    // The pairs: pooled λ with the fitted two-level density and a Gaussian of the same variance.
    var panels: [Panel] = []
    for m in r.modes where m.members.count == 2 {
      let values = r.spectra.flatMap { s in m.members.map { s[$0] } }
      let h = Histogram(values)
      var p = Panel(title: String(format: "κ = %.4f", m.kappa), x: Axis("λ = μ² − x"), y: Axis("ρ(λ)"))
      p.add(.histogram(edges: h.edges, heights: h.density, color: plotPalette[0], label: nil))
      let lo = h.edges.first!, hi = h.edges.last!
      let grid = (0...200).map { lo + (hi - lo) * Double($0) / 200 }
      let law = TwoLevelCoulombGas(center: m.center, sigma: m.sigma)
      p.add(.line(x: grid, y: grid.map(law.density), color: plotPalette[1], width: 1.5, dashed: false, label: String(format: "σ = %.4f", m.sigma)))
      let v = 1.5 * m.sigma * m.sigma
      p.add(.line(x: grid, y: grid.map { exp(-($0 - m.center) * ($0 - m.center) / (2 * v)) / (2 * Double.pi * v).squareRoot() },
                  color: plotPalette[2], width: 1, dashed: true, label: "Gaussian"))
      p.add(.verticalLine(x: m.kappa, color: "black", dashed: true, label: nil))
      panels.append(p)
    }
    try output.add(Figure(panels: panels, columns: 2, caption: "Each degenerate pair's two eigenvalues λ = μ² − x, pooled over \(r.spectra.count) runs (never split into lower and upper), with the fitted two-level density (solid), a Gaussian of the same variance (dashed) and κ (dotted line). α = \(c.alpha), |B| = \(c.batch), \(c.updates) updates."), as: "pairs.svg")

    var spacing = Panel(title: "pair spacings", x: Axis("s = S/⟨S⟩"), y: Axis("P(s)"))
    let s = r.modes.filter { $0.members.count == 2 }.flatMap { m -> [Double] in
      let raw = r.spectra.map { abs($0[m.members[0]] - $0[m.members[1]]) }
      let mean = raw.reduce(0, +) / Double(max(raw.count, 1))
      return raw.map { $0 / mean }
    }
    if !s.isEmpty {
      let h = Histogram(s, binning: .count(24), range: 0...3.5)
      spacing.add(.histogram(edges: h.edges, heights: h.density, color: plotPalette[0], label: "\(s.count) spacings"))
    }
    let grid = (0...200).map { 3.5 * Double($0) / 200 }
    spacing.add(.line(x: grid, y: grid.map(WignerSurmise.goe.density), color: plotPalette[1], width: 1.5, dashed: false, label: "surmise β = 1"))
    spacing.add(.line(x: grid, y: grid.map(WignerSurmise.poissonDensity), color: plotPalette[2], width: 1, dashed: true, label: "Poisson"))
    var binder = Panel(title: "Binder cumulant", x: Axis("κ"), y: Axis("U₄"))
    binder.add(.points(x: r.modes.map(\.kappa), y: r.modes.map(\.binder), errors: r.modes.map(\.binderError), color: plotPalette[0], label: "modes"))
    let ks = r.modes.map(\.kappa)
    binder.add(.line(x: [ks.min()!, ks.max()!], y: [-4.0 / 27, -4.0 / 27], color: plotPalette[1], width: 1, dashed: true, label: "−4/27 (pairs)"))
    binder.add(.line(x: [ks.min()!, ks.max()!], y: [0, 0], color: plotPalette[2], width: 1, dashed: true, label: "0 (Gaussian)"))
    let ksText = r.spacingKS.map { String(format: "KS distance to the surmise %.3f (p = %.2g)", $0.distance, $0.pValue) } ?? ""
    try output.add(Figure(panels: [spacing, binder], columns: 2, caption: "Spacings of the degenerate pairs against the Wigner surmise (\(ksText)); Binder cumulant of every mode with bootstrap errors, against −4/27 for a two-level Coulomb gas and 0 for a Gaussian."), as: "universality.svg")
    try output.writeIndex(title: "Gaussian RBM: RMT universality at the end of training",
                          summary: "\(r.succeededRuns) of \(r.config.runs) runs, \(r.spectra.count) spectra, \(String(format: "%.1f", r.seconds)) s; seed \(r.config.seed).")
  }
}
