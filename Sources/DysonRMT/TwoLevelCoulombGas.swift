import DysonCore
import Foundation

/// Two levels in a common harmonic well with β = 1 repulsion, the model of a doubly degenerate
/// pair (Docs/Science.md §1.8): P(x₁, x₂) ∝ |x₁ − x₂| exp(−[(x₁ − x₀)² + (x₂ − x₀)²]/(2σ²)).
///
/// Its one-point density, both levels pooled, with u = x − x₀, is the "two-level semicircle"
///   ρ(u) = e^{−u²/(2σ²)}/(4√π σ) · [2 e^{−u²/(2σ²)} + √(2π) (u/σ) erf(u/(√2 σ))],
/// with ⟨u²⟩ = 3σ²/2 and Binder cumulant U₄ = −4/27; the spacing S = |x₁ − x₂| has
/// P(S) = S/(2σ²) e^{−S²/(4σ²)} and ⟨S⟩ = √π σ.
public struct TwoLevelCoulombGas: Sendable, Hashable {
  /// The centre x₀ of the well.
  public var center: Double
  /// The well's width σ.
  public var sigma: Double

  /// The pair in a well at `center` of width `sigma`.
  public init(center: Double, sigma: Double) {
    self.center = center
    self.sigma = sigma
  }

  /// The pooled one-point density ρ(x) above.
  public func density(_ x: Double) -> Double {
    let u = (x - center) / sigma
    let g = exp(-u * u / 2)
    return g / (4 * Double.pi.squareRoot() * sigma) * (2 * g + (2 * Double.pi).squareRoot() * u * erf(u / 2.0.squareRoot()))
  }

  /// ⟨S⟩ = √π σ.
  public var meanSpacing: Double { Double.pi.squareRoot() * sigma }

  /// U₄ = ⟨u⁴⟩/(3⟨u²⟩²) − 1 of the one-point density.
  public static let binderCumulant = -4.0 / 27.0

  /// One exact sample (x₁, x₂): the centre of mass is N(x₀, σ²/2), and the difference d = x₁ − x₂
  /// has density ∝ |d| e^{−d²/(4σ²)}, so |d| = 2σ√(−ln U) (a Rayleigh variate) with a random sign.
  public func sample(using rng: inout Xoshiro256StarStar) -> (Double, Double) {
    let mean = center + sigma / 2.0.squareRoot() * rng.normal()
    let magnitude = 2 * sigma * (-portableLog(rng.uniformOpen())).squareRoot()
    let d = rng.next() & 1 == 0 ? magnitude : -magnitude
    return (mean + d / 2, mean - d / 2)
  }
}

/// Two levels of different Gaussian widths σ₁ ≠ σ₂ ("two species", 2412.20496), derived in the
/// Docs/Science.md §1.9: P(u₁, u₂) = |u₁ − u₂| e^{−u₁²/(2σ₁²) − u₂²/(2σ₂²)}/Z, Z = 2σ₁σ₂√(2π(σ₁² + σ₂²)),
/// pooled one-point density ρ(u) = [f(u; σ₁, σ₂) + f(u; σ₂, σ₁)]/(2Z),
/// f(u; a, b) = e^{−u²/(2a²)} [2b² e^{−u²/(2b²)} + √(2π) b u erf(u/(√2 b))]. Equals the
/// one-species density at σ₁ = σ₂.
public struct TwoSpeciesCoulombGas: Sendable, Hashable {
  /// The centre x₀ of the well.
  public var center: Double
  /// The first level's width σ₁.
  public var sigma1: Double
  /// The second level's width σ₂.
  public var sigma2: Double

  /// Two levels at `center` with widths `sigma1` and `sigma2`.
  public init(center: Double, sigma1: Double, sigma2: Double) {
    self.center = center
    self.sigma1 = sigma1
    self.sigma2 = sigma2
  }

  /// The pooled one-point density ρ(x) above.
  public func density(_ x: Double) -> Double {
    let u = x - center
    let z = 2 * sigma1 * sigma2 * (2 * Double.pi * (sigma1 * sigma1 + sigma2 * sigma2)).squareRoot()
    func f(_ a: Double, _ b: Double) -> Double {
      exp(-u * u / (2 * a * a)) * (2 * b * b * exp(-u * u / (2 * b * b)) + (2 * Double.pi).squareRoot() * b * u * erf(u / (2.0.squareRoot() * b)))
    }
    return (f(sigma1, sigma2) + f(sigma2, sigma1)) / (2 * z)
  }
}

extension TwoSpeciesCoulombGas {
  /// The joint density of the two levels, P(x₁, x₂) = |u₁ − u₂|e^{−u₁²/(2σ₁²) − u₂²/(2σ₂²)}/Z,
  /// uᵢ = xᵢ − x₀, species 1 at x₁; it integrates to 1 over the plane.
  public func jointDensity(_ x1: Double, _ x2: Double) -> Double {
    let u1 = x1 - center, u2 = x2 - center
    let z = 2 * sigma1 * sigma2 * (2 * Double.pi * (sigma1 * sigma1 + sigma2 * sigma2)).squareRoot()
    return abs(u1 - u2) * exp(-u1 * u1 / (2 * sigma1 * sigma1) - u2 * u2 / (2 * sigma2 * sigma2)) / z
  }

  /// The drift of a two-level Dyson Brownian motion with species-dependent noise gᵢ,
  ///   dxᵢ = aᵢ dt + gᵢ dBᵢ,  aᵢ = (gᵢ²/2)[−uᵢ/σᵢ² + 1/(uᵢ − uⱼ)],
  /// whose stationary law is `jointDensity` for any g₁, g₂: the probability current
  /// aᵢP − (gᵢ²/2)∂ᵢP vanishes level by level, since aᵢ = (gᵢ²/2)∂ᵢ ln P (β = 1 repulsion,
  /// harmonic confinement of width σᵢ).
  public func drift(_ x1: Double, _ x2: Double, g1: Double, g2: Double) -> (Double, Double) {
    let u1 = x1 - center, u2 = x2 - center
    return (0.5 * g1 * g1 * (-u1 / (sigma1 * sigma1) + 1 / (u1 - u2)),
            0.5 * g2 * g2 * (-u2 / (sigma2 * sigma2) + 1 / (u2 - u1)))
  }
}
