import DysonCore
import Foundation

/// The papers' analysis of weight spectra over training and over an ensemble of seeds
/// (2411.13512, Figs. 3 and 4): per group of matrices and recorded step, a Marchenko–Pastur fit
/// with bootstrap errors over runs, the share of eigenvalues beyond its edge, the power-law tail,
/// the largest eigenvalue, the spacing ratio ⟨r̃⟩ and the distance to the shuffled weights; and at
/// chosen steps the unfolded nearest-neighbour spacings against the Wigner surmise.
///
/// One analysis for every source of spectra: the GPT study feeds it what it records during
/// training, `dyson dynamics` what it reads from any model's checkpoints.
public enum SpectralDynamics {
  /// What the analysis does beyond the defaults.
  public struct Options: Sendable, Codable, Equatable {
    /// Bootstrap resamples over runs for the errors of the MP fit (below 2, or with one run: the
    /// fit's own errors).
    public var resamples = 200
    /// Seed of the bootstrap; the fit of group g at the s-th step draws from stream 1000 + 64s + g.
    public var seed: UInt64 = 0
    /// Steps whose spacings are unfolded; nil: the last recorded step.
    public var spacingSteps: [Int]?
    /// Least share of a pooled sample that its power-law tail may hold (the x_min search looks only
    /// at cuts that keep this many, and at least 5).
    public var tailMinimumFraction = 0.0
    /// Spectra (runs × the group's matrices) needed to unfold spacings over the ensemble.
    /// Between two levels of one spectrum lie a whole number of the other spectra's levels, so
    /// ensemble unfolding puts spacings on a lattice of step 1/spectra: on 16-level GOE spectra
    /// the KS distance to the surmise is 0.22 with 2, 0.06 with 5, 0.016 with 10 and 0.006 from
    /// 20 on (measured; a test holds 2 and 10). Fewer spectra of at least
    /// `minimumLevelsForOwnUnfolding` levels each are unfolded one by one instead.
    public var minimumSpacingSpectra = 10
    /// Levels a spectrum needs to be unfolded on its own (a Gaussian-kernel staircase, bandwidth
    /// four mean spacings), when the ensemble is too small.
    public var minimumLevelsForOwnUnfolding = 100

    /// The defaults above.
    public init() {}
  }

  /// Everything measured on one group at one step, over the ensemble.
  public struct Point: Sendable, Codable, Equatable {
    /// The group's name (`SpectrumSeries.Group.name`).
    public let group: String
    /// The training step.
    public let step: Int
    /// The MP fit (σ², A) of the group's pooled eigenvalues (all runs, all matrices), with errors
    /// from the bootstrap over runs; nil where there is no fit (`mpStatus` says why).
    public let mpSigma2: Double?, mpSigma2Error: Double?
    /// The fitted bulk weight A and its error.
    public let mpArea: Double?, mpAreaError: Double?
    /// Share of the pooled eigenvalues above the fitted upper edge x₊.
    public let fractionAboveEdge: Double?
    /// "fitted", or why there is no fit.
    public let mpStatus: String
    /// Power-law tail of the pooled eigenvalues.
    public let alpha: Double?, alphaError: Double?, tailMinimum: Double?, tailCount: Int?, tailDistance: Double?
    /// The mean over runs of each run's largest eigenvalue in the group, and its standard error.
    public let lambdaMax: Double, lambdaMaxError: Double
    /// ⟨r̃⟩ over every spectrum's ratios (no unfolding needed), its standard error from the
    /// per-run means, and the number of ratios; the same without each spectrum's largest level.
    public let ratioMean: Double, ratioMeanError: Double, ratioCount: Int
    /// ⟨r̃⟩ without each spectrum's largest level, and its standard error.
    public let ratioMeanWithoutLargest: Double, ratioMeanWithoutLargestError: Double
    /// Jensen–Shannon distance between the pooled eigenvalues and those of the shuffled matrices
    /// (`RandomizedSpectrum.jensenShannonDistance` on log₁₀ x); nil when none were recorded.
    public let randDistance: Double?
  }

