import DysonCore
import DysonIO
import DysonModels
import DysonPlot
import DysonRMT
import Foundation

/// Does the linear scaling rule hold inside the transformer? Ensembles of GPT runs on a grid of
/// learning rates η and batch sizes |B|, for plain SGD and for AdamW, and the observables that
/// Dyson Brownian motion says the rule governs (Docs/GPT.md, "The linear scaling rule"):
///
/// - the diffusion of the key, query and value eigenvalues: the variance over runs of an
///   eigenvalue's increment between two records, per unit of learning time t = η·steps, over the
///   same stretch of learning time at every point.
///   One SGD step adds noise of variance ∝ η²/|B| (Docs/Science.md §1.5), so per unit of t the
///   diffusion is ∝ η/|B|: equal at equal η/|B|, proportional to it across the grid;
/// - the ensemble width of each eigenvalue (variance over runs) at a fixed learning time;
/// - the final training and validation loss.
///
/// Each is compared on two equal-ratio sets — points sharing η/|B| (the linear rule) and points
/// sharing η/√|B| (the square-root rule proposed for adaptive optimisers) — by χ² against their
/// weighted mean, and collapsed against each ratio by a fit through the origin (R², R₀²).
/// Every run of every point starts from the same weights, and runs differ only in their batches:
/// the spread over runs is the optimizer's noise alone, and points differ only in η and |B|.
public struct GPTScalingExperiment {
  /// The study's settings; `settings` names each as a command-line option and config.json key.
  public struct Config: Codable, Sendable, Equatable {
    /// The training text (tiny Shakespeare in the paper). The caller says where it is.
    public var data = ""
    /// The optimizers compared, each over the whole grid.
    public var optimizers: [String] = ["sgd", "adamw"]
    /// The grid's central learning rate for SGD, and for AdamW/Adam.
    public var sgdLearningRate = 0.25
    /// Central learning rate of the grid for adam and adamw (`--adaptive-lr`).
    public var adaptiveLearningRate = 1e-3
    /// The grid's central batch size; the grid halves and doubles it.
    public var batch = 16
    /// Optimizer steps per run (`--iters`).
    public var iterations = 2000
    /// Runs per grid point (`--runs`).
    public var runs = 6
    /// The seed every random stream of the study derives from (`--seed`).
    public var seed: UInt64 = 1
    /// Steps between recorded spectra.
    public var recordInterval = 50
    /// Batches per split for the final loss estimate.
    public var evalBatches = 20
    /// Bootstrap resamples over runs (`--resamples`).
    public var resamples = 200
    /// Where finished points are kept, for `resume`; "" keeps none.
    public var checkpointDirectory = ""
    /// Reuse the points finished before with the same settings.
    public var resume = false
    /// The model: the lecture's (its vocabulary is the text's).
    public var model = GPTConfiguration()

    /// The defaults above: the papers' settings.
    public init() {}

    /// Each field's option name, help text and valid range: the command's options and the keys of config.json.
    public static let settings: [Setting<Config>] = [
      .text("data", "the training text (characters become tokens)", \.data),
      .textList("optimizers", "the optimizers compared over the grid: sgd, momentum, adam, adamw", \.optimizers),
      .number("sgd-lr", "central learning rate of the grid for sgd and momentum", \.sgdLearningRate, 1e-6...10),
      .number("adaptive-lr", "central learning rate of the grid for adam and adamw", \.adaptiveLearningRate, 1e-7...1),
      .integer("batch", "central batch size of the grid (halved and doubled)", \.batch, 2...2048),
      .integer("iters", "optimizer steps per run", \.iterations, 20...10_000_000),
      .integer("runs", "runs per grid point", \.runs, 2...100_000),
      .seed("seed: every run starts from the same weights; run k draws its batches from stream 3k + 1", \.seed),
      .integer("record-interval", "steps between recorded spectra", \.recordInterval, 1...10_000_000),
      .integer("eval-batches", "batches per split for the final loss", \.evalBatches, 1...100_000),
      .integer("resamples", "bootstrap resamples over runs", \.resamples, 2...100_000),
    ]

    /// About a minute on two cores: the whole grid with short runs.
    public static var quick: Config {
      var c = Config()
      c.iterations = 200
      c.runs = 2
      c.recordInterval = 5
      c.evalBatches = 4
      c.resamples = 50
      return c
    }

