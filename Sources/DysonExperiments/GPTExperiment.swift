import DysonCore
import DysonIO
import DysonModels
import DysonPlot
import DysonRMT
import Foundation

/// The nano-GPT study of 2411.13512 (Figs. 3–4): train the lecture's character-level GPT on tiny
/// Shakespeare over an ensemble of seeds, and follow the eigenvalues of X = KᵀK (and QᵀQ, VᵀV)
/// of every head from Marchenko–Pastur at initialisation to the heavy-tailed spectra at the end.
public struct GPTExperiment {
  /// The study's settings; `settings` names each as a command-line option and config.json key.
  public struct Config: Codable, Sendable, Equatable {
    /// The model, the optimiser and the batch size of every run.
    public var training = GPTTrainer.Settings()
    /// The training text (tiny Shakespeare in the paper). The caller says where it is.
    public var data = ""
    /// Optimizer steps per run (`--iters`).
    public var iterations = 5000
    /// Loss estimates every `evalInterval` steps on `evalIters` batches per split …
    public var evalInterval = 500
    /// Batches per split for each estimate (`--eval-iters`).
    public var evalIters = 20
    /// … and at the end on `finalEvalIters` batches (the published losses use 200).
    public var finalEvalIters = 200
    /// Steps between recorded spectra (every head's K, Q and V), from step 0.
    public var spectrumInterval = 250
    /// Independent runs; run k draws from streams 3k, 3k+1, 3k+2 of `seed`.
    public var runs = 1
    /// The seed every random stream of the study derives from (`--seed`).
    public var seed: UInt64 = 1337
    /// Bootstrap resamples (over runs) for the errors of the MP fits.
    public var resamples = 200
    /// Least share of the pooled step-end key eigenvalues that the power-law tail may hold: the
    /// Clauset–Shalizi–Newman search for x_min only looks at cuts that keep this many. Over all
    /// cuts, the KS minimum of the 50-run ensemble fell on its top 1 % (a separate cluster of the
    /// largest eigenvalues, α ≈ 19), while the 20-run one found α ≈ 2.7 over the top third.
    public var tailMinimumFraction = 0.1
    /// Steps whose pooled spectra are drawn as histograms (the paper's 0, 1000, 5000).
    public var histogramSteps = [0, 1000, 5000]
    /// Steps between checkpoints of every run (0: none); they go to `checkpointDirectory`.
    public var checkpointEvery = 0
    /// Every run starts from run 0's weights (and differs only in its batches): the spread over
    /// runs is then SGD's alone (`GPTScalingExperiment`).
    public var sharedInitialisation = false
    /// Where the runs' checkpoints go (and are resumed from); empty: no checkpoints.
    public var checkpointDirectory = ""
    /// Continue each run from its checkpoint in `checkpointDirectory`, where there is one.
    public var resume = false

    /// The defaults above: the papers' settings.
    public init() {}

    /// Each field's option name, help text and valid range: the command's options and the keys of config.json.
    public static let settings: [Setting<Config>] = [
      .text("data", "the training text (characters become tokens)", \.data),
      .integer("iters", "optimizer steps per run", \.iterations, 0...10_000_000),
      .integer("runs", "independent runs (seeds)", \.runs, 1...100_000),
      .seed("seed; run k uses streams 3k…3k+2", \.seed),
      .choice("optimizer", "adamw (the lecture's), adam, sgd or momentum (SGD with --momentum), as PyTorch's", \.training.optimizer.method),
      .number("lr", "learning rate", \.training.optimizer.learningRate, 0...10),
      .number("weight-decay", "weight decay: decoupled for adamw, added to the gradient for the others", \.training.optimizer.weightDecay, 0...10),
      .number("momentum", "μ of --optimizer momentum", \.training.optimizer.momentum, 0...0.999999),
      .integer("batch", "sequences per batch", \.training.batch, 1...4096),
      .integer("block", "context length T", \.training.model.block, 1...4096),
      .integer("layers", "transformer blocks", \.training.model.layers, 1...64),
      .integer("heads", "attention heads per block", \.training.model.heads, 1...64),
      .integer("embedding", "n_embd (a multiple of heads)", \.training.model.embedding, 1...4096),
      .integer("hidden", "MLP hidden width", \.training.model.hiddenWidth, 1...16384),
      .choice("scale", "attention score scale: embedding = 1/√n_embd (notebook), head-size = 1/√head_size", \.training.model.attentionScale),
      .choice("init", "initialisation: pytorch (defaults) or normal-0.02 (gpt.py)", \.training.model.initialisation),
      .integer("eval-interval", "steps between loss estimates", \.evalInterval, 1...10_000_000),
      .integer("eval-iters", "batches per split for each estimate", \.evalIters, 1...100_000),
      .integer("final-eval-iters", "batches per split for the final estimate", \.finalEvalIters, 1...100_000),
      .integer("spectrum-interval", "steps between recorded spectra", \.spectrumInterval, 1...10_000_000),
      .integer("resamples", "bootstrap resamples for fit errors", \.resamples, 2...100_000),
      .number("tail-min-fraction", "least share of the pooled key eigenvalues in the power-law tail (x_min search)", \.tailMinimumFraction, 0...1),
      .integerList("histogram-steps", "steps drawn as spectral histograms", \.histogramSteps, 0...10_000_000),
      .integer("checkpoint-every", "steps between checkpoints in the output folder (0: none)", \.checkpointEvery, 0...10_000_000),
    ]

