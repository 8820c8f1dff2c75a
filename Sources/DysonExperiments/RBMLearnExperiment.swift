import DysonCore
import DysonIO
import DysonModels
import DysonPlot
import DysonRMT
import Foundation

/// Experiment 1 of the RBM study (2411.13512 Fig. 2): the eigenvalues xᵢ of X = σ_h²WᵀW over
/// training, from Marchenko–Pastur at initialisation to distributions around x_s = μ² − κᵢ, for
/// one run (the trajectory) and over an ensemble of seeds (the spectra at t = 0 and at the end).
public struct RBMLearnExperiment {
  /// The study's settings; `settings` names each as a command-line option and config.json key.
  public struct Config: Codable, Sendable, Equatable {
    /// The RBM, the target field and the training of every run.
    public var training = PCDConfiguration()
    /// Independent runs; run k uses stream k of `seed`.
    public var runs = 64
    /// Updates between two recorded spectra of run 0.
    public var recordEvery = 500
    /// The seed every random stream of the study derives from (`--seed`).
    public var seed: UInt64 = 1
    /// Where finished runs are saved (every minute and on Ctrl-C); empty: nowhere. Not a setting.
    public var checkpointDirectory = ""
    /// Take the runs saved in the checkpoint instead of running them again.
    public var resume = false

    /// The defaults above: the papers' settings.
    public init() {}

    /// The settings of `dyson rbm learn`, with the defaults above.
    public static let settings: [Setting<Config>] = [
      .integer("visible", "visible units N_v = lattice sites", \.training.visible, 3...4096),
      .integer("hidden", "hidden units N_h ≤ N_v", \.training.hidden, 1...4096),
      .number("mass2", "target mass m² of the free field", \.training.mass2, 1e-6...1e6),
      .number("mu2", "μ², the visible self-coupling (must exceed m² + 4)", \.training.mu2, 1e-6...1e9),
      .number("sigma-h", "σ_h, the hidden width", \.training.sigmaH, 1e-6...1e6),
      .number("init-scale", "standard deviation of the initial W entries", \.training.initialScale, 0...1e3),
      .number("alpha", "learning rate α", \.training.alpha, 0...1e6),
      .integer("batch", "|B|: persistent chains", \.training.batch, 1...1_000_000),
      .integer("gibbs", "block-Gibbs steps k per update", \.training.gibbsSteps, 1...1000),
      .choice("sampler", "how the chains take their k sweeps: gram (for |B| > N_v only VᵀV is drawn, same law), kstep (drawn in one step, same law) or gibbs (the authors' sweeps)", \.training.sampler),
      .integer("steps", "weight updates per run", \.training.updates, 1...1_000_000_000),
      .number("momentum", "momentum β, as the authors' code: u ← βu + (1 − β)·gradient, W += αu", \.training.momentum, 0...0.999999),
      .number("l2", "weight decay λ", \.training.weightDecay, 0...1e6),
      .choice("optimizer", "sgd (the papers', with --momentum) or adam (β₁ 0.9, β₂ 0.999, ε 1e-8; --alpha is its step size)", \.training.optimizer),
      .integer("runs", "independent runs (seeds)", \.runs, 1...10_000_000),
      .integer("record", "updates between recorded spectra of run 0", \.recordEvery, 1...1_000_000_000),
      .seed("seed; run k uses stream k", \.seed),
    ]


    /// Seconds instead of minutes: for tests and a first look.
    public static var quick: Config {
      var c = Config()
      c.runs = 8
      c.training.updates = 2000
      c.recordEvery = 50
      return c
    }
  }

  /// What the study measured.
  public struct Result: Sendable {
    /// The settings the study ran with.
    public let config: Config
    /// Run 0's spectrum (ascending) at updates 0, recordEvery, 2·recordEvery, …
    public let trajectory: [(update: Int, x: [Double])]
    /// Spectra at t = 0 and at the end of every run that did not diverge.
    public let initial: [[Double]]
    /// At the end of every run that did not diverge.
    public let final: [[Double]]
    /// Runs that diverged, with the reason.
    public let failures: [String]
    /// x_s = μ² − κ, descending like the sorted modes of the papers (largest x first).
    public let targets: [Double]
    /// Wall-clock time of the study.
    public let seconds: Double
  }

  /// Trains the ensemble in a task group (at most one run per core); results are ordered by run,
  /// so they are identical whatever the number of workers.
  public static func run(_ config: Config, workers: Int? = nil, progress: Progress? = nil) async throws -> Result {
    let start = Date()
    let runs = try await ensemble(config, workers: workers, progress: progress)
    return try result(config, runs: runs, seconds: Date().timeIntervalSince(start))
  }

