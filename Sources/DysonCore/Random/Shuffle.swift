/// Random permutations that are ours, not the standard library's: `MutableCollection.shuffle(using:)`
/// promises no particular sequence of draws, so a seeded shuffle could change with the toolchain.

extension Xoshiro256StarStar {
  /// A draw in 0..<bound: the high word of next()·bound (Lemire's multiply, without his rejection
  /// step; each value's probability is off by at most bound/2⁶⁴, below 10⁻¹⁴ for any array here).
  @inlinable public mutating func index(below bound: Int) -> Int {
    precondition(bound > 0, "index(below:) needs a positive bound, got \(bound)")
    return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
  }

  /// Fisher–Yates from the last position down: position i swaps with a draw in 0...i, so each of
  /// the n! orders has probability 1/n! (to the bias of `index(below:)`).
  @inlinable public mutating func shuffle<T>(_ values: inout [T]) {
    for i in stride(from: values.count - 1, to: 0, by: -1) {
      values.swapAt(i, index(below: i + 1))
    }
  }
}
