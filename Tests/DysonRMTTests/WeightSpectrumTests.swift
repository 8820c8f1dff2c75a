import Foundation
import Testing
import DysonCore
import DysonIO
@testable import DysonRMT

/// `WeightSpectrum` (what `dyson spectrum` reports) on matrices whose singular values are chosen.
@Suite("Weight spectra: norms, ranks, entropy, convolution slices and the shuffled comparison")
struct WeightSpectrumTests {
  /// U diag(s) Vᵀ with Haar U (m × m, first n columns) and V (n × n): singular values exactly s.
  static func matrix(singularValues s: [Double], rows m: Int, seed: UInt64) throws -> Matrix<Double> {
    var rng = Xoshiro256StarStar(seed: seed)
    let n = s.count
    let u = Matrix<Double>.randomOrthogonal(size: m, using: &rng), v = Matrix<Double>.randomOrthogonal(size: n, using: &rng)
    let us = Matrix<Double>(rows: m, columns: n) { i, k in u[i, k] * s[k] }
    return try Matrix.product(us, .normal, v, .transposed)
  }

  @Test("Known singular values: eigenvalues, the norms in both conventions, α̂, rank and entropy")
  func knownSingularValues() throws {
    let s: [Double] = [5, 3, 2, 1.5, 1.2, 1, 0.9, 0.8, 0.6, 0.5, 0.4, 0.3]
    let w = try Self.matrix(singularValues: s, rows: 40, seed: 3)
    let spectrum = try WeightSpectrum(weights: w.transposed())   // orientation must not matter
    let x = s.map { $0 * $0 }
    #expect(spectrum.rows == 40 && spectrum.columns == 12 && spectrum.slices == 1)
    for (a, b) in zip(spectrum.eigenvalues, x.sorted()) { #expect(abs(a - b) <= 1e-12 * 25) }
    let total = x.reduce(0, +)
    #expect(abs(spectrum.spectralNorm - 5) < 1e-12)
    #expect(abs(spectrum.lambdaMax - 25) < 1e-11)
    #expect(abs(spectrum.logNorm - log10(total)) < 1e-12)
    #expect(abs(spectrum.logSpectralNorm - log10(25)) < 1e-12)
    #expect(abs(spectrum.stableRank - total / 25) < 1e-12)
    #expect(spectrum.matrixRank == 12)
    let entropy = -x.reduce(0) { $0 + ($1 / total) * log($1 / total) } / log(12)
    #expect(abs(spectrum.entropy - entropy) < 1e-12)
    let p = try #require(spectrum.powerLaw)
    #expect(abs(try #require(spectrum.alphaWeighted) - p.alpha * log10(25)) < 1e-12)
    #expect(abs(try #require(spectrum.logAlphaNorm) - log10(x.reduce(0) { $0 + pow($1, p.alpha) })) < 1e-12)
  }

  @Test("WeightWatcher's warning: over-trained below α = 2, under-trained above 6, none between",
        arguments: [(1.5, "over-trained"), (4.0, ""), (10.0, "under-trained")] as [(Double, String)])
  func trainingWarning(alpha: Double, expected: String) throws {
    // Eigenvalues at the quantiles of a Pareto density ∝ x^(−α) on x ≥ 1: x_k = (1 − q_k)^(−1/(α − 1)).
    let n = 80
    let x = (0..<n).map { k in pow(1 - (Double(k) + 0.5) / Double(n), -1 / (alpha - 1)) }
    let spectrum = try WeightSpectrum(weights: Self.matrix(singularValues: x.map { $0.squareRoot() }, rows: 100, seed: 12),
                                      randomSeed: nil)
    let fitted = try #require(spectrum.powerLaw).alpha
    #expect(abs(fitted - alpha) < 0.25 * alpha, "fitted α = \(fitted)")
    #expect(spectrum.trainingWarning == (fitted < 2 ? "over-trained" : fitted > 6 ? "under-trained" : ""))
    #expect(spectrum.trainingWarning == expected)
  }

  @Test("Rank: exact zeros drop out; a singular value at 1e-9 of the largest counts when the SVD resolves it (short side ≤ 64)")
  func rankAndPrecision() throws {
    let s: [Double] = [4, 2, 1, 0.5, 0.25, 4e-9, 0, 0]
    let w = try Self.matrix(singularValues: s, rows: 30, seed: 5)
    #expect(try WeightSpectrum(weights: w, randomSeed: nil).matrixRank == 6)
    // Through the Gram matrix (short side 70 > 64), x = σ² is accurate only to ≈ M·ε·x_max: σ = 1e-9
    // is below what that route resolves (x = 1e-18 against a tolerance of ≈ 1e-13) and is not counted.
    let wide = try Self.matrix(singularValues: [Double](repeating: 1, count: 60) + [1e-9] + [Double](repeating: 0, count: 9), rows: 80, seed: 8)
    let gram = try WeightSpectrum(weights: wide, randomSeed: nil)
    #expect(gram.matrixRank == 60 && gram.rankTolerance > 1e-16 && gram.rankTolerance < 1e-12, "rank \(gram.matrixRank), tolerance \(gram.rankTolerance)")
    // Equal singular values: uniform p, entropy exactly 1; rank one: entropy 0.
    let flat = try WeightSpectrum(weights: Self.matrix(singularValues: [Double](repeating: 3, count: 10), rows: 20, seed: 6))
    #expect(abs(flat.entropy - 1) < 1e-12 && flat.matrixRank == 10)
    let one = try WeightSpectrum(weights: Self.matrix(singularValues: [7] + [Double](repeating: 0, count: 9), rows: 20, seed: 7))
    #expect(one.matrixRank == 1 && one.entropy == 0)
  }

  @Test("Half precision: F16 and BF16 copies have the F32 original's rank, an entropy within their rounding, never above 1",
        arguments: [(128, 96), (300, 200), (64, 512)])
  func halfPrecisionCopies(rows: Int, columns: Int) throws {
    var rng = Xoshiro256StarStar(seed: UInt64(rows * columns))
    let original = Matrix<Double>(rows: rows, columns: columns) { _, _ in Double(Float(rng.normal() * 0.05)) }
    let reference = try WeightSpectrum(weights: original, randomSeed: nil)
    for type in [StoredDType.float16, .bfloat16] {
      let name = type.rawValue
      let copy = try WeightSpectrum(weights: original.map(type.rounded), randomSeed: nil)
      #expect(copy.matrixRank == reference.matrixRank, "\(name): rank \(copy.matrixRank) vs \(reference.matrixRank)")
      #expect(copy.entropy <= 1 && abs(copy.entropy - reference.entropy) < 1e-3, "\(name): entropy \(copy.entropy) vs \(reference.entropy)")
    }
  }

  @Test("A kernel stored as Keras does (kh × kw × in × out) gives the PyTorch layout's results to the bit")
  func kernelLayouts() throws {
    let (out, inputs, kh, kw) = (7, 5, 3, 2)
    var rng = Xoshiro256StarStar(seed: 21)
    let torch = (0..<(out * inputs * kh * kw)).map { _ in rng.normal() }
    // T[o, c, i, j] moved to [i, j, c, o].
    var keras = [Double](repeating: .nan, count: torch.count)
    for o in 0..<out { for c in 0..<inputs { for i in 0..<kh { for j in 0..<kw {
      keras[((i * kw + j) * inputs + c) * out + o] = torch[((o * inputs + c) * kh + i) * kw + j]
    } } } }
    let a = try WeightSpectrum(kernel: torch, shape: [out, inputs, kh, kw], randomSeed: 4)
    let b = try WeightSpectrum(kernel: keras, shape: [kh, kw, inputs, out], layout: .hwio, randomSeed: 4)
    #expect(a.eigenvalues == b.eigenvalues && a.slices == 6 && b.slices == 6 && a.ratioMean == b.ratioMean)
    #expect(a.randomized?.eigenvalues == b.randomized?.eigenvalues && a.randomized?.distance == b.randomized?.distance)
    #expect(a.marchenkoPastur?.variance == b.marchenkoPastur?.variance && a.powerLaw?.alpha == b.powerLaw?.alpha)
    #expect(WeightSpectrum.KernelLayout.hwio.dimensions([kh, kw, inputs, out]) == (out, inputs, kh * kw))
  }

  @Test("A convolution kernel (out × in × kh × kw): kh·kw slices pool their eigenvalues; ⟨r̃⟩ is taken per slice")
  func convolutionSlices() throws {
    // Slice t = (t + 1)·diag(1, 2, 3, 4) in its top 4 × 4 block (6 × 4): eigenvalues ((t + 1)k)².
    let (out, inputs, kh, kw) = (6, 4, 3, 2)
    var values = [Double](repeating: 0, count: out * inputs * kh * kw)
    for t in 0..<(kh * kw) { for k in 0..<4 { values[(k * inputs + k) * kh * kw + t] = Double((t + 1) * (k + 1)) } }
    let spectrum = try WeightSpectrum(kernel: values, shape: [out, inputs, kh, kw], randomSeed: nil)
    #expect(spectrum.slices == 6 && spectrum.rows == 6 && spectrum.columns == 4)
    let expected = (1...6).flatMap { t in (1...4).map { k in Double(t * t * k * k) } }.sorted()
    #expect(spectrum.eigenvalues.count == 24)
    for (a, b) in zip(spectrum.eigenvalues, expected) { #expect(abs(a - b) <= 1e-12 * 576) }
    #expect(abs(spectrum.spectralNorm - 24) < 1e-12)
    // Each slice: levels ∝ 1, 4, 9, 16, spacings 3, 5, 7, ratios 3/5 and 5/7, whatever its scale.
    #expect(abs(spectrum.ratioMean - (3.0 / 5 + 5.0 / 7) / 2) < 1e-12)
  }

  @Test("Jensen–Shannon distance: 0 for the same sample, 1 for disjoint ones, symmetric")
  func jensenShannon() {
    let a = [0.1, 0.4, 0.5, 0.9, 1.3], b = [7.0, 7.5, 8.0]
    #expect(RandomizedSpectrum.jensenShannonDistance(a, a) == 0)
    #expect(abs(RandomizedSpectrum.jensenShannonDistance(a, b) - 1) < 1e-9)
    let c = [0.2, 0.6, 1.0, 1.1]
    #expect(RandomizedSpectrum.jensenShannonDistance(a, c) == RandomizedSpectrum.jensenShannonDistance(c, a))
  }

  @Test("Shuffled W: an i.i.d. matrix stays close and has no trap; one large entry is a trap; a low-rank W is far from its shuffle")
  func shuffledComparison() throws {
    var rng = Xoshiro256StarStar(seed: 11)
    let iid = Matrix<Double>.gaussian(rows: 400, columns: 100, mean: 0, standardDeviation: 1, using: &rng)
    let plain = try #require(try WeightSpectrum(weights: iid, randomSeed: 1).randomized)
    // The shuffled i.i.d. matrix is another draw of the same law: MP, largest eigenvalue near
    // (√399 + √100)² ≈ 906, below the threshold (s²(μ + 4σ) ≈ 963).
    #expect(plain.traps == 0 && plain.lambdaMax < plain.trapThreshold)
    #expect(abs(plain.trapThreshold / 963 - 1) < 0.02)
    // One entry of 40σ: its spike (≈ (1600 + 400)(1600 + 100)/1600 ≈ 2100) moves with the entry.
    var planted = iid
    planted[123, 45] = 40
    let trapped = try #require(try WeightSpectrum(weights: planted, randomSeed: 1).randomized)
    #expect(trapped.traps == 1 && trapped.lambdaMax > 1900)
    // W = 30·uvᵀ/|u||v| + 0.01·G: the original has one level at 900 and 99 near 1e-2²·400; the
    // shuffle spreads the rank-one part over every entry, so its bulk sits between.
    let u = (0..<400).map { _ in rng.normal() }, v = (0..<100).map { _ in rng.normal() }
    let scale = 30 / (u.reduce(0) { $0 + $1 * $1 } * v.reduce(0) { $0 + $1 * $1 }).squareRoot()
    let lowRank = Matrix<Double>(rows: 400, columns: 100) { i, j in scale * u[i] * v[j] + 0.01 * iid[i, j] }
    let far = try #require(try WeightSpectrum(weights: lowRank, randomSeed: 1).randomized)
    print("shuffle: i.i.d. distance \(plain.distance), λ_max \(plain.lambdaMax) (threshold \(plain.trapThreshold)); planted λ_max \(trapped.lambdaMax); low rank distance \(far.distance)")
    #expect(plain.distance < 0.15)
    #expect(far.distance > 0.9)
    // A single column: its shuffle is a permutation of the same vector, so the same spectrum.
    let column = Matrix<Double>(rows: 32, columns: 1) { i, _ in 0.3 + Double(i) * 0.01 }
    let unchanged = try #require(try WeightSpectrum(weights: column, randomSeed: 3).randomized)
    #expect(unchanged.distance == 0 && unchanged.traps == 0, "distance \(unchanged.distance)")
    let ww = try #require(try WeightSpectrum(weights: column, conventions: .weightWatcher, randomSeed: 3).randomized)
    #expect(ww.distance < 1e-7, "WeightWatcher's distance \(ww.distance)")
    // A mean well above the spread makes one spike in any shuffle: not a trap.
    let offset = iid.map { $0 + 3 }
    let shifted = try #require(try WeightSpectrum(weights: offset, randomSeed: 1).randomized)
    #expect(shifted.traps == 0 && shifted.lambdaMax > 3 * 3 * 400 * 100 * 0.9)
    // The same seed gives the same shuffle; another seed another one.
    #expect(try WeightSpectrum(weights: iid, randomSeed: 1).randomized?.eigenvalues == plain.eigenvalues)
    #expect(try WeightSpectrum(weights: iid, randomSeed: 2).randomized?.eigenvalues != plain.eigenvalues)
  }
}
