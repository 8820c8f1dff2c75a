// The ziggurat method for normal variates (Marsaglia & Tsang, J. Stat. Softw. 5(8), 2000), with
// 256 layers of equal area v under f(x) = exp(−x²/2), x ≥ 0. One 64-bit draw gives the layer
// (8 bits), the sign (1 bit) and a 53-bit uniform (the top bits), so the layer and the position
// are independent (Doornik 2005's caution). 98.8 % of draws end after one multiply and compare.
//
// The tables are computed once, at first use, with IEEE arithmetic only (`portableLog`,
// `portableExp`, correctly rounded sqrt), so they — and the normals — are the same on every machine.

@usableFromInline
struct ZigguratTables: @unchecked Sendable {  // immutable after init, never freed
  /// Right edge of the base strip: the tail starts here (Marsaglia & Tsang's r for 256 layers).
  @usableFromInline static let r = 3.6541528853610088
  /// The common area of the layers, v = r·f(r) + ∫_r^∞ f.
  @usableFromInline static let v = 0.00492867323399
  /// x[0] = v/f(r) (the base strip's virtual width), x[1] = r, …, x[256] = 0.
  /// Raw pointers, not arrays: copying the tables into a draw then costs no reference counting
  /// (with arrays, the retains and releases took two thirds of a normal's time).
  @usableFromInline let x: UnsafePointer<Double>
  /// f[i] = exp(−x[i]²/2).
  @usableFromInline let f: UnsafePointer<Double>
  /// x[i]·2⁻⁵³: the fast path's u·x[i] with the 53-bit integer u in one multiply. Scaling by a
  /// power of two is exact, so the product rounds exactly as (u·2⁻⁵³)·x[i] did.
  @usableFromInline let xScaled: UnsafePointer<Double>

  @usableFromInline static let shared = ZigguratTables()

  init() {
    let r = Self.r, v = Self.v
    var x = [Double](repeating: 0, count: 257)
    x[0] = v / portableExp(-0.5 * r * r)
    x[1] = r
    // Layer i spans heights f(x[i])…f(x[i+1]) with width x[i]: x[i]·(f(x[i+1]) − f(x[i])) = v.
    for i in 1..<256 {
      let fi = portableExp(-0.5 * x[i] * x[i])
      let next = v / x[i] + fi
      x[i + 1] = next < 1 ? (-2 * portableLog(next)).squareRoot() : 0
    }
    x[256] = 0
    let xs = UnsafeMutablePointer<Double>.allocate(capacity: 257)
    let fs = UnsafeMutablePointer<Double>.allocate(capacity: 257)
    let scaled = UnsafeMutablePointer<Double>.allocate(capacity: 257)
    for i in 0...256 { xs[i] = x[i]; fs[i] = portableExp(-0.5 * x[i] * x[i]); scaled[i] = x[i] * 0x1.0p-53 }
    self.x = UnsafePointer(xs)
    f = UnsafePointer(fs)
    xScaled = UnsafePointer(scaled)
  }
}

extension Xoshiro256StarStar {
  /// A standard normal N(0, 1) by the ziggurat method; same numbers on every machine.
  @inlinable public mutating func normal() -> Double {
    normal(tables: ZigguratTables.shared)
  }

  /// The draw itself, with the tables passed in so that a loop fetches them once (each fetch of a
  /// `static let` is a `swift_once` call: 14 % of a draw). Only the common case is inlined; the
  /// rare one is a call, so that four draws side by side still fit the inliner's budget.
  @inlinable @inline(__always)
  mutating func normal(tables t: ZigguratTables) -> Double {
    let bits = next()
    let i = Int(truncatingIfNeeded: bits & 0xFF)
    let x = Double(bits >> 11) * t.xScaled[i]
    // The sign as an XOR of the sign bit: a branch on this random bit would mispredict half the
    // time (it cost 40 % of a draw).
    if x < t.x[i + 1] { return Double(bitPattern: x.bitPattern ^ ((bits & 0x100) << 55)) }   // inside the layer's core
    return normalOutsideCore(bits: bits, tables: t)
  }

