/// xoshiro256** (Blackman & Vigna, "Scrambled linear pseudorandom number generators",
/// ACM TOMS 47(4), 2021): 256 bits of state, period 2²⁵⁶ − 1, passes BigCrush.
///
/// Split streams: `init(seed:stream:)` gives run `k` of an ensemble its own generator. The
/// state is SplitMix64-expanded from a 64-bit key that mixes `seed` and `stream` through two
/// different bijections, so neighbouring streams start at unrelated points of the period
/// (seeding SplitMix64 with `seed + k` would make streams k and k+1 overlap, shifted by one).
/// Integer and uniform outputs are identical on every machine; see `normal` for Gaussians.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable, Equatable, Codable {
  /// The generator's whole state (saved in checkpoints, so a resumed run draws the same numbers).
  public var state: (UInt64, UInt64, UInt64, UInt64)

  /// The generator for `(seed, stream)`; stream 0 is the plain seeded generator.
  public init(seed: UInt64, stream: UInt64 = 0) {
    let key = SplitMix64.mix(seed) ^ SplitMix64.mix(~stream &* 0xD605_BBB5_8C8A_BBFD &+ 0x632B_E59B_D9B4_E019)
    var expander = SplitMix64(state: key)
    state = (expander.next(), expander.next(), expander.next(), expander.next())
    if state == (0, 0, 0, 0) { state.0 = 1 }  // the one state xoshiro must never be in
  }

  /// A generator with exactly this state (for checkpoints and reference vectors).
  public init(state: (UInt64, UInt64, UInt64, UInt64)) {
    precondition(state != (0, 0, 0, 0), "xoshiro256**: the all-zero state is a fixed point")
    self.state = state
  }

  /// The next 64 random bits.
  @inlinable public mutating func next() -> UInt64 {
    let result = rotateLeft(state.1 &* 5, 7) &* 9
    let t = state.1 << 17
    state.2 ^= state.0
    state.3 ^= state.1
    state.1 ^= state.2
    state.0 ^= state.3
    state.2 ^= t
    state.3 = rotateLeft(state.3, 45)
    return result
  }

  @inlinable func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

  /// A uniform Double in [0, 1) with 53 random bits (every value k·2⁻⁵³ equally likely).
  @inlinable public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

  /// A uniform Double in (0, 1): never 0, so safe under a logarithm.
  @inlinable public mutating func uniformOpen() -> Double { (Double(next() >> 11) + 0.5) * 0x1.0p-53 }

  public static func == (l: Self, r: Self) -> Bool { l.state == r.state }

  public init(from decoder: Decoder) throws {
    let words = try decoder.singleValueContainer().decode([UInt64].self)
    guard words.count == 4, words != [0, 0, 0, 0] else {
      throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
        debugDescription: "xoshiro256** state needs 4 words, not all zero; got \(words)"))
    }
    state = (words[0], words[1], words[2], words[3])
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encode([state.0, state.1, state.2, state.3])
  }
}
