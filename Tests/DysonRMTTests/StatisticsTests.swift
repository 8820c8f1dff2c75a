import Foundation
import Testing
import DysonCore
@testable import DysonRMT

@Suite("Histograms, moments, resampling, fits")
struct StatisticsTests {
  @Test("Freedman–Diaconis bins follow 2·IQR/n^{1/3}; the density integrates to 1")
  func histogram() {
    let values = (0..<2000).map { Double($0) / 1999 }   // uniform grid on [0, 1]: IQR = 0.5
    let h = Histogram(values)
    #expect(h.counts.count == 12)   // width 2·0.5/2000^{1/3} = 1/12.6 → ⌊12.6⌋ bins
    #expect(h.counts.reduce(0, +) == 2000 && h.outside == 0)
    #expect(abs(zip(h.density, h.widths).map(*).reduce(0, +) - 1) < 1e-12)
    let clipped = Histogram(values + [.nan, 5], binning: .count(4), range: 0...1)
    #expect(clipped.outside == 2 && clipped.counts == [500, 500, 500, 500])
    // An IQR of a few ulps under a range of 1e10 asks for ~1e25 bins: capped at 100 000, no trap.
    let spiky = Histogram([1, 1 + 0x1p-52, 1 + 0x1p-51, 1 + 0x1.8p-51, 1e10])
    #expect(spiky.counts.count == 100_000 && spiky.counts.reduce(0, +) == 5)
  }

  @Test("Moments and the Binder cumulant of a Gaussian sample: U₄ = 0 within 5σ")
  func gaussianBinder() {
    var rng = Xoshiro256StarStar(seed: 11)
    let x = (0..<200_000).map { _ in rng.normal() }
    let m = Moments(x)
    #expect(abs(m.mean) < 5 / 447.0)
    #expect(abs(m.binderCumulant) < 5 * (8.0 / 3 / 200_000).squareRoot())   // Var U₄ = (24/n)/9 for a Gaussian
  }

  @Test("Jackknife of the mean is s/√n exactly; bootstrap agrees within 10 %")
  func resampling() {
    var rng = Xoshiro256StarStar(seed: 3)
    let x = (0..<400).map { _ in rng.normal(mean: 2, standardDeviation: 3) }
    let exact = Moments(x).standardDeviation / 20
    let jk = jackknife(x) { mean($0) }
    #expect(abs(jk.standardError - exact) < 1e-12 * exact + 1e-14)
    let bs = bootstrap(x, resamples: 2000, seed: 1) { mean($0) }
    #expect(abs(bs.standardError / exact - 1) < 0.1)
    #expect(bootstrap(x, resamples: 50, seed: 9) { mean($0) } == bootstrap(x, resamples: 50, seed: 9) { mean($0) })
  }

  @Test("Levenberg–Marquardt recovers an exponential decay and its errors are honest (pull within 4σ)")
  func levenbergMarquardtFit() throws {
    var rng = Xoshiro256StarStar(seed: 5)
    let x = (0..<60).map { Double($0) * 0.1 }
    let noise = 0.01
    let y = x.map { 2.5 * exp(-1.3 * $0) + noise * rng.normal() }
    let fit = try levenbergMarquardt(x: x, y: y, errors: [Double](repeating: noise, count: x.count), initial: [1, 0.5]) { t, p in
      p[0] * exp(-p[1] * t)
    }
    #expect(fit.converged)
    #expect(abs(fit.parameters[0] - 2.5) < 4 * fit.errors[0])
    #expect(abs(fit.parameters[1] - 1.3) < 4 * fit.errors[1])
    #expect(fit.errors[0] < 0.02 && fit.objective / Double(fit.degreesOfFreedom) < 2)
  }

