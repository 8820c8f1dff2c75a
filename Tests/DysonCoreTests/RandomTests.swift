import Foundation
import Testing
@testable import DysonCore
import DysonTestSupport

@Suite("xoshiro256**, split streams and samplers")
struct RandomTests {
  @Test("Shuffle: each of the 24 orders of 4 values equally likely (χ² and every count within 5σ)")
  func shuffleIsUniform() {
    var g = Xoshiro256StarStar(seed: 9)
    let draws = 24_000
    var counts: [[Int]: Int] = [:]
    for _ in 0..<draws {
      var v = [0, 1, 2, 3]
      g.shuffle(&v)
      counts[v, default: 0] += 1
    }
    #expect(counts.count == 24 && counts.keys.allSatisfy { $0.sorted() == [0, 1, 2, 3] })
    let expected = Double(draws) / 24, sigma = (expected * 23 / 24).squareRoot()
    #expect(counts.values.allSatisfy { abs(Double($0) - expected) < 5 * sigma }, "\(counts.values.sorted())")
    // χ² with 23 degrees of freedom: mean 23, standard deviation √46.
    let chiSquare = counts.values.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
    #expect(chiSquare < 23 + 5 * 46.0.squareRoot(), "χ² = \(chiSquare)")
  }

  @Test("Shuffle is Fisher–Yates on index(below:) = high word of next()·bound, fixed whatever the toolchain")
  func shuffleFollowsItsDefinition() {
    var g = Xoshiro256StarStar(seed: 5, stream: 2), reference = g
    var values = Array("abcdefg")
    g.shuffle(&values)
    // By hand: position i (6 down to 1) swaps with ⌊next()·(i + 1)/2⁶⁴⌋.
    var expected = Array("abcdefg")
    for i in stride(from: 6, through: 1, by: -1) {
      let j = Int((reference.next().multipliedFullWidth(by: UInt64(i + 1))).high)
      expected.swapAt(i, j)
    }
    #expect(values == expected)
    #expect(g == reference)   // six draws, no more
    // Fewer than two values draw nothing.
    var empty: [Int] = [], one = [7]
    g.shuffle(&empty)
    g.shuffle(&one)
    #expect(g == reference && one == [7])
    #expect((0..<1000).allSatisfy { _ in (0..<3).contains(g.index(below: 3)) })
  }