    /// The optimizers, checked.
    func methods() throws -> [OptimizerConfiguration.Method] {
      guard !optimizers.isEmpty else { throw ExperimentError.invalid("no optimizer to compare (--optimizers)") }
      return try optimizers.map { name in
        guard let m = OptimizerConfiguration.Method(rawValue: name) else {
          throw ExperimentError.invalid("--optimizers: '\(name)' is not one of \(OptimizerConfiguration.Method.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return m
      }
    }
  }

  /// One grid point: η = factor·η₀ and |B| = batchFactor·|B₀| for one optimizer.
  public struct Point: Sendable, Equatable {
    /// The optimiser.
    public let optimizer: OptimizerConfiguration.Method
    /// The learning rate η.
    public let learningRate: Double
    /// The batch size |B|.
    public let batch: Int
    /// In the equal-η/|B| set (with the centre), in the equal-η/√|B| set.
    public let linearSet: Bool, squareRootSet: Bool
    /// η/|B|.
    public var linearRatio: Double { learningRate / Double(batch) }
    /// η/√|B|.
    public var squareRootRatio: Double { learningRate / Double(batch).squareRoot() }
    /// The point's folder name, `sgd-lr0.05-b16`.
    public var name: String { String(format: "%@-lr%g-b%d", optimizer.rawValue, learningRate, batch) }
  }

  /// The grid: η scan (½, 1, 2)·η₀ at |B₀|; |B| scan (½, 2)·|B₀| at η₀; the equal-η/|B| set
  /// (½η₀, ½|B₀|), (2η₀, 2|B₀|); the equal-η/√|B| set (η₀/√2, ½|B₀|), (√2η₀, 2|B₀|).
  public static func points(_ c: Config) throws -> [Point] {
    try c.methods().flatMap { m -> [Point] in
      let lr = (m == .sgd || m == .momentum) ? c.sgdLearningRate : c.adaptiveLearningRate
      let b = c.batch, half = max(1, c.batch / 2), root2 = 2.0.squareRoot()
      return [
        Point(optimizer: m, learningRate: lr, batch: b, linearSet: true, squareRootSet: true),
        Point(optimizer: m, learningRate: lr / 2, batch: b, linearSet: false, squareRootSet: false),
        Point(optimizer: m, learningRate: 2 * lr, batch: b, linearSet: false, squareRootSet: false),
        Point(optimizer: m, learningRate: lr, batch: half, linearSet: false, squareRootSet: false),
        Point(optimizer: m, learningRate: lr, batch: 2 * b, linearSet: false, squareRootSet: false),
        Point(optimizer: m, learningRate: lr / 2, batch: half, linearSet: true, squareRootSet: false),
        Point(optimizer: m, learningRate: 2 * lr, batch: 2 * b, linearSet: true, squareRootSet: false),
        Point(optimizer: m, learningRate: lr / root2, batch: half, linearSet: false, squareRootSet: true),
        Point(optimizer: m, learningRate: lr * root2, batch: 2 * b, linearSet: false, squareRootSet: true),
      ]
    }
  }

  /// A value and its bootstrap error over runs.
  public struct Estimate: Sendable, Equatable {
    /// The statistic over the runs, and its bootstrap error.
    public let value: Double, error: Double
  }

  /// What one grid point measured.
  public struct Measurement: Sendable {
    /// The grid point.
    public let point: Point
    /// Per projection (key, query, value): diffusion per unit learning time, and the ensemble
    /// width at the common learning time.
    public let diffusion: [Estimate], width: [Estimate]
    /// The recorded step at which the width is taken (learning time t* = η·step the same for all).
    public let widthStep: Int
    /// Mean final losses over the runs, with bootstrap errors.
    public let trainLoss: Estimate, validationLoss: Estimate
    /// Runs that finished, and why the others stopped.
    public let runs: Int, failures: [String]
  }

  /// An observable tested against one rule for one optimizer.
  public struct Verdict: Sendable {
    /// The optimiser.
    public let optimizer: OptimizerConfiguration.Method
    /// One of `observables`.
    public let observable: String
    /// "η/|B|" or "η/√|B|".
    public let rule: String
    /// The equal-ratio set's χ² against its weighted mean, degrees of freedom and P(χ² ≥ observed).
    public let chiSquare: Double, degreesOfFreedom: Int, pValue: Double
    /// The collapse over the whole grid: observable = slope·ratio (nil for the losses).
    public let collapse: ThroughOriginFit?
  }

  /// What the study measured.
  public struct Result: Sendable {
    /// The settings the study ran with.
    public let config: Config
    /// One per grid point, in grid order.
    public let measurements: [Measurement]
    /// Every observable against both rules, per optimiser.
    public let verdicts: [Verdict]
    /// Wall-clock time of the study.
    public let seconds: Double
  }

  /// The observables each rule is tested on, in the order of `verdicts`.
  public static let observables = ["diffusion key", "diffusion query", "diffusion value", "width key", "width query", "width value",
                                   "final validation loss"]

  /// Runs the study: ensembles on `workers` tasks (default: one per core), the same result whatever
  /// their number; `progress`, when given, is advanced as the work proceeds. Throws on settings out
  /// of range and when interrupted.
  public static func run(_ config: Config, workers: Int? = nil, progress: Progress? = nil,
                         log: (@Sendable (String) -> Void)? = nil) async throws -> Result {
    let start = Date()
    let grid = try points(config)
    var measurements: [Measurement] = []
    for point in grid {
      try Interruption.check()
      let records = try await pointRecords(config, point, workers: workers, progress: progress)
      let m = measure(config, point, grid: grid, runs: records.map(\.run))
      log?(String(format: "%@: η = %g, |B| = %d: diffusion of key eigenvalues %.3g ± %.2g, validation loss %.4f (%d runs)",
                  point.optimizer.rawValue, point.learningRate, point.batch, m.diffusion[0].value, m.diffusion[0].error,
                  m.validationLoss.value, m.runs))
      measurements.append(m)
    }
    progress?.finish()
    return Result(config: config, measurements: measurements, verdicts: verdicts(measurements), seconds: Date().timeIntervalSince(start))
  }

  /// Runs `part` of every grid point's runs: what a shard keeps (records without parameters),
  /// one ensemble per point in grid order. Run k of a point is the same whoever trains it.
  public static func shard(_ config: Config, part: Range<Int>, progress: Progress? = nil) async throws -> [[GPTExperiment.ShardRecord]] {
    var ensembles: [[GPTExperiment.ShardRecord]] = []
    for point in try points(config) {
      try Interruption.check()
      let records = try await GPTExperiment.ensemble(pointConfig(config, point), part: part, progress: nil)
      progress?.advance(by: part.count * config.iterations, note: point.name)
      ensembles.append(records.map { GPTExperiment.ShardRecord(run: $0.run, parameters: nil) })
    }
    progress?.finish()
    return ensembles
  }

  /// The study from every grid point's records (one ensemble per point, in grid order, each in
  /// run order): what `dyson merge` does with the shards. Throws for records that do not fit.
  public static func result(_ config: Config, records: [[GPTExperiment.ShardRecord]], seconds: Double) throws -> Result {
    let grid = try points(config)
    guard records.count == grid.count else { throw ExperimentError.invalid("records of \(records.count) grid points for \(grid.count)") }
    let measurements = try zip(grid, records).map { point, ensemble -> Measurement in
      let runs = ensemble.map(\.run)
      try GPTExperiment.check(runs, model: config.model, runs: config.runs)
      return measure(config, point, grid: grid, runs: runs)
    }
    return Result(config: config, measurements: measurements, verdicts: verdicts(measurements), seconds: seconds)
  }

  /// The GPT study's settings for one grid point.
  static func pointConfig(_ c: Config, _ p: Point) -> GPTExperiment.Config {
    var g = GPTExperiment.Config()
    g.data = c.data
    g.training.model = c.model
    g.training.optimizer.method = p.optimizer
    g.training.optimizer.learningRate = p.learningRate
    // No weight decay for the SGD family: its drift would add to the loss's; AdamW keeps the lecture's.
    g.training.optimizer.weightDecay = p.optimizer == .adamw ? 0.01 : 0
    g.training.batch = p.batch
    g.iterations = c.iterations
    g.runs = c.runs
    g.seed = c.seed
    g.evalInterval = c.iterations      // the losses at the start and the end only
    g.evalIters = 1
    g.finalEvalIters = c.evalBatches
    g.spectrumInterval = c.recordInterval
    g.histogramSteps = []
    g.sharedInitialisation = true
    return g
  }

  /// One point's runs: trained, or read back when `resume` finds them finished with these settings.
  static func pointRecords(_ c: Config, _ p: Point, workers: Int?, progress: Progress?) async throws -> [GPTExperiment.ShardRecord] {
    let g = pointConfig(c, p)
    let file = c.checkpointDirectory.isEmpty ? nil : c.checkpointDirectory + "/points/" + p.name + ".json"
    let settings = settingsJSON(GPTExperiment.Config.settings, g).serialized() + (g.sharedInitialisation ? " shared" : "")
    if c.resume, let file, let text = try? String(contentsOfFile: file, encoding: .utf8),
       let saved = try? JSONDecoder().decode(SavedPoint.self, from: Data(text.utf8)), saved.settings == settings {
      progress?.advance(by: c.runs * c.iterations)
      return saved.records
    }
    // The runs' own progress lines would finish the study's bar: each point counts on its own.
    let records = try await GPTExperiment.ensemble(g, workers: workers, progress: nil)
    progress?.advance(by: c.runs * c.iterations, note: p.name)
    if let file {
      try FileManager.default.createDirectory(atPath: c.checkpointDirectory + "/points", withIntermediateDirectories: true)
      let data = try JSONEncoder().encode(SavedPoint(settings: settings, records: records.map { GPTExperiment.ShardRecord(run: $0.run, parameters: nil) }))
      try AtomicFile.write(data, to: file)
    }
    return records
  }

  /// A finished point on disk: its settings and its runs' records.
  struct SavedPoint: Codable {
    let settings: String
    let records: [GPTExperiment.ShardRecord]
  }

  /// The observables of one point from its runs' records.
  static func measure(_ c: Config, _ p: Point, grid: [Point], runs: [GPTExperiment.Run]) -> Measurement {
    let healthy = runs.filter { $0.failure == nil }
    let failures = runs.compactMap(\.failure)
    let nan = Estimate(value: .nan, error: .nan)
    guard healthy.count >= 2, let steps = healthy.first?.spectrumSteps else {
      return Measurement(point: p, diffusion: [nan, nan, nan], width: [nan, nan, nan], widthStep: 0,
                         trainLoss: nan, validationLoss: nan, runs: healthy.count, failures: failures)
    }
    // t* = the learning time η·step the slowest point of this optimizer reaches at its last step.
    // The diffusion: consecutive records with η·step in [t*/2, t*], the same stretch of learning
    // time at every point (the noise grows as training proceeds, so equal steps would compare
    // different stages); the width: at t*.
    let slowest = grid.filter { $0.optimizer == p.optimizer }.map(\.learningRate).min()!
    let tStar = Double(c.iterations) * slowest
    let late = steps.indices.filter { i in
      let t = p.learningRate * Double(steps[i])
      return t >= tStar / 2 * (1 - 1e-12) && t <= tStar * (1 + 1e-12)
    }
    let pairs = zip(late, late.dropFirst()).map { ($0, $1) }
    let target = tStar / p.learningRate
    let widthIndex = steps.indices.min { abs(Double(steps[$0]) - target) < abs(Double(steps[$1]) - target) }!
    func variance(_ values: [Double]) -> Double {
      let m = values.reduce(0, +) / Double(values.count)
      return values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)
    }
    /// Mean over layers, heads and levels of the variance over runs of f(run, layer, head, level).
    func meanVariance(_ rs: [GPTExperiment.Run], projection: HeadProjection, _ f: (GPTExperiment.Run, Int, Int, Int) -> Double) -> Double {
      let shape = rs[0].spectra[0]
      var total = 0.0, count = 0
      for l in 0..<shape.layers {
        for h in 0..<shape.heads {
          for i in 0..<shape.levels {
            total += variance(rs.map { f($0, l, h, i) })
            count += 1
          }
        }
      }
      return total / Double(count)
    }
    func diffusion(_ rs: [GPTExperiment.Run], projection: HeadProjection) -> Double {
      guard !pairs.isEmpty else { return .nan }
      let perPair = pairs.map { a, b in
        meanVariance(rs, projection: projection) { r, l, h, i in r.spectra[b][layer: l, projection: projection, head: h, level: i] - r.spectra[a][layer: l, projection: projection, head: h, level: i] }
          / (p.learningRate * Double(steps[b] - steps[a]))
      }
      return perPair.reduce(0, +) / Double(perPair.count)
    }
    func width(_ rs: [GPTExperiment.Run], projection: HeadProjection) -> Double {
      meanVariance(rs, projection: projection) { r, l, h, i in r.spectra[widthIndex][layer: l, projection: projection, head: h, level: i] }
    }
    let seed = c.seed &+ 0x5CA1E   // the same resampling stream at every point
    func estimate(_ statistic: @escaping ([GPTExperiment.Run]) -> Double, stream: UInt64) -> Estimate {
      let b = bootstrap(healthy, resamples: c.resamples, seed: seed, stream: stream, statistic: statistic)
      return Estimate(value: b.value, error: b.standardError)
    }
    func meanLoss(_ f: @escaping (GPTExperiment.Run) -> Double, stream: UInt64) -> Estimate {
      estimate({ rs in rs.map(f).reduce(0, +) / Double(rs.count) }, stream: stream)
    }
    return Measurement(
      point: p,
      diffusion: HeadProjection.allCases.enumerated().map { q, p in estimate({ diffusion($0, projection: p) }, stream: UInt64(q)) },
      width: HeadProjection.allCases.enumerated().map { q, p in estimate({ width($0, projection: p) }, stream: UInt64(3 + q)) },
      widthStep: steps[widthIndex],
      trainLoss: meanLoss(\.finalTrain, stream: 6), validationLoss: meanLoss(\.finalValidation, stream: 7),
      runs: healthy.count, failures: failures)
  }

