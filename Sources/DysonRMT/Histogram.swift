import Foundation

/// A histogram with chosen or automatic bins.
public struct Histogram: Sendable, Equatable {
  /// How to choose the bins.
  public enum Binning: Sendable, Equatable {
    /// This many equal bins over the range.
    case count(Int)
    /// Freedman–Diaconis, as the authors' analysis code does: width 2·IQR/n^{1/3},
    /// ⌊range/width⌋ bins (at least 1).
    case freedmanDiaconis
    /// Sturges: ⌈log₂ n⌉ + 1 bins.
    case sturges
    /// Explicit increasing edges.
    case edges([Double])
  }

  /// count + 1 increasing edges.
  public let edges: [Double]
  /// Values per bin; the last bin includes its right edge.
  public let counts: [Int]
  /// Values that fell outside the edges (only possible with an explicit range or edges).
  public let outside: Int

  /// Bins `values` (non-finite values are counted as outside). `range` defaults to [min, max].
  public init(_ values: [Double], binning: Binning = .freedmanDiaconis, range: ClosedRange<Double>? = nil) {
    let finite = values.filter(\.isFinite)
    var edges: [Double]
    if case .edges(let e) = binning {
      precondition(e.count >= 2 && zip(e, e.dropFirst()).allSatisfy { $0 < $1 }, "Histogram: edges must increase")
      edges = e
    } else {
      var lo = range?.lowerBound ?? finite.min() ?? 0, hi = range?.upperBound ?? finite.max() ?? 1
      if hi <= lo { lo -= 0.5; hi += 0.5 }
      let bins: Int
      switch binning {
      case .count(let n): bins = max(1, n)
      case .sturges: bins = Int(ceil(log2(Double(max(finite.count, 1))))) + 1
      case .freedmanDiaconis:
        let width = 2 * interquartileRange(finite) / pow(Double(max(finite.count, 1)), 1.0 / 3)
        // Clamped as a Double: a tiny IQR under a wide range would overflow Int.
        bins = width > 0 ? max(1, Int(min(100_000, ((hi - lo) / width).rounded(.down)))) : 1
      case .edges: bins = 1
      }
      edges = (0...bins).map { lo + (hi - lo) * Double($0) / Double(bins) }
      edges[bins] = hi
    }
    var counts = [Int](repeating: 0, count: edges.count - 1)
    var outside = values.count - finite.count
    let lo = edges[0], hi = edges[edges.count - 1]
    for v in finite {
      guard v >= lo, v <= hi else { outside += 1; continue }
      // The last edge ≤ v; the right edge belongs to the last bin.
      let a = min(upperBound(edges, v) - 1, counts.count - 1)
      counts[a] += 1
    }
    self.edges = edges
    self.counts = counts
    self.outside = outside
  }

  /// The middle of each bin.
  public var centers: [Double] { zip(edges, edges.dropFirst()).map { ($0 + $1) / 2 } }
  /// The width of each bin.
  public var widths: [Double] { zip(edges, edges.dropFirst()).map { $1 - $0 } }
  /// Every value counted, those outside the edges included.
  public var total: Int { counts.reduce(0, +) + outside }

  /// Counts / (n · width), n counting every value (so a density over part of the data integrates
  /// to that part's fraction, which is what an area fit needs).
  public var density: [Double] {
    let n = Double(max(total, 1))
    return zip(counts, widths).map { Double($0) / (n * $1) }
  }

  /// Poisson errors of `density`: √count / (n · width).
  public var densityErrors: [Double] {
    let n = Double(max(total, 1))
    return zip(counts, widths).map { Double($0).squareRoot() / (n * $1) }
  }

  /// Σ cⱼhⱼ/Σhⱼ: the histogram-weighted mean the authors use for ⟨S⟩ (Docs/Science.md §2.5).
  public var weightedMean: Double {
    let d = density
    let w = zip(d, widths).map(*)
    return zip(centers, w).map(*).reduce(0, +) / w.reduce(0, +)
  }
}

/// The distance between the upper and the lower quartile (`quantile` at 0.75 and 0.25).
public func interquartileRange(_ values: [Double]) -> Double {
  quantile(values, 0.75) - quantile(values, 0.25)
}
