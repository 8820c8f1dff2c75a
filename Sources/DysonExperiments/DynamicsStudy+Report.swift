import DysonIO
import DysonPlot
import DysonRMT
import Foundation

extension DynamicsStudy {
  /// What summary.json holds: the runs, steps and groups, then per group and step the measures of
  /// `SpectralDynamics.Point`, and per group and chosen step the unfolded spacings' statistics.
  public struct Summary: Codable, Sendable, Equatable {
    /// A group of matrices and the tensors in it.
    public struct Group: Codable, Sendable, Equatable {
      /// The group's name.
      public var name: String
      /// Each matrix's long and short side, and the matrices pooled.
      public var rows: Int, columns: Int, matrices: Int
      /// The tensors whose matrices the group pools.
      public var tensors: [String]
    }
    /// The measures of one group at one step (`SpectralDynamics.Point`).
    public struct PointEntry: Codable, Sendable, Equatable {
      /// The group's name.
      public var group: String
      /// The training step.
      public var step: Int
      /// The MP fit's σ² and A with their bootstrap errors.
      public var mpSigma2: Double?, mpSigma2Error: Double?, mpArea: Double?, mpAreaError: Double?
      /// Share of the eigenvalues above the fitted edge x₊.
      public var fractionAboveEdge: Double?
      /// "fitted", or why there is no fit.
      public var mpStatus: String
      /// The power-law tail's α and its error.
      public var alpha: Double?, alphaError: Double?
      /// Eigenvalues in the tail.
      public var tailCount: Int?
      /// The mean largest eigenvalue and its standard error over runs.
      public var lambdaMax: Double?, lambdaMaxError: Double?
      /// ⟨r̃⟩ and its standard error over runs.
      public var ratioMean: Double?, ratioMeanError: Double?
      /// Ratios in ⟨r̃⟩.
      public var ratioCount: Int
      /// ⟨r̃⟩ without each spectrum's largest level, and its error.
      public var ratioMeanWithoutLargest: Double?, ratioMeanWithoutLargestError: Double?
      /// Jensen–Shannon distance to the shuffled matrices' eigenvalues.
      public var randDistance: Double?
      enum CodingKeys: String, CodingKey {
        case group, step, mpSigma2 = "mp_sigma2", mpSigma2Error = "mp_sigma2_error", mpArea = "mp_area", mpAreaError = "mp_area_error"
        case fractionAboveEdge = "fraction_above_edge", mpStatus = "mp_status", alpha, alphaError = "alpha_error", tailCount = "tail_count"
        case lambdaMax = "lambda_max", lambdaMaxError = "lambda_max_error", ratioMean = "ratio_mean", ratioMeanError = "ratio_mean_error"
        case ratioCount = "ratio_count", ratioMeanWithoutLargest = "ratio_mean_without_largest"
        case ratioMeanWithoutLargestError = "ratio_mean_without_largest_error", randDistance = "rand_distance"
      }
    }
    /// The unfolded spacings of one group at one step, against the GOE surmise.
    public struct SpacingEntry: Codable, Sendable, Equatable {
      /// The group's name.
      public var group: String
      /// The training step.
      public var step: Int
      /// "ensemble" or "own" (`SpectralDynamics.Spacings.unfolding`).
      public var unfolding: String
      /// Spacings pooled.
      public var count: Int
      /// ⟨s²⟩ (4/π for the surmise) and the KS test against the surmise.
      public var meanSquare: Double?, ksDistance: Double?, ksP: Double?
      /// The same without each spectrum's end spacings.
      public var bulkMeanSquare: Double?, bulkKSDistance: Double?, bulkKSP: Double?
      enum CodingKeys: String, CodingKey {
        case group, step, unfolding, count, meanSquare = "mean_square", ksDistance = "ks_distance", ksP = "ks_p"
        case bulkMeanSquare = "bulk_mean_square", bulkKSDistance = "bulk_ks_distance", bulkKSP = "bulk_ks_p"
      }
    }
    /// "dynamics".
    public var experiment = "dynamics"
    /// The run folders, in order.
    public var runs: [String]
    /// The checkpoints' steps, ascending.
    public var steps: [Int]
    /// The groups, in analysis order.
    public var groups: [Group]
    /// Group-major: every step of the first group, then of the second, …
    public var points: [PointEntry]
    /// At each step whose spacings were unfolded, per group.
    public var spacings: [SpacingEntry]
    /// ⟨r̃⟩ of GOE and of Poisson levels, for comparison.
    public var spacingRatioGOE: Double, spacingRatioPoisson: Double
    /// Wall-clock time of the study.
    public var seconds: Double
    enum CodingKeys: String, CodingKey {
      case experiment, runs, steps, groups, points, spacings, spacingRatioGOE = "spacing_ratio_goe", spacingRatioPoisson = "spacing_ratio_poisson", seconds
    }
  }

