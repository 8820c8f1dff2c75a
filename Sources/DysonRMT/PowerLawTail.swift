import Foundation

/// A power-law fit p(x) ∝ x^{−α} to the tail x ≥ x_min of a spectrum, the way WeightWatcher
/// (via Clauset, Shalizi & Newman, SIAM Review 51, 2009) does it: for each candidate x_min the
/// continuous maximum-likelihood α = 1 + n/Σ ln(xᵢ/x_min), and x_min is the candidate whose fit has
/// the smallest KS distance to the tail's empirical CDF.
public struct PowerLawTail: Sendable, Equatable {
  /// The exponent α of p(x) ∝ x^{−α}.
  public let alpha: Double
  /// Standard error of α, (α − 1)/√n.
  public let alphaError: Double
  /// The fitted lower end of the tail.
  public let xMin: Double
  /// Eigenvalues in the tail (x ≥ x_min).
  public let tailCount: Int
  /// KS distance of the tail to the fitted law.
  public let distance: Double

  /// A tail fitted elsewhere (WeightWatcher's numbers, or a stored result).
  public init(alpha: Double, alphaError: Double, xMin: Double, tailCount: Int, distance: Double) {
    self.alpha = alpha
    self.alphaError = alphaError
    self.xMin = xMin
    self.tailCount = tailCount
    self.distance = distance
  }

  /// x_min is searched among the cuts that leave at least `minimumTail` values in the tail;
  /// nil when fewer than `minimumTail` positive values exist.
  public init?(_ values: [Double], minimumTail: Int = 5) {
    let x = values.filter { $0 > 0 && $0.isFinite }.sorted()
    guard x.count >= minimumTail else { return nil }
    var best: (d: Double, alpha: Double, xMin: Double, n: Int)?
    // Suffix sums of ln x make each candidate's α O(1); its KS distance is O(n log n).
    var logSuffix = [Double](repeating: 0, count: x.count + 1)
    for i in stride(from: x.count - 1, through: 0, by: -1) { logSuffix[i] = logSuffix[i + 1] + log(x[i]) }
    var start = 0
    while start <= x.count - minimumTail {
      let xm = x[start]
      let n = x.count - start
      let sumLog = logSuffix[start] - Double(n) * log(xm)
      if sumLog > 0 {
        let alpha = 1 + Double(n) / sumLog
        // KS of the tail against the fitted law, P(X ≤ x) = 1 − (x/x_min)^{1−α}.
        let d = KolmogorovSmirnov(Array(x[start...]), cdf: { 1 - pow($0 / xm, 1 - alpha) }).distance
        if best == nil || d < best!.d { best = (d, alpha, xm, n) }
      }
      // Skip repeated values: each distinct x_min once.
      var next = start + 1
      while next < x.count && x[next] == xm { next += 1 }
      start = next
    }
    guard let b = best else { return nil }
    alpha = b.alpha
    alphaError = (b.alpha - 1) / Double(b.n).squareRoot()
    xMin = b.xMin
    tailCount = b.n
    distance = b.d
  }
}
