// Eigenvalues of a large symmetric matrix in two stages (Bischof, Lang & Sun, "A framework for
// symmetric band reduction", ACM TOMS 26(4), 2000; the bulge-chasing kernels of Haidar, Ltaief
// & Dongarra, SC'11):
//   1. dense → band of half-bandwidth b. Panel by panel, a Householder QR of the b columns below
//      the band, Q = I − V T Vᵀ, and the two-sided update A₂₂ ← QᵀA₂₂Q as three gemm calls;
//   2. band → tridiagonal. One reflector annihilates a column below its subdiagonal; applied from
//      both sides it fills the b × b block below, whose first column the next reflector
//      annihilates, and so on down the band ("chasing the bulge") in blocks that stay in L1;
//   3. the tridiagonal's eigenvalues by implicit QL (TridiagonalEigen.swift).
//
// Why two stages: the one-stage reduction (EISPACK tred2, LAPACK dsytrd) spends half of its
// (4/3)n³ flops in matrix–vector products that read the whole trailing matrix once per column,
// so above the cache it runs at memory speed. Here every pass of stage 1 over memory is a gemm
// doing 2b flops per element read, and stage 2's ≈ 6n²b flops work on a band that fits in cache.
// Disadvantages: no eigenvectors (the reflectors are not kept), and (4/3)n³ flops in stage 1 as
// in dsytrd, so below n ≈ 100 the one-stage reduction is as fast. Accuracy is that of any orthogonal reduction: every eigenvalue to ≈ c·n·ε·‖A‖.

/// (diagonal, off-diagonal) of a tridiagonal matrix orthogonally similar to `scale`·`then`·`a`
/// (`a` symmetric, both triangles used; the scales multiply in that order, each exactly when a
/// power of two), reduced in two stages with half-bandwidth `b`.
/// `e[i]` couples i and i + 1; `e[n − 1] = 0`.
/// - Complexity: (4/3)n³ + O(n²b) flops, n² + O(nb) doubles of memory.
func twoStageTridiagonal(_ a: Matrix<Double>, scaledBy scale: Double = 1, _ then: Double = 1, bandwidth b: Int,
                         blockColumns: Int = reductionBlockColumns) -> (d: [Double], e: [Double]) {
  let n = a.rows
  precondition(a.isSquare && b >= 1, "twoStageTridiagonal: \(a.rows)×\(a.columns), b = \(b)")
  var d = [Double](repeating: 0, count: n), e = [Double](repeating: 0, count: n)
  if n == 0 { return (d, e) }
  // Column c of the band holds A[c ..< c + ld, c]: the b subdiagonals and room for the bulges
  // of stage 2, which reach 2b − 1 below the diagonal.
  let ld = 2 * b
  var band = [Double](repeating: 0, count: n * ld)
  var work = a.elements.map { $0 * scale * then }
  work.withUnsafeMutableBufferPointer { w in
    reduceToBand(w.baseAddress!, n: n, bandwidth: b, blockColumns: blockColumns)
    band.withUnsafeMutableBufferPointer { bb in
      for c in 0..<n {
        for r in c..<Swift.min(n, c + b + 1) { bb[c * ld + r - c] = w[r * n + c] }
      }
    }
  }
  band.withUnsafeMutableBufferPointer { bb in
    chaseBulges(bb.baseAddress!, n: n, bandwidth: b, ld: ld)
    for i in 0..<n {
      d[i] = bb[i * ld]
      if i + 1 < n { e[i] = bb[i * ld + 1] }
    }
  }
  return (d, e)
}

// MARK: Stage 1: dense → band

/// Width of the block columns in which stage 1 keeps the trailing matrix (by default): only the blocks on and
/// below the diagonal are updated, which saves a third of the flops at the cost of two gemm
/// calls per block column for A₂₂V.
let reductionBlockColumns = 256