  /// Every observable against both rules, per optimizer.
  static func verdicts(_ ms: [Measurement]) -> [Verdict] {
    var out: [Verdict] = []
    var seen: [OptimizerConfiguration.Method] = []
    for m in ms where !seen.contains(m.point.optimizer) { seen.append(m.point.optimizer) }
    for optimizer in seen {
      let group = ms.filter { $0.point.optimizer == optimizer }
      for (k, name) in observables.enumerated() {
        func value(_ m: Measurement) -> Estimate { k < 3 ? m.diffusion[k] : k < 6 ? m.width[k - 3] : m.validationLoss }
        for linear in [true, false] {
          let set = group.filter { linear ? $0.point.linearSet : $0.point.squareRootSet }.map(value).filter { $0.value.isFinite && $0.error > 0 }
          let weights = set.map { 1 / ($0.error * $0.error) }
          let mean = zip(set, weights).reduce(0) { $0 + $1.0.value * $1.1 } / weights.reduce(0, +)
          let chi = zip(set, weights).reduce(0) { $0 + ($1.0.value - mean) * ($1.0.value - mean) * $1.1 }
          let dof = set.count - 1
          let p = dof > 0 ? 1 - regularizedLowerGamma(Double(dof) / 2, chi / 2) : .nan
          var collapse: ThroughOriginFit?
          if k < 6 {
            let usable = group.filter { value($0).value.isFinite && value($0).error > 0 }
            if usable.count >= 2 {
              collapse = ThroughOriginFit(x: usable.map { linear ? $0.point.linearRatio : $0.point.squareRootRatio },
                                          y: usable.map { value($0).value }, errors: usable.map { value($0).error })
            }
          }
          out.append(Verdict(optimizer: optimizer, observable: name, rule: linear ? "η/|B|" : "η/√|B|",
                             chiSquare: chi, degreesOfFreedom: dof, pValue: p, collapse: collapse))
        }
      }
    }
    return out
  }

