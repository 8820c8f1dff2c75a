import Foundation

extension Double: DysonScalar {
  public typealias Vector = SIMD4<Double>
  @inlinable public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
  @inlinable public static func log(_ x: Double) -> Double { Foundation.log(x) }
  @inlinable public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }

  public static func gemm(
    _ transposeA: Transpose, _ transposeB: Transpose, m: Int, n: Int, k: Int,
    alpha: Double, a: UnsafeBufferPointer<Double>, lda: Int, b: UnsafeBufferPointer<Double>, ldb: Int,
    beta: Double, c: UnsafeMutableBufferPointer<Double>, ldc: Int
  ) {
    gemmDispatch(transposeA, transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                 beta: beta, c: c, ldc: ldc, widest: SIMD8<Double>.self, wide: SIMD4<Double>.self, narrow: SIMD2<Double>.self)
  }
}
