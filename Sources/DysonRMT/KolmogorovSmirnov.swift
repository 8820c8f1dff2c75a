import Foundation

/// The Kolmogorov–Smirnov distance D = sup |F_n(x) − F(x)| between a sample and a CDF, and the
/// asymptotic p-value of observing at least D (Kolmogorov's distribution).
public struct KolmogorovSmirnov: Sendable, Equatable {
  /// D = sup |F_n(x) − F(x)|.
  public let distance: Double
  /// The sample's size n (finite values only).
  public let count: Int

  /// The distance of `sample` (non-finite values dropped) to `cdf`.
  public init(_ sample: [Double], cdf: (Double) -> Double) {
    let s = sample.filter(\.isFinite).sorted()
    let n = Double(s.count)
    var d = 0.0
    for (i, x) in s.enumerated() {
      let f = cdf(x)
      d = max(d, Double(i + 1) / n - f, f - Double(i) / n)
    }
    distance = d
    count = s.count
  }

  /// KS against a density known only pointwise: its CDF is integrated numerically on `points`
  /// points over `range` (Simpson's rule per cell, linear interpolation between).
  public init(_ sample: [Double], density: (Double) -> Double, range: ClosedRange<Double>, points: Int = 4001) {
    let cdf = NumericalCDF(density: density, range: range, points: points)
    self.init(sample, cdf: cdf.callAsFunction)
  }

  /// P(D_n ≥ d) ≈ Q_KS((√n + 0.12 + 0.11/√n) d) (Stephens 1970), Q_KS(λ) = 2 Σ (−1)^{j−1} e^{−2j²λ²}.
  public var pValue: Double {
    let rn = Double(count).squareRoot()
    let lambda = (rn + 0.12 + 0.11 / rn) * distance
    if lambda < 0.2 { return 1 }
    var sum = 0.0, sign = 1.0
    for j in 1...100 {
      let term = sign * exp(-2 * Double(j * j) * lambda * lambda)
      sum += term
      if abs(term) < 1e-12 { break }
      sign = -sign
    }
    return min(1, max(0, 2 * sum))
  }
}

/// A CDF tabulated from a density on a uniform grid and normalised to 1 over the range.
public struct NumericalCDF: Sendable {
  let grid: [Double]
  let values: [Double]

  /// The CDF of `density` on `range`, integrated by Simpson's rule on `points` grid points.
  public init(density: (Double) -> Double, range: ClosedRange<Double>, points: Int = 4001) {
    let n = max(points, 3)
    let h = (range.upperBound - range.lowerBound) / Double(n - 1)
    grid = (0..<n).map { range.lowerBound + Double($0) * h }
    var c = [Double](repeating: 0, count: n)
    for i in 1..<n {
      let a = grid[i - 1], b = grid[i]
      c[i] = c[i - 1] + h / 6 * (density(a) + 4 * density((a + b) / 2) + density(b))
    }
    let total = c[n - 1]
    values = total > 0 ? c.map { $0 / total } : c
  }

  /// F(x), linearly interpolated; 0 below the range, 1 above it.
  public func callAsFunction(_ x: Double) -> Double {
    if x <= grid[0] { return 0 }
    if x >= grid[grid.count - 1] { return 1 }
    return interpolate(grid, values, at: x)
  }
}
