import DysonCore
import DysonExperiments
import DysonIO
import DysonModels
import DysonRMT
import Foundation

/// `dyson gpt train|spectra|sample|grad`: the character-level GPT of 2411.13512.
enum GPTCommand {
  static var help: String {
    let lines = StudyOptions.optionLines(GPTExperiment.Config.settings, defaults: StudyOptions.withData(GPTExperiment.Config()), width: 17)
    let scalingLines = StudyOptions.optionLines(GPTScalingExperiment.Config.settings, defaults: StudyOptions.withData(GPTScalingExperiment.Config()), width: 17)
    return """
    usage: dyson gpt train|spectra [--option value …] [--config FILE.json] [--quick] [--out DIR] [--force] [--json]
           dyson gpt sample --weights W.safetensors [--count N] [--seed S] [--prompt TEXT]
           dyson gpt grad --weights W.safetensors --tokens T.npy --out G.safetensors
           dyson gpt scaling [--option value …] [--quick] [--out DIR] [--resume] [--force] [--shard i/n]

    train: trains the lecture GPT (4 layers × 4 heads, n_embd 64, block 32, 209 729 parameters)
    on the text with AdamW (lr 1e-3, weight decay 0.01) and records the eigenvalues of KᵀK, QᵀQ
    and VᵀV of every head. spectra: the same over 50 runs (--runs), with the Marchenko–Pastur fit
    (σ², A) of head 0's keys per layer against the step, bootstrap errors over runs, the unfolded
    spacings against the Wigner surmise at each --histogram-steps step and the tail's power law
    (2411.13512 Figs. 3–4), and the queries and values analysed as the keys at the last step.
    Writes config.json, summary.json, losses.csv, spectra.csv, losses.svg, histograms.svg,
    fits.svg, spacings.svg, spacings-by-step.svg, weights.safetensors and sample.txt (run 0),
    index.html.

    \(lines)
        --config FILE       settings from a JSON object with the option names as keys
        --quick             2 runs of 300 steps: seconds instead of minutes
        --resume            continue each run from DIR/checkpoint-runK.safetensors (written every
                            --checkpoint-every N steps, and on Ctrl-C); the result is bit-identical
                            to an uninterrupted run
        --out DIR           output folder (default runs/gpt-train or runs/gpt-spectra)
        --force             write into --out even when it holds another command's output
        --json              train, spectra: print summary.json instead of the summary
        --shard i/n         spectra: run only block i of n of the runs and write DIR/shard.json;
                            dyson merge joins the shards (Docs/Cluster.md)

    sample: continues a prompt (default: a newline) with the model of W.safetensors (its vocabulary
    is in the file's metadata). grad: the loss and every parameter's gradient for one batch of
    token ids (int32/int64 .npy of shape (B, T+1): inputs [:, :-1], targets [:, 1:]), computed in
    Float32, written under the PyTorch names with the loss as the tensor "loss" (add --double for Float64).

    scaling: the linear scaling rule in the transformer. Ensembles of runs on a grid of learning
    rates η and batch sizes |B| for each optimizer (η scan, |B| scan, equal-η/|B| and equal-η/√|B|
    sets); per point the diffusion of the key, query and value eigenvalues per unit of learning
    time, their ensemble width at a common learning time and the final loss; per optimizer and
    rule the equal-ratio χ² and the collapse through the origin (R², R₀²). Writes config.json,
    summary.json, points.csv, diffusion-OPTIMIZER.svg, index.html; DIR/points/ keeps finished
    points for --resume. Options:

    \(scalingLines)
        --quick             2 runs of 200 steps per point: about a minute on two cores
        --shard i/n         run only block i of n of every point's runs and write DIR/shard.json;
                            dyson merge joins the shards (Docs/Cluster.md)
    """
  }