  /// The raw records of runs `part` (all by default): what a shard keeps.
  public static func ensemble(_ config: Config, part: Range<Int>? = nil, workers: Int? = nil, progress: Progress? = nil) async throws -> [RBMEnsemble.Run] {
    _ = try targets(config)
    return try await RBMEnsemble.run(config.training, runs: config.runs, seed: config.seed, recordEvery: config.recordEvery,
                                     workers: workers, progress: progress, streams: part, checkpoint: checkpoint(config))
  }

  /// The checkpoint of finished runs, keyed by every setting, when the config names a folder.
  public static func checkpoint(_ config: Config) -> EnsembleCheckpoint? {
    guard !config.checkpointDirectory.isEmpty else { return nil }
    return EnsembleCheckpoint(path: config.checkpointDirectory + "/checkpoint.json", key: settingsText(Config.settings, config), resume: config.resume)
  }

  /// Removes the saved runs: once the outputs (or a shard's shard.json) are written, only a stopped job needs them.
  public static func removeCheckpoints(_ config: Config) { checkpoint(config)?.remove() }

  /// x_s = μ² − κ for the learned modes, after checking the configuration.
  static func targets(_ config: Config) throws -> [Double] {
    let c = config.training
    guard c.hidden <= c.visible else { throw ExperimentError.invalid("hidden (\(c.hidden)) must not exceed visible (\(c.visible)) for the MP comparison") }
    let field = try LatticeFreeField(sites: c.visible, mass2: c.mass2)
    guard field.eigenvalues.last! < c.mu2 else {
      throw ExperimentError.invalid("μ² = \(c.mu2) must exceed the largest target eigenvalue κ_max = \(field.eigenvalues.last!) (m² + 4)")
    }
    return field.eigenvalues.prefix(c.hidden).map { c.mu2 - $0 }
  }

  /// The result from every run's records, in run order.
  public static func result(_ config: Config, runs outcomes: [RBMEnsemble.Run], seconds: Double) throws -> Result {
    let targets = try targets(config)
    guard outcomes.count == config.runs else { throw ExperimentError.invalid("\(outcomes.count) runs' records for \(config.runs) runs") }
    try RBMEnsemble.check(outcomes, eigenvalues: config.training.hidden, source: "the runs' records")
    return Result(config: config, trajectory: outcomes.first?.trajectory.map { (update: $0.0, x: $0.1) } ?? [],
                  initial: outcomes.map(\.initial), final: outcomes.compactMap(\.final),
                  failures: outcomes.compactMap(\.failure), targets: targets.sorted(by: >), seconds: seconds)
  }

  /// Writes config.json, summary.json, CSVs, the two figures and index.html.
  /// What summary.json holds.
  public struct Summary: Codable, Sendable, Equatable {
    /// One mode, largest x first: its target and the ensemble's mean, standard error and spread.
    public struct Mode: Codable, Sendable, Equatable {
      /// The target x_s = μ² − κ.
      public var target: Double?
      /// The ensemble's mean, its standard error and its standard deviation.
      public var mean: Double?, error: Double?, spread: Double?
    }
    /// "rbm learn".
    public var experiment = "rbm learn"
    /// Runs started, and runs that finished without diverging.
    public var runs: Int, succeeded: Int
    /// succeeded / runs.
    public var successRatio: Double
    /// Why each failed run stopped.
    public var failures: [String]
    /// One per mode, largest x first.
    public var modes: [Mode]
    /// Wall-clock time of the study.
    public var seconds: Double
    enum CodingKeys: String, CodingKey { case experiment, runs, succeeded, successRatio = "success_ratio", failures, modes, seconds }
  }

  /// The summary of a result (what `write` puts in summary.json).
  public static func summary(_ r: Result) -> Summary {
    let sortedFinals = r.final.map { $0.sorted(by: >) }
    let modes = (0..<r.config.training.hidden).map { i -> Summary.Mode in
      let values = sortedFinals.map { $0[i] }
      let m = values.isEmpty ? nil : Moments(values)
      return Summary.Mode(target: finite(r.targets[i]), mean: m.flatMap { finite($0.mean) },
                          error: m.flatMap { finite($0.standardDeviation / Double(values.count).squareRoot()) },
                          spread: m.flatMap { finite($0.standardDeviation) })
    }
    return Summary(runs: r.config.runs, succeeded: r.final.count, successRatio: Double(r.final.count) / Double(max(r.config.runs, 1)),
                   failures: r.failures, modes: modes, seconds: r.seconds)
  }

