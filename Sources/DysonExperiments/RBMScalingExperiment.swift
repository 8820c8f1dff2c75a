import DysonCore
import DysonIO
import DysonModels
import DysonPlot
import DysonRMT
import Foundation

/// Experiment 3 of the RBM study (2411.13512 Fig. 1; 2407.16427): the linear scaling rule. The
/// universality analysis is repeated over the authors' grid — α ∈ {0.01, 0.02, 0.04, 0.06, 0.08,
/// 0.1} at |B| = 16, |B| ∈ {4, 8, 16, 32, 64} at α = 0.1 — and the equal-ratio set (α, |B|) =
/// (0.025, 4), (0.05, 8), (0.1, 16), (0.2, 32). The mean pair spacing should collapse onto
/// ⟨S⟩ = a_fit·√(α/|B|·(μ² − κ)) whichever of α and |B| was varied.
public struct RBMScalingExperiment {
  /// The study's settings; `settings` names each as a command-line option and config.json key.
  public struct Config: Codable, Sendable, Equatable {
    /// The RBM, the training and the ensemble size of every point (its α and |B| are set per point).
    public var base = RBMUniversalityExperiment.Config()
    /// The α scan, at |B| = `alphaScanBatch`.
    public var alphas = [0.01, 0.02, 0.04, 0.06, 0.08, 0.1]
    /// |B| of the α scan.
    public var alphaScanBatch = 16
    /// The |B| scan, at α = `batchScanAlpha`.
    public var batches = [4, 8, 16, 32, 64]
    /// α of the |B| scan.
    public var batchScanAlpha = 0.1
    /// The equal-ratio set: (α, |B|) with the same α/|B|.
    public var equalRatio: [Pair] = [Pair(alpha: 0.025, batch: 4), Pair(alpha: 0.05, batch: 8), Pair(alpha: 0.1, batch: 16), Pair(alpha: 0.2, batch: 32)]

    /// One (α, |B|) configuration.
    public struct Pair: Codable, Sendable, Hashable {
      /// The learning rate α.
      public var alpha: Double
      /// The batch size |B|.
      public var batch: Int
    }

    /// The defaults above: the papers' settings.
    public init() {}

    /// Smaller ensembles and shorter training: what `--quick` runs.
    public static var quick: Config {
      var c = Config()
      c.base = .quick
      c.base.runs = 16
      c.base.resamples = 20
      c.base.training.updates = 2000
      return c
    }

    /// Every distinct (α, |B|) to train, in a fixed order.
    public var grid: [Pair] {
      var seen = Set<Pair>(), out: [Pair] = []
      for p in alphas.map({ Pair(alpha: $0, batch: alphaScanBatch) }) + batches.map({ Pair(alpha: batchScanAlpha, batch: $0) }) + equalRatio
      where seen.insert(p).inserted { out.append(p) }
      return out
    }

    /// The settings of the base configuration (training, runs per point, seed, resamples).
    public static let settings: [Setting<Config>] = RBMUniversalityExperiment.Config.settings.compactMap { s in
      guard s.name != "alpha" && s.name != "batch" else { return nil }    // the grid sets these
      return Setting<Config>(s.name, s.help, read: { s.read($0.base) }) { (c: inout Config, text: String) throws(SettingError) in
        try s.write(&c.base, text)
      }
    }
  }

  /// One configuration's ensemble.
  public struct Point: Sendable {
    /// The learning rate α.
    public let alpha: Double
    /// The batch size |B|.
    public let batch: Int
    /// The fit of each mode (`RBMUniversalityExperiment`'s analysis).
    public let modes: [RBMUniversalityExperiment.Mode]
    /// Runs that did not diverge.
    public let succeeded: Int
  }

  /// The collapse's slope at one α/|B| alone (every configuration and pair with that ratio), with
  /// the error propagated from the spacings' (`standardError`: groups hold 2–16 points).
  /// The linearised theory (Docs/RBM.md) predicts a → √(2π)·σ_h as α/|B| → 0.
  public struct RatioSlope: Sendable {
    /// α/|B|.
    public let ratio: Double
    /// ⟨S⟩ = a·√(α/|B|·(μ² − κ)) over the group's points.
    public let fit: ThroughOriginFit
  }