  static func run(_ arguments: [String]) async throws {
    guard let action = arguments.first, !action.hasPrefix("--") else {
      throw UsageError(description: "dyson gpt needs an action: train, spectra, scaling, sample, grad (see dyson help gpt)")
    }
    let rest = Array(arguments.dropFirst())
    switch action {
    case "train": try await train(rest, ensemble: false)
    case "spectra": try await train(rest, ensemble: true)
    case "sample": try sample(rest)
    case "grad": try gradient(rest)
    case "scaling": try await scaling(rest)
    default: throw UsageError(description: "unknown action '\(action)' for dyson gpt; actions: train, spectra, scaling, sample, grad")
    }
  }

  static func train(_ arguments: [String], ensemble: Bool) async throws {
    var defaults = StudyOptions.withData(GPTExperiment.Config())
    if ensemble { defaults.runs = 50 }
    let resume = arguments.contains("--resume")
    var (config, o) = try StudyOptions.configure(arguments.filter { $0 != "--resume" }, settings: GPTExperiment.Config.settings,
                                               defaults: defaults, quick: StudyOptions.withData(.quick), shardable: ensemble)
    let name = ensemble ? "gpt spectra" : "gpt train"
    let directory = o.string("out") ?? (ensemble ? "runs/gpt-spectra" : "runs/gpt-train")
    // Checkpoints live in the output folder (every --checkpoint-every steps, and always on Ctrl-C);
    // --resume continues every run from its own.
    config.checkpointDirectory = directory
    config.resume = resume
    if let shard = try StudyOptions.shardOption(o) {
      let c = config
      try await StudyOptions.runShard("gpt-spectra", shard: shard, settings: GPTExperiment.Config.settings, config: config, runs: config.runs,
                                    directory: directory, force: o.has("force"), progressUnits: config.iterations) { part, progress in
        [try await GPTExperiment.ensemble(c, part: part, progress: progress)]
      }
      return
    }
    var output = try ExperimentOutput(directory: directory, study: ensemble ? "gpt-spectra" : "gpt-train", force: o.has("force"))
    let progress = Progress(total: config.runs * config.iterations, label: "\(name): steps")
    let result = try await StudyOptions.asUsage { try await GPTExperiment.run(config, progress: progress) }
    try report(result, name: name, to: &output)
  }

  static func scaling(_ arguments: [String]) async throws {
    var (config, o) = try StudyOptions.configure(arguments, settings: GPTScalingExperiment.Config.settings,
                                               defaults: StudyOptions.withData(GPTScalingExperiment.Config()),
                                               quick: StudyOptions.withData(.quick), shardable: true, resumable: true)
    let directory = o.string("out") ?? "runs/gpt-scaling"
    let grid = try await StudyOptions.asUsage { try GPTScalingExperiment.points(config) }
    if let shard = try StudyOptions.shardOption(o) {
      try await StudyOptions.runShard("gpt-scaling", shard: shard, settings: GPTScalingExperiment.Config.settings, config: config,
                                      runs: config.runs, directory: directory, force: o.has("force"),
                                      progressUnits: grid.count * config.iterations) { part, progress in
        try await GPTScalingExperiment.shard(config, part: part, progress: progress)
      }
      return
    }
    config.checkpointDirectory = directory
    config.resume = o.has("resume")
    var output = try ExperimentOutput(directory: directory, study: "gpt-scaling", force: o.has("force"))
    let progress = Progress(total: grid.count * config.runs * config.iterations, label: "gpt scaling: steps")
    let result = try await StudyOptions.asUsage {
      try await GPTScalingExperiment.run(config, progress: progress) { line in say("  " + line) }
    }
    try reportScaling(result, to: &output)
  }

