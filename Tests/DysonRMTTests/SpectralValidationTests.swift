import Foundation
import Testing
import DysonCore
@testable import DysonRMT

/// The validations of issue 3: each fit or statistic on an ensemble whose answer is known.
@Suite("Spectral statistics on ensembles with known answers")
struct SpectralValidationTests {
  /// Eigenvalues of WᵀW for 1500 Wishart W (64×16, σ² = 1/192), 16 per sample; made once.
  static let wishart: [[Double]] = {
    var rng = Xoshiro256StarStar(seed: 192)
    return (0..<1500).map { _ in
      let w = Matrix<Double>.gaussian(rows: 64, columns: 16, mean: 0, standardDeviation: (1.0 / 192).squareRoot(), using: &rng)
      return try! singularValues(of: w).map { $0 * $0 }
    }
  }()

  @Test("Wishart 64×16, σ² = 1/192: the MP fit returns σ² and A = 1 within 2 %")
  func marchenkoPasturFit() throws {
    let fit = try SpectralFit.marchenkoPastur(Self.wishart.flatMap { $0 }, rows: 64, columns: 16)
    print("MP fit: σ² = \(fit.variance) ± \(fit.varianceError) (truth \(1.0 / 192)), A = \(fit.area) ± \(fit.areaError)")
    #expect(abs(fit.variance * 192 - 1) < 0.02)
    #expect(abs(fit.area - 1) < 0.02)
  }

  @Test("The MP fit is scale-free: eigenvalues × 1e-14 give σ² × 1e-14 and the same A (the Jacobian's steps stay above σ² = 0)")
  func marchenkoPasturScale() throws {
    let x = Self.wishart.prefix(200).flatMap { $0 }
    let fit = try SpectralFit.marchenkoPastur(x, rows: 64, columns: 16)
    let tiny = try SpectralFit.marchenkoPastur(x.map { $0 * 1e-14 }, rows: 64, columns: 16)
    #expect(abs(tiny.variance / (fit.variance * 1e-14) - 1) < 1e-6)
    #expect(abs(tiny.area - fit.area) < 1e-6)
  }

  @Test("MP bulk plus a 20 % tail far above x₊: A = 0.8 and 20 % outside, σ² unchanged, within 2 %")
  func marchenkoPasturArea() throws {
    var rng = Xoshiro256StarStar(seed: 7)
    // Each sample: its 16 MP eigenvalues and 4 values from a far tail (a stand-in for learned structure).
    let x = Self.wishart.flatMap { $0 + (0..<4).map { _ in 2 + 3 * rng.uniform() } }
    let fit = try SpectralFit.marchenkoPastur(x, rows: 64, columns: 16)
    print("MP fit with tail: σ² = \(fit.variance), A = \(fit.area), outside = \(fit.fractionAboveEdge)")
    #expect(abs(fit.variance * 192 - 1) < 0.02)
    #expect(abs(fit.area / 0.8 - 1) < 0.02)
    #expect(abs(fit.fractionAboveEdge - 0.2) < 0.01)
  }

  @Test("GOE: ⟨r̃⟩ within 1 % of 0.5307; unfolded spacings match the surmise, not Poisson")
  func goeSpacings() throws {
    var rng = Xoshiro256StarStar(seed: 1)
    var ratios: [Double] = [], polynomial: [Double] = [], kernel: [Double] = []
    var spectra: [[Double]] = []
    for _ in 0..<120 {
      let x = try goeEigenvalues(160, rng: &rng)
      spectra.append(x)
      ratios += SpacingRatio.ratios(x)
      // Bulk only: the polynomial staircase fit is poor within a few levels of the edges.
      polynomial += normalizedSpacings(Array(Unfolding.polynomial(degree: 9).unfold(x)[40..<120]))
      kernel += normalizedSpacings(Array(Unfolding.gaussianKernel(bandwidth: nil).unfold(x)[40..<120]))
    }
    let r = mean(ratios)
    print("GOE ⟨r̃⟩ = \(r) (large-N value \(SpacingRatio.goe)) from \(ratios.count) ratios")
    #expect(abs(r / SpacingRatio.goe - 1) < 0.01)
    for (name, s) in [("polynomial", polynomial), ("kernel", kernel)] {
      let ks = KolmogorovSmirnov(s, cdf: WignerSurmise.goe.cdf)
      let poisson = KolmogorovSmirnov(s, cdf: WignerSurmise.poissonCDF)
      print("GOE \(name) unfolding: KS to surmise \(ks.distance), to Poisson \(poisson.distance), ⟨s²⟩ = \(mean(s.map { $0 * $0 }))")
      #expect(ks.distance < 0.03)
      #expect(poisson.distance > 0.2)
    }
    let ensemble = Unfolding.ensemble(spectra).flatMap { normalizedSpacings(Array($0[40..<120])) }
    #expect(KolmogorovSmirnov(ensemble, cdf: WignerSurmise.goe.cdf).distance < 0.03)
  }

