import DysonRMT
import Foundation

/// The headline numbers of each study for the report, next to the paper's value or the theory's.
extension Reproduction {
  static func format(_ value: Double, _ error: Double? = nil, digits: Int = 4) -> String {
    guard let error, error.isFinite else { return String(format: "%.\(digits)f", value) }
    return String(format: "%.\(digits)f ± %.\(digits)f", value, error)
  }

  /// "a … b" over the values (typographic minus), or one value when they agree to the digits shown.
  static func range(_ values: [Double], digits: Int = 4) -> String {
    guard let lo = values.min(), let hi = values.max() else { return "—" }
    let a = String(format: "%.\(digits)f", lo), b = String(format: "%.\(digits)f", hi)
    return (a == b ? a : a + " … " + b).replacingOccurrences(of: "-", with: "−")
  }

  /// Each value with its error ("−0.123 ± 0.010, …"), for a handful of values that are each compared with the reference.
  static func withErrors(_ values: [(value: Double, error: Double)], digits: Int = 3) -> String {
    guard !values.isEmpty else { return "—" }
    return values.map { String(format: "%.\(digits)f ± %.\(digits)f", $0.value, $0.error) }.joined(separator: ", ")
      .replacingOccurrences(of: "-", with: "−")
  }

  static func headlines(_ r: RBMLearnExperiment.Result) -> [Headline] {
    let c = r.config.training
    guard !r.final.isEmpty else { return [Headline("runs that succeeded", ours: "0 of \(r.config.runs)", reference: "all")] }
    let initialMean = r.initial.flatMap { $0 }.reduce(0, +) / Double(r.initial.count * c.hidden)
    let sorted = r.final.map { $0.sorted(by: >) }
    let means = r.targets.indices.map { i in sorted.map { $0[i] }.reduce(0, +) / Double(sorted.count) }
    let worst = zip(means, r.targets).map { abs($0 - $1) / $1 }.max() ?? .nan
    // In λ = μ² − x, the coupling the RBM learns, a small x's relative error is a small λ/κ shift.
    // A degenerate pair is pooled (its two ranks split by level repulsion, not by a shift).
    var pooled: [(target: Double, sum: Double, count: Double)] = []
    for (mean, target) in zip(means, r.targets) {
      if let last = pooled.last, abs(last.target - target) < 1e-9 * max(1, abs(target)) {
        pooled[pooled.count - 1].sum += mean
        pooled[pooled.count - 1].count += 1
      } else {
        pooled.append((target, mean, 1))
      }
    }
    let lambdaOverKappa = pooled.map { (c.mu2 - $0.sum / $0.count) / (c.mu2 - $0.target) }
    return [
      Headline("⟨x⟩ at t = 0 (mean of MP)", ours: format(initialMean), reference: format(c.sigmaH * c.sigmaH * Double(c.visible) * c.initialScale * c.initialScale) + " = σ_h²·N_v·s²"),
      Headline("largest mode ⟨x₁⟩ at the end", ours: format(means.first!), reference: format(r.targets.first!) + " = μ² − κ_min"),
      Headline("smallest mode ⟨x_N⟩ at the end", ours: format(means.last!), reference: format(r.targets.last!) + " = μ² − κ_max"),
      Headline("largest |⟨xᵢ⟩ − (μ² − κᵢ)| / (μ² − κᵢ)", ours: String(format: "%.2f %%", 100 * worst), reference: "→ 0 as α/|B| → 0 (Fig. 2: the modes reach μ² − κ)"),
      Headline("λ/κ of the modes (pairs pooled), λ = μ² − ⟨x⟩", ours: range(lambdaOverKappa, digits: 3), reference: "1 up to the SGD-noise shift of finite α/|B| (2412.20496; see rbm-universality)"),
      Headline("runs that succeeded", ours: "\(r.final.count) of \(r.config.runs)", reference: "all"),
    ]
  }

