/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014).
/// Used only to expand a 64-bit seed into generator state, as the xoshiro authors recommend.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  /// The generator's whole state: the next output is a function of it alone.
  public var state: UInt64
  /// A generator that starts from `state` (any value, zero included).
  public init(state: UInt64) { self.state = state }

  /// The next 64 random bits.
  @inlinable public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    return SplitMix64.mix(state)
  }

  /// The SplitMix64 output function: a bijective avalanche of 64 bits.
  @inlinable public static func mix(_ x: UInt64) -> UInt64 {
    var z = x
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
