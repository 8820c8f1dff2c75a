import DysonExperiments
import DysonRMT
import DysonIO
import DysonCore
import DysonModels
import Foundation

/// `dyson rbm <study>`: the Gaussian RBM studies `learn`, `universality`, `scaling` and `mnist`.
enum RBMCommand {
  static var help: String {
    let lines = StudyOptions.optionLines(RBMLearnExperiment.Config.settings, defaults: RBMLearnExperiment.Config(), width: 12)
    let mnistLines = StudyOptions.optionLines(RBMMNISTExperiment.Config.settings, defaults: StudyOptions.withData(RBMMNISTExperiment.Config()), width: 15)
    return """
    usage: dyson rbm learn|universality|scaling|mnist [--option value …] [--config FILE.json] [--quick] [--out DIR] [--force] [--resume] [--shard i/n] [--json]

    learn: trains an ensemble of Gaussian RBMs by persistent contrastive divergence on the periodic
    1-D free field and records the eigenvalues of σ_h²WᵀW: Marchenko–Pastur at initialisation,
    distributions around μ² − κ at the end (2411.13512 Fig. 2). Writes DIR/config.json (rerun with
    --config), summary.json, trajectory.csv, final.csv, trajectory.svg, spectra.svg, index.html.

    \(lines)
        --config FILE   settings from a JSON object with the option names as keys (options override it)
        --quick         8 runs of 2000 updates: seconds instead of minutes
        --out DIR       output folder (default runs/rbm-learn)
        --force         write into --out even when it holds another command's output
        --json          print the study's summary.json instead of the summary
        --resume        take the runs a stopped run of the same settings saved in DIR (every minute
                        and on Ctrl-C) instead of running them again; mnist continues each model
                        from its saved training state
        --shard i/n     run only block i of n of the runs (every grid point for scaling) and write
                        DIR/shard.json; dyson merge joins the shards (learn, universality, scaling)

    universality: the same training over many runs (default 1000; --resamples N bootstrap resamples,
    default 200) and, per mode κ, the pair spacing ⟨S⟩ against the Wigner surmise, the two-level fit
    σ, the Binder cumulant U₄ (−4/27 for pairs, 0 for single modes) and λ/κ; writes summary.json,
    spectra.csv, pairs.svg, universality.svg, index.html (default out runs/rbm-universality).

    scaling: universality over the authors' grid — α ∈ {0.01, 0.02, 0.04, 0.06, 0.08, 0.1} at |B| = 16,
    |B| ∈ {4, 8, 16, 32, 64} at α = 0.1, and the equal-ratio set (0.025, 4), (0.05, 8), (0.1, 16),
    (0.2, 32) — with the collapse fit ⟨S⟩ = a_fit·√(α/|B|·(μ² − κ)) (weighted, through the origin,
    jackknife error, R²), the slope at each α/|B| against the small-noise theory √(2π)·σ_h, and a χ²
    test that the equal-ratio set gives each pair one ⟨S⟩. --runs is per configuration; --alpha and
    --batch are set by the grid.

    mnist: MNIST as UV regulator (2309.15002): one RBM with N_v = 784 and fixed μ² per N_h of the
    scan, trained by CD-1 on data mini-batches as the authors' code does; the learned against the
    data covariance spectrum and exact samples per model. Needs the training images
    (Datasets/fetch.sh). Options:
    \(mnistLines)
    Writes summary.json, spectra.csv, spectra.svg, samples-nhN.png, index.html (default out runs/rbm-mnist).
    """
  }

  static func run(_ arguments: [String]) async throws {
    guard let study = arguments.first, !study.hasPrefix("--") else {
      throw UsageError(description: "dyson rbm needs a study: learn, universality, scaling, mnist (see dyson help rbm)")
    }
    let rest = Array(arguments.dropFirst())
    switch study {
    case "learn": try await learn(rest)
    case "universality": try await universality(rest)
    case "scaling": try await scaling(rest)
    case "mnist": try await mnist(rest)
    default: throw UsageError(description: "unknown study '\(study)' for dyson rbm; studies: learn, universality, scaling, mnist")
    }
  }

  static func universality(_ arguments: [String]) async throws {
    var (config, o) = try StudyOptions.configure(arguments, settings: RBMUniversalityExperiment.Config.settings,
                                     defaults: RBMUniversalityExperiment.Config(), quick: .quick, shardable: true)
    let directory = o.string("out") ?? "runs/rbm-universality"
    config.checkpointDirectory = directory
    config.resume = o.has("resume")
    if let shard = try StudyOptions.shardOption(o) {
      try await StudyOptions.runShard("rbm-universality", shard: shard, settings: RBMUniversalityExperiment.Config.settings, config: config, runs: config.runs,
                         directory: directory, force: o.has("force")) { part, progress in
        [try await RBMUniversalityExperiment.ensemble(config, part: part, progress: progress)]
      }
      RBMUniversalityExperiment.removeCheckpoints(config)  // the shard is written: the finished runs are in shard.json
      return
    }
    var output = try ExperimentOutput(directory: directory, study: "rbm-universality", force: o.has("force"))
    let result = try await StudyOptions.asUsage { try await RBMUniversalityExperiment.run(config, progress: Progress(total: config.runs, label: "rbm universality: runs")) }
    try report(result, to: &output)
    RBMUniversalityExperiment.removeCheckpoints(config)  // only a stopped job needs them
  }