  /// The equal-ratio check: each pair's ⟨S⟩ over the equal-ratio configurations against its
  /// weighted mean. The ensembles are independent, so χ² = Σ (S − S̄)²/err² over all pairs has
  /// Σ(n − 1) degrees of freedom if ⟨S⟩ depends on α/|B| only.
  public struct EqualRatioCheck: Sendable {
    /// χ² = Σ (S − S̄)²/err².
    public let chiSquare: Double
    /// Σ(n − 1) over the pairs.
    public let degreesOfFreedom: Int
    /// P(χ² ≥ observed) for that many degrees of freedom.
    public let pValue: Double
    /// The largest (max − min)/mean of one pair's ⟨S⟩ over the configurations.
    public let largestSpread: Double
  }

  /// What the study measured.
  public struct Result: Sendable {
    /// The settings the study ran with.
    public let config: Config
    /// One per configuration, in scan order.
    public let points: [Point]
    /// ⟨S⟩ = a·√(α/|B|·(μ² − κ)) over the α and |B| scans.
    public let collapse: ThroughOriginFit
    /// One slope per distinct α/|B|, smallest ratio first.
    public let slopes: [RatioSlope]
    /// Nil when the equal-ratio set has fewer than two configurations.
    public let equalRatio: EqualRatioCheck?
    /// Wall-clock time of the study.
    public let seconds: Double

    /// The small-noise slope of the linearised theory, √(2π)·σ_h (Docs/RBM.md); nil outside its
    /// assumptions (plain SGD, analytic positive phase): momentum, weight decay and a sampled
    /// positive phase change the noise or the drift.
    public var theorySlope: Double? {
      let t = config.base.training
      guard t.momentum == 0 && t.weightDecay == 0 && t.positivePhase == .analytic else { return nil }
      return (2 * Double.pi).squareRoot() * t.sigmaH
    }
  }

  /// Runs the study: ensembles on `workers` tasks (default: one per core), the same result whatever
  /// their number; `progress`, when given, is advanced as the work proceeds. Throws on settings out
  /// of range and when interrupted.
  public static func run(_ config: Config, workers: Int? = nil, progress: Progress? = nil) async throws -> Result {
    let start = Date()
    let runs = try await ensembles(config, workers: workers, progress: progress)
    return try result(config, runs: runs, seconds: Date().timeIntervalSince(start))
  }

