import DysonCore
import Foundation

/// The spectrum of W against that of W with its entries shuffled (WeightWatcher's randomised ESD).
/// Shuffling keeps the entries' distribution and destroys their correlations, so the shuffled
/// spectrum is Marchenko–Pastur unless single entries are large enough to make spikes of their
/// own ("correlation traps"): how far the two spectra differ measures what training put into the
/// correlations, and a trap is a spike that survives the shuffle.
public struct RandomizedSpectrum: Sendable {
  /// Eigenvalues of WᵀW for the shuffled matrices (every slice), ascending.
  public let eigenvalues: [Double]
  /// Jensen–Shannon distance (base 2, so in [0, 1]) between the densities of log₁₀ x of W and of
  /// the shuffled W, on common Freedman–Diaconis bins of both samples: 0 for the same law, 1 for
  /// disjoint supports. (Ours: WeightWatcher's `rand_distance` is the same idea; its bins differ.)
  public let distance: Double
  /// The largest eigenvalue of the shuffled spectrum, and the level above which an i.i.d. matrix
  /// of the same entry variance puts its largest eigenvalue with probability below 10⁻⁴:
  /// s²(μ + 4σ) with Johnstone's Tracy–Widom centre μ = (√(M−1) + √N)² and scale
  /// σ = (√(M−1) + √N)(1/√(M−1) + 1/√N)^{1/3} (TW₁ exceeds 4 with probability ~10⁻⁴).
  public let lambdaMax: Double
  public let trapThreshold: Double
  /// Shuffled eigenvalues above `trapThreshold`: spikes made by single large entries.
  public let traps: Int

  /// `slices`: the matrices (each oriented M ≥ N) whose pooled spectrum is `original`. Each
  /// slice's entries, less their mean (a mean would make a rank-one spike of its own), are
  /// shuffled by Fisher–Yates from `seed`, so the result is the same on every machine.
  public init(slices: [Matrix<Double>], original: [Double], seed: UInt64) throws {
    var rng = Xoshiro256StarStar(seed: seed)
    var shuffled: [Double] = []
    var threshold = 0.0
    for w in slices {
      let m = w.rows, n = w.columns
      let mean = w.elements.reduce(0, +) / Double(w.elements.count)
      var e = w.elements.map { $0 - mean }
      let variance = e.reduce(0) { $0 + $1 * $1 } / Double(e.count)
      rng.shuffle(&e)
      let sigma = try SingularValueDecomposition(try Matrix(rows: m, columns: n, elements: e)).singularValues
      shuffled += sigma.map { $0 * $0 }
      let a = Double(max(m - 1, 1)).squareRoot(), b = Double(n).squareRoot()
      let centre = (a + b) * (a + b), scale = (a + b) * pow(1 / a + 1 / b, 1.0 / 3)
      threshold = max(threshold, variance * (centre + 4 * scale))
    }
    eigenvalues = shuffled.sorted()
    lambdaMax = eigenvalues.last ?? 0
    trapThreshold = threshold
    let limit = threshold
    traps = eigenvalues.filter { $0 > limit }.count
    distance = Self.jensenShannonDistance(original.filter { $0 > 0 }.map(log10), eigenvalues.filter { $0 > 0 }.map(log10))
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