  static func report(_ result: RBMUniversalityExperiment.Result, to output: inout ExperimentOutput) throws {
    let config = result.config, directory = output.directory
    try RBMUniversalityExperiment.write(result, to: &output)
    for failure in result.failures { printError(failure) }
    let c = config.training
    say(String(format: "rbm universality: %d of %d runs, %d spectra, in %.1f s (N = %d, α = %g, |B| = %d, %d updates)",
                 result.succeededRuns, config.runs, result.spectra.count, result.seconds, c.visible, c.alpha, c.batch, c.updates))
    say("  κ         ⟨S⟩              σ_fit            U₄                λ/κ")
    for m in result.modes {
      let spacing = m.meanSpacing.map { String(format: "%.4f ± %.4f", $0, m.meanSpacingError ?? .nan) } ?? "—               "
      say(String(format: "  %-8.4f  %@  %.4f ± %.4f  %+.4f ± %.4f  %.4f ± %.4f", m.kappa, spacing, m.sigma, m.sigmaError,
                   m.binder, m.binderError, m.lambdaOverKappa, m.lambdaOverKappaError))
    }
    if let ks = result.spacingKS { say(String(format: "  spacings vs surmise: KS D = %.4f, p = %.3g (two-level U₄ = −4/27 = −0.1481)", ks.distance, ks.pValue)) }
    try finishStudy(directory)
  }

  static func scaling(_ arguments: [String]) async throws {
    var (config, o) = try StudyOptions.configure(arguments, settings: RBMScalingExperiment.Config.settings,
                                     defaults: RBMScalingExperiment.Config(), quick: .quick, shardable: true)
    let directory = o.string("out") ?? "runs/rbm-scaling"
    config.base.checkpointDirectory = directory
    config.base.resume = o.has("resume")
    if let shard = try StudyOptions.shardOption(o) {
      try await StudyOptions.runShard("rbm-scaling", shard: shard, settings: RBMScalingExperiment.Config.settings, config: config, runs: config.base.runs,
                         directory: directory, force: o.has("force")) { part, progress in
        try await RBMScalingExperiment.ensembles(config, part: part, progress: progress)
      }
      RBMScalingExperiment.removeCheckpoints(config)  // the shard is written: the finished runs are in shard.json
      return
    }
    var output = try ExperimentOutput(directory: directory, study: "rbm-scaling", force: o.has("force"))
    let result = try await StudyOptions.asUsage { try await RBMScalingExperiment.run(config, progress: Progress(total: config.grid.count, label: "rbm scaling: configurations")) }
    try report(result, to: &output)
    RBMScalingExperiment.removeCheckpoints(config)  // only a stopped job needs them
  }

  static func report(_ result: RBMScalingExperiment.Result, to output: inout ExperimentOutput) throws {
    let config = result.config, directory = output.directory
    try RBMScalingExperiment.write(result, to: &output)
    say(String(format: "rbm scaling: %d configurations × %d runs in %.0f s", result.points.count, config.base.runs, result.seconds))
    for p in result.points {
      let spacings = p.modes.compactMap { $0.meanSpacing }.map { String(format: "%.4f", $0) }.joined(separator: " ")
      say(String(format: "  α = %-6g |B| = %-3d α/|B| = %-9.5f ⟨S⟩ per pair: %@", p.alpha, p.batch, p.alpha / Double(p.batch), spacings))
    }
    say(String(format: "  collapse ⟨S⟩ = a·√(α/|B|·(μ² − κ)): a_fit = %.4f ± %.4f, R² = %.4f over %d points (uncentred R₀² = %.4f)",
                 result.collapse.slope, result.collapse.jackknifeError, result.collapse.r2, result.collapse.x.count,
                 result.collapse.r2Uncentred))
    let slopes = result.slopes.map { String(format: "%g: %.3f ± %.3f", $0.ratio, $0.fit.slope, $0.fit.standardError) }.joined(separator: ", ")
    let theory = result.theorySlope.map { String(format: "small-noise theory √(2π)·σ_h = %.3f", $0) } ?? "no theory with momentum, L2 or a sampled positive phase"
    say("  slope a at each α/|B| (\(theory)): \(slopes)")
    if let q = result.equalRatio {
      say(String(format: "  equal α/|B|: χ² = %.1f for %d degrees of freedom (p = %.2g), largest spread of a pair's ⟨S⟩ %.1f %%",
                 q.chiSquare, q.degreesOfFreedom, q.pValue, 100 * q.largestSpread))
    }
    try finishStudy(directory)
  }