    /// Seconds: a few hundred steps of two runs, for tests and a first look.
    public static var quick: Config {
      var c = Config()
      c.iterations = 300
      c.runs = 2
      c.evalInterval = 100
      c.evalIters = 5
      c.finalEvalIters = 20
      c.spectrumInterval = 100
      c.resamples = 50
      c.histogramSteps = [0, 300]
      return c
    }
  }

  /// What one run records.
  public struct Run: Sendable, Codable {
    /// (step, train loss, validation loss) every evalInterval steps and at the end.
    public var losses: [(step: Int, train: Double, validation: Double)] = []
    /// The steps at which spectra were recorded, ascending.
    public var spectrumSteps: [Int] = []
    /// The spectra of every head at each of `spectrumSteps`.
    public var spectra: [HeadSpectra] = []
    /// Final training loss (on `finalEvalIters` batches); NaN for a failed run.
    public var finalTrain = Double.nan
    /// Final validation loss; NaN for a failed run.
    public var finalValidation = Double.nan
    /// Why the run stopped early (divergence, a bad setting); nil when it finished.
    public var failure: String?

    /// An empty record.
    public init() {}

    // Shard files: losses as objects; NaN (a failed run's losses) as null, which JSON lacks.
    private enum CodingKeys: String, CodingKey { case losses, spectrumSteps, spectra, finalTrain, finalValidation, failure }
    private struct Loss: Codable { var step: Int; var train: Double?; var validation: Double? }

    public init(from decoder: Decoder) throws {
      let c = try decoder.container(keyedBy: CodingKeys.self)
      losses = try c.decode([Loss].self, forKey: .losses).map { ($0.step, $0.train ?? .nan, $0.validation ?? .nan) }
      spectrumSteps = try c.decode([Int].self, forKey: .spectrumSteps)
      spectra = try c.decode([HeadSpectra].self, forKey: .spectra)
      finalTrain = try c.decodeIfPresent(Double.self, forKey: .finalTrain) ?? .nan
      finalValidation = try c.decodeIfPresent(Double.self, forKey: .finalValidation) ?? .nan
      failure = try c.decodeIfPresent(String.self, forKey: .failure)
    }

    public func encode(to encoder: Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(losses.map { Loss(step: $0.step, train: finite($0.train), validation: finite($0.validation)) }, forKey: .losses)
      try c.encode(spectrumSteps, forKey: .spectrumSteps)
      try c.encode(spectra, forKey: .spectra)
      try c.encodeIfPresent(finite(finalTrain), forKey: .finalTrain)
      try c.encodeIfPresent(finite(finalValidation), forKey: .finalValidation)
      try c.encodeIfPresent(failure, forKey: .failure)
    }
  }

  /// A run as a shard keeps it: run 0 also keeps its final parameters (weights.safetensors, the sample).
  public struct ShardRecord: Sendable, Codable {
    /// The run's records.
    public var run: Run
    /// Run 0's final parameters (`GPTLayout` order); nil for the others.
    public var parameters: [Float]?
  }

  /// The MP fit of head 0's key spectra of one layer, pooled over runs, at one step.
  public struct LayerFit: Sendable {
    /// The layer, from 0.
    public let layer: Int
    /// The training step.
    public let step: Int
    /// σ² and its bootstrap error over runs.
    public let variance: Double, varianceError: Double
    /// A and its bootstrap error over runs.
    public let area: Double, areaError: Double
    /// Fraction of eigenvalues above the fitted x₊ (the tail).
    public let tailFraction: Double
  }

  /// ⟨r̃⟩, the mean ratio of consecutive spacings (`SpacingRatio`), of head 0's key spectra (all
  /// layers, all runs) at one recorded step. It needs no unfolding, so run-to-run differences of
  /// the spectral density, which ensemble unfolding turns into wider spacings, leave it alone.
  public struct RatioMean: Sendable, Equatable {
    /// The training step.
    public let step: Int
    /// ⟨r̃⟩ over every spectrum's ratios.
    public let mean: Double
    /// Standard error over runs (each run gives the same number of ratios); NaN with one run.
    public let error: Double
    /// Ratios in the mean.
    public let count: Int
    /// The same without each spectrum's largest level: after training that level is often an
    /// outlier of the tail, which its neighbour does not repel as bulk levels repel each other.
    public let meanWithoutLargest: Double
    /// Its standard error over runs.
    public let errorWithoutLargest: Double
  }

