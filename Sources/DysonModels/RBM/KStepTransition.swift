import DysonCore

/// The k block-Gibbs sweeps of a PCD update drawn in one step: the same Markov kernel for the
/// visible chain, with one normal per visible unit instead of k per visible and k per hidden unit.
///
/// One sweep (h|φ, then φ|h) is linear-Gaussian:
///   φ' = Mφ + m + ε,  M = (σ_h²/μ²)WWᵀ,  m = Wη/μ²,  ε ~ N(0, (1 + M)/μ²)
/// (Wh/μ² with h = η + σ_h²Wᵀφ + σ_h ξ, plus ζ/μ). Iterating k times:
///   φ_k = Mᵏφ + P m + ε_k,  P = Σ_{j<k} Mʲ,  Cov ε_k = Σ_{j<k} Mʲ(1 + M)Mʲ/μ² = Σ_{j<2k} Mʲ/μ² = P(1 + Mᵏ)/μ²,
/// as M is symmetric. So φ_k = Mᵏφ + Pm + Lξ with LLᵀ = P(1 + Mᵏ)/μ² (Cholesky): the law of the
/// chains, and so of every W, is the authors' sweeps'; only the random numbers differ.
///
/// Generic over the value so that one run (`Double`) and four runs in lanes (`SIMD4<Double>`)
/// execute the same operations in the same order (bit-identical lanes).
struct KStepTransition<Value: PCDValue> {
  let visible: Int
  /// Mᵏ and Pm (N_v × N_v row-major, N_v), and U = Lᵀ (upper, row-major), refreshed by `prepare`.
  var propagator: [Value]
  var offset: [Value]
  var factor: [Value]
  /// Scratch: Wᵀ, M, P, a product, a chain's new state, all chains' new states (gemm path).
  var transposed: [Value], m: [Value], sum: [Value], product: [Value], row: [Value], rows: [Value] = []
  /// Scratch of `advanceGram`: the top rows XMᵏ + Z₁U and the noise rows Z₂U (or RU).
  var topRows: [Value] = [], noiseRows: [Value] = []

  init(visible n: Int) {
    visible = n
    propagator = [Value](repeating: .zero, count: n * n)
    offset = [Value](repeating: .zero, count: n)
    factor = propagator
    m = propagator; sum = propagator; product = propagator
    row = offset
    transposed = []
  }