  @Test("Ensemble unfolding of 16-level GOE spectra: biased for a few spectra, the surmise from ten on")
  func ensembleUnfoldingNeedsSpectra() throws {
    // Between two levels of one spectrum lie a whole number of the others' levels, so with R
    // spectra the pooled CDF puts unfolded spacings on a lattice of step 1/R. Measured (30 000
    // spacings each): KS to the surmise 0.22 (R = 2), 0.06 (5), 0.016 (10), 0.006 (20, 50).
    // Why GPTExperiment.minimumSpacingRuns is 10.
    var rng = Xoshiro256StarStar(seed: 4)
    func spacings(spectra r: Int) throws -> [Double] {
      var s: [Double] = []
      for _ in 0..<(600 / r) {
        let spectra = try (0..<r).map { _ in try goeEigenvalues(16, rng: &rng) }
        for u in Unfolding.ensemble(spectra) { s += normalizedSpacings(u) }
      }
      return s
    }
    let few = try spacings(spectra: 2), ten = try spacings(spectra: 10)
    #expect(KolmogorovSmirnov(few, cdf: WignerSurmise.goe.cdf).distance > 0.15)
    #expect(KolmogorovSmirnov(ten, cdf: WignerSurmise.goe.cdf).distance < 0.035)
    #expect(abs(mean(ten.map { $0 * $0 }) - 4 / Double.pi) < 0.04)
  }

  @Test("Poisson levels: ⟨r̃⟩ = 2 ln 2 − 1 within 1 %, spacings exponential, Σ²(L) ≈ L")
  func poisson() {
    var rng = Xoshiro256StarStar(seed: 2)
    var ratios: [Double] = [], spacings: [Double] = [], sigma2: [Double] = []
    for _ in 0..<100 {
      let x = poissonLevels(400, rng: &rng)
      ratios += SpacingRatio.ratios(x)
      spacings += normalizedSpacings(Unfolding.polynomial(degree: 1).unfold(x))
      sigma2.append(numberVariance(x, length: 5))
    }
    print("Poisson ⟨r̃⟩ = \(mean(ratios)) (exact \(SpacingRatio.poisson)); Σ²(5) = \(mean(sigma2))")
    #expect(abs(mean(ratios) / SpacingRatio.poisson - 1) < 0.01)
    #expect(KolmogorovSmirnov(spacings, cdf: WignerSurmise.poissonCDF).distance < 0.02)
    #expect(abs(mean(sigma2) / 5 - 1) < 0.1)
  }

  @Test("Two-level Coulomb gas sampled exactly: U₄ = −4/27 within errors; fits return σ")
  func twoLevelGas() throws {
    let truth = TwoLevelCoulombGas(center: 4.381966, sigma: 0.05)
    var rng = Xoshiro256StarStar(seed: 27)
    var pairs: [(Double, Double)] = []
    for _ in 0..<20_000 { pairs.append(truth.sample(using: &rng)) }
    let pooled = pairs.flatMap { [$0.0, $0.1] }
    // Resample pairs (the independent unit), not single eigenvalues.
    let binder = bootstrap(pairs, resamples: 300, seed: 4) { binderCumulant($0.flatMap { [$0.0, $0.1] }) }
    print("two-level U₄ = \(binder.value) ± \(binder.standardError) (truth \(-4.0 / 27))")
    #expect(abs(binder.value - TwoLevelCoulombGas.binderCumulant) < 4 * binder.standardError)
    #expect(binder.standardError < 0.01)
    let lsq = try SpectralFit.twoLevel(pooled)
    let ml = try SpectralFit.twoLevel(pooled, method: .maximumLikelihood)
    print("two-level σ: histogram \(lsq.parameters[1]) ± \(lsq.errors[1]), likelihood \(ml.parameters[1]) ± \(ml.errors[1]) (truth 0.05)")
    #expect(abs(lsq.parameters[1] - 0.05) < 4 * lsq.errors[1])
    #expect(abs(ml.parameters[1] - 0.05) < 4 * ml.errors[1])
    #expect(abs(ml.parameters[0] - truth.center) < 4 * ml.errors[0])
    let spacings = pairs.map { abs($0.0 - $0.1) }
    let s = Moments(spacings)
    #expect(abs(s.mean - truth.meanSpacing) < 4 * s.standardDeviation / 20_000.0.squareRoot())
    // The two-species fit of one-species data finds σ₁ ≈ σ₂ ≈ σ.
    let two = try SpectralFit.twoSpecies(pooled, method: .maximumLikelihood)
    #expect(abs(two.parameters[1] - 0.05) < 0.005 && abs(two.parameters[2] - 0.05) < 0.005)
  }

  @Test("Degenerate pairs are identified by sorting but pooled, not split into lower/upper")
  func degeneratePairs() {
    let spectra = [[5.0, 1, 3.2, 2.9, 7], [1.1, 3.0, 2.8, 5.2, 7.1]]
    let pairs = DegeneratePairs(spectra: spectra, pairs: [(1, 2)])
    #expect(pairs.spacings[0].map { ($0 * 1e12).rounded() / 1e12 } == [0.3, 0.2])
    #expect(pairs.pooled[0] == [2.9, 3.2, 2.8, 3.0])
  }

  @Test("Semicircle fit of a GOE spectrum returns R = 2√N")
  func semicircleFit() throws {
    var rng = Xoshiro256StarStar(seed: 31)
    var x: [Double] = []
    for _ in 0..<20 { x += try goeEigenvalues(200, rng: &rng) }
    let fit = try SpectralFit.semicircle(x)
    print("semicircle fit: R = \(fit.parameters[1]) ± \(fit.errors[1]) (large-N truth \(2 * 200.0.squareRoot()))")
    #expect(abs(fit.parameters[1] / (2 * 200.0.squareRoot()) - 1) < 0.02)
    #expect(abs(fit.parameters[0]) < 0.3)
  }
}
