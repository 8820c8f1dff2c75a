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
