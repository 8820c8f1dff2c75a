// Packing copies a block of op(A) or op(B) into the order the micro-kernel reads it, so that the
// kernel's loads are stride-1 and aligned whatever the operand's storage or transpose.
//
// packed A: for each mr-row panel, for p in depth: mr values    (zero-padded past the last row)
// packed B: for each nr-column panel, for p in depth: nr values (zero-padded past the last column)

/// Scalars a packed A buffer needs past its last panel: the transposed pack stores 8 values per
/// depth step of 6-value panels.
@usableFromInline let gemmPackSlack = 2

/// Packs op(A)[rows, depth] into mr-row micro-panels.
@inline(__always)
func packA<Scalar: DysonScalar>(
  _ o: GemmOperands<Scalar>, rows: Range<Int>, depth: Range<Int>,
  into dst: UnsafeMutablePointer<Scalar>, panelHeight mr: Int
) {
  let kc = depth.count
  if o.ta == .transposed {
    // op(A)(i, p) = a[p·lda + i]: the mr values of one p are contiguous. Panel by panel, so the
    // writes are sequential (p-outer order scattered them 6·kc values apart, onto two L1 sets).
    // Each p moves 8 values in one vector (one load, one store; six scalar stores made the
    // store port the limit): the 2 extra land where the next p's store overwrites them, or in
    // the slack past the last panel (`gemmPackSlack`).
    precondition(mr == 6)
    var out = dst
    var i = rows.lowerBound
    // The last row of A may end right after its mr values: reading 8 there could leave A.
    let lastRow = o.k - 1
    while i + mr <= rows.upperBound {
      var src = o.a + depth.lowerBound * o.lda + i
      for p in depth {
        if p < lastRow || i + 8 <= rows.upperBound {
          UnsafeMutableRawPointer(out).storeBytes(of: UnsafeRawPointer(src).loadUnaligned(as: SIMD8<Scalar>.self),
                                                  as: SIMD8<Scalar>.self)
        } else {
          for r in 0..<mr { out[r] = src[r] }
        }
        out += mr
        src += o.lda
      }
      i += mr
    }
    if i < rows.upperBound {
      let valid = rows.upperBound - i
      for p in 0..<kc {
        let src = o.a + (depth.lowerBound + p) * o.lda + i
        for r in 0..<mr { out[p * mr + r] = r < valid ? src[r] : 0 }
      }
    }
    return
  }
  var out = dst
  var i0 = rows.lowerBound
  while i0 < rows.upperBound {
    let valid = min(mr, rows.upperBound - i0)
    // op(A)(i, p) = a[i·lda + p]: each source row is contiguous in p.
    for r in 0..<valid {
      let src = o.a + (i0 + r) * o.lda + depth.lowerBound
      for p in 0..<kc { out[p * mr + r] = src[p] }
    }
    if valid < mr {
      for p in 0..<kc { for r in valid..<mr { out[p * mr + r] = 0 } }
    }
    out += mr * kc
    i0 += mr
  }
}

/// Packs op(B)[depth, columns] into nr-column micro-panels.
@inline(__always)
func packB<Scalar: DysonScalar>(
  _ o: GemmOperands<Scalar>, depth: Range<Int>, columns: Range<Int>,
  into dst: UnsafeMutablePointer<Scalar>, panelWidth nr: Int
) {
  let kc = depth.count
  // op(B)(p, j) = b[p·ldb + j]: the nr values of one p are contiguous, copied 32 bytes at a time
  // (a memmove call per 16 values cost 6 % of a GPT step).
  let stride = MemoryLayout<Scalar>.stride
  let wholePanels = o.tb == .normal && (nr * stride) % 32 == 0 ? columns.count / nr : 0
  if wholePanels > 0 {
    // Whole panels one after the other: each is written front to back, reading its nr-wide
    // piece of every source row at B's stride. Row by row instead, the writes went to all the
    // panels at once, panelBytes·kc apart: at kc = 256 that is a multiple of 4 KiB, one L1 set
    // for every panel's stream (perf: half the packing's time on the stores).
    // Running pointers, not p·ldb offsets: those were overflow-checked multiplies per row.
    let panelBytes = nr * stride, rowBytes = o.ldb * stride
    var out = UnsafeMutableRawPointer(dst)
    for panel in 0..<wholePanels {
      var src = UnsafeRawPointer(o.b + depth.lowerBound * o.ldb + columns.lowerBound + panel * nr)
      for _ in 0..<kc {
        var byte = 0
        while byte < panelBytes {
          out.storeBytes(of: src.loadUnaligned(fromByteOffset: byte, as: SIMD4<UInt64>.self),
                         toByteOffset: byte, as: SIMD4<UInt64>.self)
          byte &+= 32
        }
        src += rowBytes
        out += panelBytes
      }
    }
  }
  var out = dst + wholePanels * nr * kc
  var j0 = columns.lowerBound + wholePanels * nr
  while j0 < columns.upperBound {
    let valid = min(nr, columns.upperBound - j0)
    if o.tb == .normal {
      // The last, partial panel, zero-padded.
      for p in 0..<kc {
        let src = o.b + (depth.lowerBound + p) * o.ldb + j0
        let row = out + p * nr
        row.update(from: src, count: valid)
        if valid < nr { (row + valid).update(repeating: 0, count: nr - valid) }
      }
    } else {
      // op(B)(p, j) = b[j·ldb + p]: each source row is contiguous in p.
      for col in 0..<valid {
        let src = o.b + (j0 + col) * o.ldb + depth.lowerBound
        for p in 0..<kc { out[p * nr + col] = src[p] }
      }
      if valid < nr {
        for p in 0..<kc { for col in valid..<nr { out[p * nr + col] = 0 } }
      }
    }
    out += nr * kc
    j0 += nr
  }
}

/// Packs op(A)[rows, depth] (at most mr rows, zero-padded) as broadcast vectors: element (r, p)
/// fills every lane of out[p·mr + r] (`gemmMicroKernelBroadcast`).
@inline(__always)
func packABroadcast<V: SIMD>(
  _ o: GemmOperands<V.Scalar>, rows: Range<Int>, depth: Range<Int>, into out: UnsafeMutablePointer<V>, panelHeight mr: Int
) where V.Scalar: DysonScalar {
  let valid = rows.count
  let (rowStride, depthStride) = o.ta == .normal ? (o.lda, 1) : (1, o.lda)
  var src = o.a + rows.lowerBound * rowStride + depth.lowerBound * depthStride
  var dst = out
  if valid == 6 && mr == 6 {
    // A whole strip, written out: six loads, six broadcasts, six aligned stores per depth step
    // (the loop over r with its zero-padding test cost twice as much).
    let s1 = rowStride, s2 = 2 * rowStride, s3 = 3 * rowStride, s4 = 4 * rowStride, s5 = 5 * rowStride
    for _ in depth {
      dst[0] = V(repeating: src[0]); dst[1] = V(repeating: src[s1]); dst[2] = V(repeating: src[s2])
      dst[3] = V(repeating: src[s3]); dst[4] = V(repeating: src[s4]); dst[5] = V(repeating: src[s5])
      src += depthStride
      dst += 6
    }
    return
  }
  for _ in depth {
    for r in 0..<mr { dst[r] = V(repeating: r < valid ? src[r * rowStride] : 0) }
    src += depthStride
    dst += mr
  }
}