/// Reduces the symmetric n×n row-major `a` (both triangles given) in place until A[i, j] = 0 for
/// i − j > b. Only the lower band is meaningful afterwards.
func reduceToBand(_ a: UnsafeMutablePointer<Double>, n: Int, bandwidth b: Int, blockColumns: Int = reductionBlockColumns) {
  let maxRows = Swift.max(0, n - b)
  // Scratch, sized once for the first (largest) panel.
  var panel = [Double](repeating: 0, count: maxRows * b)      // column-major m × b
  var vt = [Double](repeating: 0, count: maxRows * b)         // Vᵀ, row-major nv × m
  var tau = [Double](repeating: 0, count: b)
  var t = [Double](repeating: 0, count: b * b)                // T, row-major nv × nv, upper
  var z = [Double](repeating: 0, count: b * b)
  var s = [Double](repeating: 0, count: b * b)
  var y = [Double](repeating: 0, count: maxRows * b)          // A₂₂V, then X = A₂₂VT → W
  var x = [Double](repeating: 0, count: maxRows * b)
  var left = [Double](repeating: 0, count: maxRows * 2 * b)   // [V W], row-major m × 2nv
  var right = [Double](repeating: 0, count: maxRows * 2 * b)  // [W V]
  var k = 0
  while n - k - b >= 2 {
    let m = n - k - b                 // rows below the band in this panel
    let nv = Swift.min(b, m - 1)      // reflectors (a last one of length 1 would be the identity)
    let a22 = a + (k + b) * n + (k + b)
    panel.withUnsafeMutableBufferPointer { pb in
      let p = pb.baseAddress!
      // Copy A[k+b ..< n, k ..< k+b] (rows are contiguous in A) into column-major P.
      for r in 0..<m {
        let row = a + (k + b + r) * n + k
        for c in 0..<b { p[c * m + r] = row[c] }
      }
      // Householder QR of P, reflector c stored below P[c, c] (LAPACK's dgeqr2).
      for c in 0..<nv {
        let col = p + c * m
        let (tc, beta) = makeReflector(col + c, m - c)
        tau[c] = tc
        col[c] = beta
        if tc == 0 { continue }
        for j in (c + 1)..<b {
          let pj = p + j * m
          let w = tc * (pj[c] + dot(col + c + 1, pj + c + 1, m - c - 1))
          pj[c] -= w
          axpy(-w, col + c + 1, pj + c + 1, m - c - 1)
        }
      }
      // Write R back below the band; the entries it annihilated become zeros.
      for r in 0..<m {
        let row = a + (k + b + r) * n + k
        for c in 0..<b { row[c] = r <= c ? p[c * m + r] : 0 }
      }
      // Vᵀ: row j is reflector j, zero before j and one at j.
      vt.withUnsafeMutableBufferPointer { vb in
        let v = vb.baseAddress!
        for j in 0..<nv {
          let row = v + j * m
          for r in 0..<j { row[r] = 0 }
          row[j] = 1
          for r in (j + 1)..<m { row[r] = p[j * m + r] }
        }
      }
    }
    // T of the compact WY form, Q = H₀H₁⋯ = I − V T Vᵀ (LAPACK's dlarft, forward, columnwise):
    // T[j, j] = τⱼ, T[0..<j, j] = −τⱼ · T[0..<j, 0..<j] · (Vᵀ vⱼ)[0..<j].
    vt.withUnsafeBufferPointer { vb in
      t.withUnsafeMutableBufferPointer { tb in
        let v = vb.baseAddress!
        for i in 0..<(nv * nv) { tb[i] = 0 }
        var proj = [Double](repeating: 0, count: nv)
        for j in 0..<nv {
          tb[j * nv + j] = tau[j]
          guard tau[j] != 0 else { continue }
          for i in 0..<j { proj[i] = dot(v + i * m + j, v + j * m + j, m - j) }
          for i in 0..<j {
            var sum = 0.0
            for l in i..<j { sum += tb[i * nv + l] * proj[l] }
            tb[i * nv + j] = -tau[j] * sum
          }
        }
      }
    }
    // Qᵀ A₂₂ Q = A₂₂ − V Wᵀ − W Vᵀ with X = A₂₂VT, S = TᵀVᵀX, W = X − ½VS
    // (expand (I − VTᵀVᵀ)A₂₂(I − VTVᵀ) and split the symmetric V·S·Vᵀ term in halves).
    // A is kept in block columns of `reductionBlockColumns`, aligned to A's own columns (not to
    // A₂₂'s, which start b further on at every panel): the rows of block column J from J's first
    // row down are current, the blocks above J's diagonal block are stale.
    let firstBlockEnd = blockColumns - (k + b) % blockColumns
    let aBuffer = UnsafeMutableBufferPointer(start: a22, count: (m - 1) * n + m)
    let aRead = UnsafeBufferPointer(aBuffer)
    vt.withUnsafeBufferPointer { v in
      y.withUnsafeMutableBufferPointer { yb in
        x.withUnsafeMutableBufferPointer { xb in
          t.withUnsafeBufferPointer { tb in
            z.withUnsafeMutableBufferPointer { zb in
              s.withUnsafeMutableBufferPointer { sb in
                let vRows = UnsafeBufferPointer(rebasing: v[0..<(nv * m)])
                // Y = A₂₂V from the current blocks: block column J gives A₂₂[J..., J]·V[J] to
                // Y[J...] and A₂₂[below J, J]ᵀ·V[below J] to Y[J].
                for i in 0..<(m * nv) { yb[i] = 0 }
                var j0 = 0
                while j0 < m {
                  let j1 = Swift.min(m, j0 == 0 ? firstBlockEnd : j0 + blockColumns)
                  Double.gemm(.normal, .transposed, m: m - j0, n: nv, k: j1 - j0, alpha: 1,
                              a: UnsafeBufferPointer(rebasing: aRead[(j0 * n + j0)...]), lda: n,
                              b: UnsafeBufferPointer(rebasing: vRows[j0...]), ldb: m, beta: 1,
                              c: UnsafeMutableBufferPointer(rebasing: yb[(j0 * nv)..<(m * nv)]), ldc: nv)
                  if j1 < m {
                    Double.gemm(.transposed, .transposed, m: j1 - j0, n: nv, k: m - j1, alpha: 1,
                                a: UnsafeBufferPointer(rebasing: aRead[(j1 * n + j0)...]), lda: n,
                                b: UnsafeBufferPointer(rebasing: vRows[j1...]), ldb: m, beta: 1,
                                c: UnsafeMutableBufferPointer(rebasing: yb[(j0 * nv)..<(j1 * nv)]), ldc: nv)
                  }
                  j0 = j1
                }
                Double.gemm(.normal, .normal, m: m, n: nv, k: nv, alpha: 1, a: UnsafeBufferPointer(yb), lda: nv,
                            b: tb, ldb: nv, beta: 0, c: xb, ldc: nv)
                Double.gemm(.normal, .normal, m: nv, n: nv, k: m, alpha: 1, a: vRows, lda: m,
                            b: UnsafeBufferPointer(xb), ldb: nv, beta: 0, c: zb, ldc: nv)
                Double.gemm(.transposed, .normal, m: nv, n: nv, k: nv, alpha: 1, a: tb, lda: nv,
                            b: UnsafeBufferPointer(zb), ldb: nv, beta: 0, c: sb, ldc: nv)
                Double.gemm(.transposed, .normal, m: m, n: nv, k: nv, alpha: -0.5, a: vRows, lda: m,
                            b: UnsafeBufferPointer(sb), ldb: nv, beta: 1, c: xb, ldc: nv)
              }
            }
          }
        }
      }
    }
    left.withUnsafeMutableBufferPointer { lb in
      right.withUnsafeMutableBufferPointer { rb in
        vt.withUnsafeBufferPointer { v in
          x.withUnsafeBufferPointer { w in
            let width = 2 * nv
            for r in 0..<m {
              for j in 0..<nv {
                let vj = v[j * m + r], wj = w[r * nv + j]
                lb[r * width + j] = vj
                lb[r * width + nv + j] = wj
                rb[r * width + j] = wj
                rb[r * width + nv + j] = vj
              }
            }
            // A₂₂[J..., J] −= [V W][J...]·[W V][J]ᵀ, block column by block column.
            var j0 = 0
            while j0 < m {
              let j1 = Swift.min(m, j0 == 0 ? firstBlockEnd : j0 + blockColumns)
              Double.gemm(.normal, .transposed, m: m - j0, n: j1 - j0, k: width, alpha: -1,
                          a: UnsafeBufferPointer(rebasing: lb[(j0 * width)..<(m * width)]), lda: width,
                          b: UnsafeBufferPointer(rebasing: rb[(j0 * width)..<(m * width)]), ldb: width,
                          beta: 1, c: UnsafeMutableBufferPointer(rebasing: aBuffer[(j0 * n + j0)...]), ldc: n)
              j0 = j1
            }
          }
        }
      }
    }
    k += b
  }
}

