// Square roots that compile to the square-root instruction, one per vector.
//
// On Linux, `squareRoot()` checks each result and calls glibc's `sqrt` when the input was
// negative, so that errno is set; that call stops LLVM from vectorising a lane loop, and
// `SIMD4<Double>.squareRoot()` becomes four scalar roots, each behind a test and a branch. With
// a negative input mapped to NaN first, the call can never happen, LLVM drops it, and the lanes
// become one `sqrtpd`/`vsqrtps` (SSE2 and AVX builds alike; `swiftc -O -emit-assembly`).
// The values are `squareRoot()`'s for every input: IEEE √ is correctly rounded, and √x of a
// negative x is NaN either way (only the NaN's sign bit may differ).

extension BinaryFloatingPoint {
  /// `squareRoot()` without glibc's errno branch.
  @inlinable @inline(__always) public func squareRootWithoutErrno() -> Self {
    (self < 0 ? .nan : self).squareRoot()
  }
}

extension SIMD where Scalar: BinaryFloatingPoint {
  /// Lane-wise `squareRoot()` as one vector instruction.
  @inlinable @inline(__always) public func squareRootWithoutErrno() -> Self {
    var root = Self()
    for i in indices { root[i] = self[i].squareRootWithoutErrno() }
    return root
  }
}
