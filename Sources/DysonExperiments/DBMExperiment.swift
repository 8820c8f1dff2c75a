import DysonCore
import DysonIO
import DysonPlot
import DysonRMT
import Foundation

/// Dyson Brownian motion as SGD makes it (Docs/Science.md §1.5–1.8): a 2×2 symmetric X near a doubly
/// degenerate minimum κ·1 of Ṽ(X) = ½Ω‖X − κ1‖², updated as mini-batch SGD does,
///   X' = X − αΩ(X − κ1) + (α/√|B|)·g̃·H,   H from the GOE (diagonal N(0, 2), off-diagonal N(0, 1)),
/// so that its two eigenvalues move by discrete DBM with β = 1. Over the authors' (α, |B|) grid the
/// stationary pair spacing is compared with the exact answer. Each entry is an AR(1) process, so
/// X − κ1 is a GOE matrix with diagonal variance σ² = 2c²/(1 − (1 − αΩ)²), c = αg̃/√|B|, i.e.
///   σ² = (α/|B|)(g̃²/Ω) / (1 − αΩ/2)
/// (twice the off-diagonal variance), whose eigenvalues are the two-level Coulomb gas of width σ:
/// S follows the Wigner surmise with ⟨S⟩ = √π σ. The linear scaling rule (only α/|B| matters)
/// holds up to the factor 1/√(1 − αΩ/2) of discrete steps, which the equal-ratio points show.
public struct DBMExperiment {
  /// The study's settings; `settings` names each as a command-line option and config.json key.
  public struct Config: Codable, Sendable, Equatable {
    /// κ, the degenerate minimum (`--kappa`).
    public var kappa = 1.0
    /// Curvature Ω of the potential per unit α.
    public var omega = 1.0
    /// Noise strength g̃ per unit α/√|B|.
    public var noise = 1.0
    /// The α scan at --alpha-scan-batch (`--alphas`).
    public var alphas = [0.01, 0.02, 0.04, 0.06, 0.08, 0.1]
    /// |B| of the α scan (`--alpha-scan-batch`).
    public var alphaScanBatch = 16
    /// The |B| scan at --batch-scan-alpha (`--batches`).
    public var batches = [4, 8, 16, 32, 64]
    /// α of the |B| scan (`--batch-scan-alpha`).
    public var batchScanAlpha = 0.1
    /// α of the equal-ratio set; |B| = α/0.00625 makes α/|B| that of (0.1, 16).
    public var equalRatioAlphas = [0.025, 0.05, 0.1, 0.2]
    /// Independent chains per configuration.
    public var chains = 4000
    /// Burn-in, in relaxation times 1/(αΩ) steps.
    public var burnIn = 10
    /// Samples per chain after the burn-in, one relaxation time apart.
    public var samples = 20
    /// The seed every random stream of the study derives from (`--seed`).
    public var seed: UInt64 = 1

    /// The defaults above: the papers' settings.
    public init() {}

    /// Smaller ensembles and shorter training: what `--quick` runs.
    public static var quick: Config {
      var c = Config()
      c.chains = 1000
      c.samples = 10
      return c
    }

    /// One (α, |B|) configuration.
    public struct Point: Sendable, Hashable {
      /// The learning rate α.
      public var alpha: Double
      /// The batch size |B|.
      public var batch: Int
    }

    /// Every distinct (α, |B|), in a fixed order: the α scan, the |B| scan, the equal-ratio set.
    public var grid: [Point] {
      let ratio = batchScanAlpha / Double(alphaScanBatch)
      var seen = Set<Point>(), out: [Point] = []
      let all = alphas.map { Point(alpha: $0, batch: alphaScanBatch) } + batches.map { Point(alpha: batchScanAlpha, batch: $0) }
        + equalRatioAlphas.map { Point(alpha: $0, batch: max(1, Int(($0 / ratio).rounded()))) }
      for p in all where seen.insert(p).inserted { out.append(p) }
      return out
    }

