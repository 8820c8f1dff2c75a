// eˣ on eight lanes at once in IEEE arithmetic only (no libm call per lane, see DESIGN.md):
// x = k·ln 2 + s with |s| ≤ ½ ln 2 (k rounded by adding and subtracting 1.5·2ᵖ, ln 2 split in a
// part whose product with k is exact and a remainder), eˢ by its Taylor polynomial, and 2ᵏ built
// from its bit pattern: the rounded sum t = x·log₂e + 1.5·2ᵖ holds k in its low significand bits.
// Inputs are clamped to the range where 2ᵏ is a normal number, so e^(−∞) gives the smallest
// normal instead of 0 (harmless in a softmax, where that term is negligible either way).

extension Float {
  /// eˣ per lane, within 2 ulp of libm for x in [−87, 88]; Taylor to s⁷ (next term below 2⁻²⁵ relative).
  @inlinable @inline(__always) public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    typealias V = SIMD8<Float>
    // Masked selects, not `clamped`: that stayed two out-of-line calls per chunk (measured in a profile).
    let low = V(repeating: -87), high = V(repeating: 88)
    let clamped = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
    let magic = V(repeating: 0x1.8p23)
    let t = clamped * V(repeating: 1.44269504) + magic
    let k = t - magic
    let s = (clamped - k * V(repeating: 0.693145751953125)) - k * V(repeating: 1.42860677e-06)
    var p = V(repeating: 1.0 / 5040)
    p = p * s + V(repeating: 1.0 / 720)
    p = p * s + V(repeating: 1.0 / 120)
    p = p * s + V(repeating: 1.0 / 24)
    p = p * s + V(repeating: 1.0 / 6)
    p = p * s + V(repeating: 0.5)
    p = p * s + V(repeating: 1)
    p = p * s + V(repeating: 1)
    // t's bits are 0x4B40_0000 + k; 2ᵏ has the bits (k + 127) << 23.
    let bits = unsafeBitCast(t, to: SIMD8<UInt32>.self)
    let power = (bits &- 0x4B40_0000 &+ 127) &<< 23
    return p * unsafeBitCast(power, to: V.self)
  }
}

extension Double {
  /// eˣ per lane, within 2 ulp of libm for x in [−708, 709]; Taylor to s¹³ (next term below 2⁻⁵⁴ relative).
  @inlinable @inline(__always) public static func exp(_ x: SIMD8<Double>) -> SIMD8<Double> {
    typealias V = SIMD8<Double>
    let low = V(repeating: -708), high = V(repeating: 709)
    let clamped = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
    let magic = V(repeating: 0x1.8p52)
    let t = clamped * V(repeating: 1.4426950408889634) + magic
    let k = t - magic
    let s = (clamped - k * V(repeating: 0.6931471803691238)) - k * V(repeating: 1.9082149292705877e-10)
    var p = V(repeating: 1.0 / 6_227_020_800)
    p = p * s + V(repeating: 1.0 / 479_001_600)
    p = p * s + V(repeating: 1.0 / 39_916_800)
    p = p * s + V(repeating: 1.0 / 3_628_800)
    p = p * s + V(repeating: 1.0 / 362_880)
    p = p * s + V(repeating: 1.0 / 40320)
    p = p * s + V(repeating: 1.0 / 5040)
    p = p * s + V(repeating: 1.0 / 720)
    p = p * s + V(repeating: 1.0 / 120)
    p = p * s + V(repeating: 1.0 / 24)
    p = p * s + V(repeating: 1.0 / 6)
    p = p * s + V(repeating: 0.5)
    p = p * s + V(repeating: 1)
    p = p * s + V(repeating: 1)
    let bits = unsafeBitCast(t, to: SIMD8<UInt64>.self)
    let power = (bits &- 0x4338_0000_0000_0000 &+ 1023) &<< 52
    return p * unsafeBitCast(power, to: V.self)
  }
}