  /// The summary of a result (what `write` puts in summary.json).
  public static func summary(_ r: Result) -> Summary {
    let points = r.analysis.points.map { p in
      Summary.PointEntry(
        group: p.group, step: p.step, mpSigma2: p.mpSigma2.flatMap(finite), mpSigma2Error: p.mpSigma2Error.flatMap(finite),
        mpArea: p.mpArea.flatMap(finite), mpAreaError: p.mpAreaError.flatMap(finite), fractionAboveEdge: p.fractionAboveEdge.flatMap(finite),
        mpStatus: p.mpStatus, alpha: p.alpha.flatMap(finite), alphaError: p.alphaError.flatMap(finite), tailCount: p.tailCount,
        lambdaMax: finite(p.lambdaMax), lambdaMaxError: finite(p.lambdaMaxError), ratioMean: finite(p.ratioMean),
        ratioMeanError: finite(p.ratioMeanError), ratioCount: p.ratioCount, ratioMeanWithoutLargest: finite(p.ratioMeanWithoutLargest),
        ratioMeanWithoutLargestError: finite(p.ratioMeanWithoutLargestError), randDistance: p.randDistance.flatMap(finite))
    }
    let spacings = r.analysis.spacings.map { s in
      let ks = s.all.count >= 8 ? KolmogorovSmirnov(s.all, cdf: WignerSurmise.goe.cdf) : nil
      let bulkKS = s.bulk.count >= 8 ? KolmogorovSmirnov(s.bulk, cdf: WignerSurmise.goe.cdf) : nil
      return Summary.SpacingEntry(
        group: s.group, step: s.step, unfolding: s.unfolding, count: s.all.count,
        meanSquare: s.all.isEmpty ? nil : finite(SpectralDynamics.meanSquare(s.all)), ksDistance: ks.flatMap { finite($0.distance) },
        ksP: ks.flatMap { finite($0.pValue) }, bulkMeanSquare: s.bulk.isEmpty ? nil : finite(SpectralDynamics.meanSquare(s.bulk)),
        bulkKSDistance: bulkKS.flatMap { finite($0.distance) }, bulkKSP: bulkKS.flatMap { finite($0.pValue) })
    }
    let groups = r.plan.groups.enumerated().map { g, group in
      Summary.Group(name: group.name, rows: group.rows, columns: group.columns, matrices: group.matrices,
                    tensors: r.plan.tensors.filter { $0.group == g }.map(\.name))
    }
    return Summary(runs: r.plan.runs.map(\.folder), steps: r.plan.steps, groups: groups, points: points, spacings: spacings,
                   spacingRatioGOE: SpacingRatio.goe, spacingRatioPoisson: SpacingRatio.poisson, seconds: r.seconds)
  }

  /// Writes config.json, summary.json, eigenvalues.csv, the figures and index.html.
  public static func write(_ r: Result, to output: inout ExperimentOutput) throws {
    let c = r.config
    try output.write(json: settingsJSON(Config.settings, c), to: "config.json")
    try output.write(summary: summary(r))
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
