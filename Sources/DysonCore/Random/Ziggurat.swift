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
    for i in 0...256 { xs[i] = x[i]; fs[i] = portableExp(-0.5 * x[i] * x[i]) }
    self.x = UnsafePointer(xs)
    f = UnsafePointer(fs)
  }
}

extension Xoshiro256StarStar {
  /// A standard normal N(0, 1) by the ziggurat method; same numbers on every machine.
  @inlinable public mutating func normal() -> Double {
    normal(tables: ZigguratTables.shared)
  }

  /// The draw itself, with the tables passed in so that a loop fetches them once (each fetch of a
  /// `static let` is a `swift_once` call: 14 % of a draw).
  @inlinable @inline(__always)
  mutating func normal(tables t: ZigguratTables) -> Double {
    while true {
      let bits = next()
      let i = Int(truncatingIfNeeded: bits & 0xFF)
      let negative = bits & 0x100 != 0
      let u = Double(bits >> 11) * 0x1.0p-53
      let x = u * t.x[i]
      if x < t.x[i + 1] { return negative ? -x : x }                 // inside the layer's core
      if i == 0 {
        // The tail beyond r (Marsaglia 1964): r + a with a = −ln U₁/r, accepted when 2b > a².
        while true {
          let a = -portableLog(uniformOpen()) / ZigguratTables.r
          let b = -portableLog(uniformOpen())
          if 2 * b > a * a { return negative ? -(ZigguratTables.r + a) : ZigguratTables.r + a }
        }
      }
      // The wedge between the core and the layer's edge: accept under the curve.
      if t.f[i] + uniform() * (t.f[i + 1] - t.f[i]) < portableExp(-0.5 * x * x) { return negative ? -x : x }
    }
  }
}

/// eˣ in IEEE arithmetic only (no libm), for |x| ≤ 700, within 2 ulp of libm: x = k·ln 2 + s,
/// |s| ≤ ½ln 2 (ln 2 split in two so that k·ln2_hi is exact), eˢ by its Taylor series to s¹⁴/14!
/// (first omitted term below 2⁻⁵⁶ relative), then scaled by 2ᵏ exactly.
@inlinable public func portableExp(_ x: Double) -> Double {
  precondition(x.isFinite && abs(x) <= 700, "portableExp needs |x| ≤ 700, got \(x)")
  let ln2Hi = 0.6931471803691238, ln2Lo = 1.9082149292705877e-10
  let k = (x * 1.4426950408889634).rounded()
  let s = (x - k * ln2Hi) - k * ln2Lo
  // Horner from the highest term: eˢ = 1 + s(1 + s/2(1 + s/3(… (1 + s/14)))).
  var p = 1.0
  for n in stride(from: 14, through: 1, by: -1) { p = 1 + s * p / Double(n) }
  return p * Double(sign: .plus, exponent: Int(k), significand: 1)
}
