/// The element types Dyson computes with: `Float` for training, `Double` for analysis.
///
/// The protocol asks for the math the models use: `exp`, `log`, `tanh`, and `Vector`, the
/// AVX-register SIMD type (8 floats or 4 doubles) of the row kernels. What the SIMD kernels need
/// besides, the gemm and eˣ on eight lanes, is `KernelScalar`'s, with working defaults here: a new
/// element type conforms by its math alone, and Float and Double bring their specialised kernels.
public protocol DysonScalar: BinaryFloatingPoint, KernelScalar, Sendable, Codable
where RawSignificand: FixedWidthInteger {
  associatedtype Vector: SIMD where Vector.Scalar == Self

  /// eˣ.
  static func exp(_ x: Self) -> Self
  /// The natural logarithm.
  static func log(_ x: Self) -> Self
  /// The hyperbolic tangent.
  static func tanh(_ x: Self) -> Self
}

extension DysonScalar where SIMD4Storage: Sendable, SIMD8Storage: Sendable, SIMD16Storage: Sendable {
  /// The gemm on the generic SIMD micro-kernels: correct for any element type, and slower than a
  /// conformer's own specialised entry point (every operation a witness call).
  public static func gemm(
    _ transposeA: Transpose, _ transposeB: Transpose, m: Int, n: Int, k: Int,
    alpha: Self, a: UnsafeBufferPointer<Self>, lda: Int, b: UnsafeBufferPointer<Self>, ldb: Int,
    beta: Self, c: UnsafeMutableBufferPointer<Self>, ldc: Int
  ) {
    gemmDispatch(transposeA, transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                 beta: beta, c: c, ldc: ldc, widest: SIMD16<Self>.self, wide: SIMD8<Self>.self, narrow: SIMD4<Self>.self)
  }
}

extension DysonScalar {
  /// eˣ lane by lane with the scalar `exp`.
  public static func exp(_ x: SIMD8<Self>) -> SIMD8<Self> {
    var y = x
    for i in 0..<8 { y[i] = exp(x[i]) }
    return y
  }
}
