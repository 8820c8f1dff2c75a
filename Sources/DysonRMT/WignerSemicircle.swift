import Foundation

/// Wigner's semicircle law: ρ(x) = 2/(πR²) · √(R² − (x − c)²) on [c − R, c + R].
///
/// It is the large-N eigenvalue density of a symmetric matrix with independent entries of
/// off-diagonal variance v: R = 2√(N v). The variance of x is R²/4.
public struct WignerSemicircle: Sendable, Hashable, Codable {
  public var center: Double
  public var radius: Double

  public init(center: Double = 0, radius: Double) {
    self.center = center
    self.radius = radius
  }

  /// The law of an N×N GOE-type matrix whose off-diagonal entries have variance `variance`.
  public init(size n: Int, offDiagonalVariance variance: Double) {
    self.init(center: 0, radius: 2 * (Double(n) * variance).squareRoot())
  }

  public var variance: Double { radius * radius / 4 }

  public func density(_ x: Double) -> Double {
    let u = x - center
    guard abs(u) < radius else { return 0 }
    return 2 / (Double.pi * radius * radius) * (radius * radius - u * u).squareRoot()
  }

  /// P(X ≤ x) = ½ + (t√(1 − t²) + arcsin t)/π, t = (x − c)/R.
  public func cdf(_ x: Double) -> Double {
    let t = (x - center) / radius
    if t <= -1 { return 0 }
    if t >= 1 { return 1 }
    return 0.5 + (t * (1 - t * t).squareRoot() + asin(t)) / Double.pi
  }
}
