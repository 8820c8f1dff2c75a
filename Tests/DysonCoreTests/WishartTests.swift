import Testing
import DysonCore

/// Sample mean and variance of `xs`, and the standard errors of both (the second from the sample
/// fourth central moment: Var(s²) ≈ (m₄ − s⁴)/n).
private func moments(_ xs: [Double]) -> (mean: Double, variance: Double, meanError: Double, varianceError: Double) {
  let n = Double(xs.count)
  let mean = xs.reduce(0, +) / n
  let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
  let m4 = xs.reduce(0) { $0 + (($1 - mean) * ($1 - mean)) * (($1 - mean) * ($1 - mean)) } / n
  return (mean, variance, (variance / n).squareRoot(), ((m4 - variance * variance) / n).squareRoot())
}

@Suite("Gamma, χ and the Bartlett factor of a Wishart matrix")
struct WishartTests {
  @Test("Gamma(a): mean a, variance a, third central moment 2a", arguments: [1.0, 2.5, 27.0])
  func gammaMoments(shape a: Double) {
    var rng = Xoshiro256StarStar(seed: 5, stream: UInt64(a * 10))
    let xs = (0..<200_000).map { _ in rng.gamma(shape: a) }
    let m = moments(xs)
    #expect(abs(m.mean - a) < 4.5 * m.meanError, "mean \(m.mean) vs \(a)")
    #expect(abs(m.variance - a) < 4.5 * m.varianceError, "variance \(m.variance) vs \(a)")
    let n = Double(xs.count)
    let m3 = xs.reduce(0) { $0 + ($1 - m.mean) * ($1 - m.mean) * ($1 - m.mean) } / n
    // Var of the third central moment's estimate ≈ (μ₆ − μ₃² − 6μ₂μ₄ + 9μ₂³)/n; for Gamma(a) with
    // μ₂ = a, μ₃ = 2a, μ₄ = 3a² + 6a, μ₆ = 15a³ + 130a² + 120a that is (6a³ + 90a² + 120a)/n.
    let m3Error = ((6 * a * a * a + 90 * a * a + 120 * a) / n).squareRoot()
    #expect(abs(m3 - 2 * a) < 4.5 * m3Error, "third moment \(m3) vs \(2 * a)")
    #expect(xs.allSatisfy { $0 > 0 })
  }

  @Test("χ_d²: mean d and variance 2d; χ₁ is |N(0, 1)|", arguments: [1, 2, 7, 54])
  func chiSquaredMoments(degrees d: Int) {
    var rng = Xoshiro256StarStar(seed: 6, stream: UInt64(d))
    let xs = (0..<200_000).map { _ -> Double in let x = rng.chi(degrees: d); return x * x }
    let m = moments(xs)
    #expect(abs(m.mean - Double(d)) < 4.5 * m.meanError, "mean \(m.mean) vs \(d)")
    #expect(abs(m.variance - 2 * Double(d)) < 4.5 * m.varianceError, "variance \(m.variance) vs \(2 * d)")
  }

  /// RᵀR of the Bartlett factor against the Wishart moments: E[W] = m·1, Var W_ij = m (i ≠ j),
  /// Var W_ii = 2m; and R upper trapezoidal with min(m, n) rows and a positive diagonal.
  @Test("RᵀR has the moments of Wishart_n(m, 1), for m ≥ n and m < n", arguments: [(30, 5), (6, 10), (1, 3)] as [(Int, Int)])
  func bartlettIsWishart(degrees m: Int, size n: Int) {
    var rng = Xoshiro256StarStar(seed: 7, stream: UInt64(100 * m + n))
    let rows = min(m, n), draws = 40_000
    var r = [Double](repeating: .nan, count: rows * n)
    var samples = [[Double]](repeating: [], count: n * n)
    for _ in 0..<draws {
      r.withUnsafeMutableBufferPointer { rng.fillBartlettFactor($0.baseAddress!, degrees: m, size: n) }
      for i in 0..<rows {
        #expect(r[i * n + i] > 0)
        for j in 0..<i { #expect(r[i * n + j] == 0) }
      }
      for i in 0..<n { for j in 0..<n {
        var w = 0.0
        for k in 0..<rows { w += r[k * n + i] * r[k * n + j] }
        samples[i * n + j].append(w)
      } }
    }
    var worstMean = 0.0, worstVariance = 0.0
    for i in 0..<n { for j in 0..<n {
      let s = moments(samples[i * n + j])
      let mean = i == j ? Double(m) : 0, variance = Double(i == j ? 2 * m : m)
      worstMean = max(worstMean, abs(s.mean - mean) / s.meanError)
      worstVariance = max(worstVariance, abs(s.variance - variance) / s.varianceError)
    } }
    #expect(worstMean < 4.5, "largest mean deviation \(worstMean)σ")
    #expect(worstVariance < 4.5, "largest variance deviation \(worstVariance)σ")
  }

  @Test("A stride fills one lane of interleaved vectors with the unstrided numbers")
  func strideFillsOneLane() {
    var a = Xoshiro256StarStar(seed: 9), b = a
    var plain = [Double](repeating: 0, count: 4 * 4), strided = [Double](repeating: -1, count: 3 * 4 * 4)
    plain.withUnsafeMutableBufferPointer { a.fillBartlettFactor($0.baseAddress!, degrees: 12, size: 4) }
    strided.withUnsafeMutableBufferPointer { b.fillBartlettFactor($0.baseAddress! + 1, stride: 3, degrees: 12, size: 4) }
    #expect((0..<16).map { strided[3 * $0 + 1] } == plain)
    #expect((0..<16).allSatisfy { strided[3 * $0] == -1 && strided[3 * $0 + 2] == -1 })
    #expect(a == b)
  }
}