  /// The transition of `steps` sweeps at weights W (N_v × N_h, row-major). `usesGemm`: products
  /// through the packed gemm (one run, `Value == Double`, large N_v) instead of loops, the same
  /// result to rounding.
  mutating func prepare(weights w: UnsafePointer<Value>, hidden nh: Int, sigmaH: Double, mu2: Double,
                        hiddenBias eta: [Double], steps k: Int, usesGemm gemm: Bool = false) {
    precondition(!gemm || Value.self == Double.self, "KStepTransition: gemm is for Double")
    let n = visible
    let invMu2 = 1 / mu2
    let hasBias = eta.contains { $0 != 0 }
    if !hasBias { for i in 0..<n { offset[i] = .zero } }
    if !gemm && transposed.count != n * nh { transposed = [Value](repeating: .zero, count: n * nh) }
    transposed.withUnsafeMutableBufferPointer { wtb in
     m.withUnsafeMutableBufferPointer { mb in
      sum.withUnsafeMutableBufferPointer { pb in
       product.withUnsafeMutableBufferPointer { tb in
        propagator.withUnsafeMutableBufferPointer { ab in
         factor.withUnsafeMutableBufferPointer { ub in
          let mp = mb.baseAddress!, pp = pb.baseAddress!, tp = tb.baseAddress!
          let ap = ab.baseAddress!, up = ub.baseAddress!
          // M = (σ_h²/μ²)WWᵀ, upper triangle: row i gains W_ia·(row a of Wᵀ) from column i on.
          if gemm {
            Self.gemm(.normal, .transposed, m: n, n: n, k: nh, alpha: sigmaH * sigmaH * invMu2, a: w, lda: nh, b: w, ldb: nh,
                      beta: 0, c: mp, ldc: n)
          } else {
            let wt = wtb.baseAddress!   // allocated above for the loop path only
            for i in 0..<n { for a in 0..<nh { wt[a * n + i] = w[i * nh + a] } }
            for i in 0..<n {
              accumulateRows(into: mp + i * n + i, count: n - i, terms: nh, coefficients: w + i * nh, coefficientStride: 1,
                             scale: sigmaH * sigmaH * invMu2, rows: wt + i, rowStride: n, overwrite: true)
            }
          }
          Self.mirrorUpper(mp, n: n)
          // Mᵏ and P = 1 + M + … + Mᵏ⁻¹: k − 1 products, alternating between the product buffer
          // and the propagator so that the last lands in the propagator without a copy.
          for x in 0..<(n * n) { pp[x] = .zero }
          for i in 0..<n { pp[i * n + i] = Value(broadcasting: 1) }
          var power = UnsafePointer(mp)
          for j in 1..<k {
            for x in 0..<(n * n) { pp[x] += power[x] }
            let next = (k - j) % 2 == 1 ? ap : tp
            Self.symmetricProduct(power, mp, into: next, n: n, usesGemm: gemm)
            power = UnsafePointer(next)
          }
          if k == 1 { for x in 0..<(n * n) { ap[x] = mp[x] } }
          // Pm with m = Wη/μ²: zero, and skipped, without a hidden bias (the authors' η = 0).
          if hasBias { row.withUnsafeMutableBufferPointer { mv in
            for i in 0..<n {
              var s = Value.zero
              for a in 0..<nh { s += (invMu2 * eta[a]) * w[i * nh + a] }
              mv[i] = s
            }
            offset.withUnsafeMutableBufferPointer { o in
              accumulateRows(into: o.baseAddress!, count: n, terms: n, coefficients: mv.baseAddress!, coefficientStride: 1,
                             scale: 1, rows: pp, rowStride: n, overwrite: true)
            }
          } }
          // Σ = P(1 + Mᵏ)/μ² = (P + P·Mᵏ)/μ² (P and Mᵏ commute: the product is symmetric).
          Self.symmetricProduct(pp, ap, into: tp, n: n, usesGemm: gemm)
          for x in 0..<(n * n) { tp[x] = invMu2 * (pp[x] + tp[x]) }
          // Σ = UᵀU. Σ ≥ 1/μ², so every pivot is positive while W is finite; NaN in W gives NaN
          // here, as it would in the sweeps.
          Self.choleskyUpper(tp, into: up, n: n)
         }
        }
       }
      }
     }
    }
  }

  /// Advances each of the `batch` chains (rows of V, N_v each): φ ← Mᵏφ + Pm + Lξ, ξ the row of
  /// `noise`; (Mᵏφ)_i = Σ_j φ_j(Mᵏ)_ji by symmetry, and (Lξ)_i = Σ_{j≤i} ξ_j U_ji.
  /// With `upperTriangular`, chain b is zero before entry b (the Gram root), and those terms are skipped.
  mutating func advance(chains v: UnsafeMutablePointer<Value>, noise z: UnsafePointer<Value>, batch: Int, usesGemm: Bool = false,
                        upperTriangular: Bool = false) {
    let n = visible
    if usesGemm {
      // All chains at once: V ← 1(Pm)ᵀ + V·Mᵏ + Ξ·U.
      if rows.count != batch * n { rows = [Value](repeating: .zero, count: batch * n) }
      rows.withUnsafeMutableBufferPointer { r in
        let rp = r.baseAddress!
        for b in 0..<batch { for i in 0..<n { rp[b * n + i] = offset[i] } }
        propagator.withUnsafeBufferPointer { Self.gemm(.normal, .normal, m: batch, n: n, k: n, alpha: 1, a: v, lda: n, b: $0.baseAddress!, ldb: n, beta: 1, c: rp, ldc: n) }
        factor.withUnsafeBufferPointer { Self.gemm(.normal, .normal, m: batch, n: n, k: n, alpha: 1, a: z, lda: n, b: $0.baseAddress!, ldb: n, beta: 1, c: rp, ldc: n) }
        for x in 0..<(batch * n) { v[x] = rp[x] }
      }
      return
    }
    propagator.withUnsafeBufferPointer { ab in
     factor.withUnsafeBufferPointer { ub in
      offset.withUnsafeBufferPointer { o in
       row.withUnsafeMutableBufferPointer { r in
        let ap = ab.baseAddress!, up = ub.baseAddress!, rp = r.baseAddress!
        for b in 0..<batch {
          let phi = v + b * n
          for i in 0..<n { rp[i] = o[i] }
          let skip = upperTriangular ? b : 0
          accumulateRows(into: rp, count: n, terms: n - skip, coefficients: phi + skip, coefficientStride: 1, scale: 1,
                         rows: ap + skip * n, rowStride: n)
          accumulateRows(into: rp, count: n, terms: n, coefficients: z + b * n, coefficientStride: 1, scale: 1, rows: up, rowStride: n,
                         lowerTriangular: true)
          for i in 0..<n { phi[i] = rp[i] }
        }
       }
      }
     }
    }
  }