  @Test("Reference outputs of xoshiro256** from state (1, 2, 3, 4)")
  func referenceVector() {
    // The published algorithm's first outputs (as in the reference C code's test vectors).
    var g = Xoshiro256StarStar(state: (1, 2, 3, 4))
    #expect((0..<6).map { _ in g.next() } ==
            [11520, 0, 1_509_978_240, 1_215_971_899_390_074_240, 1_216_172_134_540_287_360, 607_988_272_756_665_600])
  }

  @Test func reproducibleAndStreamsDiffer() {
    var a = Xoshiro256StarStar(seed: 42, stream: 3), b = Xoshiro256StarStar(seed: 42, stream: 3)
    let x = (0..<100).map { _ in a.next() }
    #expect(x == (0..<100).map { _ in b.next() })
    // 10 000 streams of one seed, and 10 000 seeds of one stream: no two start alike.
    let firstOfStreams = Set((0..<10_000).map { s -> UInt64 in var g = Xoshiro256StarStar(seed: 42, stream: UInt64(s)); return g.next() })
    let firstOfSeeds = Set((0..<10_000).map { s -> UInt64 in var g = Xoshiro256StarStar(seed: UInt64(s), stream: 0); return g.next() })
    #expect(firstOfStreams.count == 10_000)
    #expect(firstOfSeeds.count == 10_000)
  }

  @Test("Neighbouring streams are uncorrelated (|r| < 5/√n)", arguments: [(0, 1), (1, 2), (7, 1007)] as [(UInt64, UInt64)])
  func streamIndependence(s1: UInt64, s2: UInt64) {
    var a = Xoshiro256StarStar(seed: 11, stream: s1), b = Xoshiro256StarStar(seed: 11, stream: s2)
    let n = 20_000
    var sxy = 0.0
    for _ in 0..<n { sxy += (a.uniform() - 0.5) * (b.uniform() - 0.5) }
    let r = sxy / Double(n) / (1.0 / 12)  // correlation coefficient of two U(0,1)
    #expect(abs(r) < 5 / Double(n).squareRoot(), "r = \(r)")
  }

  @Test("Uniform in [0, 1): mean 1/2 and variance 1/12 within 5σ")
  func uniformMoments() {
    var g = Xoshiro256StarStar(seed: 1)
    let n = 100_000
    let x = (0..<n).map { _ in g.uniform() }
    #expect(x.allSatisfy { $0 >= 0 && $0 < 1 })
    let mean = x.reduce(0, +) / Double(n)
    let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
    #expect(abs(mean - 0.5) < 5 * (1.0 / 12 / Double(n)).squareRoot())
    #expect(abs(variance - 1.0 / 12) < 5 * (1.0 / 180 / Double(n)).squareRoot())  // Var(s²) = (μ₄ − σ⁴)/n = 1/(180 n)
  }

  @Test("Normal: mean, variance, fourth moment and KS distance to Φ")
  func normalMoments() {
    var g = Xoshiro256StarStar(seed: 2, stream: 9)
    let n = 100_000
    let x = (0..<n).map { _ in g.normal() }
    let mean = x.reduce(0, +) / Double(n)
    let m2 = x.reduce(0) { $0 + $1 * $1 } / Double(n)
    let m4 = x.reduce(0) { $0 + $1 * $1 * $1 * $1 } / Double(n)
    #expect(abs(mean) < 5 / Double(n).squareRoot(), "mean \(mean)")
    #expect(abs(m2 - 1) < 5 * (2.0 / Double(n)).squareRoot(), "E x² = \(m2)")     // Var(x²) = 2
    #expect(abs(m4 - 3) < 5 * (96.0 / Double(n)).squareRoot(), "E x⁴ = \(m4)")    // Var(x⁴) = 105 − 9 = 96
    // Kolmogorov–Smirnov: √n·D exceeds 1.95 with probability 0.001.
    let sorted = x.sorted()
    var d = 0.0
    for (i, v) in sorted.enumerated() {
      let phi = 0.5 * erfc(-v / 2.0.squareRoot())
      d = max(d, abs(phi - Double(i) / Double(n)), abs(phi - Double(i + 1) / Double(n)))
    }
    #expect(Double(n).squareRoot() * d < 1.95, "√n·D = \(Double(n).squareRoot() * d)")
  }

  @Test("portableLog agrees with libm to 2 ulp")
  func portableLogAccuracy() {
    var g = Xoshiro256StarStar(seed: 3)
    let samples = (0..<20_000).map { _ in exp(g.uniform(in: -700, 700)) } + [1, 2, 0.5, 1e-300, 1e300, .leastNormalMagnitude, 1 + 1e-15]
    for x in samples {
      let want = Foundation.log(x), got = portableLog(x)
      #expect(abs(got - want) <= 2 * max(abs(want).ulp, Double.leastNonzeroMagnitude), "log(\(x)): \(got) vs \(want)")
    }
  }

  @Test("Haar orthogonal: QᵀQ = I and E[(tr Q)²] = 1")
  func haarOrthogonal() {
    var g = Xoshiro256StarStar(seed: 4)
    let q = Matrix<Double>.randomOrthogonal(size: 9, using: &g)
    #expect(orthogonalityError(q) < 1e-14)
    // For Haar measure on O(n), n ≥ 2, E[tr Q] = 0 and E[(tr Q)²] = 1 (Diaconis & Shahshahani 1994);
    // Q from an uncorrected QR is not Haar and fails this.
    let samples = 4000
    var t1 = 0.0, t2 = 0.0
    for _ in 0..<samples {
      let tr = try! Matrix<Double>.randomOrthogonal(size: 4, using: &g).trace()
      t1 += tr; t2 += tr * tr
    }
    #expect(abs(t1 / Double(samples)) < 5 / Double(samples).squareRoot())
    // Var((tr Q)²) = E tr⁴ − 1 = 3 − 1 = 2 for n ≥ 4.
    #expect(abs(t2 / Double(samples) - 1) < 5 * (2.0 / Double(samples)).squareRoot(), "E tr² = \(t2 / Double(samples))")
  }

  @Test func gaussianMatrixIsSeededAndScaled() {
    var g1 = Xoshiro256StarStar(seed: 5), g2 = Xoshiro256StarStar(seed: 5)
    let a = Matrix<Float>.gaussian(rows: 200, columns: 100, standardDeviation: 0.1, using: &g1)
    #expect(a == Matrix<Float>.gaussian(rows: 200, columns: 100, standardDeviation: 0.1, using: &g2))
    let variance = a.elements.reduce(0.0) { $0 + Double($1 * $1) } / Double(a.count)
    #expect(abs(variance - 0.01) < 5 * 0.01 * (2.0 / Double(a.count)).squareRoot())
  }

  @Test func stateRoundTripsThroughCodable() throws {
    var g = Xoshiro256StarStar(seed: 6, stream: 2)
    _ = g.next()
    let data = try JSONEncoder().encode(g)
    var h = try JSONDecoder().decode(Xoshiro256StarStar.self, from: data)
    #expect(g.next() == h.next())
    #expect(throws: DecodingError.self) { _ = try JSONDecoder().decode(Xoshiro256StarStar.self, from: Data("[0,0,0,0]".utf8)) }
  }
}