  // MARK: - Output

  /// What summary.json holds.
  public struct Summary: Codable, Sendable, Equatable {
    /// A value with its bootstrap error.
    public struct EstimateEntry: Codable, Sendable, Equatable {
      /// The statistic and its bootstrap error.
      public var value: Double?, error: Double?
      init(_ e: Estimate) { (value, error) = (finite(e.value), finite(e.error)) }
    }
    /// One estimate per projection.
    public struct PerProjection: Codable, Sendable, Equatable {
      /// For the keys, the queries and the values.
      public var key: EstimateEntry, query: EstimateEntry, value: EstimateEntry
      init(_ e: [Estimate]) { (key, query, value) = (EstimateEntry(e[0]), EstimateEntry(e[1]), EstimateEntry(e[2])) }
    }
    /// One grid point (`Measurement`).
    public struct PointEntry: Codable, Sendable, Equatable {
      /// The optimiser.
      public var optimizer: OptimizerConfiguration.Method
      /// The learning rate η.
      public var lr: Double
      /// The batch size |B|.
      public var batch: Int
      /// Whether the point belongs to the equal-η/|B| set and to the equal-η/√|B| set.
      public var equalLinearSet: Bool, equalSquareRootSet: Bool
      /// Diffusion per unit learning time, and the ensemble width at `widthStep`.
      public var diffusion: PerProjection, width: PerProjection
      /// The recorded step of the width (common learning time η·step).
      public var widthStep: Int
      /// Mean final losses with bootstrap errors.
      public var trainLoss: EstimateEntry, validationLoss: EstimateEntry
      /// Runs that finished, and why the others stopped.
      public var runs: Int
      /// Why runs stopped early.
      public var failures: [String]
      enum CodingKeys: String, CodingKey {
        case optimizer, lr, batch, equalLinearSet = "equal_lr_over_batch_set", equalSquareRootSet = "equal_lr_over_sqrt_batch_set"
        case diffusion, width, widthStep = "width_step", trainLoss = "train_loss", validationLoss = "val_loss", runs, failures
      }
    }
    /// One observable against one rule (`Verdict`).
    public struct VerdictEntry: Codable, Sendable, Equatable {
      /// The optimiser.
      public var optimizer: OptimizerConfiguration.Method
      /// One of `observables`.
      public var observable: String
      /// "η/|B|" or "η/√|B|".
      public var rule: String
      /// χ² of the equal-ratio set against its weighted mean.
      public var equalRatioChi2: Double?
      /// Its degrees of freedom.
      public var dof: Int
      /// P(χ² ≥ observed).
      public var pValue: Double?
      /// The collapse through the origin over the grid: slope, R², R₀² (nil for the losses).
      public var collapseSlope: Double?, collapseR2: Double?, collapseR2Uncentred: Double?
      enum CodingKeys: String, CodingKey {
        case optimizer, observable, rule, equalRatioChi2 = "equal_ratio_chi2", dof, pValue = "p_value", collapseSlope = "collapse_slope"
        case collapseR2 = "collapse_r2", collapseR2Uncentred = "collapse_r2_uncentred"
      }
    }
    /// "gpt-scaling".
    public var experiment = "gpt-scaling"
    /// Steps per run, and runs per point.
    public var iterations: Int, runsPerPoint: Int
    /// One per grid point.
    public var points: [PointEntry]
    /// Every observable against both rules, per optimiser.
    public var verdicts: [VerdictEntry]
    /// Wall-clock time of the study.
    public var seconds: Double
    enum CodingKeys: String, CodingKey { case experiment, iterations, runsPerPoint = "runs_per_point", points, verdicts, seconds }
  }

