import DysonIO
import DysonPlot
import DysonRMT
import Foundation

extension DynamicsStudy {
  /// summary.json: the runs, steps and groups, then per group and step the measures of
  /// `SpectralDynamics.Point`, and per group and chosen step the unfolded spacings' statistics.
  public static func summary(_ r: Result) -> JSONValue {
    func number(_ x: Double?) -> JSONValue { x.map { $0.isFinite ? .number($0) : .null } ?? .null }
    let points: [JSONValue] = r.analysis.points.map { p in
      .object([
        ("group", .string(p.group)), ("step", .integer(p.step)),
        ("mp_sigma2", number(p.mpSigma2)), ("mp_sigma2_error", number(p.mpSigma2Error)),
        ("mp_area", number(p.mpArea)), ("mp_area_error", number(p.mpAreaError)),
        ("fraction_above_edge", number(p.fractionAboveEdge)), ("mp_status", .string(p.mpStatus)),
        ("alpha", number(p.alpha)), ("alpha_error", number(p.alphaError)), ("tail_count", p.tailCount.map { .integer($0) } ?? .null),
        ("lambda_max", number(p.lambdaMax)), ("lambda_max_error", number(p.lambdaMaxError)),
        ("ratio_mean", number(p.ratioMean)), ("ratio_mean_error", number(p.ratioMeanError)), ("ratio_count", .integer(p.ratioCount)),
        ("ratio_mean_without_largest", number(p.ratioMeanWithoutLargest)),
        ("ratio_mean_without_largest_error", number(p.ratioMeanWithoutLargestError)),
        ("rand_distance", number(p.randDistance)),
      ])
    }
    let spacings: [JSONValue] = r.analysis.spacings.map { s in
      let ks = s.all.count >= 8 ? KolmogorovSmirnov(s.all, cdf: WignerSurmise.goe.cdf) : nil
      let bulkKS = s.bulk.count >= 8 ? KolmogorovSmirnov(s.bulk, cdf: WignerSurmise.goe.cdf) : nil
      return .object([
        ("group", .string(s.group)), ("step", .integer(s.step)), ("unfolding", .string(s.unfolding)), ("count", .integer(s.all.count)),
        ("mean_square", s.all.isEmpty ? .null : number(SpectralDynamics.meanSquare(s.all))),
        ("ks_distance", number(ks?.distance)), ("ks_p", number(ks?.pValue)),
        ("bulk_mean_square", s.bulk.isEmpty ? .null : number(SpectralDynamics.meanSquare(s.bulk))),
        ("bulk_ks_distance", number(bulkKS?.distance)), ("bulk_ks_p", number(bulkKS?.pValue)),
      ])
    }
    let groups: [JSONValue] = r.plan.groups.enumerated().map { g, group in
      .object([("name", .string(group.name)), ("rows", .integer(group.rows)), ("columns", .integer(group.columns)),
               ("matrices", .integer(group.matrices)),
               ("tensors", .array(r.plan.tensors.filter { $0.group == g }.map { .string($0.name) }))])
    }
    return .object([
      ("experiment", .string("dynamics")), ("runs", .array(r.plan.runs.map { .string($0.folder) })),
      ("steps", .array(r.plan.steps.map { .integer($0) })), ("groups", .array(groups)),
      ("points", .array(points)), ("spacings", .array(spacings)),
      ("spacing_ratio_goe", .number(SpacingRatio.goe)), ("spacing_ratio_poisson", .number(SpacingRatio.poisson)),
      ("seconds", .number(r.seconds)),
    ])
  }

