import DysonExperiments
import Foundation

/// `dyson linear <study>`: the linear-network studies `ts` (teacher–student with induced noise) and
/// `hidden` (one hidden layer with a fixed Z).
enum LinearCommand {
  static var help: String {
    let lines = StudyOptions.optionLines(TeacherStudentExperiment.Config.settings, defaults: TeacherStudentExperiment.Config(), width: 18)
    let hiddenLines = StudyOptions.optionLines(LinearHiddenExperiment.Config.settings, defaults: LinearHiddenExperiment.Config(), width: 18)
    return """
    usage: dyson linear ts|hidden [--option value …] [--config FILE.json] [--quick] [--out DIR] [--force] [--json]

    ts: the teacher–student model with induced noise (2407.16427): a 2×2 student learns the teacher
    κ·1 by sequential mini-batch SGD with a fixed GOE-like noise matrix per sample; for each point
    of the α, |B| and ns scans, many students from independent seeds. Per configuration: the pair of
    singular values ξ (⟨S⟩ with jackknife error, the two-level fit, Binder U₄, mean ξ, final loss);
    the collapse ⟨S⟩ = a·σ_pred, σ_pred = √(α·ns²/|B|), with a_fit, its error and R², against the
    linearised theory ⟨S⟩/σ_pred = √(2π/(2 − α)). Writes config.json, summary.json,
    singular_values.csv, collapse.svg, density.svg, index.html (default out runs/linear-ts).

    \(lines)
        --config FILE        settings from a JSON object with the option names as keys
        --quick              300 students per configuration
        --out DIR            output folder
        --force              write into --out even when it holds another command's output
        --json               print the study's summary.json instead of the summary

    hidden: the network y = ZWx with a fixed Z against the teacher ZW_t x (2412.20496, as science
    notes §4 reconstruct it): squared singular values over the first updates for --shown students and
    the mean of --runs, with ξ(t) = ξ∞ − b·e^{−ct} fitted per mode against c = −ln(1 − αz²); the
    stationary singular values with the one- and two-species Coulomb-gas densities fitted by
    likelihood, compared by AIC and KS, and σ₁/σ₂ against the theory. Writes config.json,
    summary.json, relaxation.csv, hidden.svg, index.html (default out runs/linear-hidden).

    \(hiddenLines)
    """
  }

  static func run(_ arguments: [String]) async throws {
    guard let study = arguments.first, !study.hasPrefix("--") else {
      throw UsageError(description: "dyson linear needs a study: ts, hidden (see dyson help linear)")
    }
    switch study {
    case "ts": try await teacherStudent(Array(arguments.dropFirst()))
    case "hidden": try await hidden(Array(arguments.dropFirst()))
    default: throw UsageError(description: "unknown study '\(study)' for dyson linear; studies: ts, hidden")
    }
  }

  static func teacherStudent(_ arguments: [String]) async throws {
    let (config, o) = try StudyOptions.configure(arguments, settings: TeacherStudentExperiment.Config.settings,
                                                defaults: TeacherStudentExperiment.Config(), quick: .quick)
    let directory = o.string("out") ?? "runs/linear-ts"
    var output = try ExperimentOutput(directory: directory, study: "linear-ts", force: o.has("force"))
    let result = try await StudyOptions.asUsage {
      try await TeacherStudentExperiment.run(config, progress: Progress(total: config.grid.count, label: "linear ts: configurations"))
    }
    try TeacherStudentExperiment.write(result, to: &output)
    say(String(format: "linear ts: %d configurations × %d students in %.1f s", result.measurements.count, config.runs, result.seconds))
    say("  α      |B|  ns     σ_pred    ⟨S⟩                ⟨S⟩/σ_pred  theory   U₄                 ⟨ξ⟩      loss")
    for m in result.measurements {
      for f in m.failures.prefix(3) { printError(f) }
      let s = m.pair.meanSpacing ?? .nan, e = m.pair.meanSpacingError ?? .nan
      say(String(format: "  %-5.3g  %-3d  %-5.3g  %.5f   %.5f ± %.5f  %.4f      %.4f   %+.3f ± %.3f   %.5f  %.3g", m.point.alpha, m.point.batch,
                   m.point.noise, m.predictedSigma, s, e, s / m.predictedSigma, m.theoryRatio, m.pair.binder, m.pair.binderError, m.meanSingularValue, m.finalLoss))
    }
    say(String(format: "  collapse ⟨S⟩ = a·σ_pred: a_fit = %.4f ± %.4f, R² = %.4f; √π·σ_fit: a = %.4f ± %.4f, R² = %.4f (√π = %.4f)",
                 result.spacingCollapse.slope, result.spacingCollapse.jackknifeError, result.spacingCollapse.r2,
                 result.sigmaCollapse.slope, result.sigmaCollapse.jackknifeError, result.sigmaCollapse.r2, Double.pi.squareRoot()))
    try finishStudy(directory)
  }

  static func hidden(_ arguments: [String]) async throws {
    let (config, o) = try StudyOptions.configure(arguments, settings: LinearHiddenExperiment.Config.settings,
                                                defaults: LinearHiddenExperiment.Config(), quick: .quick)
    let directory = o.string("out") ?? "runs/linear-hidden"
    var output = try ExperimentOutput(directory: directory, study: "linear-hidden", force: o.has("force"))
    let result = try await StudyOptions.asUsage { try await LinearHiddenExperiment.run(config) }
    try LinearHiddenExperiment.write(result, to: &output)
    for f in result.failures.prefix(3) { printError(f) }
    let c = config.training
    say(String(format: "linear hidden: Z = %@, %d students in %.1f s (α = %g, |B| = %d, ns = %g)", "\(c.z)", result.finals.count, result.seconds, c.alpha, c.batch, c.noise))
    for m in result.modes {
      say(String(format: "  z = %.4g: relaxation rate c = %.5f ± %.5f per update (theory −ln(1 − αz²) = %.5f), ξ∞ = %.4f", m.z, m.rate, m.rateError, m.theoryRate, m.limit))
    }
    let one = result.oneSpecies, two = result.twoSpecies
    say(String(format: "  one species: σ = %.5f ± %.5f, −log L = %.2f, KS p = %.3g", one.parameters[1], one.errors[1], one.objective, result.oneSpeciesKS.pValue))
    say(String(format: "  two species: σ₁ = %.5f ± %.5f, σ₂ = %.5f ± %.5f, −log L = %.2f, KS p = %.3g", abs(two.parameters[1]), two.errors[1],
                 abs(two.parameters[2]), two.errors[2], two.objective, result.twoSpeciesKS.pValue))
    say(String(format: "  ΔAIC (one − two) = %.1f; σ_fast/σ_slow = %.3f ± %.3f, linearised theory %.3f", 2 * (one.objective - two.objective) - 2,
                 result.sigmaRatio, result.sigmaRatioError, result.theorySigmaRatio))
    try finishStudy(directory)
  }
}
