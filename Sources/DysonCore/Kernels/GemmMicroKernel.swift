// The register-blocked micro-kernel: a 6 × (2·lanes) tile of C held in 12 SIMD accumulators
// (6×16 for Float with SIMD8, 6×8 for Double with SIMD4), updated by rank-1 products over the
// depth. A is read in place through (row stride, depth stride), so a packed panel (1, 6), a
// row-major A (lda, 1) and a transposed A (1, lda) share the kernel; B is always packed.

/// How the kernel forms acc + x·y. Measured on Swift 6.3.1, x86-64:
/// - `FusedMultiplyAdd` (`addProduct`) is one `vfmadd231ps` when the build targets a CPU with FMA
///   (`-target-cpu native`), and a libm call *per lane* in a baseline build (0.5 GFLOP/s);
/// - `SeparateMultiplyAdd` (`acc += x * y`) is a mul and an add in every build: Swift does not
///   contract it to an FMA, even with `-target-cpu native` (then it spills: 40 vs 83 GFLOP/s).
/// Swift cannot test CPU features at compile time, so `GemmKernel` picks one once per process.
@usableFromInline protocol MultiplyAccumulate: SendableMetatype {
  static func accumulate<V: SIMD>(_ acc: inout V, _ x: V, _ y: V) where V.Scalar: FloatingPoint
}

@usableFromInline enum FusedMultiplyAdd: MultiplyAccumulate {
  @inline(__always) @usableFromInline
  static func accumulate<V: SIMD>(_ acc: inout V, _ x: V, _ y: V) where V.Scalar: FloatingPoint {
    acc.addProduct(x, y)
  }
}

@usableFromInline enum SeparateMultiplyAdd: MultiplyAccumulate {
  @inline(__always) @usableFromInline
  static func accumulate<V: SIMD>(_ acc: inout V, _ x: V, _ y: V) where V.Scalar: FloatingPoint {
    acc += x * y
  }
}

/// A 6-row tile of A read in place: element (r, p) is `base[r·rowStride + p·depthStride]`.
@usableFromInline struct TileOperand<Scalar> {
  let base: UnsafePointer<Scalar>
  let rowStride: Int
  let depthStride: Int
}

/// Where the micro-kernel takes B's rows from, two vectors per depth step: a packed panel, or B
/// itself while the panel is packed on the way (the first strip to meet a panel copies it, so B
/// is read once, by a kernel that has its store port free, instead of by a packing pass first).
protocol PanelRows {
  associatedtype V: SIMD
  mutating func next() -> (V, V)
}

/// The packed panel: row p at p·nr.
struct PackedPanel<V: SIMD>: PanelRows {
  var row: UnsafeRawPointer
  @inline(__always) init(_ panel: UnsafePointer<V.Scalar>) { row = UnsafeRawPointer(panel) }
  @inline(__always) mutating func next() -> (V, V) {
    let half = V.scalarCount * MemoryLayout<V.Scalar>.stride
    defer { row += 2 * half }
    return (row.loadUnaligned(as: V.self), row.loadUnaligned(fromByteOffset: half, as: V.self))
  }
}

/// B in place (row p at p·ldb), each row also stored to the packed panel.
struct CopiedPanel<V: SIMD>: PanelRows {
  var source: UnsafeRawPointer
  var panel: UnsafeMutableRawPointer
  let sourceStep: Int
  @inline(__always) init(_ source: UnsafePointer<V.Scalar>, ld: Int, into panel: UnsafeMutablePointer<V.Scalar>) {
    self.source = UnsafeRawPointer(source)
    self.panel = UnsafeMutableRawPointer(panel)
    sourceStep = ld * MemoryLayout<V.Scalar>.stride
  }
  @inline(__always) mutating func next() -> (V, V) {
    let half = V.scalarCount * MemoryLayout<V.Scalar>.stride
    let b0 = source.loadUnaligned(as: V.self), b1 = source.loadUnaligned(fromByteOffset: half, as: V.self)
    panel.storeBytes(of: b0, as: V.self)
    panel.storeBytes(of: b1, toByteOffset: half, as: V.self)
    source += sourceStep
    panel += 2 * half
    return (b0, b1)
  }
}

