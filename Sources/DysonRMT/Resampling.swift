import DysonCore

/// An estimate with its standard error, and the replicates it came from.
public struct ResampledEstimate: Sendable, Equatable {
  /// The statistic on the full sample.
  public let value: Double
  /// The standard deviation of the replicates (bootstrap) or the jackknife's √((n−1)/n·Σ(θᵢ − θ̄)²).
  public let standardError: Double
  /// Mean of the replicates (bootstrap) or the jackknife bias-corrected value.
  public let replicateMean: Double
  /// The statistic on every resample, in the order drawn.
  public let replicates: [Double]
}

/// Bootstrap: `resamples` draws of n items with replacement from a seeded stream; the error is
/// the standard deviation of the statistic over the draws (Efron & Tibshirani, ch. 6). Items are
/// whatever is independent: runs, not the eigenvalues within a run.
public func bootstrap<Item>(
  _ items: [Item], resamples: Int = 1000, seed: UInt64, stream: UInt64 = 0,
  statistic: ([Item]) -> Double
) -> ResampledEstimate {
  bootstrap(items, resamples: resamples, seed: seed, stream: stream) { [statistic($0)] }[0]
}

/// Bootstrap of several statistics that come from one computation (e.g. the parameters of one
/// fit): each resample is drawn and evaluated once. Same draws as the single-statistic form.
public func bootstrap<Item>(
  _ items: [Item], resamples: Int = 1000, seed: UInt64, stream: UInt64 = 0,
  statistics: ([Item]) -> [Double]
) -> [ResampledEstimate] {
  precondition(!items.isEmpty && resamples >= 2, "bootstrap: need items and ≥ 2 resamples")
  var rng = Xoshiro256StarStar(seed: seed, stream: stream)
  let n = items.count
  var draw = items
  var replicates: [[Double]] = []
  replicates.reserveCapacity(resamples)
  for _ in 0..<resamples {
    for i in 0..<n { draw[i] = items[Int(rng.next() % UInt64(n))] }
    replicates.append(statistics(draw))
  }
  let full = statistics(items)
  return full.indices.map { k in
    let values = replicates.map { $0[k] }
    let m = mean(values)
    let variance = values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(resamples - 1)
    return ResampledEstimate(value: full[k], standardError: variance.squareRoot(), replicateMean: m, replicates: values)
  }
}

/// Leave-one-out jackknife: θᵢ on the sample without item i; error √((n − 1)/n · Σ(θᵢ − θ̄)²)
/// (the authors' std_jk·√(n − 1)); `replicateMean` holds the bias-corrected n·θ − (n − 1)·θ̄.
/// `blocks` > 0 deletes contiguous blocks instead of single items (n/blocks each), for cost.
public func jackknife<Item>(_ items: [Item], blocks: Int = 0, statistic: ([Item]) -> Double) -> ResampledEstimate {
  let n = items.count
  precondition(n >= 2, "jackknife: need at least 2 items")
  let g = blocks > 0 ? min(blocks, n) : n
  var replicates: [Double] = []
  replicates.reserveCapacity(g)
  for b in 0..<g {
    let lo = b * n / g, hi = (b + 1) * n / g
    replicates.append(statistic(Array(items[..<lo] + items[hi...])))
  }
  let full = statistic(items)
  let m = mean(replicates)
  let ss = replicates.reduce(0) { $0 + ($1 - m) * ($1 - m) }
  let gd = Double(g)
  return ResampledEstimate(value: full, standardError: ((gd - 1) / gd * ss).squareRoot(),
                           replicateMean: gd * full - (gd - 1) * m, replicates: replicates)
}