  /// Spacings of head 0's keys (all layers, all runs, each layer unfolded over the runs) at one
  /// recorded step: 2411.13512 Fig. 3 shows steps 0, 1000 and 5000 (`histogramSteps`).
  public struct StepSpacings: Sendable {
    /// The training step.
    public let step: Int
    /// Every unfolded spacing, and those without each spectrum's first and last.
    public let all: [Double], bulk: [Double]
    /// KS test of `all` against the GOE surmise; nil with too few spacings.
    public let ks: KolmogorovSmirnov?
  }

  /// The query or value matrices of head 0 analysed as the keys are, at the last step: the MP fit
  /// per layer and the pooled unfolded spacings.
  public struct ProjectionSummary: Sendable {
    /// Queries or values.
    public let projection: HeadProjection
    /// Head 0's MP fit per layer at the last step.
    public let fits: [LayerFit]
    /// The pooled unfolded spacings at the last step.
    public let spacings: [Double]
    /// KS test of `spacings` against the GOE surmise.
    public let ks: KolmogorovSmirnov?
  }

  /// What the study measured.
  public struct Result: Sendable {
    /// The settings the study ran with.
    public let config: Config
    /// Every run's records, in run order.
    public let runs: [Run]
    /// Head 0's key fit per layer and recorded step.
    public let fits: [LayerFit]
    /// The keys' spacings at each of `histogramSteps` that was recorded (needs ≥ `minimumSpacingRuns` runs).
    public let spacingsByStep: [StepSpacings]
    /// Queries and values, as the keys.
    public let projections: [ProjectionSummary]
    /// ⟨r̃⟩ at the first and the last recorded step.
    public let ratioMeans: [RatioMean]
    /// Spacings of head 0's keys at the last step, unfolded per layer over the runs, then pooled.
    public let spacings: [Double]
    /// KS test of `spacings` against the GOE surmise.
    public let spacingKS: KolmogorovSmirnov?
    /// The same with each run's spectrum divided by its median before the unfolding.
    public let runScaledSpacings: [Double]
    /// The same without each spectrum's first and last spacing: with 16 levels, the edges (often a
    /// tail eigenvalue beyond the bulk) are not bulk spacings, and the surmise is a bulk law.
    public let bulkSpacings: [Double]
    /// KS test of `bulkSpacings` against the GOE surmise.
    public let bulkSpacingKS: KolmogorovSmirnov?
    /// Power law of the pooled final key eigenvalues' upper tail (all heads, all layers).
    public let tail: PowerLawTail?
    /// Parameters of the model.
    public let parameterCount: Int
    /// Wall-clock time of the study.
    public let seconds: Double
    /// Run 0's final model (for weights.safetensors and the sample).
    public let model: GPT<Float>?
    /// The text's characters (the model's tokens).
    public let vocabulary: CharacterVocabulary
  }

  /// Loads the text, or says how to get it.
  public static func loadCorpus(_ config: Config) throws -> TextCorpus {
    let data: Data
    guard !config.data.isEmpty else { throw ExperimentError.invalid("no training text given (set data, or pass --data FILE)") }
    do { data = try ReadOnlyFile.contents(of: config.data) } catch {
      throw ExperimentError.invalid("cannot read the text '\(config.data)': \(error.fault) (pass --data FILE)")
    }
    guard let text = String(data: data, encoding: .utf8), !text.isEmpty else {
      throw ExperimentError.invalid("'\(config.data)' is not UTF-8 text")
    }
    do { return try TextCorpus(text: text) } catch { throw ExperimentError.invalid("\(error)") }
  }

  /// Runs the study: ensembles on `workers` tasks (default: one per core), the same result whatever
  /// their number; `progress`, when given, is advanced as the work proceeds. Throws on settings out
  /// of range and when interrupted.
  public static func run(_ config: Config, workers: Int? = nil, progress: Progress? = nil) async throws -> Result {
    let start = Date()
    let records = try await ensemble(config, workers: workers, progress: progress)
    return try result(config, records: records, seconds: Date().timeIntervalSince(start))
  }

  /// The text and the training settings with the text's vocabulary, after checking both.
  static func prepare(_ config: Config) throws -> (TextCorpus, GPTTrainer.Settings) {
    let corpus = try loadCorpus(config)
    var adjusted = config.training
    adjusted.model.vocabulary = corpus.vocabulary.count
    do { _ = try GPTTrainer(adjusted, corpus: corpus, seed: config.seed) } catch { throw ExperimentError.invalid("\(error)") }
    return (corpus, adjusted)
  }

