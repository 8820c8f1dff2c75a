// Gaussian sampling. Goals, in order: the same numbers on every machine, exact in distribution,
// fast. `normal()` is the ziggurat (Ziggurat.swift), 3–4× faster than Marsaglia's polar method
// (Marsaglia & Bray, SIAM Review 6(3), 1964), which stays as `normalPolar()`, the reference.
// Box–Muller would need cos and sin, whose last bit differs between libm implementations; both
// methods here need only `portableLog`/`portableExp`, plain IEEE arithmetic, so the normals are
// bit-identical across platforms (Swift does not contract a·b + c into an FMA).

extension Xoshiro256StarStar {
  /// A standard normal by Marsaglia's polar method: the reference the ziggurat (`normal()`) is
  /// tested against. Draws pairs and keeps the first.
  @inlinable public mutating func normalPolar() -> Double {
    while true {
      let u = 2 * uniform() - 1
      let v = 2 * uniform() - 1
      let s = u * u + v * v
      if s < 1 && s > 0 {
        return u * (-2 * portableLog(s) / s).squareRoot()
      }
    }
  }

  /// N(mean, standardDeviation²).
  @inlinable public mutating func normal(mean: Double, standardDeviation: Double) -> Double {
    mean + standardDeviation * normal()
  }

  /// Fills `buffer` with N(mean, sd²) values (ziggurat), converted to the buffer's scalar type.
  @inlinable public mutating func fillNormal<Scalar: DysonScalar>(
    _ buffer: UnsafeMutableBufferPointer<Scalar>, mean: Double = 0, standardDeviation: Double = 1
  ) {
    let tables = ZigguratTables.shared
    var local = self   // a local copy keeps the generator's state in registers
    for i in 0..<buffer.count { buffer[i] = Scalar(mean + standardDeviation * local.normal(tables: tables)) }
    self = local
  }

  /// Fills `out` with N(0, 1) vectors whose lane k is the next normal of `lanes.k`: four
  /// independent streams for kernels that run four simulations in the lanes of one vector. Each
  /// lane's numbers are exactly what `fillNormal` on that generator alone would give.
  @inlinable public static func fillNormal(
    _ out: UnsafeMutableBufferPointer<SIMD4<Double>>,
    lanes: inout (Xoshiro256StarStar, Xoshiro256StarStar, Xoshiro256StarStar, Xoshiro256StarStar)
  ) {
    let tables = ZigguratTables.shared
    var (g0, g1, g2, g3) = lanes   // local copies keep the states in registers
    for k in 0..<out.count {
      out[k] = SIMD4(0 + 1 * g0.normal(tables: tables), 0 + 1 * g1.normal(tables: tables),
                     0 + 1 * g2.normal(tables: tables), 0 + 1 * g3.normal(tables: tables))  // as fillNormal: −0 → +0
    }
    lanes = (g0, g1, g2, g3)
  }

  /// A uniform value in [lower, upper).
  @inlinable public mutating func uniform(in lower: Double, _ upper: Double) -> Double {
    lower + (upper - lower) * uniform()
  }
}

/// ln x for finite x > 0 in IEEE arithmetic only (no libm), accurate to about 1 ulp.
///
/// x = 2ᵉ·m with m ∈ [√½, √2); ln m = 2·atanh(t), t = (m − 1)/(m + 1), |t| ≤ 0.1716; the odd
/// series 2(t + t³/3 + … + t²³/23) has its first omitted term below 2⁻⁶⁰ relative.
@inlinable public func portableLog(_ x: Double) -> Double {
  precondition(x > 0 && x.isFinite, "portableLog needs finite x > 0, got \(x)")
  var e = Double(x.exponent)
  var m = x.significand  // in [1, 2)
  if m > 1.4142135623730951 { m *= 0.5; e += 1 }
  let t = (m - 1) / (m + 1)
  let t2 = t * t
  var series = 1.0 / 23
  var k = 21.0
  while k >= 1 { series = 1 / k + t2 * series; k -= 2 }
  return e * 0.6931471805599453 + 2 * t * series
}
