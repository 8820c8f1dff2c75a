import DysonCore

// Short vector loops for the attention and the elementwise layers, written with explicit
// SIMD8 chunks: the compiler does not vectorise the plain loops over a runtime length without
// alias checks that cost more than the 16-element work itself (measured: attention was 40 % of
// a training step as scalar loops).

/// y[0..<n] += a · x[0..<n]
@inline(__always)
func addScaled<Scalar: DysonScalar>(_ y: UnsafeMutablePointer<Scalar>, _ a: Scalar, _ x: UnsafePointer<Scalar>, count n: Int) {
  let va = SIMD8<Scalar>(repeating: a)
  let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y)
  let width = 8 * MemoryLayout<Scalar>.stride
  var i = 0
  while i + 8 <= n {
    let o = i / 8 * width
    let sum = ry.loadUnaligned(fromByteOffset: o, as: SIMD8<Scalar>.self) + va * rx.loadUnaligned(fromByteOffset: o, as: SIMD8<Scalar>.self)
    ry.storeBytes(of: sum, toByteOffset: o, as: SIMD8<Scalar>.self)
    i += 8
  }
  while i < n {
    y[i] += a * x[i]
    i += 1
  }
}

/// n rounded up to whole SIMD8 chunks.
@inline(__always)
func paddedToChunks(_ n: Int) -> Int { (n + 7) / 8 * 8 }