  /// Removes the runs' checkpoints (2.5 MB each) once the study is complete.
  public static func removeCheckpoints(_ config: Config) {
    guard !config.checkpointDirectory.isEmpty else { return }
    for k in 0..<config.runs { try? FileManager.default.removeItem(atPath: GPTCheckpoint.path(directory: config.checkpointDirectory, run: k)) }
  }

  /// Runs `part` (all by default), one per task: what a shard keeps (run 0 with its parameters).
  public static func ensemble(_ config: Config, part: Range<Int>? = nil, workers: Int? = nil, progress: Progress? = nil) async throws -> [ShardRecord] {
    let (corpus, settings) = try prepare(config)
    let part = part ?? 0..<config.runs
    let width = max(1, workers ?? ProcessInfo.processInfo.activeProcessorCount)
    let records = try await orderedTaskGroup(count: part.count, width: width) { i in
      let k = part.lowerBound + i
      // One run per task; its kernels stay on the task's thread, so runs do not oversubscribe.
      let (run, model) = try Parallelism.$kernelThreads.withValue(1) {
        try train(config, settings: settings, corpus: corpus, run: k, progress: progress)
      }
      return ShardRecord(run: run, parameters: k == 0 ? model?.parameters : nil)
    }
    progress?.finish()
    return records
  }

  /// The analysis of every run's records, in run order.
  public static func result(_ config: Config, records: [ShardRecord], seconds: Double) throws -> Result {
    let (corpus, settings) = try prepare(config)
    let runs = records.map(\.run)
    try check(runs, model: settings.model, runs: config.runs)
    let model = try records.first?.parameters.map { try GPT<Float>(settings.model, parameters: $0) }
    let healthy = runs.filter { $0.failure == nil }
    let analysis = analyse(config, runs: healthy, headSize: settings.model.headSize, embedding: settings.model.embedding)
    return Result(config: config, runs: runs, fits: analysis.fits, spacingsByStep: analysis.spacingsByStep, projections: analysis.projections,
                  ratioMeans: analysis.ratioMeans, spacings: analysis.spacings, spacingKS: analysis.ks,
                  runScaledSpacings: analysis.runScaledSpacings,
                  bulkSpacings: analysis.bulkSpacings, bulkSpacingKS: analysis.bulkKS,
                  tail: analysis.tail, parameterCount: GPTLayout(settings.model).count,
                  seconds: seconds, model: model, vocabulary: corpus.vocabulary)
  }

  /// Checks records that come from files (shards): one per run, steps that increase, spectra of
  /// this model's shape with finite values, so that the analysis never indexes past a short record.
  static func check(_ runs: [Run], model c: GPTConfiguration, runs expected: Int) throws {
    guard runs.count == expected else { throw ExperimentError.invalid("records of \(runs.count) runs for \(expected) runs") }
    for (k, run) in runs.enumerated() where run.failure == nil {
      func fail(_ why: String) -> ExperimentError { .invalid("run \(k)'s records \(why)") }
      guard run.spectra.count == run.spectrumSteps.count else { throw fail("have \(run.spectra.count) spectra for \(run.spectrumSteps.count) steps") }
      guard zip(run.spectrumSteps, run.spectrumSteps.dropFirst()).allSatisfy({ $0 < $1 }), run.spectrumSteps.allSatisfy({ $0 >= 0 }) else {
        throw fail("have steps that do not increase from 0")
      }
      for step in run.spectra {
        guard step.layers == c.layers, step.heads == c.heads, step.levels == c.headSize, step.flattened.allSatisfy(\.isFinite) else {
          throw fail("have spectra that are not \(c.layers) layers × \(HeadProjection.allCases.count) projections × \(c.heads) heads × \(c.headSize) finite values")
        }
      }
    }
    let healthy = runs.filter { $0.failure == nil }
    if let first = healthy.first, healthy.contains(where: { $0.spectrumSteps != first.spectrumSteps }) {
      throw ExperimentError.invalid("the runs' records were made at different steps")
    }
  }

