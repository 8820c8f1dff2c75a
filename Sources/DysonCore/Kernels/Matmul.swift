// C = alpha · op(A) · op(B) + beta · C, row-major, op ∈ {X, Xᵀ}.
// op(A) is (m, k), op(B) is (k, n), C is (m, n); lda, ldb, ldc are row strides.
//
// Two implementations, side by side:
// - `gemmReference`: the naive triple loop. Advantages: obviously right, any scalar type.
//   Disadvantages: 1-2 GFLOP/s, because it reloads operands from memory for every product.
//   It is the truth the tests compare against and the benchmark's spot check.
// - `Scalar.gemm` (GemmDriver.swift): packed panels and a register-blocked SIMD micro-kernel.
//   Advantages: 80+ GFLOP/s in Float on one AVX2 core. Disadvantages: sums in a different order
//   than the reference (tests bound the difference by √k·ε·Σ|aᵢbᵢ|, not equality), and it
//   needs scratch memory for the packed panels.

/// Whether a matmul operand is used as stored or transposed.
public enum Transpose: Sendable, Hashable, CaseIterable, CustomStringConvertible {
  /// The operand as stored, or its transpose.
  case normal, transposed
  public var description: String { self == .normal ? "N" : "T" }
}

/// Checks that row-major buffers can hold the operands of a gemm call; a broken caller contract
/// stops here, once per call, with the shapes in the message.
@usableFromInline
func checkGemmOperands(
  _ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int,
  aCount: Int, lda: Int, bCount: Int, ldb: Int, cCount: Int, ldc: Int
) {
  precondition(m >= 0 && n >= 0 && k >= 0, "gemm: negative size m=\(m) n=\(n) k=\(k)")
  // Stored shapes: A is (m,k) or (k,m); B is (k,n) or (n,k).
  let (aRows, aCols) = ta == .normal ? (m, k) : (k, m)
  let (bRows, bCols) = tb == .normal ? (k, n) : (n, k)
  func fits(_ rows: Int, _ cols: Int, _ ld: Int, _ count: Int) -> Bool {
    rows == 0 || cols == 0 || (ld >= cols && (rows - 1) * ld + cols <= count)
  }
  precondition(fits(aRows, aCols, lda, aCount), "gemm: A (\(aRows)×\(aCols), lda \(lda)) does not fit \(aCount) elements")
  precondition(fits(bRows, bCols, ldb, bCount), "gemm: B (\(bRows)×\(bCols), ldb \(ldb)) does not fit \(bCount) elements")
  precondition(fits(m, n, ldc, cCount), "gemm: C (\(m)×\(n), ldc \(ldc)) does not fit \(cCount) elements")
}

/// The naive triple loop: reference and test truth for `Scalar.gemm`.
/// - Complexity: 2·m·n·k operations, no blocking.
public func gemmReference<Scalar: DysonScalar>(
  _ transposeA: Transpose, _ transposeB: Transpose, m: Int, n: Int, k: Int,
  alpha: Scalar, a: UnsafeBufferPointer<Scalar>, lda: Int, b: UnsafeBufferPointer<Scalar>, ldb: Int,
  beta: Scalar, c: UnsafeMutableBufferPointer<Scalar>, ldc: Int
) {
  checkGemmOperands(transposeA, transposeB, m: m, n: n, k: k, aCount: a.count, lda: lda,
                    bCount: b.count, ldb: ldb, cCount: c.count, ldc: ldc)
  for i in 0..<m {
    for j in 0..<n {
      var sum: Scalar = 0
      for p in 0..<k {
        let aip = transposeA == .normal ? a[i * lda + p] : a[p * lda + i]
        let bpj = transposeB == .normal ? b[p * ldb + j] : b[j * ldb + p]
        sum += aip * bpj
      }
      // beta = 0 overwrites C, so NaN or garbage in C does not leak through (BLAS semantics).
      c[i * ldc + j] = beta == 0 ? alpha * sum : alpha * sum + beta * c[i * ldc + j]
    }
  }
}
