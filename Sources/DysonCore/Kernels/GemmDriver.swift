// A blocked gemm after Goto & van de Geijn ("Anatomy of high-performance matrix multiplication",
// ACM TOMS 34(3), 2008), with the loop order chosen for A read in place:
//
//   for each column block jc (nc wide)            B block (kc×nc ≤ 256 KiB) packed, stays in L2
//     for each depth block pc (kc deep)
//       for each 6-row strip of A                  A strip (6×kc) read in place, stays in L1
//         for each nr-wide panel of B              micro-kernel: 6×nr accumulators in registers
//
// Goto packs A into L2 and streams B panels through L1; here A is not packed (measured faster
// at every benchmark shape, see GemmKernel.packsA), so the strip of A that the kernel re-reads
// for every panel is the one kept closest. A transposed A is the exception: its strip is one
// line per depth step at A's stride, so it is either copied once (many panels) or left in place
// with the two inner loops swapped (few panels; see GemmKernel.packsStrips). Packing B does the
// B transposes (a B that is not transposed is packed by the first strip's kernel as it reads it,
// GemmKernel.copiesB), and A's transpose is a stride swap, so all four op combinations share one
// micro-kernel. The order of additions for an element of C depends only on k and kc, never on
// the tile it lands in, the loop order or how the work is split between threads: results are
// bit-identical whatever the thread count.

import Foundation

/// Rows of A per micro-tile. With nr = 2 vectors this uses 12 accumulators + 2 B vectors
/// + 1 broadcast = 15 of the 16 AVX registers.
@usableFromInline let gemmTileRows = 6

/// Depth of a packed block: a B micro-panel (kc × nr) of 16 KiB fits the 32 KiB L1 with room for A.
@usableFromInline let gemmBlockDepth = 256

/// Bytes of a packed B block: half of a 512 KiB L2, so C tiles and A strips fit beside it.
@usableFromInline let gemmBlockBytes = 256 * 1024

/// A last panel at most this wide is done by dot products when op(A) = A (see `gemmDotColumns`).
@usableFromInline let gemmDotColumnsMax = 4

/// Picks the kernel for `Float.gemm` and `Double.gemm`: full-width vectors with FMA (twice as wide
/// where the build has 512-bit registers, `GemmKernel.widensTiles`); without FMA (a baseline SSE2
/// build) half-width vectors keep the 12 accumulators in the 16 xmm registers instead of spilling
/// them (see GemmKernel). The last few columns' dot products use the full-width vectors in both
/// FMA variants, so the wide tiles change no result.
@inline(__always)
func gemmDispatch<X: SIMD & Sendable, W: SIMD & Sendable, N: SIMD & Sendable>(
  _ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int,
  alpha: W.Scalar, a: UnsafeBufferPointer<W.Scalar>, lda: Int, b: UnsafeBufferPointer<W.Scalar>, ldb: Int,
  beta: W.Scalar, c: UnsafeMutableBufferPointer<W.Scalar>, ldc: Int, widest: X.Type, wide: W.Type, narrow: N.Type
) where W.Scalar: DysonScalar, X.Scalar == W.Scalar, N.Scalar == W.Scalar {
  if !GemmKernel.usesFusedMultiplyAdd {
    gemmDriver(ta, tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
               beta: beta, c: c, ldc: ldc, vector: N.self, dot: N.self, fma: SeparateMultiplyAdd.self)
  } else if GemmKernel.usesWideTiles(columns: n, depthBytes: k * MemoryLayout<W.Scalar>.stride,
                                      widestLanes: X.scalarCount) {
    gemmDriver(ta, tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
               beta: beta, c: c, ldc: ldc, vector: X.self, dot: W.self, fma: FusedMultiplyAdd.self)
  } else {
    gemmDriver(ta, tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
               beta: beta, c: c, ldc: ldc, vector: W.self, dot: W.self, fma: FusedMultiplyAdd.self)
  }
}