  /// The 1.2 % of draws that miss a layer's core: the tail, the wedge, or a fresh draw.
  @usableFromInline @inline(never)
  mutating func normalOutsideCore(bits first: UInt64, tables t: ZigguratTables) -> Double {
    var bits = first
    while true {
      let i = Int(truncatingIfNeeded: bits & 0xFF)
      let sign = (bits & 0x100) << 55
      let x = Double(bits >> 11) * 0x1.0p-53 * t.x[i]
      if x < t.x[i + 1] { return Double(bitPattern: x.bitPattern ^ sign) }
      if i == 0 {
        // The tail beyond r (Marsaglia 1964): r + a with a = −ln U₁/r, accepted when 2b > a².
        while true {
          let a = -portableLog(uniformOpen()) / ZigguratTables.r
          let b = -portableLog(uniformOpen())
          if 2 * b > a * a { return Double(bitPattern: (ZigguratTables.r + a).bitPattern ^ sign) }
        }
      }
      // The wedge between the core and the layer's edge: accept under the curve, y < e^{−x²/2}.
      // A short polynomial (within 1.7e-7) settles all but the draws within 1e-6 of the curve; only
      // those pay for `portableExp`'s long dependent chain, so the decisions are exactly its.
      let y = t.f[i] + uniform() * (t.f[i + 1] - t.f[i])
      let exponent = -0.5 * x * x
      let estimate = wedgeCurveEstimate(exponent)
      if y < estimate * (1 - 1e-6) { return Double(bitPattern: x.bitPattern ^ sign) }
      if y <= estimate * (1 + 1e-6) && y < portableExp(exponent) { return Double(bitPattern: x.bitPattern ^ sign) }
      bits = next()
    }
  }
}

/// eᵗ for −6.7 ≤ t ≤ 0 (the wedge tests) within a relative 1.7e-7: t = k·ln 2 + s, |s| ≤ ½ln 2,
/// and eˢ by its Taylor polynomial to s⁶/6! (remainder ≤ |s|⁷/7!·e^|s|), evaluated in Estrin's
/// form so that its latency is three multiply-adds instead of `portableExp`'s fourteen.
@inlinable func wedgeCurveEstimate(_ t: Double) -> Double {
  let k = (t * 1.4426950408889634 + 0x1.8p52) - 0x1.8p52
  let s = t - k * 0.6931471805599453
  let s2 = s * s
  let p = (1 + s) + s2 * ((0.5 + s * (1.0 / 6)) + s2 * ((1.0 / 24 + s * (1.0 / 120)) + s2 * (1.0 / 720)))
  return p * Double(bitPattern: UInt64(1023 + Int(k)) << 52)
}

/// eˣ in IEEE arithmetic only (no libm), for |x| ≤ 700, within 2 ulp of libm: x = k·ln 2 + s,
/// |s| ≤ ½ln 2 (ln 2 split in two so that k·ln2_hi is exact), eˢ by its Taylor series to s¹⁴/14!
/// (first omitted term below 2⁻⁵⁶ relative), then scaled by 2ᵏ exactly.
@inlinable public func portableExp(_ x: Double) -> Double {
  precondition(x.isFinite && abs(x) <= 700, "portableExp needs |x| ≤ 700, got \(x)")
  let ln2Hi = 0.6931471803691238, ln2Lo = 1.9082149292705877e-10
  let k = (x * 1.4426950408889634 + 0x1.8p52) - 0x1.8p52   // round to nearest by the FPU, no libm call
  let s = (x - k * ln2Hi) - k * ln2Lo
  // Horner from the highest term: eˢ = 1 + s(1 + s/2(1 + s/3(… (1 + s/14)))), with the 1/n as
  // constants (fourteen dependent divisions made the wedge test 13 % of a Gibbs sweep).
  let inverse: (Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double) =
    (1.0 / 2, 1.0 / 3, 1.0 / 4, 1.0 / 5, 1.0 / 6, 1.0 / 7, 1.0 / 8, 1.0 / 9, 1.0 / 10, 1.0 / 11, 1.0 / 12, 1.0 / 13, 1.0 / 14)
  var p = 1 + s * inverse.12
  p = 1 + s * p * inverse.11
  p = 1 + s * p * inverse.10
  p = 1 + s * p * inverse.9
  p = 1 + s * p * inverse.8
  p = 1 + s * p * inverse.7
  p = 1 + s * p * inverse.6
  p = 1 + s * p * inverse.5
  p = 1 + s * p * inverse.4
  p = 1 + s * p * inverse.3
  p = 1 + s * p * inverse.2
  p = 1 + s * p * inverse.1
  p = 1 + s * p * inverse.0
  p = 1 + s * p
  return p * Double(bitPattern: UInt64(1023 + Int(k)) << 52)   // 2ᵏ, |k| ≤ 1010: a normal number
}