  /// The summary of a result (what `write` puts in summary.json).
  public static func summary(_ r: Result) -> Summary {
    Summary(
      iterations: r.config.iterations, runsPerPoint: r.config.runs,
      points: r.measurements.map { m in
        let p = m.point
        return Summary.PointEntry(optimizer: p.optimizer, lr: p.learningRate, batch: p.batch, equalLinearSet: p.linearSet,
                                  equalSquareRootSet: p.squareRootSet, diffusion: Summary.PerProjection(m.diffusion),
                                  width: Summary.PerProjection(m.width), widthStep: m.widthStep, trainLoss: Summary.EstimateEntry(m.trainLoss),
                                  validationLoss: Summary.EstimateEntry(m.validationLoss), runs: m.runs, failures: m.failures)
      },
      verdicts: r.verdicts.map { v in
        Summary.VerdictEntry(optimizer: v.optimizer, observable: v.observable, rule: v.rule, equalRatioChi2: finite(v.chiSquare),
                             dof: v.degreesOfFreedom, pValue: finite(v.pValue), collapseSlope: v.collapse.flatMap { finite($0.slope) },
                             collapseR2: v.collapse.flatMap { finite($0.r2) }, collapseR2Uncentred: v.collapse.flatMap { finite($0.r2Uncentred) })
      },
      seconds: r.seconds)
  }

