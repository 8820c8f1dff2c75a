import DysonCore
import Foundation

/// The spectrum of W against that of W with its entries shuffled (WeightWatcher's randomised ESD).
/// Shuffling keeps the entries' distribution and destroys their correlations, so the shuffled
/// spectrum is Marchenko–Pastur unless single entries are large enough to make spikes of their
/// own ("correlation traps"): how far the two spectra differ measures what training put into the
/// correlations, and a trap is a spike that survives the shuffle.
public struct RandomizedSpectrum: Sendable {
  /// Eigenvalues of WᵀW for the shuffled matrices (every slice, with the original's scaling), ascending.
  public let eigenvalues: [Double]
  /// How far the original spectrum is from the shuffled one: Dyson's conventions, the
  /// Jensen–Shannon distance (base 2, in [0, 1]) between the densities of log₁₀ x on common bins
  /// (`jensenShannonDistance`); WeightWatcher's, its `rand_distance` (`WeightWatcher.randomDistance`).
  public let distance: Double
  /// The largest eigenvalue of the shuffled spectrum, and the level above which an i.i.d. matrix
  /// of the same entry variance puts its largest eigenvalue with probability below 10⁻⁴:
  /// s²(μ + 4σ) with Johnstone's Tracy–Widom centre μ = (√(M−1) + √N)² and scale
  /// σ = (√(M−1) + √N)(1/√(M−1) + 1/√N)^{1/3} (TW₁ exceeds 4 with probability ~10⁻⁴).
  public let lambdaMax: Double
  /// s²(μ + 4σ), the level described above.
  public let trapThreshold: Double
  /// Shuffled eigenvalues above `trapThreshold`, less the one a slice's mean makes on its own:
  /// spikes made by single large entries.
  public let traps: Int

  /// `slices`: the matrices whose pooled spectrum, each eigenvalue times `eigenvalueScale`, is
  /// `original`. Each slice's entries are permuted as they are (the mean too, so that a slice
  /// whose shuffle changes nothing, a single column, is at distance 0) by Fisher–Yates from
  /// `seed`: the result is the same on every machine.
  public init(slices: [Matrix<Double>], original: [Double], seed: UInt64, conventions: WeightSpectrum.Conventions = .dyson,
              eigenvalueScale: Double = 1) throws {
    var rng = Xoshiro256StarStar(seed: seed)
    var shuffled: [Double] = []
    var threshold = 0.0
    var meanSpikes = 0
    for w in slices {
      let m = max(w.rows, w.columns), n = min(w.rows, w.columns)
      var e = w.elements
      let mean = mean(e)
      let variance = e.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(e.count)
      rng.shuffle(&e)
      shuffled += try WeightSpectrum.squaredSingularValues(try Matrix(rows: w.rows, columns: w.columns, elements: e)).map { $0 * eigenvalueScale }
      let a = Double(max(m - 1, 1)).squareRoot(), b = Double(n).squareRoot()
      let centre = (a + b) * (a + b), scale = (a + b) * pow(1 / a + 1 / b, 1.0 / 3)
      let level = eigenvalueScale * variance * (centre + 4 * scale)
      threshold = max(threshold, level)
      // A mean μ adds μ²·M·N to one eigenvalue of any shuffle: a spike, but not a trap.
      if eigenvalueScale * mean * mean * Double(m * n) > level { meanSpikes += 1 }
    }
    eigenvalues = shuffled.sorted()
    lambdaMax = eigenvalues.last ?? 0
    trapThreshold = threshold
    let limit = threshold
    traps = max(0, eigenvalues.filter { $0 > limit }.count - meanSpikes)
    switch conventions {
    case .dyson:
      distance = Self.jensenShannonDistance(original.filter { $0 > 0 }.map(log10), eigenvalues.filter { $0 > 0 }.map(log10))
    case .weightWatcher:
      distance = WeightWatcher.randomDistance(original, eigenvalues)
    }
  }

  /// √JSD(P‖Q) in bits between the histograms of two samples on common bins, JSD = H((P + Q)/2) −
  /// (H(P) + H(Q))/2 ∈ [0, 1]; 0 when either sample is empty. The bins span both samples with the
  /// finer of their two Freedman–Diaconis widths (one width for both together would lump two
  /// separate samples into one bin).
  public static func jensenShannonDistance(_ a: [Double], _ b: [Double]) -> Double {
    guard !a.isEmpty, !b.isEmpty else { return 0 }
    let lo = min(a.min()!, b.min()!), hi = max(a.max()!, b.max()!)
    guard hi > lo else { return 0 }
    let widths = [Histogram(a).widths[0], Histogram(b).widths[0]].filter { $0 > 0 }
    let bins = max(1, Int(min(10_000, ((hi - lo) / (widths.min() ?? (hi - lo))).rounded(.down))))
    var edges = (0...bins).map { lo + (hi - lo) * Double($0) / Double(bins) }
    edges[bins] = hi
    let p = Histogram(a, binning: .edges(edges)).counts.map { Double($0) / Double(a.count) }
    let q = Histogram(b, binning: .edges(edges)).counts.map { Double($0) / Double(b.count) }
    func entropy(_ f: [Double]) -> Double { f.reduce(0) { $1 > 0 ? $0 - $1 * log2($1) : $0 } }
    let mixture = zip(p, q).map { ($0 + $1) / 2 }
    let divergence = entropy(mixture) - (entropy(p) + entropy(q)) / 2
    return max(0, min(1, divergence)).squareRoot()
  }
}
