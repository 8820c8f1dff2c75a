import DysonExperiments
import DysonRMT
import Foundation

/// `dyson dynamics RUN_DIR…`: spectra over training runs (`DynamicsStudy`); parses, calls, prints.
enum DynamicsCommand {
  static var help: String {
    let lines = StudyOptions.optionLines(DynamicsStudy.Config.settings, defaults: DynamicsStudy.Config(), width: 14)
    return """
    usage: dyson dynamics RUN_DIR… [--tensor PATTERN]… [--group REGEX] [--steps 0,1000,5000] [--out DIR] [--json]
                                   [--resume] [--shard i/n] [--option value …]

    The analysis of 2411.13512 (Figs. 3 and 4) over any model's training runs. Each RUN_DIR holds one
    run's checkpoints over training (step-1000.safetensors, checkpoint-1000/model.safetensors,
    ckpt_001000.npy, …: the step is the last whole number of the name, or --step-regex's first
    group); several RUN_DIRs are an ensemble of seeds, with the same steps and tensors. Every
    selected tensor is read from every checkpoint, one at a time. --group pools tensors the way the
    papers pool heads: with --tensor 'blocks.*.sa.heads.*.key.weight', --group 'blocks\\.(\\d+)\\.sa'
    pools each layer's key matrices. Per group and step, over the ensemble: the Marchenko–Pastur
    fit (σ², A) with bootstrap errors over runs, the share of eigenvalues above its edge, the
    power-law tail's α, λ_max, the spacing ratio ⟨r̃⟩ with and without the largest level, and the
    distance to the shuffled matrices; at the chosen steps, the ESD histograms and the unfolded
    spacings against the Wigner surmise. Writes config.json, summary.json, eigenvalues.csv,
    histograms.svg, fits.svg, spacings.svg and index.html.

    \(lines)
        --config FILE  settings from a JSON object with the option names as keys
        --out DIR      output folder (default runs/dynamics)
        --force        write into --out even when it holds another command's output
        --json         print summary.json instead of the summary
        --resume       reuse the spectra already read into DIR/spectra-checkpoint.safetensors
                       (kept as they are read, and on Ctrl-C)
        --shard i/n    read only block i of n of the runs and write DIR/shard.json; dyson merge joins them

    Bad input (a folder without checkpoints, steps that cannot be read from the names or that differ
    between runs, a step twice, a tensor missing at a step or of another shape or dtype, NaN
    weights, a pattern that matches nothing) stops with one line naming the run, step and tensor,
    exit status 1, and no output beyond the folder's claim.
    """
  }

  static func run(_ arguments: [String]) async throws {
    var (config, o) = try StudyOptions.configure(arguments, settings: DynamicsStudy.Config.settings, defaults: DynamicsStudy.Config(),
                                                 quick: DynamicsStudy.Config(), shardable: true, positional: true)
    if !o.positionals.isEmpty { config.runs = o.positionals }
    let tensors = o.list("tensor")
    if !tensors.isEmpty { config.tensors = tensors }
    guard !config.runs.isEmpty else { throw UsageError(description: "no run folders; usage: dyson dynamics RUN_DIR… (see dyson help dynamics)") }
    let directory = o.string("out") ?? "runs/dynamics"
    // Planning first: what is wrong with the folders is said before any output folder is claimed.
    let plan = try await StudyOptions.asUsage { try DynamicsStudy.plan(config) }
    let items = plan.runs.count * plan.steps.count
    if let shard = try StudyOptions.shardOption(o) {
      let c = config
      try await StudyOptions.runShard("dynamics", shard: shard, settings: DynamicsStudy.Config.settings, config: config, runs: config.runs.count,
                                      directory: directory, force: o.has("force"), progressUnits: plan.steps.count) { part, progress in
        [try await DynamicsStudy.shard(c, part: part, progress: progress)]
      }
      return
    }
    var output = try ExperimentOutput(directory: directory, study: "dynamics", force: o.has("force"))
    let progress = Progress(total: items, label: "dynamics: checkpoints")
    let start = Date()
    let series = try await DynamicsStudy.spectra(plan, config: config, checkpoint: output.path("spectra-checkpoint.safetensors"),
                                                 resume: o.has("resume"), progress: progress)
    let result = DynamicsStudy.result(config, plan: plan, series: series, started: start)
    try report(result, to: &output)
  }

  static func report(_ r: DynamicsStudy.Result, to output: inout ExperimentOutput) throws {
    try DynamicsStudy.write(r, to: &output)
    try? FileManager.default.removeItem(atPath: output.path("spectra-checkpoint.safetensors"))
    say(String(format: "dynamics: %d run(s) × %d step(s), %d tensor(s) in %d group(s), %.1f s",
               r.series.runs, r.series.steps.count, r.plan.tensors.count, r.series.groups.count, r.seconds))
    let chosen = Set(r.config.steps.isEmpty ? [r.series.steps.first!, r.series.steps.last!] : r.config.steps)
    for p in r.analysis.points where chosen.contains(p.step) {
      func f(_ x: Double?, _ format: String) -> String { x.map { $0.isFinite ? String(format: format, $0) : "—" } ?? "—" }
      say("  \(p.group) step \(p.step): σ² = \(f(p.mpSigma2, "%.4g")) ± \(f(p.mpSigma2Error, "%.2g")), A = \(f(p.mpArea, "%.3f")) ± \(f(p.mpAreaError, "%.3f")), above x₊ \(f(p.fractionAboveEdge, "%.3f")), α = \(f(p.alpha, "%.2f")), λ_max = \(f(p.lambdaMax, "%.4g")), ⟨r̃⟩ = \(f(p.ratioMean, "%.3f")) ± \(f(p.ratioMeanError, "%.3f"))\(p.randDistance.map { String(format: ", shuffled distance %.3f", $0) } ?? "")")
    }
    for s in r.analysis.spacings where s.bulk.count >= 8 {
      let ks = KolmogorovSmirnov(s.bulk, cdf: WignerSurmise.goe.cdf)
      say(String(format: "  %@ step %d: bulk spacings ⟨s²⟩ = %.3f (GOE 1.273, Poisson 2), KS against the surmise D = %.3f, p = %.3g (%@ unfolding)",
                 s.group, s.step, SpectralDynamics.meanSquare(s.bulk), ks.distance, ks.pValue, s.unfolding))
    }
    try finishStudy(output.directory)
  }
}
