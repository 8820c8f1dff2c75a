import Foundation

/// Fits of the laws in this module to eigenvalue samples.
///
/// Histogram fits use a density histogram (Freedman–Diaconis bins by default, as the authors do)
/// and compare each bin with the model *averaged over the bin* (16 midpoints), weighted by the
/// bin's Poisson error √max(count, 1)/(n·width). Both choices matter at the √ edges of MP: on
/// Wishart 64×16 spectra, centre-evaluated unweighted least squares gave σ² 4.6 % and A 4 % low,
/// bin-averaged Poisson-weighted least squares 0.1 % and 1.6 % (the rest of A is the finite-M
/// spectrum beyond the MP edges). `.histogramUnweighted` is the authors' `curve_fit` on bin
/// centres, for replication; `.maximumLikelihood` fits the sample itself, without bins.
public enum SpectralFit {
  /// A·P_MP(x; σ², r = N/M, M) fitted to a density histogram of `eigenvalues` (2411.13512):
  /// A < 1 is the fraction of the spectrum that stays in the MP bulk; the rest (a tail, spikes)
  /// lies outside. Returns σ² and A with their errors and the fraction of eigenvalues above x₊.
  public static func marchenkoPastur(
    _ eigenvalues: [Double], rows m: Int, columns n: Int, method: Method = .histogram(.freedmanDiaconis)
  ) throws -> MarchenkoPasturFit {
    guard m >= n, n >= 1 else { throw FitError.invalid("an MP fit needs rows ≥ columns ≥ 1, got \(m)×\(n)") }
    try requireSample(eigenvalues, parameters: 2)
    let positive = eigenvalues.filter { $0 > 0 }
    guard !positive.isEmpty else { throw FitError.nonFinite("an all-zero spectrum's MP scale") }
    // Start from the median: for the MP bulk it sits near Mσ²(1 − r/3…), robust to a tail. The
    // fit's first parameter is σ² in units of that start, so the fit is the same at any scale of
    // the eigenvalues (the optimiser's difference steps have an absolute floor).
    let unit = quantile(positive, 0.5) / Double(m)
    let scaled = try fitDensity(eigenvalues, method: method, initial: [1, 1], lower: [1e-3, 0], upper: [1e3, 10]) { x, p in
      p[1] * MarchenkoPastur(rows: m, columns: n, variance: p[0] * unit).density(x)
    }
    let units = [unit, 1.0]
    let fit = FitResult(parameters: zip(scaled.parameters, units).map(*), errors: zip(scaled.errors, units).map(*),
                        covariance: scaled.covariance.indices.map { a in scaled.covariance[a].indices.map { b in scaled.covariance[a][b] * units[a] * units[b] } },
                        objective: scaled.objective, degreesOfFreedom: scaled.degreesOfFreedom,
                        iterations: scaled.iterations, converged: scaled.converged)
    let law = MarchenkoPastur(rows: m, columns: n, variance: fit.parameters[0])
    let outside = Double(eigenvalues.filter { $0 > law.upperEdge }.count) / Double(eigenvalues.count)
    return MarchenkoPasturFit(variance: fit.parameters[0], varianceError: fit.errors[0],
                              area: fit.parameters[1], areaError: fit.errors[1],
                              fractionAboveEdge: outside, law: law, fit: fit)
  }

  /// The MP fit of a weight spectrum as `dyson spectrum` and `dyson dynamics` report it, with
  /// "fitted" or the reason there is none: fewer than 4 eigenvalues, all zero, no convergence, or
  /// an area pinned at its bound 10 (no fit either). Bins: `defaultBins`.
  public static func marchenkoPasturWithStatus(_ x: [Double], rows m: Int, columns n: Int) -> (MarchenkoPasturFit?, String) {
    guard x.count >= 4 else { return (nil, "fewer than 4 eigenvalues") }
    guard x.contains(where: { $0 > 0 }) else { return (nil, "every eigenvalue is zero") }
    do {
      let fit = try marchenkoPastur(x, rows: m, columns: n, method: .histogram(.count(defaultBins(x))))
      if fit.area >= 10 * (1 - 1e-9) { return (nil, "no fit: the area reached its bound 10") }
      return (fit, "fitted")
    } catch {
      return (nil, "no fit: \(error)")
    }
  }

  /// Histogram bins for a spectrum's MP fit: Freedman–Diaconis (the authors' choice), but at
  /// least 4 (a handful of eigenvalues gets one or two FD bins, too few to fit two parameters)
  /// and at most n (a degenerate bulk has an IQR of a few ulps, and FD would ask for 10⁵ bins).
  public static func defaultBins(_ x: [Double]) -> Int {
    min(max(Histogram(x).counts.count, 4), max(4, x.count))
  }

  /// The two-level density (x₀, σ) fitted to pooled pair eigenvalues, by histogram least squares
  /// (the authors' `curve_fit(rho, centres, density, p0=[κ, 1])`) or by maximum likelihood.
  public static func twoLevel(
    _ values: [Double], method: Method = .histogram(.freedmanDiaconis)
  ) throws -> FitResult {
    try requireSample(values, parameters: 2)
    let m = Moments(values)
    // ⟨u²⟩ = 3σ²/2 gives the moment estimator of σ as the starting point.
    let start = [m.mean, (2 * m.m2 / 3).squareRoot()]
    return try fitDensity(values, method: method, initial: start, lower: [-.infinity, 1e-12 * max(start[1], 1e-300)]) { x, p in
      TwoLevelCoulombGas(center: p[0], sigma: p[1]).density(x)
    }
  }