  /// Unfolded spacings of one group at one step (normalised to mean 1), pooled over the runs.
  public struct Spacings: Sendable, Codable, Equatable {
    /// The group's name.
    public let group: String
    /// The training step.
    public let step: Int
    /// All spacings of every spectrum, unfolded with the ensemble's cumulative spectral function.
    public let all: [Double]
    /// Without each spectrum's first and last spacing: the edges (often a tail eigenvalue) are not bulk levels.
    public let bulk: [Double]
    /// All spacings with each run's spectra divided by their median first (so that run-to-run
    /// differences of scale do not widen the spacings).
    public let runScaled: [Double]
    /// "ensemble" (the pooled cumulative spectral function of all spectra) or "own" (each
    /// spectrum by its smoothed staircase).
    public let unfolding: String
  }

  /// What `analyse` measured.
  public struct Result: Sendable, Equatable {
    /// Group-major: every step of the first group, then of the second, …
    public let points: [Point]
    /// The unfolded spacings at each of `Options.spacingSteps`, per group.
    public let spacings: [Spacings]

    /// The point of `group` at `step`, if it was measured.
    public func point(group: String, step: Int) -> Point? { points.first { $0.group == group && $0.step == step } }
  }

  /// ⟨s²⟩ of spacings with ⟨s⟩ = 1: 4/π for the GOE surmise, 2 for Poisson levels.
  public static func meanSquare(_ spacings: [Double]) -> Double { spacings.map { $0 * $0 }.reduce(0, +) / Double(spacings.count) }

  /// Measures every group at every recorded step of `series`, and unfolds the spacings at the chosen
  /// steps. Deterministic for a given `options.seed`.
  public static func analyse(_ series: SpectrumSeries, options: Options = Options()) -> Result {
    var points: [Point] = []
    for (g, group) in series.groups.enumerated() {
      for (s, step) in series.steps.enumerated() {
        points.append(point(series, group: g, step: s, options: options, label: group.name, stepValue: step))
      }
    }
    var spacings: [Spacings] = []
    if let lastStep = series.steps.last {
      let wanted = options.spacingSteps ?? [lastStep]
      for (g, group) in series.groups.enumerated() {
        let ensemble = series.runs * group.matrices >= options.minimumSpacingSpectra
        guard ensemble || group.columns >= options.minimumLevelsForOwnUnfolding else { continue }
        for step in wanted {
          guard let s = series.steps.firstIndex(of: step) else { continue }
          spacings.append(unfoldedSpacings(series, group: g, step: s, label: group.name, stepValue: step, ensemble: ensemble))
        }
      }
    }
    return Result(points: points, spacings: spacings)
  }

