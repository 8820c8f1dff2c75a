import Foundation

/// The Wigner surmise: the spacing distribution of 2×2 Gaussian ensembles, normalised to ⟨s⟩ = 1,
///   P_β(s) = a_β s^β exp(−b_β s²),  b_β = [Γ((β+2)/2)/Γ((β+1)/2)]²,  a_β = 2 b_β^((β+1)/2)/Γ((β+1)/2),
/// which gives β = 1 (GOE) (π/2) s e^{−πs²/4}, β = 2 (GUE) (32/π²) s² e^{−4s²/π}, and
/// β = 4 (GSE) (2¹⁸/(3⁶π³)) s⁴ e^{−64s²/(9π)}. Poisson levels give e^{−s} (`poisson`).
public struct WignerSurmise: Sendable, Hashable {
  /// The Dyson index β ∈ {1, 2, 4}.
  public let beta: Int
  let a: Double
  let b: Double

  /// The surmise of Dyson index `beta` (1, 2 or 4).
  public init(beta: Int) {
    precondition([1, 2, 4].contains(beta), "WignerSurmise: β must be 1, 2 or 4, got \(beta)")
    self.beta = beta
    let k = Double(beta)
    b = pow(tgamma((k + 2) / 2) / tgamma((k + 1) / 2), 2)
    a = 2 * pow(b, (k + 1) / 2) / tgamma((k + 1) / 2)
  }

  /// β = 1: real symmetric matrices (the spectra of WᵀW).
  public static let goe = WignerSurmise(beta: 1)
  /// β = 2: complex Hermitian matrices.
  public static let gue = WignerSurmise(beta: 2)
  /// β = 4: quaternion self-dual matrices.
  public static let gse = WignerSurmise(beta: 4)

  /// P_β(s); 0 for s ≤ 0.
  public func density(_ s: Double) -> Double {
    guard s > 0 else { return 0 }
    return a * pow(s, Double(beta)) * exp(-b * s * s)
  }

  /// P(S ≤ s) = P((β+1)/2, b s²), the regularised lower incomplete gamma function.
  public func cdf(_ s: Double) -> Double {
    guard s > 0 else { return 0 }
    return regularizedLowerGamma((Double(beta) + 1) / 2, b * s * s)
  }

  /// ⟨s²⟩: 4/π for β = 1, 3π/8 for β = 2, 45π/128 for β = 4.
  public var secondMoment: Double { (Double(beta) + 1) / (2 * b) }

  /// Poisson (uncorrelated) levels: P(s) = e^{−s}.
  public static func poissonDensity(_ s: Double) -> Double { s < 0 ? 0 : exp(-s) }
  /// Poisson levels: P(S ≤ s) = 1 − e^{−s}.
  public static func poissonCDF(_ s: Double) -> Double { s < 0 ? 0 : 1 - exp(-s) }

  /// The unscaled two-level form: S = |x₁ − x₂| for two levels with Gaussian width σ (Docs/Science.md §1.8),
  /// P(S) = S/(2σ²) e^{−S²/(4σ²)}, ⟨S⟩ = √π σ.
  public static func twoLevelDensity(_ spacing: Double, sigma: Double) -> Double {
    guard spacing > 0 else { return 0 }
    return spacing / (2 * sigma * sigma) * exp(-spacing * spacing / (4 * sigma * sigma))
  }
}

/// The regularised lower incomplete gamma function P(a, x), by its series for x < a + 1 and by
/// Lentz's continued fraction for Q = 1 − P otherwise (Numerical Recipes §6.2 layout).
public func regularizedLowerGamma(_ a: Double, _ x: Double) -> Double {
  precondition(a > 0, "regularizedLowerGamma: a must be > 0")
  if x <= 0 { return 0 }
  let logPrefactor = a * log(x) - x - lgamma(a)
  if x < a + 1 {
    var term = 1 / a, sum = term, n = a
    for _ in 0..<1000 {
      n += 1
      term *= x / n
      sum += term
      if abs(term) < abs(sum) * 1e-16 { break }
    }
    return sum * exp(logPrefactor)
  }
  let tiny = 1e-300
  var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
  for i in 1...1000 {
    let an = -Double(i) * (Double(i) - a)
    b += 2
    d = an * d + b; if abs(d) < tiny { d = tiny }
    c = b + an / c; if abs(c) < tiny { c = tiny }
    d = 1 / d
    let delta = d * c
    h *= delta
    if abs(delta - 1) < 1e-16 { break }
  }
  return 1 - exp(logPrefactor) * h
}