  /// One run: the training loop with its loss estimates and spectra.
  /// An interrupt request stops it before the next step, saving a checkpoint first when the
  /// run keeps them, and throws `Interrupted`.
  static func train(_ config: Config, settings: GPTTrainer.Settings, corpus: TextCorpus, run k: Int, progress: Progress?) throws -> (Run, GPT<Float>?) {
    var run = Run()
    let trainer: GPTTrainer
    do { trainer = try GPTTrainer(settings, corpus: corpus, seed: config.seed, run: k, initialisationRun: config.sharedInitialisation ? 0 : nil) } catch {
      run.failure = "run \(k): \(error)"
      return (run, nil)
    }
    func record() {
      run.spectrumSteps.append(trainer.step)
      run.spectra.append(trainer.model.headSpectra)
    }
    var lastLoss = Double.nan
    let tokensPerStep = Double(settings.batch * settings.model.block)
    let clock = Date()
    let checkpoint = GPTCheckpoint.path(directory: config.checkpointDirectory, run: k)
    do {
      if config.resume && FileManager.default.fileExists(atPath: checkpoint) {
        run = try GPTCheckpoint.load(checkpoint, into: trainer)
        progress?.advance(by: trainer.step)
      }
      for step in trainer.step..<max(config.iterations, trainer.step) {
        // A stop request saves the state wherever there is a checkpoint folder, periodic or not.
        if Interruption.isRequested {
          if !config.checkpointDirectory.isEmpty && step > 0 { try GPTCheckpoint.save(trainer, records: run, to: checkpoint) }
          throw Interrupted()
        }
        if config.checkpointEvery > 0 && !config.checkpointDirectory.isEmpty && step > 0 && step % config.checkpointEvery == 0 {
          try GPTCheckpoint.save(trainer, records: run, to: checkpoint)
        }
        if step % config.spectrumInterval == 0 { record() }
        if step % config.evalInterval == 0 {
          run.losses.append((step, trainer.estimateLoss(.train, batches: config.evalIters),
                             trainer.estimateLoss(.validation, batches: config.evalIters)))
        }
        lastLoss = try trainer.trainStep()
        if (step + 1) % 50 == 0, let progress {
          let rate = Double(step + 1) * tokensPerStep / max(Date().timeIntervalSince(clock), 1e-9)
          progress.advance(by: 50, note: String(format: "run %d step %d loss %.3f %.0f tok/s", k, step + 1, lastLoss, rate))
        }
      }
    } catch let stop as Interrupted {
      throw stop
    } catch {
      run.failure = "run \(k): \(error)"
      return (run, nil)
    }
    if run.spectrumSteps.last != trainer.step { record() }  // the final state, unless just recorded
    run.finalTrain = trainer.estimateLoss(.train, batches: config.finalEvalIters)
    run.finalValidation = trainer.estimateLoss(.validation, batches: config.finalEvalIters)
    run.losses.append((trainer.step, run.finalTrain, run.finalValidation))
    progress?.advance(by: config.iterations % 50)
    return (run, trainer.model)
  }

  struct Analysis {
    var fits: [LayerFit] = []
    var ratioMeans: [RatioMean] = []
    var spacings: [Double] = []
    var ks: KolmogorovSmirnov?
    var runScaledSpacings: [Double] = []
    var bulkSpacings: [Double] = []
    var bulkKS: KolmogorovSmirnov?
    var tail: PowerLawTail?
    var spacingsByStep: [StepSpacings] = []
    var projections: [ProjectionSummary] = []
  }

  /// ⟨s²⟩ of spacings with ⟨s⟩ = 1: 4/π for the GOE surmise, 2 for Poisson levels.
  public static func meanSquare(_ spacings: [Double]) -> Double { SpectralDynamics.meanSquare(spacings) }

  /// The study's spectra as `SpectralDynamics` takes them: for each recorded step (those in
  /// `steps`, by index), one group per entry of `groups`, each the listed (layer, head) key matrices.
  static func keySeries(_ runs: [Run], steps: [Int], groups: [(name: String, matrices: [(layer: Int, head: Int)])],
                        headSize: Int, embedding: Int, projection: HeadProjection = .key) -> SpectrumSeries {
    let first = runs[0]
    // The shapes come from the same model for every run and step.
    return try! SpectrumSeries(
      steps: steps.map { first.spectrumSteps[$0] },
      groups: groups.map { SpectrumSeries.Group(name: $0.name, rows: embedding, columns: headSize, matrices: $0.matrices.count) },
      values: runs.map { run in steps.map { s in groups.map { g in g.matrices.map { run.spectra[s][layer: $0.layer, projection: projection, head: $0.head] } } } })
  }