  /// The chains' Gram matrix G = VᵀV after one transition, for |B| > N_v chains, drawn without
  /// the chains (sampler `gram`). The gradient sees the chains only through G, and the noise ΞU
  /// of the |B| rows is invariant under rotations of those rows; so the rows can be rotated to
  /// V = [X; 0] with X (N_v × N_v, `root`) any matrix with XᵀX = G. One transition then gives
  ///   [XMᵏ + 1(Pm)ᵀ + Z₁U; Z₂U],  G' = (XMᵏ + 1(Pm)ᵀ + Z₁U)ᵀ(…) + Uᵀ(Z₂ᵀZ₂)U,
  /// Z₁ (N_v × N_v, `noise`) and Z₂ ((|B| − N_v) × N_v) standard normal. Z₂ enters only through
  /// Z₂ᵀZ₂, so `bottom` holds either Z₂ (`bottomRows` = |B| − N_v) or, with `bottomIsBartlett`,
  /// its Bartlett factor R (RᵀR = Z₂ᵀZ₂ in law, N_v rows): then G' costs O(N_v³) whatever |B|.
  /// The new root is X' = chol(G') (upper triangular, so the next XMᵏ skips the zeros below the
  /// diagonal). Writes G' (full, symmetric) to `gram`.
  mutating func advanceGram(root x: UnsafeMutablePointer<Value>, noise z: UnsafePointer<Value>, bottom r: UnsafePointer<Value>,
                            bottomRows: Int, bottomIsBartlett: Bool, gram g: UnsafeMutablePointer<Value>, usesGemm: Bool = false) {
    let n = visible
    // The top rows first, in a buffer moved out of `self` so that `advance` may mutate `self`.
    var t = [Value]()
    swap(&t, &topRows)
    defer { swap(&t, &topRows) }
    if t.count != n * n { t = [Value](repeating: .zero, count: n * n) }
    if noiseRows.count != bottomRows * n { noiseRows = [Value](repeating: .zero, count: bottomRows * n) }
    t.withUnsafeMutableBufferPointer { tb in
     let tp = tb.baseAddress!
     for k in 0..<(n * n) { tp[k] = x[k] }
     advance(chains: tp, noise: z, batch: n, usesGemm: usesGemm, upperTriangular: !usesGemm)
     noiseRows.withUnsafeMutableBufferPointer { y in
      factor.withUnsafeBufferPointer { ub in
        let yp = y.baseAddress!, up = ub.baseAddress!
        // Y = RU. Bartlett: row b of R is zero before column b, row k of U before column k, so
        // (RU)_bj = Σ_{k=b}^{j} R_bk U_kj. Plain Z₂: (Z₂U)_bj = Σ_{k≤j} Z₂_bk U_kj.
        for b in 0..<bottomRows {
          let skip = bottomIsBartlett ? b : 0
          accumulateRows(into: yp + b * n + skip, count: n - skip, terms: n - skip, coefficients: r + b * n + skip, coefficientStride: 1,
                         scale: 1, rows: up + skip * n + skip, rowStride: n, lowerTriangular: true, overwrite: true)
          for j in 0..<skip { yp[b * n + j] = .zero }
        }
        // G' = TᵀT + YᵀY (T the top rows), upper triangle: row i gains T_bi·(row b of T) from
        // column i on, then Y_bi·(row b of Y) for b ≤ i (Y_bi = 0 beyond); then mirrored.
        if usesGemm {
          Self.gemm(.transposed, .normal, m: n, n: n, k: n, alpha: 1, a: tp, lda: n, b: tp, ldb: n, beta: 0, c: g, ldc: n)
          Self.gemm(.transposed, .normal, m: n, n: n, k: bottomRows, alpha: 1, a: yp, lda: n, b: yp, ldb: n, beta: 1, c: g, ldc: n)
        } else {
          for i in 0..<n {
            accumulateRows(into: g + i * n + i, count: n - i, terms: n, coefficients: tp + i, coefficientStride: n, scale: 1,
                           rows: tp + i, rowStride: n, overwrite: true)
            accumulateRows(into: g + i * n + i, count: n - i, terms: bottomIsBartlett ? min(i + 1, bottomRows) : bottomRows,
                           coefficients: yp + i, coefficientStride: n, scale: 1, rows: yp + i, rowStride: n)
          }
        }
        Self.mirrorUpper(g, n: n)
        Self.choleskyUpper(g, into: x, n: n)
      }
     }
    }
  }