  static func reportScaling(_ result: GPTScalingExperiment.Result, to output: inout ExperimentOutput) throws {
    let config = result.config
    try GPTScalingExperiment.write(result, to: &output)
    say(String(format: "gpt scaling: %d points × %d runs × %d steps in %.0f s", result.measurements.count, config.runs, config.iterations, result.seconds))
    for v in result.verdicts where v.observable == "diffusion key" || v.observable == "width key" || v.observable == "final validation loss" {
      let collapse = v.collapse.map { String(format: "; collapse R² = %.3f, R₀² = %.3f", $0.r2, $0.r2Uncentred) } ?? ""
      say(String(format: "  %@ %@ against %@: equal-ratio χ² = %.1f / %d dof, p = %.3g%@", v.optimizer.rawValue, v.observable, v.rule,
                 v.chiSquare, v.degreesOfFreedom, v.pValue, collapse))
    }
    for m in result.measurements { for f in m.failures { printError(f) } }
    if result.measurements.allSatisfy({ $0.runs < 2 }) { throw RuntimeError(description: "no grid point has two healthy runs") }
    try finishStudy(output.directory)
  }

  static func report(_ result: GPTExperiment.Result, name: String, to output: inout ExperimentOutput) throws {
    let config = result.config, directory = output.directory
    try GPTExperiment.write(result, to: &output)
    for run in result.runs { if let f = run.failure { printError(f) } }
    say(String(format: "%@: %d run(s) × %d steps of a %d-parameter GPT in %.1f s", name, config.runs, config.iterations, result.parameterCount, result.seconds))
    for (k, run) in result.runs.enumerated().prefix(10) where run.failure == nil {
      say(String(format: "  run %d: train loss %.4f, validation loss %.4f (%d batches each)", k, run.finalTrain, run.finalValidation, config.finalEvalIters))
    }
    say(String(format: "  MP fit of head 0's keys (σ² at initialisation in theory: %.5f):", GPTExperiment.initialVariance(config.training.model)))
    for f in result.fits where config.histogramSteps.contains(f.step) || f.step == config.iterations {
      say(String(format: "    layer %d step %5d: σ² = %.5f ± %.5f, A = %.3f ± %.3f, beyond x₊: %.3f", f.layer + 1, f.step, f.variance, f.varianceError, f.area, f.areaError, f.tailFraction))
    }
    if let ks = result.spacingKS {
      let s2 = GPTExperiment.meanSquare(result.spacings)
      say(String(format: "  spacings: ⟨s²⟩ = %.3f (GOE 4/π = 1.273, Poisson 2), KS vs surmise D = %.3f, p = %.3g", s2, ks.distance, ks.pValue))
    }
    for s in result.spacingsByStep where result.spacingsByStep.count > 1 {
      say(String(format: "  step %5d: unfolded key spacings ⟨s²⟩ = %.3f%@", s.step, GPTExperiment.meanSquare(s.all),
                 s.ks.map { String(format: ", KS vs surmise p = %.3g", $0.pValue) } ?? ""))
    }
    for p in result.projections {
      for f in p.fits {
        say(String(format: "  %@ head 0, layer %d, step %d: σ² = %.5f ± %.5f, A = %.3f ± %.3f", p.projection.rawValue, f.layer + 1, f.step,
                   f.variance, f.varianceError, f.area, f.areaError))
      }
      if !p.spacings.isEmpty { say(String(format: "  %@ spacings: ⟨s²⟩ = %.3f", p.projection.rawValue, GPTExperiment.meanSquare(p.spacings))) }
    }
    if !result.runScaledSpacings.isEmpty {
      say(String(format: "  each run's spectrum divided by its median before unfolding: ⟨s²⟩ = %.3f", GPTExperiment.meanSquare(result.runScaledSpacings)))
    }
    for m in result.ratioMeans {
      say(String(format: "  step %5d: spacing ratio ⟨r̃⟩ = %.4f ± %.4f over %d ratios, %.4f ± %.4f without each spectrum's largest level (GOE %.4f, Poisson %.4f; no unfolding)",
                 m.step, m.mean, m.error, m.count, m.meanWithoutLargest, m.errorWithoutLargest, SpacingRatio.goe, SpacingRatio.poisson))
    }
    if result.spacings.isEmpty {
      let healthy = result.runs.filter { $0.failure == nil }.count
      say("  spacings: not analysed, ensemble unfolding needs ≥ \(GPTExperiment.minimumSpacingRuns) runs (\(healthy) here)")
    }
    if let ks = result.bulkSpacingKS {
      say(String(format: "  without each spectrum's end spacings: ⟨s²⟩ = %.3f, KS D = %.3f, p = %.3g",
                 GPTExperiment.meanSquare(result.bulkSpacings), ks.distance, ks.pValue))
    }
    if failedAll(result) { throw RuntimeError(description: "every run failed") }
    try finishStudy(directory)
  }