/// Where the micro-kernel takes A's six values per depth step from, as vectors of equal lanes.
protocol StripRows {
  associatedtype V: SIMD
  func row(_ r: Int) -> V
  mutating func advance()
}

/// A strip read in place (or packed plainly): `V(repeating:)` of element (r, q).
struct StripInPlace<V: SIMD>: StripRows {
  let strip: TileOperand<V.Scalar>
  var q = 0
  @inline(__always) init(_ strip: TileOperand<V.Scalar>) { self.strip = strip }
  @inline(__always) func row(_ r: Int) -> V { V(repeating: strip.base[r &* strip.rowStride &+ q]) }
  @inline(__always) mutating func advance() { q &+= strip.depthStride }
}

/// A strip packed as broadcast vectors (`packABroadcast`: element (r, p) in every lane of
/// a[6p + r]), for the baseline SSE2 build: a broadcast is then one aligned load that the
/// multiply can take as its operand, where `V(repeating: a[q])` costs a load and a shuffle. With
/// no FMA, the shuffles were 6 of the 30 floating-point instructions per depth step.
struct StripBroadcast<V: SIMD>: StripRows {
  var next: UnsafePointer<V>
  @inline(__always) init(_ vectors: UnsafePointer<V>) { next = vectors }
  @inline(__always) func row(_ r: Int) -> V { next[r] }
  @inline(__always) mutating func advance() { next += gemmTileRows }
}

/// A whole strip read in place by the first panel's kernel, which also stores each broadcast to
/// the strip's buffer for the panels after it (as `CopiedPanel` does for B): one pass over A
/// instead of a packing pass and then the kernel's.
struct StripBroadcastCopied<V: SIMD>: StripRows {
  var source: UnsafePointer<V.Scalar>
  var vectors: UnsafeMutablePointer<V>
  let rowStride: Int, depthStride: Int
  @inline(__always) init(_ strip: TileOperand<V.Scalar>, into vectors: UnsafeMutablePointer<V>) {
    source = strip.base
    self.vectors = vectors
    rowStride = strip.rowStride
    depthStride = strip.depthStride
  }
  @inline(__always) func row(_ r: Int) -> V {
    let x = V(repeating: source[r &* rowStride])
    vectors[r] = x
    return x
  }
  @inline(__always) mutating func advance() {
    source += depthStride
    vectors += gemmTileRows
  }
}

/// C[0..<rows, 0..<columns] += alpha · A(6×kc) · Bpanel(kc×nr), nr = 2·lanes; with `overwrite`,
/// C's old values are taken as zero (never read).
@inline(__always)
func gemmMicroKernel<V: SIMD, FMA: MultiplyAccumulate>(
  depth kc: Int, a: TileOperand<V.Scalar>, b: UnsafePointer<V.Scalar>, alpha: V.Scalar,
  c: UnsafeMutablePointer<V.Scalar>, ldc: Int, rows: Int, columns: Int, overwrite: Bool, vector: V.Type, fma: FMA.Type
) where V.Scalar: DysonScalar {
  gemmMicroKernel(depth: kc, strip: StripInPlace<V>(a), rows: PackedPanel<V>(b), alpha: alpha, c: c, ldc: ldc, rows: rows,
                  columns: columns, overwrite: overwrite, fma: FMA.self)
}

/// The same with A's rows from a strip packed as broadcast vectors (`StripBroadcast`).
@inline(__always)
func gemmMicroKernelBroadcast<V: SIMD, FMA: MultiplyAccumulate>(
  depth kc: Int, a: UnsafePointer<V>, b: UnsafePointer<V.Scalar>, alpha: V.Scalar,
  c: UnsafeMutablePointer<V.Scalar>, ldc: Int, rows: Int, columns: Int, overwrite: Bool, vector: V.Type, fma: FMA.Type
) where V.Scalar: DysonScalar {
  gemmMicroKernel(depth: kc, strip: StripBroadcast<V>(a), rows: PackedPanel<V>(b), alpha: alpha, c: c, ldc: ldc, rows: rows,
                  columns: columns, overwrite: overwrite, fma: FMA.self)
}

