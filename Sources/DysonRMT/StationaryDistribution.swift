import Foundation

/// The stationary density of one level under drift K(x) and noise strength g,
/// P_s(x) ∝ exp(−V(x)/g²) with V = −∫K, tabulated on a uniform grid over [lower, upper]
/// (Docs/Science.md §1.6, §2.7). V is integrated with the trapezoid rule, P_s normalised with it.
public struct StationaryDistribution: Sendable {
  /// The grid points, lower…upper.
  public let grid: [Double]
  /// V(x) on the grid, shifted so that its minimum is 0.
  public let potential: [Double]
  /// Normalised P_s on the grid.
  public let density: [Double]
  /// The noise strength g.
  public let g: Double

  /// From a drift K(x); the domain must keep K finite (e.g. (0, μ²) for the RBM mode).
  public init(drift: (Double) -> Double, g: Double, lower: Double, upper: Double, points: Int = 4001) {
    precondition(points >= 3 && upper > lower && g > 0, "StationaryDistribution: need points ≥ 3, upper > lower, g > 0")
    let h = (upper - lower) / Double(points - 1)
    let x = (0..<points).map { lower + Double($0) * h }
    let k = x.map(drift)
    var v = [Double](repeating: 0, count: points)
    for i in 1..<points { v[i] = v[i - 1] - 0.5 * h * (k[i - 1] + k[i]) }
    self.init(grid: x, potential: v, g: g)
  }

  /// From the potential V(x) directly.
  public init(potential: (Double) -> Double, g: Double, lower: Double, upper: Double, points: Int = 4001) {
    precondition(points >= 3 && upper > lower && g > 0, "StationaryDistribution: need points ≥ 3, upper > lower, g > 0")
    let h = (upper - lower) / Double(points - 1)
    let x = (0..<points).map { lower + Double($0) * h }
    self.init(grid: x, potential: x.map(potential), g: g)
  }

  init(grid: [Double], potential v: [Double], g: Double) {
    let vMin = v.min()!
    let shifted = v.map { $0 - vMin }
    var p = shifted.map { exp(-$0 / (g * g)) }
    let norm = trapezoid(p, step: grid[1] - grid[0])
    for i in p.indices { p[i] /= norm }
    self.grid = grid
    self.potential = shifted
    self.density = p
    self.g = g
  }

  /// P_s(x) by linear interpolation; 0 outside the grid.
  public func callAsFunction(_ x: Double) -> Double { interpolate(grid, density, at: x) }

  /// The cumulative distribution on the grid (trapezoid), for KS tests.
  public func cdf(_ x: Double) -> Double {
    if x <= grid[0] { return 0 }
    if x >= grid[grid.count - 1] { return 1 }
    return interpolate(grid, cumulative, at: x)
  }

  /// ⟨x⟩ under P_s (trapezoid rule).
  public var mean: Double { trapezoid(zip(grid, density).map { $0 * $1 }, step: grid[1] - grid[0]) }

  private var cumulative: [Double] {
    var c = [Double](repeating: 0, count: grid.count)
    let h = grid[1] - grid[0]
    for i in 1..<grid.count { c[i] = c[i - 1] + 0.5 * h * (density[i - 1] + density[i]) }
    return c
  }

  /// The RBM mode's drift K(x) = (1/κ − 1/(μ² − x)) x (Docs/Science.md §2.1), on 0 < x < μ².
  public static func rbmDrift(kappa: Double, mu2: Double) -> @Sendable (Double) -> Double {
    { x in (1 / kappa - 1 / (mu2 - x)) * x }
  }
}

func trapezoid(_ y: [Double], step h: Double) -> Double {
  guard y.count > 1 else { return 0 }
  return h * (y.reduce(0, +) - 0.5 * (y[0] + y[y.count - 1]))
}

/// Linear interpolation on an increasing grid; 0 outside it.
func interpolate(_ x: [Double], _ y: [Double], at t: Double) -> Double {
  guard let first = x.first, let last = x.last, t >= first, t <= last else { return 0 }
  if x.count == 1 { return y[0] }
  let lo = min(max(upperBound(x, t) - 1, 0), x.count - 2), hi = lo + 1
  let w = x[hi] == x[lo] ? 0 : (t - x[lo]) / (x[hi] - x[lo])
  return y[lo] + w * (y[hi] - y[lo])
}
