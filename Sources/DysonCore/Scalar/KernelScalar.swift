/// What Dyson's SIMD kernels ask of an element type: the gemm and eˣ on eight lanes. Split from
/// `DysonScalar`, which supplies defaults for both, so that the public element protocol stays the
/// math a model needs; `Float` and `Double` implement these with their specialised kernels.
public protocol KernelScalar: SIMDScalar, Hashable, Codable {
  /// `C = alpha · op(A) · op(B) + beta · C` on row-major buffers (see `Matmul.swift`).
  static func gemm(
    _ transposeA: Transpose, _ transposeB: Transpose, m: Int, n: Int, k: Int,
    alpha: Self, a: UnsafeBufferPointer<Self>, lda: Int, b: UnsafeBufferPointer<Self>, ldb: Int,
    beta: Self, c: UnsafeMutableBufferPointer<Self>, ldc: Int)

  /// eˣ on eight lanes (VectorExp.swift for Float and Double).
  static func exp(_ x: SIMD8<Self>) -> SIMD8<Self>
}
