import Foundation
import Testing
import DysonCore
@testable import DysonRMT

@Suite("Densities and laws against their analytic moments")
struct LawsTests {
  @Test("Wigner surmise β = 1, 2, 4: normalised, ⟨s⟩ = 1, ⟨s²⟩ analytic, CDF = ∫ density", arguments: [1, 2, 4])
  func surmise(beta: Int) {
    let p = WignerSurmise(beta: beta)
    #expect(abs(simpson(0, 8) { p.density($0) } - 1) < 1e-10)
    #expect(abs(simpson(0, 8) { $0 * p.density($0) } - 1) < 1e-10)
    let second = [1: 4 / Double.pi, 2: 3 * Double.pi / 8, 4: 45 * Double.pi / 128][beta]!
    #expect(abs(simpson(0, 8) { $0 * $0 * p.density($0) } - second) < 1e-10)
    #expect(abs(p.secondMoment - second) < 1e-12)
    for s in [0.3, 1.0, 1.7] { #expect(abs(p.cdf(s) - simpson(0, s, 2000) { p.density($0) }) < 1e-10) }
  }

  @Test("β = 1 surmise is (π/2)s·e^{−πs²/4}; its CDF 1 − e^{−πs²/4}")
  func goeClosedForm() {
    for s in [0.1, 0.8, 2.5] {
      #expect(abs(WignerSurmise.goe.density(s) - Double.pi / 2 * s * exp(-Double.pi * s * s / 4)) < 1e-14)
      #expect(abs(WignerSurmise.goe.cdf(s) - (1 - exp(-Double.pi * s * s / 4))) < 1e-13)
    }
    // P(1/2, x) = erf(√x): the incomplete gamma against an independent special function.
    for x in [0.01, 0.7, 3.0, 20.0] { #expect(abs(regularizedLowerGamma(0.5, x) - erf(x.squareRoot())) < 1e-13) }
  }

  @Test("Semicircle: normalised, variance R²/4, CDF = ∫ density")
  func semicircle() {
    let w = WignerSemicircle(center: 1.5, radius: 2)
    #expect(abs(simpson(-0.5, 3.5) { w.density($0) } - 1) < 1e-5)      // √ edges limit Simpson to ~h^1.5
    #expect(abs(simpson(-0.5, 3.5) { ($0 - 1.5) * ($0 - 1.5) * w.density($0) } - 1) < 1e-5)
    #expect(abs(w.cdf(2.2) - simpson(-0.5, 2.2) { w.density($0) }) < 1e-5)
  }

  @Test("Two-level density: ∫ρ = 1, ⟨u²⟩ = 3σ²/2, U₄ = −4/27; spacing mean √π σ")
  func twoLevel() {
    let sigma = 0.7, c = 3.0
    let r = TwoLevelCoulombGas(center: c, sigma: sigma)
    let lo = c - 12 * sigma, hi = c + 12 * sigma
    let norm = simpson(lo, hi) { r.density($0) }
    let m2 = simpson(lo, hi) { pow($0 - c, 2) * r.density($0) }
    let m4 = simpson(lo, hi) { pow($0 - c, 4) * r.density($0) }
    #expect(abs(norm - 1) < 1e-12)
    #expect(abs(m2 - 1.5 * sigma * sigma) < 1e-12)
    #expect(abs(m4 / (3 * m2 * m2) - 1 - TwoLevelCoulombGas.binderCumulant) < 1e-12)
    #expect(abs(simpson(0, 20 * sigma) { $0 * WignerSurmise.twoLevelDensity($0, sigma: sigma) } - r.meanSpacing) < 1e-12)
  }

  @Test("Two species: normalised, equal widths reduce to one species, ⟨u²⟩ = (σ₁² + σ₂²)·3/4")
  func twoSpecies() {
    let one = TwoLevelCoulombGas(center: 0, sigma: 0.5)
    let same = TwoSpeciesCoulombGas(center: 0, sigma1: 0.5, sigma2: 0.5)
    for x in stride(from: -2.0, through: 2.0, by: 0.25) { #expect(abs(one.density(x) - same.density(x)) < 1e-14) }
    let two = TwoSpeciesCoulombGas(center: 0, sigma1: 0.4, sigma2: 0.9)
    #expect(abs(simpson(-12, 12) { two.density($0) } - 1) < 1e-10)
    // Independent check by Monte Carlo-free algebra: ⟨u₁² + u₂²⟩/2 over P(u₁,u₂) ∝ |u₁−u₂|e^{…}, by 2-D quadrature.
    var num = 0.0, den = 0.0
    let h = 0.02
    for i in -300...300 {
      for j in -300...300 {
        let u1 = Double(i) * h, u2 = Double(j) * h
        let w = abs(u1 - u2) * exp(-u1 * u1 / (2 * 0.16) - u2 * u2 / (2 * 0.81))
        num += w * (u1 * u1 + u2 * u2) / 2
        den += w
      }
    }
    #expect(abs(simpson(-12, 12) { $0 * $0 * two.density($0) } - num / den) < 1e-4)
  }

  @Test("Two species with species-dependent noise: the joint law solves the stationary Fokker–Planck equation (finite differences)")
  func twoSpeciesFokkerPlanck() {
    let gas = TwoSpeciesCoulombGas(center: 0.3, sigma1: 0.4, sigma2: 0.9)
    let (g1, g2) = (0.7, 1.6)
    // 0 = −Σᵢ ∂ᵢ(aᵢP) + ½Σᵢ gᵢ²∂ᵢ²P, each derivative by central differences of step h.
    let h = 1e-4
    /// The largest relative residual of the stationary FP equation for the drift of `dynamics`
    /// acting on the density of `law`, at six points off the diagonal.
    func residual(dynamics: TwoSpeciesCoulombGas, law: TwoSpeciesCoulombGas) -> Double {
      func flux(_ i: Int, _ x1: Double, _ x2: Double) -> Double {
        let a = dynamics.drift(x1, x2, g1: g1, g2: g2)
        return (i == 0 ? a.0 : a.1) * law.jointDensity(x1, x2)
      }
      var worst = 0.0
      for (x1, x2) in [(0.1, 0.9), (-0.5, 0.2), (0.8, -1.1), (0.35, 1.7), (-0.2, -0.9), (1.0, 0.4)] {
        let dFlux = (flux(0, x1 + h, x2) - flux(0, x1 - h, x2)) / (2 * h) + (flux(1, x1, x2 + h) - flux(1, x1, x2 - h)) / (2 * h)
        let p = law.jointDensity(x1, x2)
        let d11 = (law.jointDensity(x1 + h, x2) - 2 * p + law.jointDensity(x1 - h, x2)) / (h * h)
        let d22 = (law.jointDensity(x1, x2 + h) - 2 * p + law.jointDensity(x1, x2 - h)) / (h * h)
        let diffusion = 0.5 * (g1 * g1 * d11 + g2 * g2 * d22)
        worst = max(worst, abs(-dFlux + diffusion) / max(abs(dFlux), abs(diffusion)))   // relative to the cancelling terms
      }
      return worst
    }
    #expect(residual(dynamics: gas, law: gas) < 1e-5)
    // The check can fail: the one-species drift (equal widths) does not keep the two-species law.
    let one = TwoSpeciesCoulombGas(center: 0.3, sigma1: 0.65, sigma2: 0.65)
    #expect(residual(dynamics: one, law: gas) > 0.01)
    // The joint law is normalised and its marginal pooled over species is `density`.
    var total = 0.0, marginal = 0.0
    let step = 0.01, x = 0.55
    for i in -600...600 {
      for j in -600...600 { total += gas.jointDensity(0.3 + Double(i) * step, 0.3 + Double(j) * step) * step * step }
      marginal += 0.5 * (gas.jointDensity(x, 0.3 + Double(i) * step) + gas.jointDensity(0.3 + Double(i) * step, x)) * step
    }
    #expect(abs(total - 1) < 1e-3)
    #expect(abs(marginal - gas.density(x)) < 1e-4 * gas.density(x) + 1e-4)
  }

  @Test("Stationary distribution of a harmonic drift is the Gaussian N(c, τg²)")
  func stationaryHarmonic() {
    let p = StationaryDistribution(drift: { -($0 - 1) / 2 }, g: 0.5, lower: -4, upper: 6)
    let variance = 2 * 0.25
    for x in [0.0, 1.0, 1.8] {
      let exact = exp(-(x - 1) * (x - 1) / (2 * variance)) / (2 * Double.pi * variance).squareRoot()
      #expect(abs(p(x) - exact) < 1e-5)
    }
    #expect(abs(p.mean - 1) < 1e-6)
  }
}
