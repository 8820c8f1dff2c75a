import DysonCore
import Foundation
import Testing
@testable import DysonRMT

/// `SpectralDynamics` on ensembles whose answers are known: Wishart spectra (MP with a chosen σ²),
/// GOE spectra (⟨r̃⟩ and the surmise), a planted spike, and shuffles of i.i.d. matrices.
@Suite("Spectral dynamics: MP fits with bootstrap errors, ⟨r̃⟩, λ_max, spacings and the shuffled distance over an ensemble")
struct SpectralDynamicsTests {
  /// Eigenvalues of WᵀW for W (m × n) with entries N(0, σ²), ascending.
  static func wishart(_ m: Int, _ n: Int, variance: Double, seed: UInt64, stream: UInt64) -> [Double] {
    let w = Matrix<Double>.gaussian(rows: m, columns: n, seed: seed, stream: stream).map { $0 * variance.squareRoot() }
    return try! SymmetricEigen(w.gram()).eigenvalues.map { max($0, 0) }
  }

  /// A series of `runs` runs, two steps (variance 1/m, then 2/m) and two groups (one matrix; two
  /// matrices) of 64 × 16.
  static func series(runs: Int, spike: Double? = nil, shuffled: Bool = false) throws -> SpectrumSeries {
    let (m, n) = (64, 16)
    var values: [[[[[Double]]]]] = []
    for r in 0..<runs {
      var steps: [[[[Double]]]] = []
      for (s, variance) in [1.0 / Double(m), 2.0 / Double(m)].enumerated() {
        let stream = UInt64(r * 100 + s * 10)
        var single = wishart(m, n, variance: variance, seed: 5, stream: stream)
        if let spike, s == 1 { single[n - 1] = spike; single.sort() }
        steps.append([[single], [wishart(m, n, variance: variance, seed: 6, stream: stream), wishart(m, n, variance: variance, seed: 7, stream: stream)]])
      }
      values.append(steps)
    }
    let groups = [SpectrumSeries.Group(name: "one", rows: m, columns: n, matrices: 1), SpectrumSeries.Group(name: "two", rows: m, columns: n, matrices: 2)]
    return try SpectrumSeries(steps: [0, 100], groups: groups, values: values, shuffled: shuffled ? values : nil)
  }

  @Test("MP fits recover σ² at both steps within their bootstrap errors; the errors match the spread over independent ensembles")
  func marchenkoPasturFits() throws {
    var options = SpectralDynamics.Options()
    options.resamples = 100
    let result = SpectralDynamics.analyse(try Self.series(runs: 40), options: options)
    try #require(result.points.count == 4)
    for p in result.points {
      let truth = (p.step == 0 ? 1.0 : 2.0) / 64
      let sigma2 = try #require(p.mpSigma2), error = try #require(p.mpSigma2Error)
      #expect(abs(sigma2 - truth) < 4 * error + 0.01 * truth, "\(p.group) step \(p.step): σ² \(sigma2) ± \(error) vs \(truth)")
      #expect(abs(try #require(p.mpArea) - 1) < 0.05 && p.mpStatus == "fitted")
    }
    // Independent ensembles: the spread of σ² over them against the bootstrap's error of one.
    var estimates: [Double] = []
    var reported: [Double] = []
    for e in 0..<6 {
      let values = (0..<40).map { r in [[[Self.wishart(64, 16, variance: 1.0 / 64, seed: 40 + UInt64(e), stream: UInt64(r))]]] }
      let single = try SpectrumSeries(steps: [0], groups: [.init(name: "w", rows: 64, columns: 16, matrices: 1)], values: values)
      let p = SpectralDynamics.analyse(single, options: options).points[0]
      estimates.append(p.mpSigma2!)
      reported.append(p.mpSigma2Error!)
    }
    let mean = estimates.reduce(0, +) / 6
    let spread = (estimates.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 5).squareRoot()
    let typical = reported.reduce(0, +) / 6
    // Six ensembles estimate a standard deviation to about ±30 %: a factor 2.5 either way is a real disagreement.
    #expect(spread < 2.5 * typical && spread > typical / 2.5, "spread \(spread) vs bootstrap \(typical)")
  }