@Suite("fillNormal and the polar reference")
struct FillNormalTests {
  @Test("fillNormal gives exactly the numbers and final state of repeated normal() calls", arguments: [1, 7, 1001])
  func fillMatchesCalls(count: Int) {
    var fast = Xoshiro256StarStar(seed: 5, stream: 2)
    var buffer = [Double](repeating: 0, count: count)
    buffer.withUnsafeMutableBufferPointer { fast.fillNormal($0, mean: 1, standardDeviation: 2) }
    var slow = Xoshiro256StarStar(seed: 5, stream: 2)
    let reference = (0..<count).map { _ in 1 + 2 * slow.normal() }
    #expect(buffer.map(\.bitPattern) == reference.map(\.bitPattern))
    #expect(fast == slow)
  }

  @Test("Four lanes give each generator's own fillNormal numbers and final state, tails and wedges included")
  func lanesMatchScalar() {
    let seeds = (0..<4).map { Xoshiro256StarStar(seed: 11, stream: UInt64($0)) }
    var lanes = (seeds[0], seeds[1], seeds[2], seeds[3])
    var vectors = [SIMD4<Double>](repeating: .zero, count: 20_000)   // ~240 draws per lane miss the core
    vectors.withUnsafeMutableBufferPointer { Xoshiro256StarStar.fillNormal($0, lanes: &lanes) }
    let finals = [lanes.0, lanes.1, lanes.2, lanes.3]
    var beyondR = 0
    for k in 0..<4 {
      var g = seeds[k]
      var reference = [Double](repeating: 0, count: vectors.count)
      reference.withUnsafeMutableBufferPointer { g.fillNormal($0) }
      #expect(vectors.map { $0[k].bitPattern } == reference.map(\.bitPattern), "lane \(k)")
      #expect(finals[k] == g, "lane \(k) state")
      beyondR += reference.filter { abs($0) > 3.6541528853610088 }.count
    }
    #expect(beyondR > 0)   // P(|z| > r) = 2.6e-4: about 21 tail draws in 80 000
  }