  static func mnist(_ arguments: [String]) async throws {
    var (config, o) = try StudyOptions.configure(arguments, settings: RBMMNISTExperiment.Config.settings,
                                     defaults: StudyOptions.withData(RBMMNISTExperiment.Config()),
                                     quick: StudyOptions.withData(.quick), resumable: true)
    let directory = o.string("out") ?? "runs/rbm-mnist"
    config.checkpointDirectory = directory
    config.resume = o.has("resume")
    var output = try ExperimentOutput(directory: directory, study: "rbm-mnist", force: o.has("force"))
    let data: Matrix<Double>
    do { data = try RBMMNISTExperiment.loadImages(path: config.imagesPath, count: config.images) } catch let e as FileFormatError {
      throw RuntimeError(description: "\(e)\n(the MNIST files come from Datasets/fetch.sh; or pass --images-path FILE)")
    }
    let images = data.rows
    let progress = Progress(total: RBMMNISTExperiment.progressTotal(config, samples: images), label: "rbm mnist:", percent: true)
    let result: RBMMNISTExperiment.Result
    do {
      result = try await RBMMNISTExperiment.run(config, data: consume data, progress: progress)   // held once, centred in place
    } catch let e as ExperimentError {
      throw UsageError(description: e.description)   // as StudyOptions.asUsage, which a closure would make copy the images
    }
    try RBMMNISTExperiment.write(result, to: &output)
    RBMMNISTExperiment.removeCheckpoints(config)   // only a stopped job needs them
    let c = config.training
    say(String(format: "rbm mnist: %d images, %@, μ² = %g, α = %g × %g^epoch, |B| = %d, k = %d, %d epoch(s), in %.0f s", images,
               config.negativePhase.rawValue, c.mu2, c.alpha, config.learningRateDecay, c.batch, c.gibbsSteps, config.epochs, result.seconds))
    say("  data covariance, top 5: " + result.dataSpectrum.prefix(5).map { String(format: "%.4g", $0) }.joined(separator: " ")
          + String(format: "; modes above 1/μ²: %d; zero modes: %d", result.dataSpectrum.filter { $0 > 1 / c.mu2 }.count, result.dataSpectrum.filter { $0 < 1e-12 }.count))
    var failed = false
    for m in result.models {
      guard let cov = m.covariance else { printError(m.failure ?? "N_h = \(m.hidden) failed"); failed = true; continue }
      say(String(format: "  N_h = %3d: %3d modes within 10 %% in a row from the infrared end, %3d among the first N_h; top 5: %@  (%.0f s)", m.hidden,
                   RBMMNISTExperiment.learnedModes(model: cov, data: result.dataSpectrum),
                   RBMMNISTExperiment.modesWithinTenPercent(model: cov, data: result.dataSpectrum, hidden: m.hidden),
                   cov.prefix(5).map { String(format: "%.4g", $0) }.joined(separator: " "), m.seconds))
    }
    try finishStudy(directory)
    if failed { throw ExitQuietly(code: 1) }
  }

  static func learn(_ arguments: [String]) async throws {
    var (config, o) = try StudyOptions.configure(arguments, settings: RBMLearnExperiment.Config.settings,
                                     defaults: RBMLearnExperiment.Config(), quick: .quick, shardable: true)
    guard config.training.hidden <= config.training.visible else {
      throw UsageError(description: "--hidden (\(config.training.hidden)) must not exceed --visible (\(config.training.visible))")
    }
    let directory = o.string("out") ?? "runs/rbm-learn"
    config.checkpointDirectory = directory
    config.resume = o.has("resume")
    if let shard = try StudyOptions.shardOption(o) {
      try await StudyOptions.runShard("rbm-learn", shard: shard, settings: RBMLearnExperiment.Config.settings, config: config, runs: config.runs,
                         directory: directory, force: o.has("force")) { part, progress in
        [try await RBMLearnExperiment.ensemble(config, part: part, progress: progress)]
      }
      RBMLearnExperiment.removeCheckpoints(config)  // the shard is written: the finished runs are in shard.json
      return
    }
    var output = try ExperimentOutput(directory: directory, study: "rbm-learn", force: o.has("force"))
    let result = try await StudyOptions.asUsage { try await RBMLearnExperiment.run(config, progress: Progress(total: config.runs, label: "rbm learn: runs")) }
    try report(result, to: &output)
    RBMLearnExperiment.removeCheckpoints(config)  // only a stopped job needs them
  }

  static func report(_ result: RBMLearnExperiment.Result, to output: inout ExperimentOutput) throws {
    let config = result.config, directory = output.directory
    try RBMLearnExperiment.write(result, to: &output)
    for failure in result.failures { printError(failure) }
    let c = config.training
    say(String(format: "rbm learn: %d of %d runs succeeded in %.1f s (N = %d, α = %g, |B| = %d, %d updates)",
                 result.final.count, config.runs, result.seconds, c.visible, c.alpha, c.batch, c.updates))
    let sorted = result.final.map { $0.sorted(by: >) }
    for (i, target) in result.targets.enumerated() where !sorted.isEmpty {
      let values = sorted.map { $0[i] }
      let mean = mean(values)
      say(String(format: "  mode %2d: x = %.4f  target μ² − κ = %.4f", i, mean, target))
    }
    try finishStudy(directory)
    if result.final.isEmpty { throw ExitQuietly(code: 1) }
  }
}