    /// Each field's option name, help text and valid range: the command's options and the keys of config.json.
    public static let settings: [Setting<Config>] = [
      .number("kappa", "κ, the degenerate minimum", \.kappa, -1e6...1e6),
      .number("omega", "Ω, the curvature of the potential per unit α", \.omega, 1e-6...1e6),
      .number("noise", "g̃, the noise per unit α/√|B|", \.noise, 1e-9...1e6),
      .numberList("alphas", "the α scan at --alpha-scan-batch", \.alphas, 1e-9...1),
      .integer("alpha-scan-batch", "|B| of the α scan", \.alphaScanBatch, 1...1_000_000),
      .integerList("batches", "the |B| scan at --batch-scan-alpha", \.batches, 1...1_000_000),
      .number("batch-scan-alpha", "α of the |B| scan", \.batchScanAlpha, 1e-9...1),
      .numberList("equal-ratio-alphas", "α of the equal-ratio set (|B| keeps α/|B| of the |B| scan's point at the α-scan |B|)", \.equalRatioAlphas, 1e-9...1),
      .integer("chains", "independent chains per configuration", \.chains, 2...100_000_000),
      .integer("burn-in", "burn-in in relaxation times 1/(αΩ)", \.burnIn, 0...1_000_000),
      .integer("samples", "samples per chain, one relaxation time apart", \.samples, 1...1_000_000),
      .seed("seed; chain block k of configuration i uses stream k of a seed derived from i", \.seed),
    ]
  }

  /// What one configuration's chains gave.
  public struct Measurement: Sendable {
    /// The configuration.
    public let point: Config.Point
    /// Spacings S, all samples in chain order.
    public let spacings: [Double]
    /// Both eigenvalues of every sample, minus κ.
    public let levels: [Double]
    /// ⟨S⟩ over every sample.
    public let meanSpacing: Double
    /// Its jackknife error over chains (50 blocks).
    public let meanSpacingError: Double
    /// σ² of the continuum, (α/|B|)(g̃²/Ω), and of the discrete steps, σ²/(1 − αΩ/2).
    public let continuumVariance: Double
    /// σ² of the discrete steps, σ²_continuum/(1 − αΩ/2).
    public let discreteVariance: Double
    /// U₄ of `levels` (−4/27 for the two-level law).
    public let binder: Double
    /// KS of the last sample of each chain (independent draws) against the surmise with the exact σ.
    public let ks: KolmogorovSmirnov
  }

  /// What the study measured.
  public struct Result: Sendable {
    /// The settings the study ran with.
    public let config: Config
    /// One per configuration of `Config.grid`, in its order.
    public let measurements: [Measurement]
    /// ⟨S⟩ = a·√(α/|B|·g̃²/Ω): a → √π = 1.7725 in the continuum.
    public let collapse: ThroughOriginFit
    /// Wall-clock time of the study.
    public let seconds: Double
  }