  /// Writes the study's files into `output`: config.json, summary.json, its tables, figures and index.html.
  public static func write(_ r: Result, to output: inout ExperimentOutput) throws {
    try output.write(json: settingsJSON(Config.settings, r.config), to: "config.json")
    var csv = CSVWriter(header: ["optimizer", "lr", "batch", "lr_over_batch", "lr_over_sqrt_batch", "linear_set", "sqrt_set",
                                 "diffusion_key", "diffusion_key_error", "diffusion_query", "diffusion_query_error",
                                 "diffusion_value", "diffusion_value_error", "width_key", "width_key_error", "width_query",
                                 "width_query_error", "width_value", "width_value_error", "width_step", "train_loss",
                                 "train_loss_error", "val_loss", "val_loss_error", "runs"])
    for m in r.measurements {
      let p = m.point
      var row = [p.optimizer.rawValue, "\(p.learningRate)", "\(p.batch)", "\(p.linearRatio)", "\(p.squareRootRatio)",
                 p.linearSet ? "1" : "0", p.squareRootSet ? "1" : "0"]
      for e in m.diffusion + m.width { row += ["\(e.value)", "\(e.error)"] }
      row += ["\(m.widthStep)", "\(m.trainLoss.value)", "\(m.trainLoss.error)", "\(m.validationLoss.value)", "\(m.validationLoss.error)", "\(m.runs)"]
      csv.appendRow(row)
    }
    try output.write(csv: csv, to: "points.csv")
    try output.write(summary: summary(r))
    var seen: [OptimizerConfiguration.Method] = []
    for m in r.measurements where !seen.contains(m.point.optimizer) { seen.append(m.point.optimizer) }
    for optimizer in seen {
      let group = r.measurements.filter { $0.point.optimizer == optimizer }
      func panel(_ title: String, observable: String, linear: Bool, unit: String, _ value: @escaping (Measurement) -> Estimate) -> Panel {
        var panel = Panel(title: title, x: Axis(linear ? "η/|B|" : "η/√|B|"), y: Axis(unit))
        func ratio(_ m: Measurement) -> Double { linear ? m.point.linearRatio : m.point.squareRootRatio }
        let all = group.filter { value($0).value.isFinite }
        let set = all.filter { linear ? $0.point.linearSet : $0.point.squareRootSet }
        panel.add(.points(x: all.map(ratio), y: all.map { value($0).value }, errors: all.map { value($0).error }, color: plotPalette[0], label: "grid"))
        panel.add(.points(x: set.map(ratio), y: set.map { value($0).value }, errors: set.map { value($0).error }, color: plotPalette[1],
                          label: linear ? "equal η/|B|" : "equal η/√|B|"))
        if let fit = r.verdicts.first(where: { $0.optimizer == optimizer && $0.observable == observable && $0.rule == (linear ? "η/|B|" : "η/√|B|") })?.collapse,
           let top = all.map(ratio).max() {
          panel.add(.line(x: [0, top], y: [0, fit.slope * top], color: plotPalette[2], width: 1, dashed: true, label: "through the origin"))
        }
        return panel
      }
      let diffusion = "variance per unit η·steps", width = "variance over runs"
      let figure = Figure(panels: [panel("(a) key diffusion", observable: "diffusion key", linear: true, unit: diffusion) { $0.diffusion[0] },
                                   panel("(b) key diffusion", observable: "diffusion key", linear: false, unit: diffusion) { $0.diffusion[0] },
                                   panel("(c) value width at t*", observable: "width value", linear: true, unit: width) { $0.width[2] },
                                   panel("(d) value width at t*", observable: "width value", linear: false, unit: width) { $0.width[2] }],
                          columns: 2,
                          caption: "\(optimizer.rawValue): (a, b) the diffusion of the key eigenvalues (variance over runs of an eigenvalue's increment per unit of learning time η·steps, over the same stretch of learning time at every point); (c, d) the ensemble width of the value eigenvalues at the common learning time t*; every grid point with bootstrap errors over runs, the equal-ratio set of each rule highlighted, the fit through the origin dashed. A rule holds where its set's points agree and the grid falls on the line.")
      try output.add(figure, as: "diffusion-\(optimizer.rawValue).svg")
    }
    try output.writeIndex(title: "Dyson: the linear scaling rule in the GPT",
                          summary: "\(r.config.runs) runs × \(r.config.iterations) steps at each of \(r.measurements.count) grid points (η, |B|), in \(Int(r.seconds)) s.")
  }
}
