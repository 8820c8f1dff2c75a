import Foundation

/// WeightWatcher's own definitions (version 0.7.7, read from its source), written anew so that a
/// spectrum analysed with `WeightSpectrum.Conventions.weightWatcher` gives its numbers on the same
/// weights. Where they differ from Dyson's defaults, Dyson's are the textbook forms (and its MP fit
/// has an area A); these are for comparing with published WeightWatcher tables.
public enum WeightWatcher {
  /// Eigenvalues at or below this are left out of the power-law fit (its `EVALS_THRESH`).
  public static let powerLawThreshold = 1e-5
  /// Below this many eigenvalues in the fit, its small-sample estimator is used.
  public static let smallSampleCutoff = 20
  /// Its `EPSILON`, added to every pᵢ and to the rank in the entropy.
  public static let entropyEpsilon = 1e-10
  /// Its `conv2d_norm`: every slice of a convolution kernel is scaled by √(1/2) (eigenvalues by ½).
  public static let convolutionEigenvalueScale = 0.5

  // MARK: Power law

  /// Its power-law fit (`WWFit`). For every candidate x_min = xᵢ of the sorted eigenvalues above
  /// `powerLawThreshold` (all but the largest, repeats included) the MLE α = 1 + n/Σ ln(x/x_min)
  /// over the n values from xᵢ on, and the one-sided KS statistic
  /// D = max_k |1 − (x_k/x_min)^{1−α} − k/n| (k = 0…n−1); x_min minimises D (tails of two points
  /// and more). Below `smallSampleCutoff` values: the bias-corrected α = 1 + (n − 1)/Σ ln(x/x_min)
  /// on tails of at least 8, x_min again minimising D. σ = (α − 1)/√n; the tail count is
  /// taken over all eigenvalues (those ≥ x_min). Nil when fewer than two values are above the threshold.
  public static func powerLaw(_ eigenvalues: [Double]) -> PowerLawTail? {
    let data = eigenvalues.filter { $0 > powerLawThreshold && $0.isFinite }.sorted()
    let count = data.count
    guard count >= 2 else { return nil }
    let logs = data.map { log($0) }
    var suffix = [Double](repeating: 0, count: count + 1)
    for i in stride(from: count - 1, through: 0, by: -1) { suffix[i] = suffix[i + 1] + logs[i] }
    /// D of the tail from i with exponent α.
    func distance(_ i: Int, _ alpha: Double) -> Double {
      let n = Double(count - i)
      var d = 0.0
      for k in 0..<(count - i) { d = max(d, abs(1 - pow(data[i + k] / data[i], 1 - alpha) - Double(k) / n)) }
      return d
    }
    var best: (i: Int, alpha: Double, d: Double)?
    if count < smallSampleCutoff {
      // Its small-sample fit ranks candidates by D − 0.868/√n, but WWFit's initialiser then
      // takes the candidate of smallest D among those it fitted (D = 1 for the others): that
      // second choice is its result, so it is the one made here.
      for i in 0..<(count - 1) where count - i >= 8 {
        let n = Double(count - i)
        let s = suffix[i] - n * logs[i]
        guard s > 1e-12 else { continue }
        let alpha = 1 + (n - 1) / s
        guard alpha > 1 else { continue }
        let d = distance(i, alpha)
        if d < (best?.d ?? 1) { best = (i, alpha, d) }
      }
      if best == nil {
        // No tail of 8 or more (or no D below 1): the whole sample.
        let n = Double(count)
        let s = suffix[0] - n * logs[0]
        guard s > 1e-12 else { return nil }
        let alpha = 1 + (n - 1) / s
        best = (0, alpha, distance(0, alpha))
      }
    } else {
      for i in 0..<(count - 1) {
        let n = Double(count - i)
        let alpha = 1 + n / (suffix[i] - n * logs[i])   // +∞ for a run of equal values, as NumPy gives
        let d = alpha > 1 ? distance(i, alpha) : 1
        if best == nil || d < best!.d { best = (i, alpha, d) }
      }
    }
    guard let b = best, !b.alpha.isNaN else { return nil }
    let xMin = data[b.i]
    return PowerLawTail(alpha: b.alpha, alphaError: (b.alpha - 1) / Double(count - b.i).squareRoot(), xMin: xMin,
                        tailCount: eigenvalues.filter { $0 >= xMin }.count, distance: b.d)
  }

  // MARK: Marchenko–Pastur

