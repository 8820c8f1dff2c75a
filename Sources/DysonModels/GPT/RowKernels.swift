import DysonCore

// Short vector loops for the attention's small products (T = 32, head_size = 16), written with
// explicit SIMD8 chunks and the accumulators in registers. Measured with perf on the fast build
// (attention kept out of line): as SIMD axpys that accumulate a row in memory, each step waiting
// on the store of the one before, the attention took 23 % of a training step; register-blocked
// one row at a time (`rowTimesMatrix`), 18–23 %; four rows at a time (`rowBlockTimesMatrix`,
// which also reads ∂L/∂a and p in place instead of transposing them), 19 %, at a step about
// 10 % shorter (both alternated with the old build, best of each run: 13.7 → 12.3 ms).

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

/// C[r, 0..<n] = alpha · Σ_{p ∈ depth} A[r, p] · B[p, 0..<n] for the rows r < `rows` ≤ 4 of C
/// (stride ldc); A[r, p] = a[r·lda + p], or a[p·lda + r] when `transposedA` (a column block of a
/// row-major matrix, read in place instead of transposed first). Four rows share each load of B
/// and keep eight independent accumulator vectors, so the multiply-adds of one row no longer wait
/// on each other; fewer rows fall back to one row at a time.
@inline(__always)
func rowBlockTimesMatrix<Scalar: DysonScalar>(
  _ c: UnsafeMutablePointer<Scalar>, ldc: Int, alpha: Scalar, _ a: UnsafePointer<Scalar>, lda: Int, transposedA: Bool = false,
  _ b: UnsafePointer<Scalar>, ldb: Int, rows: Int, depth: Range<Int>, columns n: Int
) {
  let (rowStride, depthStride) = transposedA ? (1, lda) : (lda, 1)
  guard rows == 4 else {
    for r in 0..<rows {
      if !transposedA {
        rowTimesMatrix(c + r * ldc, alpha: alpha, a + r * lda, b, ldb: ldb, depth: depth, columns: n)
        continue
      }
      for j in 0..<n {
        var s: Scalar = 0
        for p in depth { s += a[r + p * lda] * b[p * ldb + j] }
        c[r * ldc + j] = alpha * s
      }
    }
    return
  }
  typealias V = SIMD8<Scalar>
  let stride = MemoryLayout<Scalar>.stride
  // Pointers stepped through the depth (wrapping arithmetic: no overflow checks in the loop).
  let first = depth.lowerBound, count = depth.count
  let aStart = a + first * depthStride, bStep = ldb &* stride
  let bStart = UnsafeRawPointer(b + first * ldb)
  let row1 = rowStride, row2 = 2 * rowStride, row3 = 3 * rowStride  // offsets of rows 1–3 of A
  let va = V(repeating: alpha)
  @inline(__always) func store(_ v: V, row r: Int, column j: Int) {
    UnsafeMutableRawPointer(c + r * ldc + j).storeBytes(of: va * v, as: V.self)
  }
  var j = 0
  while j + 16 <= n {
    var s00 = V(), s01 = V(), s10 = V(), s11 = V(), s20 = V(), s21 = V(), s30 = V(), s31 = V()
    var pa = aStart, pb = bStart + j &* stride
    for _ in 0..<count {
      let b0 = pb.loadUnaligned(as: V.self)
      let b1 = pb.loadUnaligned(fromByteOffset: 8 * stride, as: V.self)
      let x0 = V(repeating: pa[0]), x1 = V(repeating: pa[row1]), x2 = V(repeating: pa[row2]), x3 = V(repeating: pa[row3])
      s00 += x0 * b0; s01 += x0 * b1
      s10 += x1 * b0; s11 += x1 * b1
      s20 += x2 * b0; s21 += x2 * b1
      s30 += x3 * b0; s31 += x3 * b1
      pa += depthStride
      pb += bStep
    }
    store(s00, row: 0, column: j); store(s01, row: 0, column: j + 8)
    store(s10, row: 1, column: j); store(s11, row: 1, column: j + 8)
    store(s20, row: 2, column: j); store(s21, row: 2, column: j + 8)
    store(s30, row: 3, column: j); store(s31, row: 3, column: j + 8)
    j += 16
  }
  if j + 8 <= n {
    var s0 = V(), s1 = V(), s2 = V(), s3 = V()
    var pa = aStart, pb = bStart + j &* stride
    for _ in 0..<count {
      let bv = pb.loadUnaligned(as: V.self)
      s0 += V(repeating: pa[0]) * bv; s1 += V(repeating: pa[row1]) * bv
      s2 += V(repeating: pa[row2]) * bv; s3 += V(repeating: pa[row3]) * bv
      pa += depthStride
      pb += bStep
    }
    store(s0, row: 0, column: j); store(s1, row: 1, column: j)
    store(s2, row: 2, column: j); store(s3, row: 3, column: j)
    j += 8
  }
  while j < n {
    for r in 0..<4 {
      var s: Scalar = 0
      for p in depth { s += a[r * rowStride + p * depthStride] * b[p * ldb + j] }
      c[r * ldc + j] = alpha * s
    }
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