  static func headlines(_ r: RBMUniversalityExperiment.Result) -> [Headline] {
    let pairs = r.modes.filter { $0.members.count == 2 }, singles = r.modes.filter { $0.members.count == 1 }
    var out = [
      Headline("Binder U₄ of the degenerate pairs", ours: withErrors(pairs.map { ($0.binder, $0.binderError) }),
               reference: "−4/27 = −0.148 (two-level Coulomb gas)"),
      Headline("Binder U₄ of the single modes", ours: withErrors(singles.map { ($0.binder, $0.binderError) }), reference: "0 (Gaussian)"),
      Headline("pair ⟨S⟩ / (√π σ_fit)", ours: range(pairs.compactMap { m in m.meanSpacing.map { $0 / (Double.pi.squareRoot() * m.sigma) } }, digits: 3),
               reference: "1 (surmise and semicircle agree)"),
      Headline("λ/κ of the modes", ours: range(r.modes.map(\.lambdaOverKappa), digits: 3), reference: "≠ 1 at finite α/|B|, on either side: the levels repel (2411.13512 Fig. 1)"),
      Headline("runs", ours: "\(r.succeededRuns) of \(r.config.runs)", reference: "7500 in the paper"),
    ]
    if let ks = r.spacingKS { out.insert(Headline("spacings s = S/⟨S⟩ vs the surmise: KS p", ours: String(format: "%.3g", ks.pValue), reference: "surmise (p not small)"), at: 2) }
    return out
  }

  static func headlines(_ r: RBMScalingExperiment.Result) -> [Headline] {
    var out = [
      Headline("a_fit of ⟨S⟩ = a·√(α/|B|·(μ² − κ))", ours: format(r.collapse.slope, r.collapse.jackknifeError), reference: "a free constant (Fig. 1)"),
      Headline("R² of the collapse: centred / uncentred R₀² (the usual one through the origin)",
               ours: format(r.collapse.r2) + " / " + format(r.collapse.r2Uncentred), reference: "one line for α and |B| scans (Fig. 1)"),
    ]
    if let small = r.slopes.first, small.fit.slope.isFinite {
      out.append(Headline(String(format: "slope a at the smallest α/|B| = %g", small.ratio), ours: format(small.fit.slope, small.fit.standardError),
                          reference: r.theorySlope.map { String(format: "√(2π)·σ_h = %.3f (linearised theory, Docs/RBM.md)", $0) } ?? "—"))
    }
    out.append(Headline("equal α/|B|: each pair's ⟨S⟩ over the configurations",
                        ours: r.equalRatio.map { String(format: "spread ≤ %.1f %%, χ² = %.1f / %d dof, p = %.2g", 100 * $0.largestSpread, $0.chiSquare, $0.degreesOfFreedom, $0.pValue) } ?? "—",
                        reference: "equal ⟨S⟩ (the linear scaling rule)"))
    out.append(Headline("configurations × runs", ours: "\(r.points.count) × \(r.config.base.runs)", reference: "10 × 7500 (α scan of 6 and |B| scan of 5, sharing α = 0.1, |B| = 16)"))
    return out
  }

  static func headlines(_ r: RBMMNISTExperiment.Result) -> [Headline] {
    // The talk lists the data correlator's first eleven eigenvalues as 6.572 … 1.428: those of the
    // centred correlator of pixels/255 times (255/225)², i.e. of centred pixels divided by 225.
    var out: [Headline] = []
    if r.config.center && r.config.images == 60000 && r.dataSpectrum.count >= 11 {
      let factor = (255.0 / 225) * (255.0 / 225)
      out.append(Headline("data correlator's 1st and 11th eigenvalues × (255/225)²",
                          ours: String(format: "%.3f, %.3f", r.dataSpectrum[0] * factor, r.dataSpectrum[10] * factor),
                          reference: "6.572, 1.428 (the talk: centred pixels, scaled by 1/225)"))
    }
    return out + r.models.map { m in
      guard let cov = m.covariance else { return Headline("N_h = \(m.hidden)", ours: m.failure ?? "failed", reference: "—") }
      return Headline("N_h = \(m.hidden): modes within 10 % in a row from the infrared end (among the first N_h)",
                      ours: "\(RBMMNISTExperiment.learnedModes(model: cov, data: r.dataSpectrum)) (\(RBMMNISTExperiment.modesWithinTenPercent(model: cov, data: r.dataSpectrum, hidden: m.hidden)))",
                      reference: "up to N_h, infrared first (2309.15002)")
    }
  }

