/// The element types Dyson computes with: `Float` for training, `Double` for analysis.
///
/// The protocol asks only for what the kernels use. `Vector` is the AVX-register SIMD type
/// (8 floats or 4 doubles); the gemm micro-kernel uses it with FMA and half of it without.
/// `gemm` forwards to the concrete, specialised kernel of the type, so generic code such as
/// `Matrix<Scalar>` multiplication costs one witness call, not an unspecialised loop.
public protocol DysonScalar: BinaryFloatingPoint, SIMDScalar, Sendable, Codable
where RawSignificand: FixedWidthInteger {
  associatedtype Vector: SIMD where Vector.Scalar == Self

  static func exp(_ x: Self) -> Self
  static func log(_ x: Self) -> Self
  static func tanh(_ x: Self) -> Self
  /// eˣ on eight lanes without libm (VectorExp.swift).
  static func exp(_ x: SIMD8<Self>) -> SIMD8<Self>

  /// `C = alpha · op(A) · op(B) + beta · C` on row-major buffers (see `Matmul.swift`).
  static func gemm(
    _ transposeA: Transpose, _ transposeB: Transpose, m: Int, n: Int, k: Int,
    alpha: Self, a: UnsafeBufferPointer<Self>, lda: Int, b: UnsafeBufferPointer<Self>, ldb: Int,
    beta: Self, c: UnsafeMutableBufferPointer<Self>, ldc: Int)
}