  /// Its automatic MP fit (`mp_fit` with `fit_density_with_range`), on the eigenvalues rescaled
  /// to mean 1.
  public struct MarchenkoPasturFit: Sendable, Equatable {
    /// σ of the fit, in the rescaled units (`sigma_mp`).
    public let sigma: Double
    /// (σ(1 ± 1/√Q))² in the rescaled units.
    public let bulkMax: Double
    /// (σ(1 − 1/√Q))² in the rescaled units.
    public let bulkMin: Double
    /// Rescaled eigenvalues above bulkMax + √TW, TW = Q^{−1/2}·bulkMax^{2/3}·M^{−2/3} (`num_spikes`).
    public let spikes: Int
    /// bulkMax/λ_max in the rescaled units (`mp_softrank`).
    public let softRank: Double
    /// The factor s with rescaled eigenvalues s·λ, s = n/Σλ (`W_scale`²).
    public let scale: Double
  }

  /// Its MP fit of `eigenvalues` from matrices of long side `long` (its N) and short side `short`
  /// (its M), Q = N/M. The eigenvalues are rescaled to mean 1; a linear-kernel density estimate
  /// (bandwidth 0.1) on 1000 points of [0, max + 0.5], keeping the points where it exceeds 0.01, is
  /// compared with the MP density of each σ on the grid 0.05s, 0.06s, … < 2s, s = √(λ_max)/(1 + Q^{−1/2});
  /// a σ whose edge b lies below the density's peak or beyond the grid, or whose a lies above the
  /// peak, scores 1000 per point. The best σ is refined by Nelder–Mead (SciPy's `fmin`, as `brute`
  /// does). For Q = 1 the square roots of the eigenvalues are fitted by its quarter circle
  /// √(4 − x²)/(πσ²). Nil for an empty or all-zero spectrum.
  public static func marchenkoPastur(_ eigenvalues: [Double], long: Int, short: Int) -> MarchenkoPasturFit? {
    let total = eigenvalues.reduce(0, +)
    guard !eigenvalues.isEmpty, total > 0, total.isFinite, long >= 1, short >= 1 else { return nil }
    let q = Double(max(long, short)) / Double(min(long, short))
    let scale = Double(eigenvalues.count) / total
    let x = eigenvalues.map { $0 * scale }
    let lambdaMax = x.max()!
    let quarterCircle = q == 1
    let fitted = (quarterCircle ? x.map { max($0, 0).squareRoot() } : x).sorted()
    // The density estimate does not depend on σ: once.
    let bandwidth = 0.1
    let top = fitted.last! + 0.5
    var grid: [Double] = [], estimate: [Double] = []   // the points above the 0.01 cut (the others add 0)
    for k in 0..<1000 {
      let point = top * Double(k) / 999
      var sum = 0.0
      var j = firstIndex(in: fitted, notBelow: point - bandwidth)
      while j < fitted.count && fitted[j] < point + bandwidth {
        sum += max(0, 1 - abs(point - fitted[j]) / bandwidth)
        j += 1
      }
      let density = sum / Double(fitted.count) / bandwidth
      if density > 0.01 { grid.append(point); estimate.append(density) }
    }
    guard !grid.isEmpty else { return nil }
    var peakIndex = 0   // the first maximum, as NumPy's argmax
    for k in estimate.indices where estimate[k] > estimate[peakIndex] { peakIndex = k }
    let peak = grid[peakIndex]
    let gridMax = grid.last!
    let inverseRootQ = 1 / q.squareRoot()
    func objective(_ sigma: Double) -> Double {
      var sum = 0.0
      if quarterCircle {
        for (point, y) in zip(grid, estimate) {
          let r = 4 - point * point
          let model = r >= 0 ? r.squareRoot() / (Double.pi * sigma * sigma) : 0
          sum += (model - y) * (model - y)
        }
        return sum
      }
      let b = (sigma * (1 + inverseRootQ)) * (sigma * (1 + inverseRootQ))
      let a = (sigma * (1 - inverseRootQ)) * (sigma * (1 - inverseRootQ))
      if b < peak || b > gridMax || a > peak { return Double(grid.count) * 1000 * 1000 }
      for (point, y) in zip(grid, estimate) {
        let r = (b - point) * (point - a)
        // NumPy's nan_to_num: outside [a, b] the square root is NaN (0); at x = 0 it is ∞·NaN (0).
        let model = r >= 0 && point > 0 ? r.squareRoot() / (2 * Double.pi * sigma * sigma * point / q) : 0
        sum += (model - y) * (model - y)
      }
      return sum
    }
    let start = (lambdaMax / ((1 + inverseRootQ) * (1 + inverseRootQ))).squareRoot()
    let steps = Int(((2.0 * start - 0.05 * start) / (0.01 * start)).rounded(.up))
    var bestSigma = 0.05 * start, bestValue = Double.infinity
    for k in 0..<steps {
      let sigma = 0.05 * start + Double(k) * 0.01 * start
      let value = objective(sigma)
      if value < bestValue { bestValue = value; bestSigma = sigma }
    }
    let sigma = nelderMead1D(objective, start: bestSigma)
    let bulkMax = (sigma * (1 + inverseRootQ)) * (sigma * (1 + inverseRootQ))
    let bulkMin = (sigma * (1 - inverseRootQ)) * (sigma * (1 - inverseRootQ))
    let tracyWidom = inverseRootQ * pow(bulkMax, 2.0 / 3) * pow(Double(min(long, short)), -2.0 / 3)
    let edge = bulkMax + tracyWidom.squareRoot()
    return MarchenkoPasturFit(sigma: sigma, bulkMax: bulkMax, bulkMin: bulkMin, spikes: x.filter { $0 > edge }.count,
                              softRank: bulkMax / lambdaMax, scale: scale)
  }