/// The packed gemm for one tile vector type, one dot-product vector type (the last few columns)
/// and one multiply-add form.
@inline(__always)
func gemmDriver<V: SIMD & Sendable, D: SIMD & Sendable, FMA: MultiplyAccumulate>(
  _ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int,
  alpha: V.Scalar, a: UnsafeBufferPointer<V.Scalar>, lda: Int, b: UnsafeBufferPointer<V.Scalar>, ldb: Int,
  beta: V.Scalar, c: UnsafeMutableBufferPointer<V.Scalar>, ldc: Int, vector: V.Type, dot: D.Type, fma: FMA.Type
) where V.Scalar: DysonScalar, D.Scalar == V.Scalar {
  checkGemmOperands(ta, tb, m: m, n: n, k: k, aCount: a.count, lda: lda,
                    bCount: b.count, ldb: ldb, cCount: c.count, ldc: ldc)
  guard m > 0, n > 0 else { return }
  guard let cBase = c.baseAddress else { return }
  guard k > 0, alpha != 0, let aBase = a.baseAddress, let bBase = b.baseAddress else {
    scaleRows(cBase, rows: m, columns: n, stride: ldc, by: beta)
    return
  }
  // beta = 0: the first depth block stores its tiles instead of adding them to zeros written
  // first (that pass over C was 2–3 % of a GPT step). Results are the same bits: 0 + x either way.
  if beta != 0 { scaleRows(cBase, rows: m, columns: n, stride: ldc, by: beta) }
  // The path switches are read once, on the calling task: the threads of a split product do not
  // see its task-local values.
  let operands = GemmOperands(ta: ta, tb: tb, k: k, alpha: alpha, a: aBase, lda: lda,
                              b: bBase, ldb: ldb, c: cBase, ldc: ldc, overwrites: beta == 0,
                              broadcastsA: FMA.self == SeparateMultiplyAdd.self && GemmKernel.broadcastsA,
                              copiesB: GemmKernel.copiesB)
  let nr = 2 * V.scalarCount
  let flops = 2 * Double(m) * Double(n) * Double(k)
  // Split the longer side of C into disjoint strips, whole tiles each.
  let splitColumns = n >= m
  let tile = splitColumns ? nr : gemmTileRows
  let tiles = ((splitColumns ? n : m) + tile - 1) / tile
  let threads = min(flops >= Double(GemmKernel.parallelThreshold) ? Parallelism.kernelThreadCount : 1, tiles)
  if threads <= 1 {
    gemmStrip(operands, rows: 0..<m, columns: 0..<n, vector: V.self, dot: D.self, fma: FMA.self)
    return
  }
  let length = splitColumns ? n : m
  Parallelism.forEach(count: threads) { t in
    let lo = min(length, (tiles * t / threads) * tile)
    let hi = min(length, (tiles * (t + 1) / threads) * tile)
    guard lo < hi else { return }
    if splitColumns {
      gemmStrip(operands, rows: 0..<m, columns: lo..<hi, vector: V.self, dot: D.self, fma: FMA.self)
    } else {
      gemmStrip(operands, rows: lo..<hi, columns: 0..<n, vector: V.self, dot: D.self, fma: FMA.self)
    }
  }
}

/// Raw operands shared by the threads of one gemm call. Each thread writes a disjoint strip of C
/// and only reads A and B, so sharing the pointers is safe.
@usableFromInline
struct GemmOperands<Scalar: DysonScalar>: @unchecked Sendable {
  let ta: Transpose, tb: Transpose, k: Int, alpha: Scalar
  let a: UnsafePointer<Scalar>, lda: Int
  let b: UnsafePointer<Scalar>, ldb: Int
  let c: UnsafeMutablePointer<Scalar>, ldc: Int
  /// C holds no values yet (beta = 0): the first depth block overwrites instead of adding.
  let overwrites: Bool
  /// GemmKernel.broadcastsA (and a kernel without FMA), GemmKernel.copiesB.
  let broadcastsA: Bool, copiesB: Bool
}