  static func headlines(_ r: TeacherStudentExperiment.Result) -> [Headline] {
    let theory = r.measurements.map(\.theoryRatio)
    return [
      Headline("a_fit of ⟨S⟩ = a·√(α·ns²/|B|)", ours: format(r.spacingCollapse.slope, r.spacingCollapse.jackknifeError),
               reference: "√(2π/(2 − α)) = " + range(theory, digits: 3) + " (linearised theory)"),
      Headline("R² of the collapse: centred / uncentred R₀²", ours: format(r.spacingCollapse.r2) + " / " + format(r.spacingCollapse.r2Uncentred),
               reference: "one line (2407.16427)"),
      Headline("Binder U₄ of the singular-value pair", ours: withErrors(r.measurements.map { ($0.pair.binder, $0.pair.binderError) }),
               reference: "−4/27 = −0.148"),
      Headline("configurations × students", ours: "\(r.measurements.count) × \(r.config.runs)", reference: "—"),
    ]
  }

  static func headlines(_ r: LinearHiddenExperiment.Result) -> [Headline] {
    var out = r.modes.map { m in
      Headline(String(format: "relaxation rate of the mode z = %.3g", m.z), ours: format(m.rate, m.rateError, digits: 5),
               reference: format(m.theoryRate, digits: 5) + " = −ln(1 − αz²)"
                 + (r.config.dataPerStudent ? "" : "; one data set shared by all students (the authors' setup): its quenched disorder moves the rates off the theory, which averages over data"))
    }
    out.append(Headline("σ_fast / σ_slow of the stationary pair", ours: format(r.sigmaRatio, r.sigmaRatioError, digits: 3),
                        reference: format(r.theorySigmaRatio, digits: 3) + " (linearised theory)"))
    out.append(Headline("ΔAIC, one species − two species", ours: String(format: "%.1f", 2 * (r.oneSpecies.objective - r.twoSpecies.objective) - 2),
                        reference: "> 0 favours two species (2412.20496)"))
    return out
  }

  static func headlines(_ r: GPTScalingExperiment.Result) -> [Headline] {
    r.verdicts.filter { $0.observable == "diffusion key" }.map { v in
      let collapse = v.collapse.map { String(format: ", collapse R² %.3f, R₀² %.3f", $0.r2, $0.r2Uncentred) } ?? ""
      return Headline("\(v.optimizer.rawValue): key-eigenvalue diffusion per unit η·steps at equal \(v.rule)",
                      ours: String(format: "χ² = %.1f / %d dof, p = %.3g", v.chiSquare, v.degreesOfFreedom, v.pValue) + collapse,
                      reference: v.rule == "η/|B|" ? "equal (p not small), and ∝ η/|B|, if the linear rule holds (SGD: Docs/GPT.md)"
                                                   : "equal if the square-root rule holds (proposed for adaptive optimisers)")
    }
  }