  /// The Gram root of |B| chains at all ones (the authors' cold start): VᵀV = |B|·11ᵀ = XᵀX for
  /// X with first row √|B|·1ᵀ and zeros below (upper triangular, as `advanceGram` expects).
  static func initialRoot(batch: Int, visible n: Int) -> [Value] {
    var x = [Value](repeating: .zero, count: n * n)
    for j in 0..<n { x[j] = Value(broadcasting: Double(batch).squareRoot()) }
    return x
  }

  /// U (upper, row-major) with UᵀU = A for symmetric positive definite n × n A — `Cholesky`'s
  /// recurrence (DysonCore) on lanes of runs, transposed — row by row:
  /// U_ji = (A_ji − Σ_{l<j} U_lj·U_li)/U_jj. Writes the upper triangle only: the lower must hold
  /// zeros already.
  static func choleskyUpper(_ a: UnsafePointer<Value>, into u: UnsafeMutablePointer<Value>, n: Int) {
    for j in 0..<n {
      let uj = u + j * n
      for i in j..<n { uj[i] = a[j * n + i] }
      accumulateRows(into: uj + j, count: n - j, terms: j, coefficients: u + j, coefficientStride: n, scale: -1,
                     rows: u + j, rowStride: n)
      let pivot = uj[j].squareRootWithoutErrno()
      let inverse = Value(broadcasting: 1) / pivot
      uj[j] = pivot
      for i in (j + 1)..<n { uj[i] = uj[i] * inverse }
    }
  }

  /// C = AB for symmetric n × n A, B that commute (so C is symmetric): the upper triangle, row i
  /// gaining A_il·(row l of B) from column i on, then mirrored.
  static func symmetricProduct(_ a: UnsafePointer<Value>, _ b: UnsafePointer<Value>, into c: UnsafeMutablePointer<Value>,
                               n: Int, usesGemm: Bool) {
    if usesGemm {
      Self.gemm(.normal, .normal, m: n, n: n, k: n, alpha: 1, a: a, lda: n, b: b, ldb: n, beta: 0, c: c, ldc: n)
      Self.mirrorUpper(c, n: n)
      return
    }
    for i in 0..<n {
      accumulateRows(into: c + i * n + i, count: n - i, terms: n, coefficients: a + i * n, coefficientStride: 1, scale: 1,
                     rows: b + i, rowStride: n, overwrite: true)
    }
    Self.mirrorUpper(c, n: n)
  }

  /// Copies the upper triangle onto the lower.
  static func mirrorUpper(_ c: UnsafeMutablePointer<Value>, n: Int) {
    for i in 0..<n { for j in 0..<i { c[i * n + j] = c[j * n + i] } }
  }

  /// `Double.gemm` on pointers that hold Doubles (`prepare` checks that Value == Double before any gemm).
  static func gemm(_ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int, alpha: Double, a: UnsafePointer<Value>, lda: Int,
                   b: UnsafePointer<Value>, ldb: Int, beta: Double, c: UnsafeMutablePointer<Value>, ldc: Int) {
    let rowsA = ta == .normal ? m : k, rowsB = tb == .normal ? k : n
    Double.gemm(ta, tb, m: m, n: n, k: k, alpha: alpha,
                a: UnsafeBufferPointer(start: UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), count: rowsA * lda), lda: lda,
                b: UnsafeBufferPointer(start: UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), count: rowsB * ldb), ldb: ldb,
                beta: beta, c: UnsafeMutableBufferPointer(start: UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), count: m * ldc), ldc: ldc)
  }
}