  @Test("Maximum likelihood of a Gaussian returns the sample mean and σ, errors σ/√n and σ/√(2n)")
  func gaussianLikelihood() throws {
    var rng = Xoshiro256StarStar(seed: 8)
    let x = (0..<2000).map { _ in rng.normal(mean: -1, standardDeviation: 0.5) }
    let fit = try SpectralFit.gaussian(x, method: .maximumLikelihood)
    let m = Moments(x)
    #expect(abs(fit.parameters[0] - m.mean) < 1e-6)
    #expect(abs(fit.parameters[1] - m.m2.squareRoot()) < 1e-6)
    #expect(abs(fit.errors[0] / (m.m2.squareRoot() / 2000.0.squareRoot()) - 1) < 0.02)
    #expect(abs(fit.errors[1] / (m.m2.squareRoot() / 4000.0.squareRoot()) - 1) < 0.02)
  }

  @Test("Power-law tail of a Pareto sample (α = 2.5, x_min = 1): α within 3 standard errors")
  func powerLaw() throws {
    var rng = Xoshiro256StarStar(seed: 13)
    // Pareto by inversion, x = (1 − U)^{−1/(α−1)}, below it a uniform bulk the fit must skip.
    let tail = (0..<3000).map { _ in pow(rng.uniformOpen(), -1 / 1.5) }
    let bulk = (0..<3000).map { _ in 0.2 + 0.6 * rng.uniform() }
    let fit = try #require(PowerLawTail(tail + bulk))
    #expect(abs(fit.alpha - 2.5) < 3 * fit.alphaError)
    #expect(fit.xMin >= 0.8)   // the bulk lies below 0.8; any x_min ≥ 1 is a valid power-law cut
    #expect(fit.distance < 0.03)
  }

  @Test("Power-law tail with a least tail size: the cut keeps at least that many values, and α is still recovered")
  func powerLawLeastTail() throws {
    var rng = Xoshiro256StarStar(seed: 14)
    let tail = (0..<3000).map { _ in pow(rng.uniformOpen(), -1 / 1.5) }
    let bulk = (0..<3000).map { _ in 0.2 + 0.6 * rng.uniform() }
    for least in [5, 600, 2000, 2900] {
      let fit = try #require(PowerLawTail(tail + bulk, minimumTail: least))
      #expect(fit.tailCount >= least, "least \(least): the tail holds \(fit.tailCount)")
      #expect(abs(fit.alpha - 2.5) < 3 * fit.alphaError, "least \(least): α = \(fit.alpha) ± \(fit.alphaError)")
    }
    // More than the positive values: no fit.
    #expect(PowerLawTail(Array(tail.prefix(10)), minimumTail: 11) == nil)
  }

  @Test("KS distance: a sample of the law is close, another law is far; p-values follow")
  func kolmogorovSmirnov() {
    var rng = Xoshiro256StarStar(seed: 21)
    let s = (0..<5000).map { _ in -log(rng.uniformOpen()) }
    let same = KolmogorovSmirnov(s, cdf: WignerSurmise.poissonCDF)
    let other = KolmogorovSmirnov(s, cdf: WignerSurmise.goe.cdf)
    #expect(same.distance < 1.63 / 5000.0.squareRoot())     // the 1 % critical value
    #expect(same.pValue > 0.01 && other.pValue < 1e-6)
    let numeric = KolmogorovSmirnov(s, density: WignerSurmise.poissonDensity, range: 0...40)
    #expect(abs(numeric.distance - same.distance) < 1e-6)
  }
}

@Suite("Fits refuse bad samples with an error, never a crash")
struct FitInputTests {
  @Test("Empty, tiny and non-finite samples throw FitError")
  func badSamples() {
    #expect(throws: FitError.self) { try SpectralFit.twoLevel([]) }
    #expect(throws: FitError.self) { try SpectralFit.semicircle([1]) }
    #expect(throws: FitError.self) { try SpectralFit.gaussian([1, .nan, 2, 3]) }
    #expect(throws: FitError.self) { try SpectralFit.twoSpecies([1, 2, 3]) }
    #expect(throws: FitError.self) { try SpectralFit.marchenkoPastur([0.1, 0.2, 0.3], rows: 4, columns: 8) }
    #expect(throws: FitError.self) { try SpectralFit.marchenkoPastur([0, 0, 0, 0], rows: 8, columns: 4) }
  }
}
