import Foundation

extension Float: DysonScalar {
  public typealias Vector = SIMD8<Float>
  @inlinable public static func exp(_ x: Float) -> Float { Foundation.exp(x) }
  @inlinable public static func log(_ x: Float) -> Float { Foundation.log(x) }
  @inlinable public static func tanh(_ x: Float) -> Float { Foundation.tanh(x) }

  public static func gemm(
    _ transposeA: Transpose, _ transposeB: Transpose, m: Int, n: Int, k: Int,
    alpha: Float, a: UnsafeBufferPointer<Float>, lda: Int, b: UnsafeBufferPointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutableBufferPointer<Float>, ldc: Int
  ) {
    gemmDispatch(transposeA, transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                 beta: beta, c: c, ldc: ldc, widest: SIMD16<Float>.self, wide: SIMD8<Float>.self, narrow: SIMD4<Float>.self)
  }
}