  static func headlines(_ r: GPTExperiment.Result) -> [Headline] {
    let healthy = r.runs.filter { $0.failure == nil }
    let c = r.config
    let initial = r.fits.filter { $0.step == 0 }, last = r.fits.filter { $0.step == r.fits.map(\.step).max() }
    let finalStep = last.first?.step ?? c.iterations
    var out = [
      Headline("train / validation loss after \(c.iterations) steps (mean of \(healthy.count) runs)",
               ours: String(format: "%.3f / %.3f", mean(healthy.map(\.finalTrain)), mean(healthy.map(\.finalValidation))),
               reference: c.iterations == 5000 ? "1.66 / 1.82 (lecture model, 5000 steps)" : "1.66 / 1.82 after 5000 steps; this run is shorter"),
      Headline("MP fit of head-0 keys at step 0: σ² (layers 1–4)", ours: range(initial.map(\.variance), digits: 5),
               reference: String(format: "%.5f = 1/192, the variance of U(±1/8)", GPTExperiment.initialVariance(c.training.model))),
      Headline("MP fit at step 0: A", ours: range(initial.map(\.area), digits: 3), reference: "1"),
      Headline("MP fit at step \(finalStep): σ²", ours: range(last.map(\.variance), digits: 5), reference: "grows (the MP part broadens)"),
      Headline("MP fit at step \(finalStep): A", ours: range(last.map(\.area), digits: 3), reference: finalStep == 5000 ? "0.75–0.85 (15–25 % to the tail)" : "0.75–0.85 at step 5000"),
    ]
    if r.spacingsByStep.count > 1 {
      out.append(Headline("unfolded key spacings ⟨s²⟩ at steps " + r.spacingsByStep.map { "\($0.step)" }.joined(separator: ", "),
                          ours: r.spacingsByStep.map { String(format: "%.3f", GPTExperiment.meanSquare($0.all)) }.joined(separator: ", "),
                          reference: "GOE-like at every step, 4/π = 1.273 (Fig. 3)"))
    }
    for p in r.projections where !p.fits.isEmpty {
      out.append(Headline("\(p.projection.rawValue) head 0 at step \(finalStep): MP A (layers 1–\(p.fits.count))",
                          ours: range(p.fits.map(\.area), digits: 3), reference: "the keys' behaviour (2411.13512 analyses K only)"))
    }
    if let tail = r.tail { out.append(Headline("power-law exponent of the tail", ours: format(tail.alpha, tail.alphaError, digits: 2), reference: "a power law (Fig. 4)")) }
    if !r.spacings.isEmpty {
      let s2 = mean(r.spacings.map { $0 * $0 })
      out.append(Headline("unfolded spacings: ⟨s²⟩", ours: String(format: "%.3f", s2), reference: "4/π = 1.273 for GOE, 2 for Poisson (Fig. 3)"))
    }
    if !r.bulkSpacings.isEmpty {
      out.append(Headline("the same without each spectrum's end spacings", ours: String(format: "%.3f", GPTExperiment.meanSquare(r.bulkSpacings)),
                          reference: "4/π = 1.273 (the surmise is a bulk law)"))
    }
    if let first = r.ratioMeans.first, let last = r.ratioMeans.last, last.step > first.step {
      out.append(Headline("spacing ratio ⟨r̃⟩ (no unfolding) at step \(last.step)", ours: format(last.mean, last.error, digits: 3),
                          reference: String(format: "%.3f at step 0 (initialisation, 16 levels); GOE %.3f, Poisson %.3f", first.mean, SpacingRatio.goe, SpacingRatio.poisson)))
      out.append(Headline("the same without each spectrum's largest level", ours: format(last.meanWithoutLargest, last.errorWithoutLargest, digits: 3),
                          reference: String(format: "%.3f at step 0 (the bulk repels as at initialisation)", first.meanWithoutLargest)))
    }
    return out
  }

  static func headlines(_ r: DBMExperiment.Result) -> [Headline] {
    let ms = r.measurements
    let ratios = ms.map { $0.meanSpacing / (Double.pi * $0.discreteVariance).squareRoot() }
    return [
      Headline("a_fit of ⟨S⟩ = a·√(α/|B|·g̃²/Ω)", ours: format(r.collapse.slope, r.collapse.jackknifeError), reference: "√π = 1.7725 (continuum)"),
      Headline("⟨S⟩ / its exact value √(πσ²/(1 − αΩ/2))", ours: range(ratios, digits: 3), reference: "1"),
      Headline("Binder U₄ of the pooled levels", ours: range(ms.map(\.binder), digits: 3), reference: "−4/27 = −0.148"),
      Headline("KS p of the spacings vs the surmise, over the configurations", ours: range(ms.map(\.ks.pValue), digits: 2),
               reference: "spread over (0, 1) when the surmise holds"),
    ]
  }
}