/// C[rows, columns] += alpha · op(A)[rows, :] · op(B)[:, columns] (= with `overwrites`), on the calling thread.
@inline(__always)
func gemmStrip<V: SIMD, D: SIMD, FMA: MultiplyAccumulate>(
  _ o: GemmOperands<V.Scalar>, rows: Range<Int>, columns all: Range<Int>, vector: V.Type, dot: D.Type, fma: FMA.Type
) where V.Scalar: DysonScalar, D.Scalar == V.Scalar {
  let mr = gemmTileRows, nr = 2 * V.scalarCount
  // Columns past the last whole 2·D-wide panel, when few and A's rows are contiguous: dot products
  // (`gemmDotColumns`). Which columns these are, and their sums, depend on D only, never on the
  // tile width V; the tiles take the columns before them.
  let leftover = all.count % (2 * D.scalarCount)
  let dotColumns = o.ta == .normal && leftover <= gemmDotColumnsMax ? leftover : 0
  let columns = all.lowerBound..<(all.upperBound - dotColumns)
  let kcMax = min(o.k, gemmBlockDepth)
  let ncLimit = max(nr, gemmBlockBytes / (kcMax * MemoryLayout<V.Scalar>.stride) / nr * nr)
  let ncMax = max(nr, min(ncLimit, (columns.count + nr - 1) / nr * nr))
  let packsA = GemmKernel.packsA
  // A transposed: a strip takes one line of A per depth step, at A's stride. Met by many panels,
  // it is copied once to a contiguous buffer (GemmKernel.packsStrips); met by few, it stays in
  // place and the loops swap, so that each B panel stays in L1 while the strips stream past.
  // Baseline build (no FMA): each strip is packed as broadcast vectors before its panels.
  let broadcastsA = o.broadcastsA && !packsA
  let packsStrips = !packsA && !broadcastsA && o.ta == .transposed
    && (GemmKernel.packsStrips ?? (ncMax / nr >= GemmKernel.stripPackingPanels))
  let panelsOuter = o.ta == .transposed && !packsStrips && !broadcastsA
  let copiesB = o.tb == .normal && o.copiesB
  let mPacked = packsA ? (rows.count + mr - 1) / mr * mr : mr  // else the edge strip only
  // Scratch for the packed panels, each 64-byte aligned so vector loads never split a cache line.
  func aligned(_ count: Int) -> Int { (count * MemoryLayout<V.Scalar>.stride + 63) / 64 * 64 }
  let bytesA = broadcastsA ? aligned(mr * kcMax * V.scalarCount) : aligned(mPacked * kcMax + gemmPackSlack)
  let bytesB = aligned(ncMax * kcMax)
  GemmScratch.withBuffer(bytes: bytesA + bytesB + aligned(dotColumns * kcMax)) { scratch in
    let packedA = scratch.bindMemory(to: V.Scalar.self, capacity: mPacked * kcMax)
    let packedB = (scratch + bytesA).bindMemory(to: V.Scalar.self, capacity: ncMax * kcMax)
    let columnsB = (scratch + bytesA + bytesB).bindMemory(to: V.Scalar.self, capacity: dotColumns * kcMax)
    let (aRowStride, aDepthStride) = o.ta == .normal ? (o.lda, 1) : (1, o.lda)
    let fullRows = rows.lowerBound + rows.count / mr * mr

    var jc = columns.lowerBound
    while jc < columns.upperBound {
      let nc = min(ncMax, columns.upperBound - jc)
      var pc = 0
      while pc < o.k {
        let kc = min(kcMax, o.k - pc)
        let overwrite = o.overwrites && pc == 0
        // Whole panels of a B that is not transposed are packed by the first strip that meets them.
        let copiedPanels = copiesB ? nc / nr * nr : 0
        if copiedPanels < nc {
          packB(o, depth: pc..<(pc + kc), columns: (jc + copiedPanels)..<(jc + nc), into: packedB + copiedPanels * kc, panelWidth: nr)
        }
        if packsA {
          packA(o, rows: rows, depth: pc..<(pc + kc), into: packedA, panelHeight: mr)
        } else if packsStrips || broadcastsA {
          // Each strip is packed just before its panels (below).
        } else if fullRows < rows.upperBound {
          // The last partial strip must not read rows past A's end: pack it, zero-padded.
          packA(o, rows: fullRows..<rows.upperBound, depth: pc..<(pc + kc), into: packedA, panelHeight: mr)
        }
        // Panel jr of B read in place by the first strip, which packs it on the way (`copiesB`).
        @inline(__always) func copiedPanel(_ jr: Int) -> CopiedPanel<V> {
          CopiedPanel<V>(o.b + pc * o.ldb + jc + jr, ld: o.ldb, into: packedB + jr * kc)
        }
        // The strip of A at row ir (packed, or read in place), and one micro-kernel call.
        @inline(__always) func strip(_ ir: Int, rows mrValid: Int) -> TileOperand<V.Scalar> {
          if packsA {
            return TileOperand(base: packedA + (ir - rows.lowerBound) * kc, rowStride: 1, depthStride: mr)
          } else if packsStrips || mrValid < mr {
            return TileOperand(base: packedA, rowStride: 1, depthStride: mr)
          }
          return TileOperand(base: o.a + ir * aRowStride + pc * aDepthStride, rowStride: aRowStride, depthStride: aDepthStride)
        }
        @inline(__always) func tile(_ a: TileOperand<V.Scalar>, _ ir: Int, _ jr: Int, rows mrValid: Int) {
          let width = min(nr, nc - jr)
          let c = o.c + ir * o.ldc + jc + jr
          if width <= V.scalarCount {
            gemmMicroKernelNarrow(depth: kc, a: a, b: packedB + jr * kc, alpha: o.alpha, c: c,
                                  ldc: o.ldc, rows: mrValid, columns: width, overwrite: overwrite, vector: V.self, fma: FMA.self)
          } else if ir == rows.lowerBound && jr < copiedPanels {
            gemmMicroKernel(depth: kc, strip: StripInPlace<V>(a), rows: copiedPanel(jr),
                            alpha: o.alpha, c: c, ldc: o.ldc, rows: mrValid, columns: width, overwrite: overwrite, fma: FMA.self)
          } else {
            gemmMicroKernel(depth: kc, a: a, b: packedB + jr * kc, alpha: o.alpha, c: c,
                            ldc: o.ldc, rows: mrValid, columns: width, overwrite: overwrite, vector: V.self, fma: FMA.self)
          }
        }
        // Without FMA: the strip as broadcast vectors, made by its first panel's kernel (or by a
        // packing pass for a partial strip or a narrow first panel), then its other panels.
        @inline(__always) func broadcastTiles(_ ir: Int, rows mrValid: Int) {
          let vectors = UnsafeMutableRawPointer(packedA).bindMemory(to: V.self, capacity: mr * kc)
          let copiesStrip = mrValid == mr && nc > V.scalarCount
          if !copiesStrip {
            packABroadcast(o, rows: ir..<(ir + mrValid), depth: pc..<(pc + kc), into: vectors, panelHeight: mr)
          }
          // The narrow kernel reads lane 0 of each broadcast vector as a strided strip.
          let lanes = TileOperand(base: UnsafePointer(packedA), rowStride: V.scalarCount, depthStride: mr * V.scalarCount)
          var jr = 0
          while jr < nc {
            let width = min(nr, nc - jr)
            let c = o.c + ir * o.ldc + jc + jr
            let firstStrip = ir == rows.lowerBound && jr < copiedPanels
            if width <= V.scalarCount {
              gemmMicroKernelNarrow(depth: kc, a: lanes, b: packedB + jr * kc, alpha: o.alpha, c: c, ldc: o.ldc,
                                    rows: mrValid, columns: width, overwrite: overwrite, vector: V.self, fma: FMA.self)
            } else if copiesStrip && jr == 0 {
              let copying = StripBroadcastCopied<V>(strip(ir, rows: mr), into: vectors)
              if firstStrip {
                gemmMicroKernel(depth: kc, strip: copying, rows: copiedPanel(jr),
                                alpha: o.alpha, c: c, ldc: o.ldc, rows: mrValid, columns: width, overwrite: overwrite, fma: FMA.self)
              } else {
                gemmMicroKernel(depth: kc, strip: copying, rows: PackedPanel<V>(packedB + jr * kc),
                                alpha: o.alpha, c: c, ldc: o.ldc, rows: mrValid, columns: width, overwrite: overwrite, fma: FMA.self)
              }
            } else if firstStrip {
              gemmMicroKernel(depth: kc, strip: StripBroadcast<V>(vectors), rows: copiedPanel(jr),
                              alpha: o.alpha, c: c, ldc: o.ldc, rows: mrValid, columns: width, overwrite: overwrite, fma: FMA.self)
            } else {
              gemmMicroKernelBroadcast(depth: kc, a: vectors, b: packedB + jr * kc, alpha: o.alpha, c: c, ldc: o.ldc,
                                       rows: mrValid, columns: width, overwrite: overwrite, vector: V.self, fma: FMA.self)
            }
            jr += nr
          }
        }
        if panelsOuter {
          var jr = 0
          while jr < nc {
            var ir = rows.lowerBound
            while ir < rows.upperBound {
              let mrValid = min(mr, rows.upperBound - ir)
              tile(strip(ir, rows: mrValid), ir, jr, rows: mrValid)
              ir += mr
            }
            jr += nr
          }
        } else {
          var ir = rows.lowerBound
          while ir < rows.upperBound {
            let mrValid = min(mr, rows.upperBound - ir)
            if broadcastsA {
              broadcastTiles(ir, rows: mrValid)
              ir += mr
              continue
            }
            if packsStrips { packA(o, rows: ir..<(ir + mrValid), depth: pc..<(pc + kc), into: packedA, panelHeight: mr) }
            let a = strip(ir, rows: mrValid)
            var jr = 0
            while jr < nc {
              tile(a, ir, jr, rows: mrValid)
              jr += nr
            }
            ir += mr
          }
        }
        pc += kc
      }
      jc += nc
    }
    // The dot columns, by the same depth blocks: each column of op(B) gathered into kc contiguous values.
    var pc = 0
    while dotColumns > 0 && pc < o.k {
      let kc = min(kcMax, o.k - pc)
      for j in 0..<dotColumns {
        let column = columns.upperBound + j
        for p in 0..<kc {
          columnsB[j * kc + p] = o.tb == .normal ? o.b[(pc + p) * o.ldb + column] : o.b[column * o.ldb + pc + p]
        }
      }
      gemmDotColumns(depth: kc, a: o.a + rows.lowerBound * o.lda + pc, lda: o.lda, rows: rows.count,
                     bColumns: columnsB, columns: dotColumns, alpha: o.alpha,
                     c: o.c + rows.lowerBound * o.ldc + columns.upperBound, ldc: o.ldc, overwrite: o.overwrites && pc == 0,
                     vector: D.self, fma: FMA.self)
      pc += kc
    }
  }
}

/// C ← beta · C over an m×n block; beta = 0 writes zeros so NaN in C cannot leak (BLAS semantics).
@inline(__always)
func scaleRows<Scalar: DysonScalar>(
  _ c: UnsafeMutablePointer<Scalar>, rows: Int, columns: Int, stride: Int, by beta: Scalar
) {
  guard beta != 1 else { return }
  for i in 0..<rows {
    let row = c + i * stride
    if beta == 0 {
      row.update(repeating: 0, count: columns)
    } else {
      for j in 0..<columns { row[j] *= beta }
    }
  }
}
