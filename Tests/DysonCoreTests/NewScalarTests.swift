import Foundation
import Testing
@testable import DysonCore

// A new element type conforms by its math alone: the kernels' defaults (generic gemm, lane-wise
// eˣ) come from DysonScalar. Float16 stands in for a user's type.
#if arch(x86_64) || arch(arm64)
extension Float16: DysonScalar {
  public typealias Vector = SIMD16<Float16>
  public static func exp(_ x: Float16) -> Float16 { Float16(Foundation.exp(Float(x))) }
  public static func log(_ x: Float16) -> Float16 { Float16(Foundation.log(Float(x))) }
  public static func tanh(_ x: Float16) -> Float16 { Float16(Foundation.tanh(Float(x))) }
}

@Suite("A new element type") struct NewScalarTests {
  @Test("Float16 with only exp, log and tanh: the default gemm equals the reference loop, the default SIMD eˣ the scalar one")
  func defaults() throws {
    // Small integers: every product and sum is exact in Float16, so any order of summation agrees.
    let (m, n, k) = (7, 19, 5)
    let a = (0..<(m * k)).map { Float16(($0 * 7) % 5) - 2 }
    let b = (0..<(k * n)).map { Float16(($0 * 3) % 7) - 3 }
    var c = [Float16](repeating: 1, count: m * n), expected = c
    a.withUnsafeBufferPointer { pa in
      b.withUnsafeBufferPointer { pb in
        c.withUnsafeMutableBufferPointer { pc in
          Float16.gemm(.normal, .normal, m: m, n: n, k: k, alpha: 1, a: pa, lda: k, b: pb, ldb: n, beta: 2, c: pc, ldc: n)
        }
        expected.withUnsafeMutableBufferPointer { pc in
          gemmReference(.normal, .normal, m: m, n: n, k: k, alpha: 1, a: pa, lda: k, b: pb, ldb: n, beta: 2, c: pc, ldc: n)
        }
      }
    }
    #expect(c == expected)
    let product = try Matrix(rows: m, columns: k, elements: a) * Matrix(rows: k, columns: n, elements: b)
    #expect(product.elements == zip(expected, [Float16](repeating: 2, count: m * n)).map { $0 - $1 })
    let x = SIMD8<Float16>(-3, -1, -0.5, 0, 0.25, 1, 2, 4)
    let y = Float16.exp(x)
    #expect((0..<8).allSatisfy { y[$0] == Float16.exp(x[$0]) })
  }
}
#endif