  /// The universality configuration of grid point `index`: its (α, |B|) and a seed of its own, so
  /// points are independent ensembles; its own checkpoint file.
  static func pointConfig(_ config: Config, _ index: Int) -> RBMUniversalityExperiment.Config {
    let pair = config.grid[index]
    var c = config.base
    c.training.alpha = pair.alpha
    c.training.batch = pair.batch
    c.seed = SplitMix64.mix(config.base.seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
    c.checkpointName = "checkpoint-point\(index).json"
    return c
  }

  /// Per grid point, the raw records of runs `part` (all by default): what a shard keeps.
  public static func ensembles(_ config: Config, part: Range<Int>? = nil, workers: Int? = nil, progress: Progress? = nil) async throws -> [[RBMEnsemble.Run]] {
    var out: [[RBMEnsemble.Run]] = []
    for index in config.grid.indices {
      out.append(try await RBMUniversalityExperiment.ensemble(pointConfig(config, index), part: part, workers: workers))
      progress?.advance()
    }
    progress?.finish()
    return out
  }

  /// The result from every grid point's runs, in run order.
  /// Removes every grid point's saved runs: once the outputs (or a shard's shard.json) are
  /// written, only a stopped job needs them.
  public static func removeCheckpoints(_ config: Config) {
    for k in config.grid.indices { RBMUniversalityExperiment.removeCheckpoints(pointConfig(config, k)) }
  }

  /// The study from every configuration's runs (those of a run, or of merged shards).
  public static func result(_ config: Config, runs: [[RBMEnsemble.Run]], seconds: Double) throws -> Result {
    guard runs.count == config.grid.count else { throw ExperimentError.invalid("records of \(runs.count) configurations for a grid of \(config.grid.count)") }
    var points: [Point] = []
    for (index, pair) in config.grid.enumerated() {
      let r = try RBMUniversalityExperiment.result(pointConfig(config, index), runs: runs[index], seconds: 0)
      points.append(Point(alpha: pair.alpha, batch: pair.batch, modes: r.modes, succeeded: r.spectra.count))
    }
    let mu2 = config.base.training.mu2
    let scanned = Set(config.alphas.map { Config.Pair(alpha: $0, batch: config.alphaScanBatch) } + config.batches.map { Config.Pair(alpha: config.batchScanAlpha, batch: $0) })
    let scans = points.filter { scanned.contains(Config.Pair(alpha: $0.alpha, batch: $0.batch)) }.flatMap { collapsePoints($0, mu2: mu2) }
    let x = scans.map(\.x), y = scans.map(\.y), e = scans.map(\.error)
    return Result(config: config, points: points, collapse: ThroughOriginFit(x: x, y: y, errors: e),
                  slopes: slopesByRatio(points, mu2: mu2), equalRatio: equalRatioCheck(config, points), seconds: seconds)
  }

  /// The point's collapse coordinates, one per pair with a spacing: (√(α/|B|·(μ² − κ)), ⟨S⟩, error).
  static func collapsePoints(_ p: Point, mu2: Double) -> [(x: Double, y: Double, error: Double)] {
    p.modes.compactMap { m in
      guard let s = m.meanSpacing, let err = m.meanSpacingError else { return nil }
      return ((p.alpha / Double(p.batch) * (mu2 - m.kappa)).squareRoot(), s, err)
    }
  }

  /// Points grouped by α/|B| (equal to 1e-9 relative: 0.3/48 and 0.1/16 differ in the last bit).
  static func slopesByRatio(_ points: [Point], mu2: Double) -> [RatioSlope] {
    var groups: [(ratio: Double, points: [(x: Double, y: Double, error: Double)])] = []
    for p in points {
      let ratio = p.alpha / Double(p.batch)
      let coordinates = collapsePoints(p, mu2: mu2)
      if let k = groups.firstIndex(where: { abs($0.ratio - ratio) <= 1e-9 * ratio }) {
        groups[k].points += coordinates
      } else {
        groups.append((ratio, coordinates))
      }
    }
    return groups.filter { !$0.points.isEmpty }.sorted { $0.ratio < $1.ratio }.map { g in
      RatioSlope(ratio: g.ratio, fit: ThroughOriginFit(x: g.points.map(\.x), y: g.points.map(\.y), errors: g.points.map(\.error)))
    }
  }

  /// nil unless at least two equal-ratio configurations have spacings with positive errors.
  static func equalRatioCheck(_ config: Config, _ points: [Point]) -> EqualRatioCheck? {
    let set = points.filter { p in config.equalRatio.contains { $0.alpha == p.alpha && $0.batch == p.batch } }
    guard set.count >= 2, let modes = set.first?.modes.indices else { return nil }
    var chiSquare = 0.0, degrees = 0, spread = 0.0
    for i in modes {
      let values = set.compactMap { p -> (s: Double, e: Double)? in
        guard p.modes.indices.contains(i), let s = p.modes[i].meanSpacing, let e = p.modes[i].meanSpacingError, e > 0 else { return nil }
        return (s, e)
      }
      guard values.count >= 2 else { continue }
      let weights = values.map { 1 / ($0.e * $0.e) }
      let mean = zip(values, weights).reduce(0) { $0 + $1.0.s * $1.1 } / weights.reduce(0, +)
      chiSquare += zip(values, weights).reduce(0) { $0 + ($1.0.s - mean) * ($1.0.s - mean) * $1.1 }
      degrees += values.count - 1
      let s = values.map(\.s)
      spread = max(spread, (s.max()! - s.min()!) / (DysonRMT.mean(s)))
    }
    guard degrees > 0 else { return nil }
    let p = 1 - regularizedLowerGamma(Double(degrees) / 2, chiSquare / 2)
    return EqualRatioCheck(chiSquare: chiSquare, degreesOfFreedom: degrees, pValue: p, largestSpread: spread)
  }

  /// What summary.json holds.
  public struct Summary: Codable, Sendable, Equatable {
    /// One (α, |B|) point. Its seed is a string (JSON numbers lose bits above 2⁵³), so that the
    /// point reruns as `dyson rbm universality --alpha A --batch B --seed S`.
    public struct Configuration: Codable, Sendable, Equatable {
      /// The learning rate α.
      public var alpha: Double
      /// The batch size |B|.
      public var batch: Int
      /// The point's seed.
      public var seed: String
      /// Runs that did not diverge.
      public var succeeded: Int
      /// The fit of each mode.
      public var modes: [RBMUniversalityExperiment.Summary.ModeFit]
    }
    /// The collapse's slope fitted at one value of α/|B|.
    public struct RatioSlope: Codable, Sendable, Equatable {
      /// α/|B|.
      public var alphaOverBatch: Double
      /// The slope and its error.
      public var a: Double?, aError: Double?
      /// Points in the fit.
      public var points: Int
      enum CodingKeys: String, CodingKey { case alphaOverBatch = "alpha_over_batch", a, aError = "a_error", points }
    }
    /// The equal-ratio set's χ² test (`EqualRatioCheck`).
    public struct EqualRatio: Codable, Sendable, Equatable {
      /// χ² of the pairs' ⟨S⟩ against their weighted means.
      public var chi2: Double?
      /// Its degrees of freedom.
      public var dof: Int
      /// P(χ² ≥ observed).
      public var pValue: Double?
      /// The largest (max − min)/mean of one pair's ⟨S⟩.
      public var largestSpread: Double?
      enum CodingKeys: String, CodingKey { case chi2, dof, pValue = "p_value", largestSpread = "largest_spread" }
    }
    /// "rbm scaling".
    public var experiment = "rbm scaling"
    /// The collapse ⟨S⟩ = a·√(α/|B| · (μ² − κ)): slope, jackknife error, R² and R₀², points.
    public var aFit: Double?, aFitError: Double?, r2: Double?, r2Uncentred: Double?
    /// Points in the collapse.
    public var points: Int
    /// The small-noise theory's slope, where it applies.
    public var aTheorySmallNoise: Double?
    /// The slope fitted at each α/|B| alone.
    public var slopeByRatio: [RatioSlope]
    /// The equal-ratio χ² test; nil with fewer than two configurations.
    public var equalRatio: EqualRatio?
    /// One per configuration.
    public var configurations: [Configuration]
    /// Wall-clock time of the study.
    public var seconds: Double
    enum CodingKeys: String, CodingKey {
      case experiment, aFit = "a_fit", aFitError = "a_fit_error", r2, r2Uncentred = "r2_uncentred", points
      case aTheorySmallNoise = "a_theory_small_noise", slopeByRatio = "slope_by_ratio", equalRatio = "equal_ratio", configurations, seconds
    }
  }

  /// The summary of a result (what `write` puts in summary.json).
  public static func summary(_ r: Result) -> Summary {
    Summary(
      aFit: finite(r.collapse.slope), aFitError: finite(r.collapse.jackknifeError), r2: finite(r.collapse.r2),
      r2Uncentred: finite(r.collapse.r2Uncentred), points: r.collapse.x.count, aTheorySmallNoise: r.theorySlope.flatMap(finite),
      slopeByRatio: r.slopes.map { g in
        Summary.RatioSlope(alphaOverBatch: g.ratio, a: finite(g.fit.slope), aError: finite(g.fit.standardError), points: g.fit.x.count)
      },
      equalRatio: r.equalRatio.map { q in
        Summary.EqualRatio(chi2: finite(q.chiSquare), dof: q.degreesOfFreedom, pValue: finite(q.pValue), largestSpread: finite(q.largestSpread))
      },
      configurations: r.points.enumerated().map { index, p in
        Summary.Configuration(alpha: p.alpha, batch: p.batch, seed: String(pointConfig(r.config, index).seed), succeeded: p.succeeded,
                              modes: p.modes.map(RBMUniversalityExperiment.Summary.ModeFit.init))
      },
      seconds: r.seconds)
  }

  /// Writes the study's files into `output`: config.json, summary.json, its tables, figures and index.html.
  public static func write(_ r: Result, to output: inout ExperimentOutput) throws {
    try output.write(json: settingsJSON(Config.settings, r.config), to: "config.json")
    let mu2 = r.config.base.training.mu2
    try output.write(summary: summary(r))

    var collapse = Panel(title: "(a) ⟨S⟩ collapse", x: Axis("√(α/|B| · (μ² − κ))"), y: Axis("⟨S⟩"))
    let alphaScan = r.points.filter { $0.batch == r.config.alphaScanBatch && r.config.alphas.contains($0.alpha) }
    let batchScan = r.points.filter { $0.alpha == r.config.batchScanAlpha && r.config.batches.contains($0.batch) }
    for (k, (name, set)) in [("α varied, |B| = \(r.config.alphaScanBatch)", alphaScan), ("|B| varied, α = \(r.config.batchScanAlpha)", batchScan)].enumerated() {
      let points = set.flatMap { collapsePoints($0, mu2: mu2) }
      collapse.add(.points(x: points.map(\.x), y: points.map(\.y), errors: points.map(\.error), color: plotPalette[k], label: name))
    }
    let top = r.collapse.x.max() ?? 1
    collapse.add(.line(x: [0, top], y: [0, r.collapse.slope * top], color: "black", width: 1.2, dashed: true,
                       label: String(format: "a_fit = %.3f ± %.3f, R² = %.3f", r.collapse.slope, r.collapse.jackknifeError, r.collapse.r2)))
    var repulsion = Panel(title: "(b) repulsion", x: Axis("α/|B|"), y: Axis("λ_fit/κ"))
    let kappas = Array(Set(r.points.flatMap { $0.modes.map(\.kappa) })).sorted()
    for (k, kappa) in kappas.enumerated() {
      let sel = batchScan.filter { $0.batch >= 16 } + alphaScan
      let pts = sel.compactMap { p in p.modes.first { $0.kappa == kappa }.map { (p.alpha / Double(p.batch), $0.lambdaOverKappa, $0.lambdaOverKappaError) } }
      repulsion.add(.points(x: pts.map(\.0), y: pts.map(\.1), errors: pts.map(\.2), color: plotPalette[k % plotPalette.count], label: String(format: "κ = %.3f", kappa)))
    }
    var slope = Panel(title: "(c) slope at each α/|B|", x: Axis("α/|B|"), y: Axis("a = ⟨S⟩/√(α/|B| · (μ² − κ))"))
    let fitted = r.slopes.filter { $0.fit.slope.isFinite }
    slope.add(.points(x: fitted.map(\.ratio), y: fitted.map(\.fit.slope), errors: fitted.map { $0.fit.standardError.isFinite ? $0.fit.standardError : 0 },
                      color: plotPalette[0], label: "all pairs and configurations at that ratio"))
    if let last = fitted.last?.ratio, let theory = r.theorySlope {
      slope.add(.line(x: [0, last], y: [theory, theory], color: "black", width: 1.2, dashed: true,
                      label: String(format: "linearised theory √(2π)·σ_h = %.3f", theory)))
    }
    try output.add(Figure(panels: [collapse, repulsion, slope], columns: 3, caption: "The linear scaling rule: (a) the mean spacing of each degenerate pair against √(α/|B|·(μ² − κ)) for α and |B| varied separately, with the weighted fit through the origin; (b) the fitted centre λ over κ against α/|B| (|B| ≥ 16 for the batch scan), > 1 or < 1 where the levels repel; (c) the slope of (a) at each α/|B| alone, against the small-noise limit of the linearised theory (Docs/RBM.md)."), as: "scaling.svg")
    try output.writeIndex(title: "Gaussian RBM: the linear scaling rule", summary: "\(r.points.count) configurations × \(r.config.base.runs) runs, \(String(format: "%.0f", r.seconds)) s.")
  }
}