// MARK: Stage 2: band → tridiagonal

/// Chases the band (column c holds A[c ..< c + ld, c], lower triangle, ld ≥ 2b) down to
/// tridiagonal form in place: afterwards band[c·ld] is the diagonal and band[c·ld + 1] the
/// subdiagonal.
///
/// In this storage, element (r, c) with 0 ≤ r − c < ld sits at c·ld + (r − c) = c·(ld − 1) + r,
/// so any block whose elements all lie in that range is a column-major matrix with column
/// stride ld − 1: the blocks below are handled as such.
///
/// Sweep i annihilates A[i+2 ..< i+1+b, i] by a reflector H on rows R = i+1 ..< i+1+b, applied
/// to the diagonal block A[R, R] from both sides. Then, step by step down the band, with R' the
/// next b rows: H from the right fills the block B = A[R', R]; a new reflector H' annihilates
/// B's first column below its first row and is applied to the rest of B from the left and to
/// A[R', R'] from both sides; R ← R'. The rest of each filled block (below its diagonal, outside
/// the band) is left in place: it lies inside the next sweep's block at the same step, whose
/// first column is that remainder's first column, so every column is clean when its sweep begins.
func chaseBulges(_ band: UnsafeMutablePointer<Double>, n: Int, bandwidth b: Int, ld: Int) {
  precondition(ld >= 2 * b)
  let stride = ld - 1
  var vBuffer = [Double](repeating: 0, count: b)
  var vNextBuffer = [Double](repeating: 0, count: b)
  var pBuffer = [Double](repeating: 0, count: b)
  vBuffer.withUnsafeMutableBufferPointer { vb in
    vNextBuffer.withUnsafeMutableBufferPointer { vnb in
      pBuffer.withUnsafeMutableBufferPointer { pb in
        var v = vb.baseAddress!, vNext = vnb.baseAddress!
        let p = pb.baseAddress!
        for i in 0..<Swift.max(0, n - 2) {
          var rows = Swift.min(b, n - 1 - i)            // R = i+1 ..< i+1+rows
          if rows < 2 { continue }
          var start = i + 1
          // Step 0: column i.
          let column = band + i * ld + 1                 // A[i+1 ..< i+1+rows, i]
          let (firstTau, beta) = makeReflector(column, rows)
          var tau = firstTau
          v[0] = 1
          for r in 1..<rows { v[r] = column[r]; column[r] = 0 }
          column[0] = beta
          if tau != 0 { symmetricReflect(band + start * stride + start, stride: stride, size: rows, v: v, tau: tau, p: p) }
          while start + rows < n {
            let next = start + rows
            let nextRows = Swift.min(b, n - next)       // R' = next ..< next + nextRows
            let block = band + start * stride + next     // B = A[R', R], nextRows × rows
            // B ← B·H: B −= τ (B v) vᵀ.
            if tau != 0 {
              for r in 0..<nextRows { p[r] = 0 }
              for q in 0..<rows { axpy(v[q], block + q * stride, p, nextRows) }
              for q in 0..<rows { axpy(-tau * v[q], p, block + q * stride, nextRows) }
            }
            // H' annihilates B[1..., 0]; then B[:, 1...] ← H'·B[:, 1...].
            var tauNext = 0.0
            if nextRows >= 2 {
              let first = block
              let (t, bt) = makeReflector(first, nextRows)
              tauNext = t
              vNext[0] = 1
              for r in 1..<nextRows { vNext[r] = first[r]; first[r] = 0 }
              first[0] = bt
              if t != 0 {
                for q in 1..<rows {
                  let col = block + q * stride
                  let w = t * dot(vNext, col, nextRows)
                  axpy(-w, vNext, col, nextRows)
                }
                symmetricReflect(band + next * stride + next, stride: stride, size: nextRows, v: vNext, tau: t, p: p)
              }
            }
            swap(&v, &vNext)
            tau = tauNext
            start = next
            rows = nextRows
          }
        }
      }
    }
  }
}