  /// Per layer and recorded step: the MP fit (σ², A) of head 0's key spectra pooled over runs,
  /// bootstrap over runs for the errors; ⟨r̃⟩ at the first and last step, the unfolded spacings
  /// and the tail at the last. All through `SpectralDynamics`, the analysis `dyson dynamics` uses.
  static func analyse(_ config: Config, runs: [Run], headSize: Int, embedding: Int) -> Analysis {
    var analysis = Analysis()
    guard let first = runs.first, !first.spectrumSteps.isEmpty else { return analysis }
    let layers = first.spectra[0].layers, heads = first.spectra[0].heads
    let last = first.spectrumSteps.count - 1
    var options = SpectralDynamics.Options()
    options.resamples = config.resamples
    options.seed = config.seed
    options.minimumSpacingSpectra = minimumSpacingRuns   // one matrix per group: runs
    options.tailMinimumFraction = config.tailMinimumFraction
    let lastStep = first.spectrumSteps[last]
    // Spacings at the figure's steps and at the last (the headline numbers below are the last's).
    options.spacingSteps = first.spectrumSteps.filter { config.histogramSteps.contains($0) || $0 == lastStep }
    // Head 0's key matrix of each layer, a group each: the fits per layer and step, the spacings.
    let perLayer = keySeries(runs, steps: Array(first.spectrumSteps.indices),
                             groups: (0..<layers).map { ("layer \($0 + 1) key head 0", [($0, 0)]) }, headSize: headSize, embedding: embedding)
    let byLayer = SpectralDynamics.analyse(perLayer, options: options)
    for (s, step) in perLayer.steps.enumerated() {
      for g in perLayer.groups.indices {
        let p = byLayer.points[g * perLayer.steps.count + s]
        guard let variance = p.mpSigma2, let area = p.mpArea else { continue }
        analysis.fits.append(LayerFit(layer: g, step: step, variance: variance, varianceError: p.mpSigma2Error ?? .nan,
                                      area: area, areaError: p.mpAreaError ?? .nan, tailFraction: p.fractionAboveEdge ?? .nan))
      }
    }
    for spacings in byLayer.spacings where spacings.step == lastStep {
      analysis.runScaledSpacings += spacings.runScaled
      analysis.spacings += spacings.all
      analysis.bulkSpacings += spacings.bulk
    }
    for step in options.spacingSteps ?? [] {
      let atStep = byLayer.spacings.filter { $0.step == step }
      guard !atStep.isEmpty else { continue }
      let all = atStep.flatMap(\.all), bulk = atStep.flatMap(\.bulk)
      analysis.spacingsByStep.append(StepSpacings(step: step, all: all, bulk: bulk,
                                                  ks: all.count >= 8 ? KolmogorovSmirnov(all, cdf: WignerSurmise.goe.cdf) : nil))
    }
    // Queries and values at the last step, as the keys.
    var lastOnly = options
    lastOnly.spacingSteps = [lastStep]
    for projection in [HeadProjection.query, .value] {
      let series = keySeries(runs, steps: [last], groups: (0..<layers).map { ("layer \($0 + 1) \(projection.rawValue) head 0", [($0, 0)]) },
                             headSize: headSize, embedding: embedding, projection: projection)
      let result = SpectralDynamics.analyse(series, options: lastOnly)
      let fits = result.points.enumerated().compactMap { g, p -> LayerFit? in
        guard let variance = p.mpSigma2, let area = p.mpArea else { return nil }
        return LayerFit(layer: g, step: lastStep, variance: variance, varianceError: p.mpSigma2Error ?? .nan,
                        area: area, areaError: p.mpAreaError ?? .nan, tailFraction: p.fractionAboveEdge ?? .nan)
      }
      let spacings = result.spacings.flatMap(\.all)
      analysis.projections.append(ProjectionSummary(projection: projection, fits: fits, spacings: spacings,
                                                    ks: spacings.count >= 8 ? KolmogorovSmirnov(spacings, cdf: WignerSurmise.goe.cdf) : nil))
    }
    if analysis.spacings.count >= 8 { analysis.ks = KolmogorovSmirnov(analysis.spacings, cdf: WignerSurmise.goe.cdf) }
    if analysis.bulkSpacings.count >= 8 { analysis.bulkKS = KolmogorovSmirnov(analysis.bulkSpacings, cdf: WignerSurmise.goe.cdf) }
    // ⟨r̃⟩ of head 0's keys of all layers together, at the first and the last step.
    var noBootstrap = options
    noBootstrap.resamples = 0
    let allLayers = keySeries(runs, steps: Array(Set([0, last])).sorted(), groups: [("key head 0", (0..<layers).map { ($0, 0) })],
                              headSize: headSize, embedding: embedding)
    for p in SpectralDynamics.analyse(allLayers, options: noBootstrap).points where p.ratioCount > 0 {
      analysis.ratioMeans.append(RatioMean(step: p.step, mean: p.ratioMean, error: p.ratioMeanError, count: p.ratioCount,
                                           meanWithoutLargest: p.ratioMeanWithoutLargest, errorWithoutLargest: p.ratioMeanWithoutLargestError))
    }
    // The tail of every key eigenvalue (all heads, all layers) at the last step.
    let allKeys = keySeries(runs, steps: [last], groups: [("key", (0..<layers).flatMap { l in (0..<heads).map { (l, $0) } })],
                            headSize: headSize, embedding: embedding)
    analysis.tail = SpectralDynamics.analyse(allKeys, options: noBootstrap).points.first.flatMap { p in
      p.alpha.map { PowerLawTail(alpha: $0, alphaError: p.alphaError!, xMin: p.tailMinimum!, tailCount: p.tailCount!, distance: p.tailDistance!) }
    }
    return analysis
  }

