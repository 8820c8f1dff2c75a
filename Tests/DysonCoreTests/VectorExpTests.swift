import DysonCore
import Foundation
import Testing

@Suite("Vector exp") struct VectorExpTests {
  /// Largest error in ulps of libm's value over an even grid of n points in [lo, hi].
  func worstUlps<T: DysonScalar>(_: T.Type, _ lo: Double, _ hi: Double, points n: Int, libm: (T) -> T) -> Double {
    var worst = 0.0
    for start in stride(from: 0, to: n, by: 8) {
      var x = SIMD8<T>()
      for lane in 0..<8 { x[lane] = T(lo + (hi - lo) * Double(start + lane) / Double(n - 1)) }
      let y = T.exp(x)
      for lane in 0..<8 {
        let truth = libm(x[lane])
        worst = max(worst, Double(abs(y[lane] - truth) / truth.ulp))
      }
    }
    return worst
  }

  @Test("Float: within 2 ulp of libm on [−87, 88]")
  func float() {
    #expect(worstUlps(Float.self, -87, 88, points: 200_000, libm: { Foundation.exp($0) }) <= 2)
    #expect(worstUlps(Float.self, -1, 1, points: 100_000, libm: { Foundation.exp($0) }) <= 2)
  }

  @Test("Double: within 2 ulp of libm on [−708, 709]")
  func double() {
    #expect(worstUlps(Double.self, -708, 709, points: 200_000, libm: { Foundation.exp($0) }) <= 2)
    #expect(worstUlps(Double.self, -1, 1, points: 100_000, libm: { Foundation.exp($0) }) <= 2)
  }

  @Test("exact at 0, e within an ulp, and the smallest normal for −∞ and large negative inputs")
  func edges() {
    let y = Float.exp(SIMD8<Float>(0, -.infinity, -1000, 1, -1, 10, -10, 0.5))
    #expect(y[0] == 1)
    #expect(y[1] >= 0 && y[1] <= Float.leastNormalMagnitude * 2)
    #expect(y[2] == y[1])
    #expect(abs(y[3] - Float(M_E)) <= Float(M_E).ulp)
  }
}