  @Test("normalPolar is the polar method: equal to the formula with libm's log to 1e-14")
  func polar() {
    var a = Xoshiro256StarStar(seed: 8), b = Xoshiro256StarStar(seed: 8)
    for _ in 0..<1000 {
      let x = a.normalPolar()
      var y = Double.nan
      while true {
        let u = 2 * b.uniform() - 1, v = 2 * b.uniform() - 1
        let s = u * u + v * v
        if s < 1 && s > 0 { y = u * (-2 * log(s) / s).squareRoot(); break }
      }
      #expect(abs(x - y) <= 1e-14 * max(1, abs(y)))
    }
  }
}

@Suite("Ziggurat normals")
struct ZigguratTests {
  @Test("Every layer has area v; the recursion closes at the top")
  func layers() {
    let t = ZigguratTables.shared
    let v = ZigguratTables.v
    #expect(abs(t.x[0] * t.f[1] / v - 1) < 1e-12)                         // base strip: x₀·f(r) = v
    for i in 1..<255 { #expect(abs(t.x[i] * (t.f[i + 1] - t.f[i]) / v - 1) < 1e-9, "layer \(i)") }
    #expect(abs(t.x[255] * (1 - t.f[255]) / v - 1) < 1e-3)                 // r and v belong together
    #expect(t.x[255] > 0 && t.x[255] < 0.3)
  }

  @Test("portableExp agrees with libm's exp to 2 ulp")
  func exponential() {
    var rng = Xoshiro256StarStar(seed: 3)
    for _ in 0..<20_000 {
      let x = 1400 * rng.uniform() - 700
      let a = portableExp(x), b = Foundation.exp(x)
      #expect(abs(a - b) <= 2 * b.ulp, "exp(\(x))")
    }
  }

  @Test("The wedge's short polynomial is within 1.7e-7 of e^t: its ±1e-6 squeeze keeps portableExp's decisions")
  func wedgeEstimate() {
    // Every exponent a wedge test can see, −r²/2 < t ≤ 0, on a grid that also hits the ends of each
    // reduction interval (t = (k ± ½)·ln 2), where |s| is largest.
    let lowest = -0.5 * ZigguratTables.r * ZigguratTables.r
    var worst = 0.0
    var exponents = (0...200_000).map { lowest * Double($0) / 200_000 }
    for k in 0...10 { for d in [-1e-12, 0, 1e-12] { exponents.append(-(Double(k) + 0.5) * 0.6931471805599453 + d) } }
    for t in exponents where t >= lowest && t <= 0 {
      worst = max(worst, abs(wedgeCurveEstimate(t) / portableExp(t) - 1))
    }
    #expect(worst < 1.7e-7, "largest relative error \(worst)")
    #expect(worst > 1e-8)   // the bound is the Taylor remainder's, not slack: the grid reaches it
  }

  @Test("10⁶ normals: KS against Φ, tail mass beyond r, kurtosis")
  func distribution() {
    var rng = Xoshiro256StarStar(seed: 2026)
    let n = 1_000_000
    var x = [Double](repeating: 0, count: n)
    x.withUnsafeMutableBufferPointer { rng.fillNormal($0) }
    x.sort()
    var d = 0.0
    for (i, v) in x.enumerated() {
      let phi = 0.5 * erfc(-v / 2.0.squareRoot())
      d = max(d, Double(i + 1) / Double(n) - phi, phi - Double(i) / Double(n))
    }
    #expect(d < 1.63 / Double(n).squareRoot(), "KS distance \(d)")      // 1 % critical value
    let tail = x.filter { abs($0) > ZigguratTables.r }.count
    let expected = Double(n) * erfc(ZigguratTables.r / 2.0.squareRoot())
    #expect(abs(Double(tail) - expected) < 5 * expected.squareRoot(), "tail \(tail), expected \(expected)")
    let m2 = x.reduce(0) { $0 + $1 * $1 } / Double(n), m4 = x.reduce(0) { $0 + $1 * $1 * $1 * $1 } / Double(n)
    #expect(abs(m4 / (m2 * m2) - 3) < 5 * (24.0 / Double(n)).squareRoot())
  }
}