  /// Runs needed for the spacing analysis (`SpectralDynamics.Options.minimumSpacingSpectra`, with
  /// one matrix per group).
  public static let minimumSpacingRuns = SpectralDynamics.Options().minimumSpacingSpectra
}

extension GPTExperiment {
  /// The variance of the initial key entries: U(±1/√n_embd) has 1/(3·n_embd); N(0, 0.02²) has 4e-4.
  public static func initialVariance(_ c: GPTConfiguration) -> Double {
    c.initialisation == .pytorch ? 1 / (3 * Double(c.embedding)) : 0.02 * 0.02
  }

  /// Writes the study's files into `output`: config.json, summary.json, its tables, figures and index.html.
  public static func write(_ r: Result, to output: inout ExperimentOutput) throws {
    let c = r.config
    try output.write(json: settingsJSON(Config.settings, c), to: "config.json")
    var losses = CSVWriter(header: ["run", "step", "train_loss", "val_loss"])
    var spectra = CSVWriter(header: ["run", "step", "layer", "projection", "head", "index", "x"])
    for (k, run) in r.runs.enumerated() {
      for l in run.losses { losses.appendRow([Double(k), Double(l.step), l.train, l.validation]) }
      for (s, step) in run.spectrumSteps.enumerated() {
        let recorded = run.spectra[s]
        for layer in 0..<recorded.layers {
          for p in HeadProjection.allCases {
            for h in 0..<recorded.heads {
              for (i, x) in recorded[layer: layer, projection: p, head: h].enumerated() {
                spectra.appendRow(["\(k)", "\(step)", "\(layer)", p.rawValue, "\(h)", "\(i)", "\(x)"])
              }
            }
          }
        }
      }
    }
    try output.write(csv: losses, to: "losses.csv")
    try output.write(csv: spectra, to: "spectra.csv")
    let model = c.training.model
    let theory = initialVariance(model)
    try output.write(summary: summary(r))

    // Losses of every run.
    var lossPanel = Panel(title: "loss", x: Axis("step"), y: Axis("cross-entropy"))
    for (k, run) in r.runs.enumerated() where run.failure == nil {
      lossPanel.add(.line(x: run.losses.map { Double($0.step) }, y: run.losses.map(\.train), color: plotPalette[0], width: 1, dashed: false, label: k == 0 ? "train" : nil))
      lossPanel.add(.line(x: run.losses.map { Double($0.step) }, y: run.losses.map(\.validation), color: plotPalette[1], width: 1, dashed: true, label: k == 0 ? "validation" : nil))
    }
    try output.add(Figure(lossPanel, caption: "Training and validation loss (estimates on \(c.evalIters) batches every \(c.evalInterval) steps, \(c.finalEvalIters) at the end) of \(r.runs.count) run(s)."), as: "losses.svg")

    // Histograms of layer 0's head-0 key spectra at the chosen steps, with the fitted A·MP.
    let healthy = r.runs.filter { $0.failure == nil }
    var panels: [Panel] = []
    if let first = healthy.first {
      for step in c.histogramSteps {
        guard let s = first.spectrumSteps.firstIndex(of: step) else { continue }
        let pooled = healthy.flatMap { $0.spectra[s][layer: 0, projection: .key, head: 0] }
        var panel = Panel(title: "step \(step)", x: Axis("x (eigenvalue of KᵀK)"), y: Axis("ρ(x)"))
        let histogram = Histogram(pooled)
        panel.add(.histogram(edges: histogram.edges, heights: histogram.density, color: plotPalette[0], label: "\(healthy.count) runs"))
        if let fit = r.fits.first(where: { $0.layer == 0 && $0.step == step }) {
          let law = MarchenkoPastur(rows: model.embedding, columns: model.headSize, variance: fit.variance)
          let grid = (0...300).map { law.lowerEdge + (law.upperEdge - law.lowerEdge) * Double($0) / 300 }
          panel.add(.line(x: grid, y: grid.map { fit.area * law.density($0) }, color: plotPalette[1], width: 1.5, dashed: false,
                          label: String(format: "A·MP, σ² = %.4g, A = %.2f", fit.variance, fit.area)))
        }
        panels.append(panel)
      }
    }
    if !panels.isEmpty {
      try output.add(Figure(panels: panels, columns: panels.count, caption: "Eigenvalues of X = KᵀK of head 0 in layer 0 (K the \(model.embedding)×\(model.headSize) key matrix), pooled over runs, against the fitted A·P_MP(x; σ², r = \(model.headSize)/\(model.embedding)) (2411.13512 Fig. 3). At initialisation σ² = \(String(format: "%.5f", theory)) in theory."), as: "histograms.svg")
    }

    // σ² and A against the step, per layer.
    var variancePanel = Panel(title: "(a) σ²", x: Axis("step"), y: Axis("σ²"))
    var areaPanel = Panel(title: "(b) A", x: Axis("step"), y: Axis("A"))
    for layer in 0..<model.layers {
      let fits = r.fits.filter { $0.layer == layer }
      let color = plotPalette[layer % plotPalette.count]
      variancePanel.add(.line(x: fits.map { Double($0.step) }, y: fits.map(\.variance), color: color, width: 1.2, dashed: false, label: "layer \(layer + 1)"))
      areaPanel.add(.line(x: fits.map { Double($0.step) }, y: fits.map(\.area), color: color, width: 1.2, dashed: false, label: "layer \(layer + 1)"))
    }
    try output.add(Figure(panels: [variancePanel, areaPanel], columns: 2, caption: "Marchenko–Pastur fit of head 0's key spectrum per layer against the training step (2411.13512 Fig. 4); errors (bootstrap over runs, \(c.resamples) resamples) are in summary.json."), as: "fits.svg")

    if !r.spacings.isEmpty {
      let grid = (0...200).map { 4 * Double($0) / 200 }
      func panel(_ title: String, _ spacings: [Double]) -> Panel {
        var panel = Panel(title: title, x: Axis("s"), y: Axis("P(s)"))
        let h = Histogram(spacings)
        panel.add(.histogram(edges: h.edges, heights: h.density, color: plotPalette[0],
                             label: String(format: "%d spacings, ⟨s²⟩ = %.3f", spacings.count, meanSquare(spacings))))
        panel.add(.line(x: grid, y: grid.map(WignerSurmise.goe.density), color: plotPalette[1], width: 1.5, dashed: false, label: "Wigner surmise (⟨s²⟩ = 4/π)"))
        return panel
      }
      var panels = [panel("(a) all spacings", r.spacings)]
      if !r.bulkSpacings.isEmpty { panels.append(panel("(b) without each spectrum's end spacings", r.bulkSpacings)) }
      try output.add(Figure(panels: panels, columns: panels.count, caption: "Nearest-neighbour spacings of head 0's key eigenvalues (all layers, all runs) after unfolding each layer with the ensemble's cumulative spectral function, against the GOE surmise (2411.13512 Fig. 3): (a) all, (b) without the first and last spacing of each spectrum (the edges, often a tail eigenvalue, are not bulk levels)."), as: "spacings.svg")
    }
    if r.spacingsByStep.count > 1 {
      let grid = (0...200).map { 4 * Double($0) / 200 }
      let panels = r.spacingsByStep.map { s -> Panel in
        var panel = Panel(title: "step \(s.step)", x: Axis("s"), y: Axis("P(s)"))
        let h = Histogram(s.all)
        panel.add(.histogram(edges: h.edges, heights: h.density, color: plotPalette[0],
                             label: String(format: "⟨s²⟩ = %.3f%@", meanSquare(s.all), s.ks.map { String(format: ", KS p = %.2g", $0.pValue) } ?? "")))
        panel.add(.line(x: grid, y: grid.map(WignerSurmise.goe.density), color: plotPalette[1], width: 1.5, dashed: false, label: "Wigner surmise"))
        return panel
      }
      try output.add(Figure(panels: panels, columns: panels.count, caption: "Unfolded spacings of head 0's key eigenvalues (all layers, all runs) at each step of 2411.13512 Fig. 3, against the GOE surmise."),
                     as: "spacings-by-step.svg")
    }
    if let m = r.model {
      try GPTWeights.write(m, vocabulary: r.vocabulary, to: output.path("weights.safetensors"))
      var rng = Xoshiro256StarStar(seed: c.seed, stream: 999)
      if let tokens = try? m.generate(after: [], count: 500, using: &rng) {
        try AtomicFile.write(r.vocabulary.decode(tokens), to: output.path("sample.txt"))
      }
    }
    let final = healthy.map(\.finalValidation)
    let summary = final.isEmpty ? "no run finished" : String(format: "%d of %d runs; mean final validation loss %.4f; %.0f s.", healthy.count, r.runs.count, mean(final), r.seconds)
    try output.writeIndex(title: "nano-GPT: spectra of the attention matrices", summary: summary)
  }
}