  @Test("λ_max: the mean over runs of each run's largest; a planted spike moves it and the share above x₊")
  func largestEigenvalue() throws {
    let plain = SpectralDynamics.analyse(try Self.series(runs: 10))
    let spiked = SpectralDynamics.analyse(try Self.series(runs: 10, spike: 30))
    let p = try #require(spiked.point(group: "one", step: 100))
    #expect(p.lambdaMax == 30 && p.lambdaMaxError == 0)
    // MP's edge for σ² = 2/64 is (1 + ½)²·2 = 4.5: one of 16 eigenvalues above it in every run.
    #expect(abs(try #require(p.fractionAboveEdge) - 1.0 / 16) < 0.02, "\(p.fractionAboveEdge ?? .nan)")
    let q = try #require(plain.point(group: "one", step: 100))
    let series = try Self.series(runs: 10)
    let tops = (0..<10).map { series.spectra(run: $0, step: 1, group: 0)[0].last! }
    #expect(abs(q.lambdaMax - tops.reduce(0, +) / 10) < 1e-12 && q.lambdaMax < 5)
  }

  @Test("⟨r̃⟩ of GOE spectra is the GOE value within its error; ensemble-unfolded spacings follow the surmise")
  func ratiosAndSpacings() throws {
    // 30 runs of one 40 × 40 GOE matrix each (symmetric: N = M).
    let n = 40
    let values = (0..<30).map { r -> [[[[Double]]]] in
      var rng = Xoshiro256StarStar(seed: 11, stream: UInt64(r))
      let g = Matrix<Double>.gaussian(rows: n, columns: n, using: &rng)
      return [[[try! SymmetricEigen((g + g.transposed()) * 0.5).eigenvalues]]]
    }
    let series = try SpectrumSeries(steps: [7], groups: [.init(name: "goe", rows: n, columns: n, matrices: 1)], values: values)
    let result = SpectralDynamics.analyse(series)
    let p = result.points[0]
    #expect(abs(p.ratioMean - SpacingRatio.goe) < 4 * p.ratioMeanError + 0.01, "⟨r̃⟩ = \(p.ratioMean) ± \(p.ratioMeanError)")
    #expect(p.ratioCount == 30 * (n - 2))
    let spacings = try #require(result.spacings.first)
    #expect(spacings.step == 7 && spacings.all.count == 30 * (n - 1))
    let ks = KolmogorovSmirnov(spacings.bulk, cdf: WignerSurmise.goe.cdf)
    #expect(ks.pValue > 0.001, "KS distance \(ks.distance)")
    // Fewer spectra than the ensemble unfolding needs, each too short to unfold alone: no spacings.
    #expect(SpectralDynamics.analyse(series.runs(Array(0..<5))).spacings.isEmpty)
    // One run of 300 levels: unfolded on its own, and the bulk still follows the surmise.
    var rng = Xoshiro256StarStar(seed: 12)
    let g = Matrix<Double>.gaussian(rows: 300, columns: 300, using: &rng)
    let single = try SpectrumSeries(steps: [0], groups: [.init(name: "big", rows: 300, columns: 300, matrices: 1)],
                                    values: [[[[try SymmetricEigen((g + g.transposed()) * 0.5).eigenvalues]]]])
    let own = try #require(SpectralDynamics.analyse(single).spacings.first)
    #expect(own.unfolding == "own" && own.all.count == 299)
    let centre = Array(own.all[50..<250])   // the kernel staircase bends at the edges of the semicircle
    #expect(KolmogorovSmirnov(centre, cdf: WignerSurmise.goe.cdf).pValue > 0.001)
  }

  @Test("The shuffled distance: 0 when the shuffles are the spectra themselves")
  func shuffledDistance() throws {
    let result = SpectralDynamics.analyse(try Self.series(runs: 4, shuffled: true))
    for p in result.points { #expect(p.randDistance == 0) }
    #expect(SpectralDynamics.analyse(try Self.series(runs: 4)).points.allSatisfy { $0.randDistance == nil })
  }

  @Test("A series whose shapes do not agree is refused with the run, step and group named")
  func badShapes() throws {
    let group = SpectrumSeries.Group(name: "w", rows: 8, columns: 2, matrices: 1)
    #expect(throws: SpectrumSeriesError.self) { try SpectrumSeries(steps: [0, 1], groups: [group], values: [[[[[1, 2]]]]]) }
    do {
      _ = try SpectrumSeries(steps: [0], groups: [group], values: [[[[[1, 2]]]], [[[[1, 2, 3]]]]])
      Issue.record("accepted")
    } catch {
      #expect(error.description.contains("run 1, step 0, group w"), "\(error)")
    }
    let a = try SpectrumSeries(steps: [0], groups: [group], values: [[[[[1, 2]]]]])
    let b = try SpectrumSeries(steps: [5], groups: [group], values: [[[[[1, 2]]]]])
    #expect(throws: SpectrumSeriesError.self) { try SpectrumSeries.joining([a, b]) }
    #expect(try SpectrumSeries.joining([a, a]).runs == 2)
  }
}