  static func failedAll(_ r: GPTExperiment.Result) -> Bool { r.runs.allSatisfy { $0.failure != nil } }

  static func loadModel(_ path: String) throws -> (GPT<Float>, CharacterVocabulary?) {
    let (configuration, parameters, vocabulary) = try GPTWeights.read(path: path)
    return (try GPT(configuration, parameters: parameters.map { Float($0) }), vocabulary)
  }

  static func sample(_ arguments: [String]) throws {
    let o = try Options(arguments, valued: ["weights", "count", "seed", "prompt"], switches: [])
    guard let path = o.string("weights") else { throw UsageError(description: "gpt sample needs --weights W.safetensors") }
    let count = try o.int("count", default: 500, range: 0...10_000_000)
    let seed = try o.seed(default: 1)
    let (model, vocabulary) = try loadModel(path)
    guard let vocabulary else { throw RuntimeError(description: "\(path) has no vocabulary in its metadata (not written by dyson?)") }
    let prompt = try vocabulary.encode(o.string("prompt") ?? "\n")
    var rng = Xoshiro256StarStar(seed: seed)
    print(vocabulary.decode(try model.generate(after: prompt, count: count, using: &rng)))
  }

  static func gradient(_ arguments: [String]) throws {
    let o = try Options(arguments, valued: ["weights", "tokens", "out"], switches: ["double"])
    guard let weights = o.string("weights"), let tokensPath = o.string("tokens"), let out = o.string("out") else {
      throw UsageError(description: "gpt grad needs --weights W.safetensors --tokens T.npy --out G.safetensors")
    }
    let (configuration, parameters, _) = try GPTWeights.read(path: weights)
    let (shape, ids) = try Npy.readIntegers(path: tokensPath)
    guard shape.count == 2, shape[0] >= 1, shape[1] >= 2 else {
      throw RuntimeError(description: "\(tokensPath): shape \(shape); expected (B, T+1) with T ≥ 1")
    }
    let (batch, length) = (shape[0], shape[1] - 1)
    guard length <= configuration.block else {
      throw RuntimeError(description: "\(tokensPath): T = \(length) exceeds the model's block size \(configuration.block)")
    }
    if let bad = ids.first(where: { !(0..<Int64(configuration.vocabulary)).contains($0) }) {
      throw RuntimeError(description: "\(tokensPath): token \(bad) is outside the vocabulary 0..<\(configuration.vocabulary)")
    }
    var inputs: [Int32] = [], targets: [Int32] = []
    for b in 0..<batch {
      let row = ids[(b * (length + 1))..<((b + 1) * (length + 1))].map { Int32($0) }
      inputs += row.dropLast()
      targets += row.dropFirst()
    }
    let tensors: [StoredTensor]
    let loss: Double
    if o.has("double") {
      let model = try GPT<Double>(configuration, parameters: parameters)
      let (l, g) = try model.lossAndGradient(inputs: inputs, targets: targets, batch: batch)
      (loss, tensors) = (l, GPTWeights.tensors(model, values: g, dtype: .float64))
    } else {
      let model = try GPT<Float>(configuration, parameters: parameters.map { Float($0) })
      let (l, g) = try model.lossAndGradient(inputs: inputs, targets: targets, batch: batch)
      (loss, tensors) = (l, GPTWeights.tensors(model, values: g))
    }
    let lossTensor = StoredTensor(name: "loss", shape: [], dtype: o.has("double") ? .float64 : .float32, values: [loss])
    try Safetensors.write([lossTensor] + tensors, metadata: ["format": "pt"], to: out)
    print(String(format: "gpt grad: loss %.6f on %d×%d tokens; wrote %@", loss, batch, length, out))
  }
}
