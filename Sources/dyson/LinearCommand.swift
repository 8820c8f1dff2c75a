import DysonExperiments
import Foundation

/// `dyson linear <study>`: the linear-network studies. Today: `ts` (teacher–student with induced noise).
enum LinearCommand {
  static var help: String {
    let defaults = TeacherStudentExperiment.Config()
    let lines = TeacherStudentExperiment.Config.settings.map { s in
      "    --\(s.name.padding(toLength: 18, withPad: " ", startingAt: 0)) \(s.help) (default \(s.read(defaults)))"
    }.joined(separator: "\n")
    return """
    usage: dyson linear ts [--option value …] [--config FILE.json] [--quick] [--out DIR]

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

    Still to come (issue 5): hidden (the one-hidden-layer network with a fixed Z).
    """
  }

  static func run(_ arguments: [String]) async throws {
    guard let study = arguments.first, !study.hasPrefix("--") else {
      throw UsageError(description: "dyson linear needs a study: ts (see dyson help linear)")
    }
    switch study {
    case "ts": try await teacherStudent(Array(arguments.dropFirst()))
    case "hidden": throw RuntimeError(description: "dyson linear hidden is not implemented yet (issue 5); available: ts")
    default: throw UsageError(description: "unknown study '\(study)' for dyson linear; studies: ts")
    }
  }

  static func teacherStudent(_ arguments: [String]) async throws {
    let (config, o) = try RBMCommand.configure(arguments, settings: TeacherStudentExperiment.Config.settings,
                                                defaults: TeacherStudentExperiment.Config(), quick: .quick)
    let directory = o.string("out") ?? "runs/linear-ts"
    let result = try await RBMCommand.asUsage {
      try await TeacherStudentExperiment.run(config, progress: Progress(total: config.grid.count, label: "linear ts: configurations"))
    }
    var output = try ExperimentOutput(directory: directory)
    try TeacherStudentExperiment.write(result, to: &output)
    print(String(format: "linear ts: %d configurations × %d students in %.1f s", result.measurements.count, config.runs, result.seconds))
    print("  α      |B|  ns     σ_pred    ⟨S⟩                ⟨S⟩/σ_pred  theory   U₄                 ⟨ξ⟩      loss")
    for m in result.measurements {
      for f in m.failures.prefix(3) { printError(f) }
      let s = m.pair.meanSpacing ?? .nan, e = m.pair.meanSpacingError ?? .nan
      print(String(format: "  %-5.3g  %-3d  %-5.3g  %.5f   %.5f ± %.5f  %.4f      %.4f   %+.3f ± %.3f   %.5f  %.3g", m.point.alpha, m.point.batch,
                   m.point.noise, m.predictedSigma, s, e, s / m.predictedSigma, m.theoryRatio, m.pair.binder, m.pair.binderError, m.meanSingularValue, m.finalLoss))
    }
    print(String(format: "  collapse ⟨S⟩ = a·σ_pred: a_fit = %.4f ± %.4f, R² = %.4f; √π·σ_fit: a = %.4f ± %.4f, R² = %.4f (√π = %.4f)",
                 result.spacingCollapse.slope, result.spacingCollapse.jackknifeError, result.spacingCollapse.r2,
                 result.sigmaCollapse.slope, result.sigmaCollapse.jackknifeError, result.sigmaCollapse.r2, Double.pi.squareRoot()))
    print("wrote \(directory)/index.html")
  }
}
