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
  public struct Config: Codable, Sendable, Equatable {
    public var training = PCDConfiguration()
    public var runs = 1000
    public var seed: UInt64 = 1
    /// Bootstrap resamples (over runs) for the errors of fits and cumulants.
    public var resamples = 200
    /// 0: statistics from the final state of each run (the papers). Otherwise sample every this
    /// many updates along each run, from update `burnIn` on (the option of Docs/RBM.md).
    public var sampleEvery = 0
    public var burnIn = 30_000
    /// Where finished runs are saved (every minute and on Ctrl-C); empty: nowhere. Not a setting.
    public var checkpointDirectory = ""
    public var checkpointName = "checkpoint.json"
    /// Take the runs saved in the checkpoint instead of running them again.
    public var resume = false

    public init() {}

    public static var quick: Config {
      var c = Config()
      c.runs = 40
      c.training.updates = 3000
      c.resamples = 50
      return c
    }


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
    public var kappa: Double
    /// Indices into the ascending λ of each run.
    public var members: [Int]
    public var meanSpacing: Double?
    public var meanSpacingError: Double?
    /// σ and centre of the two-level (pairs) or Gaussian (singles) fit, with bootstrap errors.
    public var sigma: Double
    public var sigmaError: Double
    public var center: Double
    public var lambdaOverKappa: Double
    public var lambdaOverKappaError: Double
    public var binder: Double
    public var binderError: Double
  }

  public struct Result: Sendable {
    public let config: Config
    /// λ = μ² − x, ascending: one per successful run, or every sample along them.
    public let spectra: [[Double]]
    /// Runs that did not diverge.
    public let succeededRuns: Int
    public let modes: [Mode]
    /// KS of all pairs' S/⟨S⟩ pooled against the β = 1 surmise.
    public let spacingKS: KolmogorovSmirnov?
    public let failures: [String]
    public let seconds: Double
  }

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

  public static func write(_ r: Result, to output: inout ExperimentOutput) throws {
    let c = r.config.training
    try output.write(json: settingsJSON(Config.settings, r.config), to: "config.json")
    var csv = CSVWriter(header: ["run"] + (0..<c.hidden).map { "lambda\($0)" })
    for (k, s) in r.spectra.enumerated() { csv.appendRow([Double(k)] + s) }
    try output.write(csv: csv, to: "spectra.csv")
    func n(_ v: Double?) -> JSONValue { v.map { .number($0) } ?? .null }
    let modes: [JSONValue] = r.modes.map { m in
      .object([("kappa", .number(m.kappa)), ("degenerate", .bool(m.members.count == 2)),
               ("mean_spacing", n(m.meanSpacing)), ("mean_spacing_error", n(m.meanSpacingError)),
               ("sigma_fit", .number(m.sigma)), ("sigma_fit_error", .number(m.sigmaError)),
               ("binder", .number(m.binder)), ("binder_error", .number(m.binderError)),
               ("lambda_over_kappa", .number(m.lambdaOverKappa)), ("lambda_over_kappa_error", .number(m.lambdaOverKappaError))])
    }
    try output.write(json: .object([
      ("experiment", .string("rbm universality")), ("runs", .integer(r.config.runs)), ("succeeded", .integer(r.succeededRuns)),
      ("success_ratio", .number(Double(r.succeededRuns) / Double(max(r.config.runs, 1)))),
      ("samples", .integer(r.spectra.count)), ("statistics", .string(r.config.sampleEvery > 0 ? "sampled along runs" : "final state of each run")),
      ("spacing_ks_distance", n(r.spacingKS?.distance)), ("spacing_ks_p", n(r.spacingKS?.pValue)),
      ("binder_two_level", .number(TwoLevelCoulombGas.binderCumulant)),
      ("modes", .array(modes)), ("failures", .array(r.failures.map { .string($0) })), ("seconds", .number(r.seconds)),
    ]), to: "summary.json")

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
