import Foundation

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