  /// Runs the study: ensembles on `workers` tasks (default: one per core), the same result whatever
  /// their number; `progress`, when given, is advanced as the work proceeds. Throws on settings out
  /// of range and when interrupted.
  public static func run(_ config: Config, workers: Int? = nil, progress: Progress? = nil) async throws -> Result {
    let start = Date()
    for p in config.grid where p.alpha * config.omega >= 1 {
      throw ExperimentError.invalid("αΩ = \(p.alpha * config.omega) at α = \(p.alpha): the discrete dynamics is only stable and monotone for αΩ < 1")
    }
    let width = max(1, workers ?? ProcessInfo.processInfo.activeProcessorCount)
    let block = 250
    var measurements: [Measurement] = []
    for (index, point) in config.grid.enumerated() {
      let seed = SplitMix64.mix(config.seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
      let blocks = (config.chains + block - 1) / block
      let parts = try await orderedTaskGroup(count: blocks, width: width) { k in
        simulate(config, point: point, chains: min(block, config.chains - k * block), seed: seed, stream: UInt64(k))
      }
      measurements.append(measure(config, point: point, parts: parts))
      progress?.advance()
    }
    progress?.finish()
    let collapse = ThroughOriginFit(x: measurements.map { ($0.continuumVariance).squareRoot() },
                                    y: measurements.map(\.meanSpacing), errors: measurements.map(\.meanSpacingError))
    return Result(config: config, measurements: measurements, collapse: collapse, seconds: Date().timeIntervalSince(start))
  }

  /// One block of chains: per chain, `samples` (spacing, lower, upper level − κ) after the burn-in.
  static func simulate(_ config: Config, point: Config.Point, chains: Int, seed: UInt64, stream: UInt64) -> [[(Double, Double, Double)]] {
    var rng = Xoshiro256StarStar(seed: seed, stream: stream)
    let decay = point.alpha * config.omega
    let tau = Int((1 / decay).rounded(.up))
    let c = point.alpha * config.noise / Double(point.batch).squareRoot()
    let diagonal = c * 2.0.squareRoot()
    var out: [[(Double, Double, Double)]] = []
    out.reserveCapacity(chains)
    for _ in 0..<chains {
      // u = X − κ1 = [[a, o], [o, b]], started at the degenerate point.
      var a = 0.0, b = 0.0, o = 0.0
      var samples: [(Double, Double, Double)] = []
      samples.reserveCapacity(config.samples)
      for step in 1...(config.burnIn + config.samples) * tau {
        a += -decay * a + diagonal * rng.normal()
        b += -decay * b + diagonal * rng.normal()
        o += -decay * o + c * rng.normal()
        if step > config.burnIn * tau && step % tau == 0 {
          let s = ((a - b) * (a - b) + 4 * o * o).squareRoot()
          let m = 0.5 * (a + b)
          samples.append((s, m - 0.5 * s, m + 0.5 * s))
        }
      }
      out.append(samples)
    }
    return out
  }

  static func measure(_ config: Config, point: Config.Point, parts: [[[(Double, Double, Double)]]]) -> Measurement {
    let chains = parts.flatMap { $0 }
    let spacings = chains.flatMap { $0.map(\.0) }
    let levels = chains.flatMap { $0.flatMap { [$0.1, $0.2] } }
    // Samples of one chain are correlated (e^{-1} apart): jackknife over chains, in 50 blocks.
    let perChain = chains.map { $0.map(\.0) }
    let estimate = jackknife(perChain, blocks: min(50, perChain.count)) { group in
      let all = group.flatMap { $0 }
      return mean(all)
    }
    let continuum = point.alpha / Double(point.batch) * config.noise * config.noise / config.omega
    let discrete = continuum / (1 - point.alpha * config.omega / 2)
    let surmise = WignerSurmise.goe
    let scale = (Double.pi * discrete).squareRoot()
    let ks = KolmogorovSmirnov(chains.compactMap { $0.last.map { $0.0 / scale } }, cdf: surmise.cdf)
    return Measurement(point: point, spacings: spacings, levels: levels, meanSpacing: estimate.value, meanSpacingError: estimate.standardError,
                       continuumVariance: continuum, discreteVariance: discrete, binder: binderCumulant(levels), ks: ks)
  }

  /// What summary.json holds.
  public struct Summary: Codable, Sendable, Equatable {
    /// One (α, |B|) point (`Measurement`).
    public struct Configuration: Codable, Sendable, Equatable {
      /// The learning rate α.
      public var alpha: Double
      /// The batch size |B|.
      public var batch: Int
      /// Spacings sampled.
      public var samples: Int
      /// ⟨S⟩ and its jackknife error over chains.
      public var meanSpacing: Double?, meanSpacingError: Double?
      /// √(π·variance): the continuum and the discrete-time prediction of ⟨S⟩.
      public var continuumPrediction: Double?, discretePrediction: Double?
      /// U₄ of the pooled levels.
      public var binder: Double?
      /// KS test of the scaled final spacings against the GOE surmise.
      public var ksDistance: Double?, ksP: Double?
      enum CodingKeys: String, CodingKey {
        case alpha, batch, samples, meanSpacing = "mean_spacing", meanSpacingError = "mean_spacing_error"
        case continuumPrediction = "continuum_prediction", discretePrediction = "discrete_prediction", binder, ksDistance = "ks_distance", ksP = "ks_p"
      }
    }
    /// The collapse of ⟨S⟩ against the discrete prediction's scale.
    public struct Collapse: Codable, Sendable, Equatable {
      /// The slope a, its jackknife error, R² and R₀².
      public var aFit: Double?, aFitError: Double?, r2: Double?, r2Uncentred: Double?
      /// √π, the continuum slope.
      public var continuumA: Double
      enum CodingKeys: String, CodingKey { case aFit = "a_fit", aFitError = "a_fit_error", r2, r2Uncentred = "r2_uncentred", continuumA = "continuum_a" }
    }
    /// "dbm".
    public var study = "dbm"
    /// Wall-clock time of the study.
    public var seconds: Double
    /// One entry per configuration.
    public var configurations: [Configuration]
    /// The collapse over every configuration.
    public var collapse: Collapse
  }

  /// The summary of a result (what `write` puts in summary.json).
  public static func summary(_ r: Result) -> Summary {
    Summary(
      seconds: r.seconds,
      configurations: r.measurements.map { m in
        Summary.Configuration(alpha: m.point.alpha, batch: m.point.batch, samples: m.spacings.count, meanSpacing: finite(m.meanSpacing),
                              meanSpacingError: finite(m.meanSpacingError), continuumPrediction: finite((Double.pi * m.continuumVariance).squareRoot()),
                              discretePrediction: finite((Double.pi * m.discreteVariance).squareRoot()), binder: finite(m.binder),
                              ksDistance: finite(m.ks.distance), ksP: finite(m.ks.pValue))
      },
      collapse: Summary.Collapse(aFit: finite(r.collapse.slope), aFitError: finite(r.collapse.jackknifeError), r2: finite(r.collapse.r2),
                                 r2Uncentred: finite(r.collapse.r2Uncentred), continuumA: Double.pi.squareRoot()))
  }

  /// Writes the study's files into `output`: config.json, summary.json, its tables, figures and index.html.
  public static func write(_ r: Result, to output: inout ExperimentOutput) throws {
    try output.write(json: settingsJSON(Config.settings, r.config), to: "config.json")
    try output.write(summary: summary(r))
    var csv = CSVWriter(header: ["alpha", "batch", "mean_spacing", "error", "continuum", "discrete", "binder", "ks_p"])
    for m in r.measurements {
      csv.appendRow([m.point.alpha, Double(m.point.batch), m.meanSpacing, m.meanSpacingError, (Double.pi * m.continuumVariance).squareRoot(),
                  (Double.pi * m.discreteVariance).squareRoot(), m.binder, m.ks.pValue])
    }
    try output.write(csv: csv, to: "spacings.csv")
    try output.add(collapseFigure(r), as: "collapse.svg")
    try output.add(distributionFigure(r), as: "distributions.svg")
    try output.writeIndex(title: "Dyson Brownian motion of SGD: two degenerate levels",
                          summary: String(format: "%d configurations × %d chains × %d samples in %.1f s. a_fit = %.4f ± %.4f (√π = %.4f in the continuum), R² = %.4f.",
                                          r.measurements.count, r.config.chains, r.config.samples, r.seconds, r.collapse.slope,
                                          r.collapse.jackknifeError, Double.pi.squareRoot(), r.collapse.r2))
  }

  static func collapseFigure(_ r: Result) -> Figure {
    let ms = r.measurements
    let xs = ms.map { $0.continuumVariance.squareRoot() }
    let top = (xs.max() ?? 1) * 1.05
    var collapse = Panel(title: "Linear scaling rule", x: Axis("√(α/|B| · g̃²/Ω)"), y: Axis("⟨S⟩"))
    collapse.add(.line(x: [0, top], y: [0, Double.pi.squareRoot() * top], color: plotPalette[1], width: 1.4, dashed: false, label: "√π·x (continuum)"))
    collapse.add(.points(x: xs, y: ms.map(\.meanSpacing), errors: ms.map(\.meanSpacingError), color: plotPalette[0], label: "simulated ⟨S⟩"))
    // The departure from the continuum line, per point: ⟨S⟩/√(πv_continuum) against αΩ.
    var ratio = Panel(title: "Discrete-step correction", x: Axis("αΩ"), y: Axis("⟨S⟩ / (√π σ_continuum)"))
    let alphas = ms.map { $0.point.alpha * r.config.omega }
    let grid = (0...100).map { (alphas.max() ?? 0.2) * 1.05 * Double($0) / 100 }
    ratio.add(.line(x: grid, y: grid.map { 1 / (1 - $0 / 2).squareRoot() }, color: plotPalette[1], width: 1.4, dashed: false, label: "1/√(1 − αΩ/2), exact"))
    ratio.add(.line(x: [0, grid.last!], y: [1, 1], color: plotPalette[3], width: 1, dashed: true, label: "linear scaling rule"))
    ratio.add(.points(x: alphas, y: ms.map { $0.meanSpacing / (Double.pi * $0.continuumVariance).squareRoot() },
                      errors: ms.map { $0.meanSpacingError / (Double.pi * $0.continuumVariance).squareRoot() }, color: plotPalette[0], label: "simulation"))
    return Figure(panels: [collapse, ratio], caption: String(format:
      "Left: the mean spacing of two degenerate levels under SGD against √(α/|B|·g̃²/Ω) over the α scan, the |B| scan and the equal-ratio set; the fitted slope a = %.4f ± %.4f against √π = %.4f. Right: each point divided by the continuum prediction against αΩ: the linear scaling rule holds up to the exact discrete-step factor 1/√(1 − αΩ/2), which separates the equal-ratio points.",
      r.collapse.slope, r.collapse.jackknifeError, Double.pi.squareRoot()))
  }

  static func distributionFigure(_ r: Result) -> Figure {
    // The point of the |B| scan that the equal-ratio set shares (α = 0.1, |B| = 16 by default).
    let m = r.measurements.first { $0.point.alpha == r.config.batchScanAlpha && $0.point.batch == r.config.alphaScanBatch } ?? r.measurements[0]
    let scale = (Double.pi * m.discreteVariance).squareRoot()
    let s = m.spacings.map { $0 / scale }
    let h = Histogram(s)
    let grid = (0...300).map { 3.5 * Double($0) / 300 }
    var spacing = Panel(title: String(format: "Spacings, α = %g, |B| = %d", m.point.alpha, m.point.batch), x: Axis("s = S/(√π σ)"), y: Axis("P(s)"))
    spacing.add(.histogram(edges: h.edges, heights: h.density, color: plotPalette[0], label: "\(s.count) samples"))
    spacing.add(.line(x: grid, y: grid.map(WignerSurmise.goe.density), color: plotPalette[1], width: 1.6, dashed: false, label: "Wigner surmise"))
    spacing.add(.line(x: grid, y: grid.map(WignerSurmise.poissonDensity), color: plotPalette[3], width: 1.2, dashed: true, label: "Poisson"))
    let gas = TwoLevelCoulombGas(center: 0, sigma: m.discreteVariance.squareRoot())
    let levels = Histogram(m.levels)
    let extent = 4 * m.discreteVariance.squareRoot()
    let u = (0...300).map { -extent + 2 * extent * Double($0) / 300 }
    var density = Panel(title: "Both levels pooled", x: Axis("x − κ"), y: Axis("ρ(x)"))
    density.add(.histogram(edges: levels.edges, heights: levels.density, color: plotPalette[0], label: "\(m.levels.count) levels"))
    density.add(.line(x: u, y: u.map(gas.density), color: plotPalette[1], width: 1.6, dashed: false, label: "two-level Coulomb gas, exact σ"))
    return Figure(panels: [spacing, density], caption: String(format:
      "The stationary state at α = %g, |B| = %d: spacings against the Wigner surmise with the exact scale (KS p = %.2g on one independent sample per chain), and both eigenvalues pooled against the two-level Coulomb-gas density; Binder U₄ = %.4f against −4/27 = %.4f.",
      m.point.alpha, m.point.batch, m.ks.pValue, m.binder, TwoLevelCoulombGas.binderCumulant))
  }
}
