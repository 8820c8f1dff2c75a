import Testing
import DysonCore

@Suite("Square roots without the errno branch") struct SquareRootTests {
  /// Edge cases, then random bit patterns of every exponent (NaNs and infinities included).
  static func inputs<F: BinaryFloatingPoint>(_: F.Type, random count: Int) -> [F] where F.RawSignificand: FixedWidthInteger {
    var g = Xoshiro256StarStar(seed: 3)
    var xs: [F] = [0, -0, 1, -1, 2, 4, 0.25, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .leastNormalMagnitude,
                   .greatestFiniteMagnitude, -.leastNonzeroMagnitude, F(1).nextUp, F(1).nextDown]
    for _ in 0..<count {
      let bits = g.next()
      let exponent = F.RawExponent(truncatingIfNeeded: bits >> 40) & F.RawExponent((1 << F.exponentBitCount) - 1)
      xs.append(F(sign: bits & 1 == 0 ? .plus : .minus, exponentBitPattern: exponent,
                  significandBitPattern: F.RawSignificand(truncatingIfNeeded: bits >> 2) & ((1 << F.significandBitCount) - 1)))
    }
    return xs
  }

  /// Equal to `squareRoot()`, NaN exactly where it gives NaN.
  static func same<F: BinaryFloatingPoint>(_ a: F, _ b: F) -> Bool { a.isNaN ? b.isNaN : a == b && a.sign == b.sign }

  @Test("Double and SIMD4/SIMD8<Double>: squareRoot()'s values for every input")
  func double() {
    let xs = Self.inputs(Double.self, random: 100_000)
    #expect(xs.allSatisfy { Self.same($0.squareRootWithoutErrno(), $0.squareRoot()) })
    for start in stride(from: 0, to: xs.count - 8, by: 8) {
      let v = SIMD8<Double>(xs[start..<(start + 8)]), r = v.squareRootWithoutErrno()
      let h = SIMD4<Double>(xs[start..<(start + 4)]).squareRootWithoutErrno()
      for i in 0..<8 { #expect(Self.same(r[i], xs[start + i].squareRoot()), "\(xs[start + i])") }
      for i in 0..<4 { #expect(Self.same(h[i], xs[start + i].squareRoot()), "\(xs[start + i])") }
    }
  }

  @Test("Float and SIMD8<Float>: squareRoot()'s values for every input")
  func float() {
    let xs = Self.inputs(Float.self, random: 100_000)
    #expect(xs.allSatisfy { Self.same($0.squareRootWithoutErrno(), $0.squareRoot()) })
    for start in stride(from: 0, to: xs.count - 8, by: 8) {
      let r = SIMD8<Float>(xs[start..<(start + 8)]).squareRootWithoutErrno()
      for i in 0..<8 { #expect(Self.same(r[i], xs[start + i].squareRoot()), "\(xs[start + i])") }
    }
  }
}