  /// The two-species density (x₀, σ₁, σ₂) of 2412.20496.
  public static func twoSpecies(
    _ values: [Double], method: Method = .histogram(.freedmanDiaconis)
  ) throws -> FitResult {
    try requireSample(values, parameters: 3)
    let m = Moments(values)
    let s = (2 * m.m2 / 3).squareRoot()
    return try fitDensity(values, method: method, initial: [m.mean, 0.8 * s, 1.25 * s],
                          lower: [-.infinity, 1e-12 * max(s, 1e-300), 1e-12 * max(s, 1e-300)]) { x, p in
      TwoSpeciesCoulombGas(center: p[0], sigma1: p[1], sigma2: p[2]).density(x)
    }
  }

  /// A Gaussian (x₀, σ): the non-degenerate modes.
  public static func gaussian(_ values: [Double], method: Method = .histogram(.freedmanDiaconis)) throws -> FitResult {
    try requireSample(values, parameters: 2)
    let m = Moments(values)
    return try fitDensity(values, method: method, initial: [m.mean, m.m2.squareRoot()],
                          lower: [-.infinity, 1e-12 * max(m.m2.squareRoot(), 1e-300)]) { x, p in
      exp(-(x - p[0]) * (x - p[0]) / (2 * p[1] * p[1])) / ((2 * Double.pi).squareRoot() * p[1])
    }
  }

  /// Wigner's semicircle (centre, radius).
  public static func semicircle(_ values: [Double], method: Method = .histogram(.freedmanDiaconis)) throws -> FitResult {
    try requireSample(values, parameters: 2)
    let m = Moments(values)
    let lo = values.min()!, hi = values.max()!
    // The likelihood needs every point inside the support: start from a radius that covers them.
    let radius = max(2 * m.m2.squareRoot(), (hi - lo) / 2 * 1.001)
    return try fitDensity(values, method: method, initial: [(lo + hi) / 2, radius],
                          lower: [-.infinity, 1e-12 * max(radius, 1e-300)]) { x, p in
      WignerSemicircle(center: p[0], radius: p[1]).density(x)
    }
  }

  /// Enough finite values to determine the parameters.
  static func requireSample(_ values: [Double], parameters k: Int) throws {
    guard values.count > k else { throw FitError.tooFewPoints(points: values.count, parameters: k) }
    guard values.allSatisfy(\.isFinite) else { throw FitError.nonFinite("a sample value") }
  }

  /// How a density is fitted.
  public enum Method: Sendable, Equatable {
    /// Bin-averaged model, Poisson-weighted least squares (the default).
    case histogram(Histogram.Binning)
    /// Model at the bin centres, unweighted: scipy's `curve_fit(rho, centres, density)` as in the
    /// authors' notebooks.
    case histogramUnweighted(Histogram.Binning)
    /// Maximum likelihood on the sample (every value must lie where the density is > 0).
    case maximumLikelihood
  }

  static func fitDensity(
    _ values: [Double], method: Method, initial: [Double], lower: [Double], upper: [Double]? = nil,
    density: @escaping (Double, [Double]) -> Double
  ) throws -> FitResult {
    guard values.count > initial.count else { throw FitError.tooFewPoints(points: values.count, parameters: initial.count) }
    switch method {
    case .histogram(let binning):
      let h = Histogram(values, binning: binning)
      let n = Double(h.total)
      let errors = zip(h.counts, h.widths).map { Double(max($0, 1)).squareRoot() / (n * $1) }
      let centers = h.centers, widths = h.widths
      // x carries the bin index, so the model can average over that bin.
      return try levenbergMarquardt(x: centers.indices.map(Double.init), y: h.density, errors: errors,
                                    initial: initial, lower: lower, upper: upper) { i, p in
        let j = Int(i), w = widths[j], left = centers[j] - w / 2
        var s = 0.0
        for k in 0..<16 { s += density(left + (Double(k) + 0.5) * w / 16, p) }
        return s / 16
      }
    case .histogramUnweighted(let binning):
      let h = Histogram(values, binning: binning)
      return try levenbergMarquardt(x: h.centers, y: h.density, initial: initial, lower: lower, upper: upper, model: density)
    case .maximumLikelihood:
      return try maximumLikelihood(values, initial: initial, lower: lower, upper: upper, density: density)
    }
  }
}

/// The result of `SpectralFit.marchenkoPastur`.
public struct MarchenkoPasturFit: Sendable, Equatable {
  /// The fitted entry variance σ².
  public let variance: Double
  /// Its one-σ error.
  public let varianceError: Double
  /// Weight of the MP bulk (1 for a pure Wishart spectrum).
  public let area: Double
  /// Its one-σ error.
  public let areaError: Double
  /// Fraction of eigenvalues above the fitted upper edge x₊.
  public let fractionAboveEdge: Double
  /// The fitted law (its edges, its density).
  public let law: MarchenkoPastur
  /// The fit itself: χ², covariance, iterations.
  public let fit: FitResult
}