/// The tile with A's rows from `strip` and B's from `panel`. Kept out of line so its 15 vector
/// registers are allocated without the driver's loop state.
@inline(never)
func gemmMicroKernel<A: StripRows, B: PanelRows, FMA: MultiplyAccumulate>(
  depth kc: Int, strip: A, rows panel: B, alpha: B.V.Scalar,
  c: UnsafeMutablePointer<B.V.Scalar>, ldc: Int, rows: Int, columns: Int, overwrite: Bool, fma: FMA.Type
) where A.V == B.V, B.V.Scalar: DysonScalar {
  typealias V = B.V
  var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
  var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
  var strip = strip, panel = panel
  for _ in 0..<kc {
    let (b0, b1) = panel.next()
    var x = strip.row(0); FMA.accumulate(&c00, x, b0); FMA.accumulate(&c01, x, b1)
    x = strip.row(1); FMA.accumulate(&c10, x, b0); FMA.accumulate(&c11, x, b1)
    x = strip.row(2); FMA.accumulate(&c20, x, b0); FMA.accumulate(&c21, x, b1)
    x = strip.row(3); FMA.accumulate(&c30, x, b0); FMA.accumulate(&c31, x, b1)
    x = strip.row(4); FMA.accumulate(&c40, x, b0); FMA.accumulate(&c41, x, b1)
    x = strip.row(5); FMA.accumulate(&c50, x, b0); FMA.accumulate(&c51, x, b1)
    strip.advance()
  }
  storeTile(c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, alpha: alpha, c: c, ldc: ldc, rows: rows,
            columns: columns, overwrite: overwrite)
}

/// C[0..<rows, 0..<columns] += alpha · (the 6 × 2·lanes accumulators); C's old values are not read with `overwrite`.
@inline(__always)
func storeTile<V: SIMD>(
  _ c00: V, _ c01: V, _ c10: V, _ c11: V, _ c20: V, _ c21: V, _ c30: V, _ c31: V, _ c40: V, _ c41: V, _ c50: V, _ c51: V,
  alpha: V.Scalar, c: UnsafeMutablePointer<V.Scalar>, ldc: Int, rows: Int, columns: Int, overwrite: Bool
) where V.Scalar: DysonScalar {
  let w = V.scalarCount
  let half = w * MemoryLayout<V.Scalar>.stride
  let va = V(repeating: alpha)
  if rows == gemmTileRows && columns == 2 * w {
    // Full tile: add straight into C.
    @inline(__always) func update(_ row: Int, _ lo: V, _ hi: V) {
      let p = UnsafeMutableRawPointer(c + row * ldc)
      let old0 = overwrite ? V() : p.loadUnaligned(as: V.self)
      let old1 = overwrite ? V() : p.loadUnaligned(fromByteOffset: half, as: V.self)
      p.storeBytes(of: old0 + va * lo, as: V.self)
      p.storeBytes(of: old1 + va * hi, toByteOffset: half, as: V.self)
    }
    update(0, c00, c01); update(1, c10, c11); update(2, c20, c21)
    update(3, c30, c31); update(4, c40, c41); update(5, c50, c51)
  } else {
    // Edge tile: only the valid rows and columns exist in C. A stack buffer, no heap.
    withUnsafeTemporaryAllocation(of: V.self, capacity: 2 * gemmTileRows) { tile in
      tile[0] = c00; tile[1] = c01; tile[2] = c10; tile[3] = c11; tile[4] = c20; tile[5] = c21
      tile[6] = c30; tile[7] = c31; tile[8] = c40; tile[9] = c41; tile[10] = c50; tile[11] = c51
      for r in 0..<rows {
        for j in 0..<columns { c[r * ldc + j] = (overwrite ? 0 : c[r * ldc + j]) + alpha * tile[2 * r + j / w][j % w] }
      }
    }
  }
}

