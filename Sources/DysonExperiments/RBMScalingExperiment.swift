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
  public struct Config: Codable, Sendable, Equatable {
    public var base = RBMUniversalityExperiment.Config()
    public var alphas = [0.01, 0.02, 0.04, 0.06, 0.08, 0.1]
    public var alphaScanBatch = 16
    public var batches = [4, 8, 16, 32, 64]
    public var batchScanAlpha = 0.1
    public var equalRatio: [Pair] = [Pair(alpha: 0.025, batch: 4), Pair(alpha: 0.05, batch: 8), Pair(alpha: 0.1, batch: 16), Pair(alpha: 0.2, batch: 32)]

    public struct Pair: Codable, Sendable, Hashable {
      public var alpha: Double
      public var batch: Int
    }

    public init() {}

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

  public struct Point: Sendable {
    public let alpha: Double
    public let batch: Int
    public let modes: [RBMUniversalityExperiment.Mode]
    public let succeeded: Int
  }

  public struct Result: Sendable {
    public let config: Config
    public let points: [Point]
    public let collapse: ThroughOriginFit
    public let seconds: Double
  }

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

  public static func result(_ config: Config, runs: [[RBMEnsemble.Run]], seconds: Double) throws -> Result {
    var points: [Point] = []
    for (index, pair) in config.grid.enumerated() {
      let r = try RBMUniversalityExperiment.result(pointConfig(config, index), runs: runs[index], seconds: 0)
      points.append(Point(alpha: pair.alpha, batch: pair.batch, modes: r.modes, succeeded: r.spectra.count))
    }
    let mu2 = config.base.training.mu2
    let scanned = Set(config.alphas.map { Config.Pair(alpha: $0, batch: config.alphaScanBatch) } + config.batches.map { Config.Pair(alpha: config.batchScanAlpha, batch: $0) })
    var x: [Double] = [], y: [Double] = [], e: [Double] = []
    for p in points where scanned.contains(Config.Pair(alpha: p.alpha, batch: p.batch)) {
      for m in p.modes {
        guard let s = m.meanSpacing, let err = m.meanSpacingError else { continue }
        x.append((p.alpha / Double(p.batch) * (mu2 - m.kappa)).squareRoot())
        y.append(s)
        e.append(err)
      }
    }
    return Result(config: config, points: points, collapse: ThroughOriginFit(x: x, y: y, errors: e), seconds: seconds)
  }

  public static func write(_ r: Result, to output: inout ExperimentOutput) throws {
    try output.write(json: settingsJSON(Config.settings, r.config), to: "config.json")
    let mu2 = r.config.base.training.mu2
    func n(_ v: Double?) -> JSONValue { v.map { .number($0) } ?? .null }
    // Each point's seed (a string: JSON numbers lose bits above 2⁵³), so that one point reruns as
    // `dyson rbm universality --alpha A --batch B --seed S` with the same training settings.
    let configurations: [JSONValue] = r.points.enumerated().map { index, p in
      .object([("alpha", .number(p.alpha)), ("batch", .integer(p.batch)), ("seed", .string(String(pointConfig(r.config, index).seed))),
               ("succeeded", .integer(p.succeeded)),
               ("modes", .array(p.modes.map { m in
                 .object([("kappa", .number(m.kappa)), ("mean_spacing", n(m.meanSpacing)), ("mean_spacing_error", n(m.meanSpacingError)),
                          ("sigma_fit", .number(m.sigma)), ("sigma_fit_error", .number(m.sigmaError)),
                          ("binder", .number(m.binder)), ("binder_error", .number(m.binderError)),
                          ("lambda_over_kappa", .number(m.lambdaOverKappa)), ("lambda_over_kappa_error", .number(m.lambdaOverKappaError))])
               }))])
    }
    try output.write(json: .object([
      ("experiment", .string("rbm scaling")), ("a_fit", .number(r.collapse.slope)), ("a_fit_error", .number(r.collapse.jackknifeError)),
      ("r2", .number(r.collapse.r2)), ("r2_uncentred", .number(r.collapse.r2Uncentred)), ("points", .integer(r.collapse.x.count)),
      ("configurations", .array(configurations)), ("seconds", .number(r.seconds)),
    ]), to: "summary.json")

    var collapse = Panel(title: "(a) ⟨S⟩ collapse", x: Axis("√(α/|B| · (μ² − κ))"), y: Axis("⟨S⟩"))
    let alphaScan = r.points.filter { $0.batch == r.config.alphaScanBatch && r.config.alphas.contains($0.alpha) }
    let batchScan = r.points.filter { $0.alpha == r.config.batchScanAlpha && r.config.batches.contains($0.batch) }
    for (k, (name, set)) in [("α varied, |B| = \(r.config.alphaScanBatch)", alphaScan), ("|B| varied, α = \(r.config.batchScanAlpha)", batchScan)].enumerated() {
      var xs: [Double] = [], ys: [Double] = [], es: [Double] = []
      for p in set { for m in p.modes { if let s = m.meanSpacing { xs.append((p.alpha / Double(p.batch) * (mu2 - m.kappa)).squareRoot()); ys.append(s); es.append(m.meanSpacingError ?? 0) } } }
      collapse.add(.points(x: xs, y: ys, errors: es, color: plotPalette[k], label: name))
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
    try output.add(Figure(panels: [collapse, repulsion], columns: 2, caption: "The linear scaling rule: (a) the mean spacing of each degenerate pair against √(α/|B|·(μ² − κ)) for α and |B| varied separately, with the weighted fit through the origin; (b) the fitted centre λ over κ against α/|B| (|B| ≥ 16 for the batch scan), > 1 or < 1 where the levels repel."), as: "scaling.svg")
    try output.writeIndex(title: "Gaussian RBM: the linear scaling rule", summary: "\(r.points.count) configurations × \(r.config.base.runs) runs, \(String(format: "%.0f", r.seconds)) s.")
  }
}
