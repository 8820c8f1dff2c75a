import DysonCore

// Short vector loops for the attention's small products (T = 32, head_size = 16), written with
// explicit SIMD8 chunks and the accumulators in registers. Measured with perf on the fast build
// (attention kept out of line): as SIMD axpys that accumulate a row in memory, each step waiting
// on the store of the one before, the attention took 23 % of a training step; register-blocked
// as here, 18 %, and the step went from 15.9 to 15.1–15.6 ms.

/// n rounded up to whole SIMD8 chunks.
@inline(__always)
func paddedToChunks(_ n: Int) -> Int { (n + 7) / 8 * 8 }

/// c[0..<n] = alpha · Σ_{p ∈ depth} a[p] · b[p·ldb ..< p·ldb + n]: one row of A times a row-major B.
/// Columns go in groups of 32, 16 and 8 (four, two, one accumulator vectors), then one by one.
@inline(__always)
func rowTimesMatrix<Scalar: DysonScalar>(
  _ c: UnsafeMutablePointer<Scalar>, alpha: Scalar, _ a: UnsafePointer<Scalar>,
  _ b: UnsafePointer<Scalar>, ldb: Int, depth: Range<Int>, columns n: Int
) {
  typealias V = SIMD8<Scalar>
  let stride = MemoryLayout<Scalar>.stride
  let rb = UnsafeRawPointer(b), rc = UnsafeMutableRawPointer(c)
  var j = 0
  while j + 32 <= n {
    var s0 = V(), s1 = V(), s2 = V(), s3 = V()
    for p in depth {
      let x = V(repeating: a[p]), o = (p * ldb + j) * stride
      s0 += x * rb.loadUnaligned(fromByteOffset: o, as: V.self)
      s1 += x * rb.loadUnaligned(fromByteOffset: o + 8 * stride, as: V.self)
      s2 += x * rb.loadUnaligned(fromByteOffset: o + 16 * stride, as: V.self)
      s3 += x * rb.loadUnaligned(fromByteOffset: o + 24 * stride, as: V.self)
    }
    let va = V(repeating: alpha), o = j * stride
    rc.storeBytes(of: va * s0, toByteOffset: o, as: V.self)
    rc.storeBytes(of: va * s1, toByteOffset: o + 8 * stride, as: V.self)
    rc.storeBytes(of: va * s2, toByteOffset: o + 16 * stride, as: V.self)
    rc.storeBytes(of: va * s3, toByteOffset: o + 24 * stride, as: V.self)
    j += 32
  }
  if j + 16 <= n {
    var s0 = V(), s1 = V()
    for p in depth {
      let x = V(repeating: a[p]), o = (p * ldb + j) * stride
      s0 += x * rb.loadUnaligned(fromByteOffset: o, as: V.self)
      s1 += x * rb.loadUnaligned(fromByteOffset: o + 8 * stride, as: V.self)
    }
    let va = V(repeating: alpha), o = j * stride
    rc.storeBytes(of: va * s0, toByteOffset: o, as: V.self)
    rc.storeBytes(of: va * s1, toByteOffset: o + 8 * stride, as: V.self)
    j += 16
  }
  if j + 8 <= n {
    var s0 = V()
    for p in depth { s0 += V(repeating: a[p]) * rb.loadUnaligned(fromByteOffset: (p * ldb + j) * stride, as: V.self) }
    rc.storeBytes(of: V(repeating: alpha) * s0, toByteOffset: j * stride, as: V.self)
    j += 8
  }
  while j < n {
    var s: Scalar = 0
    for p in depth { s += a[p] * b[p * ldb + j] }
    c[j] = alpha * s
    j += 1
  }
}

/// x[j] ← exp(x[j] − shift) for j < n; returns Σ_j x[j]. Eight lanes at a time (the last chunk
/// padded), so a softmax row costs no libm call per element.
@inline(__always)
func exponentiateShifted<Scalar: DysonScalar>(_ x: UnsafeMutablePointer<Scalar>, count n: Int, shift: Scalar) -> Scalar {
  typealias V = SIMD8<Scalar>
  let raw = UnsafeMutableRawPointer(x), stride = MemoryLayout<Scalar>.stride
  let vShift = V(repeating: shift)
  var sums = V()
  var j = 0
  while j + 8 <= n {
    let e = Scalar.exp(raw.loadUnaligned(fromByteOffset: j * stride, as: V.self) - vShift)
    raw.storeBytes(of: e, toByteOffset: j * stride, as: V.self)
    sums += e
    j += 8
  }
  var sum = sums.sum()
  if j < n {
    var tail = V(repeating: shift)
    for lane in 0..<(n - j) { tail[lane] = x[j + lane] }
    let e = Scalar.exp(tail - vShift)
    for lane in 0..<(n - j) {
      x[j + lane] = e[lane]
      sum += e[lane]
    }
  }
  return sum
}
