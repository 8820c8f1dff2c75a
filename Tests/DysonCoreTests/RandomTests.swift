import Foundation
import Testing
@testable import DysonCore
import DysonTestSupport

@Suite("xoshiro256**, split streams and samplers")
struct RandomTests {
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

@Suite("Normals in pairs")
struct PairedNormalTests {
  @Test("fillNormal equals the polar method taken one pair at a time, values and final state", arguments: [1, 7, 8, 9, 64, 1001])
  func fillMatchesScalar(count: Int) {
    var fast = Xoshiro256StarStar(seed: 5, stream: 2)
    var buffer = [Double](repeating: 0, count: count)
    buffer.withUnsafeMutableBufferPointer { fast.fillNormal($0, mean: 1, standardDeviation: 2) }
    var slow = Xoshiro256StarStar(seed: 5, stream: 2)
    var reference: [Double] = []
    while reference.count < count {
      let u = 2 * slow.uniform() - 1, v = 2 * slow.uniform() - 1
      let s = u * u + v * v
      guard s < 1 && s > 0 else { continue }
      let f = (-2 * log(s) / s).squareRoot()     // libm's log: the portable one must agree to ~1 ulp
      reference.append(1 + 2 * u * f)
      if reference.count < count { reference.append(1 + 2 * v * f) }
    }
    #expect(zip(buffer, reference).allSatisfy { abs($0 - $1) <= 1e-14 * max(1, abs($1)) })
    #expect(fast == slow)
  }
}