/// The half-width kernel for a last panel of at most `lanes` columns (e.g. the 65th column of
/// the GPT's vocabulary): 6 accumulators instead of 12, so the padding is not computed twice over.
/// The packed B panel keeps its full width 2·lanes; only its first half is read.
@inline(never)
func gemmMicroKernelNarrow<V: SIMD, FMA: MultiplyAccumulate>(
  depth kc: Int, a: TileOperand<V.Scalar>, b: UnsafePointer<V.Scalar>, alpha: V.Scalar,
  c: UnsafeMutablePointer<V.Scalar>, ldc: Int, rows: Int, columns: Int, overwrite: Bool, vector: V.Type, fma: FMA.Type
) where V.Scalar: DysonScalar {
  let w = V.scalarCount
  var c0 = V(), c1 = V(), c2 = V(), c3 = V(), c4 = V(), c5 = V()
  let rs = a.rowStride, ds = a.depthStride
  let a0 = a.base, a1 = a0 + rs, a2 = a1 + rs, a3 = a2 + rs, a4 = a3 + rs, a5 = a4 + rs
  var q = 0
  var pb = UnsafeRawPointer(b)
  let step = 2 * w * MemoryLayout<V.Scalar>.stride
  for _ in 0..<kc {
    let b0 = pb.loadUnaligned(as: V.self)
    FMA.accumulate(&c0, V(repeating: a0[q]), b0)
    FMA.accumulate(&c1, V(repeating: a1[q]), b0)
    FMA.accumulate(&c2, V(repeating: a2[q]), b0)
    FMA.accumulate(&c3, V(repeating: a3[q]), b0)
    FMA.accumulate(&c4, V(repeating: a4[q]), b0)
    FMA.accumulate(&c5, V(repeating: a5[q]), b0)
    q &+= ds
    pb += step
  }
  withUnsafeTemporaryAllocation(of: V.self, capacity: gemmTileRows) { tile in
    tile[0] = c0; tile[1] = c1; tile[2] = c2; tile[3] = c3; tile[4] = c4; tile[5] = c5
    for r in 0..<rows {
      for j in 0..<columns { c[r * ldc + j] = (overwrite ? 0 : c[r * ldc + j]) + alpha * tile[r][j] }
    }
  }
}

/// The last 1…`gemmDotColumnsMax` columns of C when A's rows are contiguous in depth (op(A) = A):
/// C[r, j] += alpha · Σ_p A[r, p]·B[p, j] as dot products vectorised along p. A 6 × (2·lanes) tile
/// would spend a whole panel's time on one column (the GPT's 65th logit); this costs ~1/10 of it.
/// `bColumns` holds the columns contiguously: column j at `bColumns + j·kc`.
@inline(never)
func gemmDotColumns<V: SIMD, FMA: MultiplyAccumulate>(
  depth kc: Int, a: UnsafePointer<V.Scalar>, lda: Int, rows: Int, bColumns: UnsafePointer<V.Scalar>,
  columns: Int, alpha: V.Scalar, c: UnsafeMutablePointer<V.Scalar>, ldc: Int, overwrite: Bool, vector: V.Type, fma: FMA.Type
) where V.Scalar: DysonScalar {
  let w = V.scalarCount
  let body = kc / w * w
  for j in 0..<columns {
    let b = bColumns + j * kc
    var r = 0
    // Three rows at a time: three independent accumulator chains hide the add latency.
    while r < rows {
      let count = min(3, rows - r)
      let a0 = a + r * lda, a1 = a0 + (count > 1 ? lda : 0), a2 = a0 + (count > 2 ? 2 * lda : 0)
      var s0 = V(), s1 = V(), s2 = V()
      var p = 0
      while p < body {
        let bv = UnsafeRawPointer(b + p).loadUnaligned(as: V.self)
        FMA.accumulate(&s0, UnsafeRawPointer(a0 + p).loadUnaligned(as: V.self), bv)
        FMA.accumulate(&s1, UnsafeRawPointer(a1 + p).loadUnaligned(as: V.self), bv)
        FMA.accumulate(&s2, UnsafeRawPointer(a2 + p).loadUnaligned(as: V.self), bv)
        p += w
      }
      var t0 = s0.sum(), t1 = s1.sum(), t2 = s2.sum()
      while p < kc {
        t0 += a0[p] * b[p]; t1 += a1[p] * b[p]; t2 += a2[p] * b[p]
        p += 1
      }
      @inline(__always) func add(_ row: Int, _ t: V.Scalar) {
        c[row * ldc + j] = (overwrite ? 0 : c[row * ldc + j]) + alpha * t
      }
      add(r, t0)
      if count > 1 { add(r + 1, t1) }
      if count > 2 { add(r + 2, t2) }
      r += count
    }
  }
}