  /// SciPy's `fmin` (Nelder–Mead, ρ = 1, χ = 2, ψ = σ = ½, simplex x₀ and 1.05·x₀, stopping when
  /// both points and values agree to 10⁻⁴, at most 200 evaluations) in one dimension.
  static func nelderMead1D(_ f: (Double) -> Double, start: Double) -> Double {
    var x = [start, start != 0 ? 1.05 * start : 0.00025]
    var v = x.map(f)
    var calls = 2
    func order() { if v[1] < v[0] { x.swapAt(0, 1); v.swapAt(0, 1) } }
    order()
    var iterations = 1
    while calls < 200 && iterations < 200 {
      if abs(x[1] - x[0]) <= 1e-4 && abs(v[0] - v[1]) <= 1e-4 { break }
      let centre = x[0]
      let reflected = 2 * centre - x[1]
      let fr = f(reflected); calls += 1
      if fr < v[0] {
        let expanded = 3 * centre - 2 * x[1]
        let fe = f(expanded); calls += 1
        if fe < fr { x[1] = expanded; v[1] = fe } else { x[1] = reflected; v[1] = fr }
      } else if fr < v[1] {
        let contracted = 1.5 * centre - 0.5 * x[1]
        let fc = f(contracted); calls += 1
        if fc <= fr { x[1] = contracted; v[1] = fc } else { x[1] = x[0] + 0.5 * (x[1] - x[0]); v[1] = f(x[1]); calls += 1 }
      } else {
        let contracted = 0.5 * centre + 0.5 * x[1]
        let fc = f(contracted); calls += 1
        if fc < v[1] { x[1] = contracted; v[1] = fc } else { x[1] = x[0] + 0.5 * (x[1] - x[0]); v[1] = f(x[1]); calls += 1 }
      }
      iterations += 1
      order()
    }
    return x[0]
  }

  /// The first index of sorted `values` whose value is ≥ `bound`.
  static func firstIndex(in values: [Double], notBelow bound: Double) -> Int {
    var lo = 0, hi = values.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if values[mid] < bound { lo = mid + 1 } else { hi = mid }
    }
    return lo
  }

  // MARK: Shuffled distance, rank, entropy

  /// Its `rand_distance`: the Jensen–Shannon distance (natural log) between the two sorted
  /// eigenvalue vectors taken as probability vectors (each normalised to sum 1, element i against
  /// element i), as SciPy's `entropy(p, m)` computes it. 0 for equal vectors; both must have the
  /// same length.
  public static func randomDistance(_ original: [Double], _ shuffled: [Double]) -> Double {
    let p = original.sorted(), q = shuffled.sorted()
    precondition(p.count == q.count, "randomDistance: \(p.count) against \(q.count) eigenvalues")
    let sp = p.reduce(0, +), sq = q.reduce(0, +)
    guard sp > 0, sq > 0 else { return 0 }
    let m = zip(p, q).map { ($0 + $1) / 2 }
    let sm = m.reduce(0, +)
    func kl(_ a: [Double], _ sa: Double) -> Double {
      var s = 0.0
      for (x, y) in zip(a, m) where x > 0 { s += (x / sa) * log((x / sa) / (y / sm)) }
      return s
    }
    return max(0, (kl(p, sp) + kl(q, sq)) / 2).squareRoot()
  }

  /// Its `matrix_rank` on σ = √λ: σ above σ_max·N·ε (N the long side, ε of Double).
  public static func rankTolerance(lambdaMax: Double, long: Int) -> Double {
    let sigma = lambdaMax.squareRoot() * Double(long) * Double.ulpOfOne
    return sigma * sigma
  }

  /// Its `matrix_entropy`: −Σ pᵢ ln pᵢ / ln(rank + ε), pᵢ = λᵢ/Σλ + ε over every eigenvalue.
  public static func entropy(_ eigenvalues: [Double], rank: Int) -> Double {
    let total = eigenvalues.reduce(0, +)
    guard total > 0 else { return .nan }
    var h = 0.0
    for x in eigenvalues {
      let p = x / total + entropyEpsilon
      h -= p * log(p)
    }
    return h / log(Double(rank) + entropyEpsilon)
  }
}