  /// Writes config.json, summary.json, eigenvalues.csv, the figures and index.html.
  public static func write(_ r: Result, to output: inout ExperimentOutput) throws {
    let c = r.config
    try output.write(json: settingsJSON(Config.settings, c), to: "config.json")
    try output.write(json: summary(r), to: "summary.json")
    var csv = CSVWriter(header: ["run", "group", "tensor", "step", "matrix", "index", "x", "shuffled"])
    for run in 0..<r.series.runs {
      for (s, step) in r.series.steps.enumerated() {
        for (g, group) in r.series.groups.enumerated() {
          // The group's matrices in plan order, named by their tensor (a kernel has several).
          let names = r.plan.tensors.filter { $0.group == g }.flatMap { t in (0..<t.matrices).map { (t.name, $0) } }
          for (kind, spectra) in [("0", r.series.spectra(run: run, step: s, group: g)), ("1", r.series.shuffledSpectra(run: run, step: s, group: g) ?? [])] {
            for (m, values) in spectra.enumerated() {
              for (i, x) in values.enumerated() {
                csv.appendRow([r.plan.runs[run].folder, group.name, names[m].0, "\(step)", "\(names[m].1)", "\(i)", "\(x)", kind])
              }
            }
          }
        }
      }
    }
    try output.write(csv: csv, to: "eigenvalues.csv")

    let chosen = histogramSteps(c, r.plan)
    let groups = r.series.groups
    // Fig. 3: per group, the pooled ESD at the chosen steps with its A·MP fit.
    var panels: [Panel] = []
    for (g, group) in groups.enumerated() {
      for step in chosen {
        guard let s = r.series.steps.firstIndex(of: step) else { continue }
        let pooled = (0..<r.series.runs).flatMap { r.series.spectra(run: $0, step: s, group: g).flatMap { $0 } }
        var panel = Panel(title: "\(group.name), step \(step)", x: Axis("x"), y: Axis("ρ(x)"))
        let histogram = Histogram(pooled, binning: .count(SpectralFit.defaultBins(pooled)))
        panel.add(.histogram(edges: histogram.edges, heights: histogram.density, color: plotPalette[0], label: "\(pooled.count) values"))
        if let p = r.analysis.point(group: group.name, step: step), let sigma2 = p.mpSigma2, let area = p.mpArea {
          let law = MarchenkoPastur(rows: group.rows, columns: group.columns, variance: sigma2)
          let grid = (0...300).map { law.lowerEdge + (law.upperEdge - law.lowerEdge) * Double($0) / 300 }
          panel.add(.line(x: grid, y: grid.map { area * law.density($0) }, color: plotPalette[1], width: 1.5, dashed: false,
                          label: String(format: "MP σ²=%.3g A=%.2f", sigma2, area)))
        }
        panels.append(panel)
      }
    }
    if !panels.isEmpty {
      try output.add(Figure(panels: panels, columns: chosen.count, caption: "Eigenvalues of WᵀW of each group, pooled over \(r.series.runs) run(s), at the chosen steps, against the fitted A·P_MP(x; σ², N/M) (2411.13512 Fig. 3)."), as: "histograms.svg")
    }
    // Fig. 4: σ², A, the share above x₊ and ⟨r̃⟩ against the step, per group.
    var variance = Panel(title: "(a) σ²", x: Axis("step"), y: Axis("σ²"))
    var area = Panel(title: "(b) A", x: Axis("step"), y: Axis("A"))
    var outside = Panel(title: "(c) share above x₊", x: Axis("step"), y: Axis("fraction"))
    var ratio = Panel(title: "(d) ⟨r̃⟩", x: Axis("step"), y: Axis("⟨r̃⟩"))
    for (g, group) in groups.enumerated() {
      let points = r.analysis.points.filter { $0.group == group.name }
      let fitted = points.filter { $0.mpSigma2 != nil }
      let color = plotPalette[g % plotPalette.count]
      let label = groups.count <= 8 ? group.name : (g == 0 ? "groups" : nil)
      variance.add(.points(x: fitted.map { Double($0.step) }, y: fitted.map { $0.mpSigma2! }, errors: fitted.map { $0.mpSigma2Error ?? 0 }, color: color, label: label))
      area.add(.points(x: fitted.map { Double($0.step) }, y: fitted.map { $0.mpArea! }, errors: fitted.map { $0.mpAreaError ?? 0 }, color: color, label: nil))
      outside.add(.line(x: fitted.map { Double($0.step) }, y: fitted.map { $0.fractionAboveEdge ?? .nan }, color: color, width: 1.2, dashed: false, label: nil))
      let rated = points.filter { $0.ratioCount > 0 }
      ratio.add(.points(x: rated.map { Double($0.step) }, y: rated.map(\.ratioMean), errors: rated.map { $0.ratioMeanError.isFinite ? $0.ratioMeanError : 0 }, color: color, label: nil))
    }
    if let first = r.series.steps.first, let last = r.series.steps.last {
      ratio.add(.line(x: [Double(first), Double(last)], y: [SpacingRatio.goe, SpacingRatio.goe], color: "#888888", width: 1, dashed: true, label: "GOE"))
      ratio.add(.line(x: [Double(first), Double(last)], y: [SpacingRatio.poisson, SpacingRatio.poisson], color: "#888888", width: 1, dashed: false, label: "Poisson"))
    }
    try output.add(Figure(panels: [variance, area, outside, ratio], columns: 2, caption: "Per group against the training step: the Marchenko–Pastur fit (σ², A) with bootstrap errors over runs, the share of eigenvalues above its edge x₊ (2411.13512 Fig. 4), and the spacing ratio ⟨r̃⟩ against its GOE and Poisson values."), as: "fits.svg")
    // Spacings against the surmise at the chosen steps.
    if !r.analysis.spacings.isEmpty {
      let grid = (0...200).map { 4 * Double($0) / 200 }
      var spacingPanels: [Panel] = []
      for s in r.analysis.spacings where !s.bulk.isEmpty {
        var panel = Panel(title: "\(s.group), step \(s.step)", x: Axis("s"), y: Axis("P(s)"))
        let h = Histogram(s.bulk)
        panel.add(.histogram(edges: h.edges, heights: h.density, color: plotPalette[0],
                             label: String(format: "%d spacings, ⟨s²⟩ = %.3f", s.bulk.count, SpectralDynamics.meanSquare(s.bulk))))
        panel.add(.line(x: grid, y: grid.map(WignerSurmise.goe.density), color: plotPalette[1], width: 1.5, dashed: false, label: "Wigner surmise"))
        spacingPanels.append(panel)
      }
      if !spacingPanels.isEmpty {
        try output.add(Figure(panels: spacingPanels, columns: chosen.count, caption: "Nearest-neighbour spacings of each group's eigenvalues, unfolded over the ensemble (or, for a single large spectrum, by its own smoothed staircase), without each spectrum's end spacings, against the GOE surmise (2411.13512 Fig. 3)."), as: "spacings.svg")
      }
    }
    let summaryLine = String(format: "%d run(s) × %d step(s) × %d group(s) of %d tensor(s); %.0f s.", r.series.runs, r.series.steps.count, groups.count, r.plan.tensors.count, r.seconds)
    try output.writeIndex(title: "Spectra over training", summary: summaryLine)
  }
}