  /// Writes the study's files into `output`: config.json, summary.json, its tables, figures and index.html.
  public static func write(_ r: Result, to output: inout ExperimentOutput) throws {
    let c = r.config.training
    // Flat, with the option names as keys: `dyson rbm learn --config config.json` repeats the run.
    try output.write(json: settingsJSON(Config.settings, r.config), to: "config.json")
    let n = c.hidden
    var trajectory = CSVWriter(header: ["update"] + (0..<n).map { "x\($0)" })
    for (u, x) in r.trajectory { trajectory.appendRow([Double(u)] + x) }
    try output.write(csv: trajectory, to: "trajectory.csv")
    var finals = CSVWriter(header: ["run"] + (0..<n).map { "x\($0)" })
    for (k, x) in r.final.enumerated() { finals.appendRow([Double(k)] + x) }
    try output.write(csv: finals, to: "final.csv")

    try output.write(summary: summary(r))

    // Figure 1: the trajectory of run 0 with the targets.
    var lines = Panel(title: "run 0", x: Axis("update"), y: Axis("xᵢ = eigenvalue of σ_h²WᵀW"))
    let steps = r.trajectory.map { Double($0.update) }
    for i in 0..<n {
      lines.add(.line(x: steps, y: r.trajectory.map { $0.x[i] }, color: plotPalette[i % plotPalette.count], width: 1.2, dashed: false, label: nil))
    }
    for t in Set(r.targets.map { ($0 * 1e9).rounded() / 1e9 }).sorted() {
      lines.add(.line(x: [0, Double(c.updates)], y: [t, t], color: "black", width: 0.8, dashed: true, label: nil))
    }
    lines.showsLegend = false
    try output.add(Figure(lines, caption: "Eigenvalues of X = σ_h²WᵀW during PCD training of one RBM (α = \(c.alpha), |B| = \(c.batch), k = \(c.gibbsSteps)); dashed: the targets x_s = μ² − κ of the lattice free field (N = \(c.visible), m² = \(c.mass2), μ² = \(c.mu2)). Degenerate modes share a dashed line."), as: "trajectory.svg")

    // Figure 2: the ensemble at t = 0 against MP, and at the end against the targets.
    let pooled0 = r.initial.flatMap { $0 }
    let h0 = Histogram(pooled0)
    let law = MarchenkoPastur(rows: c.visible, columns: c.hidden, variance: c.sigmaH * c.sigmaH * c.initialScale * c.initialScale)
    let grid = (0...300).map { law.lowerEdge + (law.upperEdge - law.lowerEdge) * Double($0) / 300 }
    var initial = Panel(title: "(a) t = 0", x: Axis("x"), y: Axis("ρ(x)"))
    initial.add(.histogram(edges: h0.edges, heights: h0.density, color: plotPalette[0], label: "\(r.initial.count) runs"))
    initial.add(.line(x: grid, y: grid.map(law.density), color: plotPalette[1], width: 1.5, dashed: false, label: "Marchenko–Pastur"))
    let pooled1 = r.final.flatMap { $0 }
    var final = Panel(title: "(b) after \(c.updates) updates", x: Axis("x"), y: Axis("ρ(x)"))
    if !pooled1.isEmpty {
      let h1 = Histogram(pooled1, binning: .count(min(200, max(20, pooled1.count / 20))))
      final.add(.histogram(edges: h1.edges, heights: h1.density, color: plotPalette[0], label: "\(r.final.count) runs"))
    }
    for t in Set(r.targets.map { ($0 * 1e9).rounded() / 1e9 }).sorted() { final.add(.verticalLine(x: t, color: plotPalette[1], dashed: true, label: nil)) }
    try output.add(Figure(panels: [initial, final], columns: 2, caption: "The ensemble's spectrum: (a) at initialisation, W ~ N(0, \(c.initialScale)²), against the Marchenko–Pastur law with r = \(c.hidden)/\(c.visible); (b) at the end of training, each eigenvalue distributed around its target μ² − κ (dashed)."), as: "spectra.svg")
    try output.writeIndex(title: "Gaussian RBM: learning the spectrum", summary: "\(r.final.count) of \(r.config.runs) runs succeeded in \(String(format: "%.1f", r.seconds)) s; seed \(r.config.seed).")
  }
}

/// A setting or an input a study cannot use, in one line.
public enum ExperimentError: Error, CustomStringConvertible {
  /// The message, in one line.
  case invalid(String)
  public var description: String {
    switch self { case .invalid(let s): s }
  }
}
