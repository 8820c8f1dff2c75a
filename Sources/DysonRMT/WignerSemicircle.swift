import Foundation

/// Wigner's semicircle law: ρ(x) = 2/(πR²) · √(R² − (x − c)²) on [c − R, c + R].
///
/// It is the large-N eigenvalue density of a symmetric matrix with independent entries of
/// off-diagonal variance v: R = 2√(N v). The variance of x is R²/4.
public struct WignerSemicircle: Sendable, Hashable, Codable {
  /// The centre c.
  public var center: Double
  /// The radius R.
  public var radius: Double

  /// The semicircle of radius `radius` about `center`.
  public init(center: Double = 0, radius: Double) {
    self.center = center
    self.radius = radius
  }

  /// The law of an N×N GOE-type matrix whose off-diagonal entries have variance `variance`.
  public init(size n: Int, offDiagonalVariance variance: Double) {
    self.init(center: 0, radius: 2 * (Double(n) * variance).squareRoot())
  }

  /// The variance of x, R²/4.
  public var variance: Double { radius * radius / 4 }

  /// ρ(x); 0 outside [c − R, c + R].
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
