import DysonExperiments
import Foundation

/// `dyson dbm`: Dyson Brownian motion of two degenerate levels under SGD, over the (α, |B|) grid.
enum DBMCommand {
  static var help: String {
    let lines = StudyOptions.optionLines(DBMExperiment.Config.settings, defaults: DBMExperiment.Config(), width: 18)
    return """
    usage: dyson dbm [--option value …] [--config FILE.json] [--quick] [--out DIR] [--force] [--json]

    A 2×2 symmetric X updated as mini-batch SGD does near a degenerate minimum κ·1,
    X' = X − αΩ(X − κ1) + (α/√|B|)·g̃·H with H from the GOE, over the authors' α and |B| scans and the
    equal-ratio set. Its eigenvalues perform discrete Dyson Brownian motion; the stationary spacing
    is compared with the exact two-level Coulomb gas, ⟨S⟩ = √π σ, σ² = (α/|B|)(g̃²/Ω)/(1 − αΩ/2):
    the linear scaling rule and its discrete-step correction. Writes config.json, summary.json,
    spacings.csv, collapse.svg, distributions.svg, index.html (default out runs/dbm).

    \(lines)
        --config FILE        settings from a JSON object with the option names as keys
        --quick              1000 chains × 10 samples per configuration
        --out DIR            output folder
        --force              write into --out even when it holds another command's output
        --json               print the study's summary.json instead of the summary
    """
  }

  static func run(_ arguments: [String]) async throws {
    let (config, o) = try StudyOptions.configure(arguments, settings: DBMExperiment.Config.settings, defaults: DBMExperiment.Config(), quick: .quick)
    let directory = o.string("out") ?? "runs/dbm"
    var output = try ExperimentOutput(directory: directory, study: "dbm", force: o.has("force"))
    let result = try await StudyOptions.asUsage { try await DBMExperiment.run(config, progress: Progress(total: config.grid.count, label: "dbm: configurations")) }
    try DBMExperiment.write(result, to: &output)
    say(String(format: "dbm: %d configurations × %d chains × %d samples in %.1f s", result.measurements.count, config.chains, config.samples, result.seconds))
    say("  α       |B|  ⟨S⟩                 continuum √π σ   exact (discrete)   U₄       KS p")
    for m in result.measurements {
      say(String(format: "  %-6g  %-3d  %.5f ± %.5f   %.5f          %.5f            %+.4f  %.3g", m.point.alpha, m.point.batch, m.meanSpacing, m.meanSpacingError,
                   (Double.pi * m.continuumVariance).squareRoot(), (Double.pi * m.discreteVariance).squareRoot(), m.binder, m.ks.pValue))
    }
    say(String(format: "  collapse ⟨S⟩ = a·√(α/|B|·g̃²/Ω): a_fit = %.4f ± %.4f (√π = %.4f), R² = %.4f",
                 result.collapse.slope, result.collapse.jackknifeError, Double.pi.squareRoot(), result.collapse.r2))
    try finishStudy(directory)
  }
}