/// D ← H D H for the symmetric `size`×`size` block D (lower triangle, column-major with column
/// stride `stride`) and H = I − τvvᵀ: with p = τDv and w = p − (τ/2)(pᵀv)v, HDH = D − vwᵀ − wvᵀ.
/// `p` is scratch of `size` elements.
@inline(__always)
func symmetricReflect(_ dBlock: UnsafeMutablePointer<Double>, stride: Int, size: Int, v: UnsafePointer<Double>, tau: Double,
                      p: UnsafeMutablePointer<Double>) {
  for r in 0..<size { p[r] = 0 }
  // p = D v from the lower triangle: column q gives D[q, q]·v_q and D[q+1..., q]·v[q+1...] to p_q,
  // and v_q·D[q+1..., q] to p[q+1...].
  for q in 0..<size {
    let col = dBlock + q * stride
    let below = size - q - 1
    p[q] += col[q] * v[q] + dot(col + q + 1, v + q + 1, below)
    axpy(v[q], col + q + 1, p + q + 1, below)
  }
  var pv = 0.0
  for r in 0..<size { p[r] *= tau; pv += p[r] * v[r] }
  let half = 0.5 * tau * pv
  for r in 0..<size { p[r] -= half * v[r] }      // p is now w
  for q in 0..<size {
    subtractTwo(p[q], v + q, v[q], p + q, from: dBlock + q * stride + q, size - q)
  }
}

/// The Householder reflector of x (length `count` ≥ 1, LAPACK's dlarfg): returns τ and β with
/// (I − τvvᵀ)x = βe₁, v = (1, x[1...]/(x₀ − β)), and leaves v[1...] in x[1...]. τ = 0 (H = I)
/// when x[1...] is zero.
@inline(__always)
func makeReflector(_ x: UnsafeMutablePointer<Double>, _ count: Int) -> (tau: Double, beta: Double) {
  guard count > 1 else { return (0, x[0]) }
  let alpha = x[0]
  let sigma = dot(x + 1, x + 1, count - 1)
  if sigma == 0 { return (0, alpha) }
  let beta = (alpha >= 0 ? -1.0 : 1.0) * (alpha * alpha + sigma).squareRoot()
  let scale = 1 / (alpha - beta)
  for r in 1..<count { x[r] *= scale }
  return ((beta - alpha) / beta, beta)
}