  static func point(_ series: SpectrumSeries, group g: Int, step s: Int, options: Options, label: String, stepValue: Int) -> Point {
    let group = series.groups[g]
    let perRun = (0..<series.runs).map { series.spectra(run: $0, step: s, group: g).flatMap { $0 } }
    let pooled = perRun.flatMap { $0 }
    // The MP fit, with bootstrap errors over runs.
    func fit(_ sample: [[Double]]) -> (MarchenkoPasturFit?, String) {
      SpectralFit.marchenkoPasturWithStatus(sample.flatMap { $0 }, rows: group.rows, columns: group.columns)
    }
    let (central, status) = fit(perRun)
    var sigma2Error = central?.varianceError, areaError = central?.areaError
    if central != nil, perRun.count >= 2, options.resamples >= 2 {
      let estimates = bootstrap(perRun, resamples: options.resamples, seed: options.seed, stream: UInt64(1000 + s * 64 + g)) { sample in
        guard let f = fit(sample).0 else { return [Double.nan, .nan] }
        return [f.variance, f.area]
      }
      sigma2Error = estimates[0].standardError
      areaError = estimates[1].standardError
    }
    let leastTail = Int((options.tailMinimumFraction * Double(pooled.count)).rounded(.up))
    let tail = PowerLawTail(pooled, minimumTail: max(5, leastTail))
    let tops = perRun.compactMap { $0.max() }
    let top = meanAndError(tops)
    // ⟨r̃⟩: the mean of all ratios, its error from the per-run means.
    func ratioStatistics(_ transform: ([Double]) -> [Double]) -> (mean: Double, error: Double, count: Int) {
      let perRunRatios = (0..<series.runs).map { r in
        series.spectra(run: r, step: s, group: g).flatMap { SpacingRatio.ratios(transform($0)) }
      }.filter { !$0.isEmpty }
      let all = perRunRatios.flatMap { $0 }
      guard !all.isEmpty else { return (.nan, .nan, 0) }
      let means = perRunRatios.map { $0.reduce(0, +) / Double($0.count) }
      return (mean(all), meanAndError(means).error, all.count)
    }
    let ratios = ratioStatistics { $0 }
    let trimmed = ratioStatistics { Array($0.sorted().dropLast()) }
    var distance: Double?
    if series.hasShuffled {
      let shuffled = (0..<series.runs).flatMap { series.shuffledSpectra(run: $0, step: s, group: g)!.flatMap { $0 } }
      distance = RandomizedSpectrum.jensenShannonDistance(pooled.filter { $0 > 0 }.map(log10), shuffled.filter { $0 > 0 }.map(log10))
    }
    return Point(group: label, step: stepValue, mpSigma2: central?.variance, mpSigma2Error: sigma2Error,
                 mpArea: central?.area, mpAreaError: areaError, fractionAboveEdge: central?.fractionAboveEdge, mpStatus: status,
                 alpha: tail?.alpha, alphaError: tail?.alphaError, tailMinimum: tail?.xMin, tailCount: tail?.tailCount, tailDistance: tail?.distance,
                 lambdaMax: top.mean, lambdaMaxError: top.error,
                 ratioMean: ratios.mean, ratioMeanError: ratios.error, ratioCount: ratios.count,
                 ratioMeanWithoutLargest: trimmed.mean, ratioMeanWithoutLargestError: trimmed.error, randDistance: distance)
  }

  /// The mean, and its standard error √(Σ(xᵢ − x̄)²/(n − 1)/n) (NaN for fewer than two values).
  static func meanAndError(_ x: [Double]) -> (mean: Double, error: Double) {
    guard !x.isEmpty else { return (.nan, .nan) }
    let center = mean(x)
    guard x.count >= 2 else { return (center, .nan) }
    return (center, (x.map { ($0 - center) * ($0 - center) }.reduce(0, +) / Double(x.count - 1) / Double(x.count)).squareRoot())
  }

  /// Ensemble unfolding needs spectra of one density: each group over the runs (never groups
  /// pooled, whose spectra differ; a pooled CDF widens the spacings).
  static func unfoldedSpacings(_ series: SpectrumSeries, group g: Int, step s: Int, label: String, stepValue: Int, ensemble: Bool) -> Spacings {
    let spectra = (0..<series.runs).flatMap { series.spectra(run: $0, step: s, group: g) }
    var all: [Double] = [], bulk: [Double] = [], runScaled: [Double] = []
    let scaled = spectra.map { x -> [Double] in
      let median = quantile(x, 0.5)   // NaN for an empty spectrum, which then stays as it is
      return median > 0 ? x.map { $0 / median } : x
    }
    func unfold(_ spectra: [[Double]]) -> [[Double]] {
      ensemble ? Unfolding.ensemble(spectra) : spectra.map { Unfolding.gaussianKernel(bandwidth: nil).unfold($0) }
    }
    for unfolded in unfold(scaled) { runScaled += normalizedSpacings(unfolded) }
    for unfolded in unfold(spectra) {
      all += normalizedSpacings(unfolded)
      // Dropping the end levels drops the end spacings; the rest are rescaled to their own mean.
      if unfolded.count >= 4 { bulk += normalizedSpacings(Array(unfolded.dropFirst().dropLast())) }
    }
    return Spacings(group: label, step: stepValue, all: all, bulk: bulk, runScaled: runScaled, unfolding: ensemble ? "ensemble" : "own")
  }
}
