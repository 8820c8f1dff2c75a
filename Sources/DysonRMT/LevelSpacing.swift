import Foundation

/// The unfolding-free ratio of consecutive spacings, r̃ᵢ = min(sᵢ, sᵢ₊₁)/max(sᵢ, sᵢ₊₁)
/// (Oganesyan & Huse 2007; Atas, Bogomolny, Giraud & Roux, PRL 110, 084101, 2013).
public enum SpacingRatio {
  /// r̃ᵢ of one spectrum (sorted here). Pairs with a zero spacing on both sides are skipped.
  public static func ratios(_ levels: [Double]) -> [Double] {
    let x = levels.filter(\.isFinite).sorted()
    guard x.count >= 3 else { return [] }
    var out: [Double] = []
    out.reserveCapacity(x.count - 2)
    for i in 1..<(x.count - 1) {
      let a = x[i] - x[i - 1], b = x[i + 1] - x[i]
      let big = max(a, b)
      if big > 0 { out.append(min(a, b) / big) }
    }
    return out
  }

  /// ⟨r̃⟩ for large GOE matrices (Atas et al. 2013, Table I, numerics): 0.5307(1).
  public static let goe = 0.5307
  /// ⟨r̃⟩ for large GUE matrices: 0.5996(1).
  public static let gue = 0.5996
  /// ⟨r̃⟩ for large GSE matrices: 0.6744(1).
  public static let gse = 0.6744
  /// Poisson levels: 2 ln 2 − 1 = 0.38629 (exact).
  public static let poisson = 2 * log(2.0) - 1
  /// The 3×3 GOE surmise value 4 − 2√3 = 0.53590 (Atas et al.), 1 % above the large-N value.
  public static let goeSurmise = 4 - 2 * 3.0.squareRoot()
}

/// Number variance Σ²(L) = ⟨(n(E, L) − L)²⟩ of unfolded levels, n(E, L) the count in [E, E + L],
/// averaged over `windows` evenly placed starts. GOE: Σ²(L) ≈ (2/π²)(ln 2πL + γ + 1 − π²/8);
/// Poisson: L.
public func numberVariance(_ unfolded: [Double], length: Double, windows: Int = 200) -> Double {
  let x = unfolded.sorted()
  guard let first = x.first, let last = x.last, last - first > length, windows > 0 else { return .nan }
  var sum = 0.0
  for w in 0..<windows {
    let start = first + (last - first - length) * (Double(w) + 0.5) / Double(windows)
    let lo = lowerBound(x, start), hi = lowerBound(x, start + length)
    let d = Double(hi - lo) - length
    sum += d * d
  }
  return sum / Double(windows)
}

/// GOE number variance for large L (Mehta, Random Matrices, §16.1).
public func goeNumberVariance(_ length: Double) -> Double {
  2 / (Double.pi * Double.pi) * (log(2 * Double.pi * length) + 0.5772156649015329 + 1 - Double.pi * Double.pi / 8)
}

/// Statistics of degenerate pairs over an ensemble, the way the papers need them: in each
/// spectrum the levels are sorted only to *identify* the modes (index i ↔ κᵢ); the two members of
/// a pair are then pooled, never split into a "lower" and an "upper" histogram, because ordering
/// by hand biases the one-point density (Docs/Science.md §2.5 item 8).
public struct DegeneratePairs: Sendable {
  /// Per pair: the spacing |x_a − x_b| in each spectrum.
  public let spacings: [[Double]]
  /// Per pair: both members of every spectrum, pooled.
  public let pooled: [[Double]]

  /// `pairs` are index pairs into each ascending-sorted spectrum, e.g. [(1, 2), (3, 4), (5, 6), (7, 8)].
  public init(spectra: [[Double]], pairs: [(Int, Int)]) {
    var spacings = [[Double]](repeating: [], count: pairs.count)
    var pooled = [[Double]](repeating: [], count: pairs.count)
    for s in spectra {
      let x = s.sorted()
      for (k, (a, b)) in pairs.enumerated() where a < x.count && b < x.count {
        spacings[k].append(abs(x[a] - x[b]))
        pooled[k].append(x[a]); pooled[k].append(x[b])
      }
    }
    self.spacings = spacings
    self.pooled = pooled
  }
}
