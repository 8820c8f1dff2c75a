import Testing
@testable import DysonCore
import DysonTestSupport
import Foundation

/// One gemm case: shapes, transposes and scalars.
struct GemmShape: CustomTestStringConvertible, Sendable {
  let ta: Transpose, tb: Transpose, m: Int, n: Int, k: Int, alpha: Double, beta: Double
  var testDescription: String { "\(ta)\(tb) m=\(m) n=\(n) k=\(k) α=\(alpha) β=\(beta)" }
}

/// Random shapes 1…70 in every op combination, plus the edges (1×1, tall-skinny, k = 0, and 1–4
/// columns past a full panel, which take the dot-product path when op(A) = A), seeded.
let gemmShapes: [GemmShape] = {
  var rng = Xoshiro256StarStar(seed: 2024)
  var shapes: [GemmShape] = []
  let scalars: [(Double, Double)] = [(1, 0), (0.5, 1), (-2, 0.25), (1, -1)]
  for ta in Transpose.allCases {
    for tb in Transpose.allCases {
      for i in 0..<10 {
        let m = 1 + Int(rng.next() % 70), n = 1 + Int(rng.next() % 70), k = 1 + Int(rng.next() % 70)
        let (alpha, beta) = scalars[i % scalars.count]
        shapes.append(GemmShape(ta: ta, tb: tb, m: m, n: n, k: k, alpha: alpha, beta: beta))
      }
      for (m, n, k) in [(1, 1, 1), (70, 1, 3), (1, 70, 5), (3, 2, 70), (7, 17, 0), (6, 16, 256 + 3),
                        (13, 65, 300), (7, 20, 9), (5, 34, 3)] {
        shapes.append(GemmShape(ta: ta, tb: tb, m: m, n: n, k: k, alpha: 1.5, beta: 0.5))
      }
    }
  }
  return shapes
}()

/// The product under test: (a, lda, b, ldb, c, ldc) of the shape's op, m, n, k, alpha and beta.
typealias GemmUnderTest<T> = (UnsafeBufferPointer<T>, Int, UnsafeBufferPointer<T>, Int, UnsafeMutableBufferPointer<T>, Int) -> Void

/// Runs gemm (or `product`) and the reference on the same seeded operands, returns (fast, reference, bound per element).
func compareGemm<T: DysonScalar>(_ s: GemmShape, _: T.Type, product: GemmUnderTest<T>? = nil) -> (fast: [T], reference: [T], bound: [T]) {
  let (ar, ac) = s.ta == .normal ? (s.m, s.k) : (s.k, s.m)
  let (br, bc) = s.tb == .normal ? (s.k, s.n) : (s.n, s.k)
  // Leading dimensions larger than the rows, to exercise strided access.
  let lda = ac + 3, ldb = bc + 1, ldc = s.n + 2
  var rng = Xoshiro256StarStar(seed: 7, stream: UInt64(s.m * 10_000 + s.n * 100 + s.k))
  let a = (0..<(max(ar - 1, 0) * lda + ac)).map { _ in T(rng.normal()) }
  let b = (0..<(max(br - 1, 0) * ldb + bc)).map { _ in T(rng.normal()) }
  let c0 = (0..<(max(s.m - 1, 0) * ldc + s.n)).map { _ in T(rng.normal()) }
  var fast = c0, reference = c0
  a.withUnsafeBufferPointer { pa in
    b.withUnsafeBufferPointer { pb in
      fast.withUnsafeMutableBufferPointer { pc in
        if let product { product(pa, lda, pb, ldb, pc, ldc); return }
        T.gemm(s.ta, s.tb, m: s.m, n: s.n, k: s.k, alpha: T(s.alpha), a: pa, lda: lda, b: pb, ldb: ldb,
               beta: T(s.beta), c: pc, ldc: ldc)
      }
      reference.withUnsafeMutableBufferPointer { pc in
        gemmReference(s.ta, s.tb, m: s.m, n: s.n, k: s.k, alpha: T(s.alpha), a: pa, lda: lda, b: pb, ldb: ldb,
                      beta: T(s.beta), c: pc, ldc: ldc)
      }
    }
  }
  // Any summation order is within γ_k·Σ|aᵢbᵢ| of the exact sum (Higham, Thm 3.5): bound both by
  // 2·(k+2)·ε·(|α|Σ|a||b| + |β||c|), elementwise. Outside C's m×n block nothing may change.
  var bound = [T](repeating: 0, count: c0.count)
  for i in 0..<s.m {
    for j in 0..<s.n {
      var mag: T = 0
      for p in 0..<s.k {
        let x = s.ta == .normal ? a[i * lda + p] : a[p * lda + i]
        let y = s.tb == .normal ? b[p * ldb + j] : b[j * ldb + p]
        mag += abs(x * y)
      }
      bound[i * ldc + j] = 2 * T(s.k + 2) * T.ulpOfOne * (abs(T(s.alpha)) * mag + abs(T(s.beta) * c0[i * ldc + j]))
    }
  }
  return (fast, reference, bound)
}

@Suite("gemm against the naive reference")
struct MatmulTests {
  func check<T: DysonScalar>(_ shape: GemmShape, _ type: T.Type) throws {
    let (fast, reference, bound) = compareGemm(shape, type)
    try #require(fast.count == reference.count && !fast.isEmpty)
    if let i = fast.indices.first(where: { abs(fast[$0] - reference[$0]) > bound[$0] }) {
      Issue.record("\(T.self) element \(i): fast \(fast[i]), reference \(reference[i]), bound \(bound[i])")
    }
  }

  @Test("Float, every op combination and shape", arguments: gemmShapes)
  func float(shape: GemmShape) throws { try check(shape, Float.self) }

  @Test("Double, every op combination and shape", arguments: gemmShapes)
  func double(shape: GemmShape) throws { try check(shape, Double.self) }

  @Test("Both multiply-add kernels give the reference result")
  func bothKernels() throws {
    // The process uses one of them (GemmKernel.usesFusedMultiplyAdd); check the other directly.
    let kc = 37
    var rng = Xoshiro256StarStar(seed: 3)
    let a = (0..<(6 * kc)).map { _ in rng.normal() }
    let b = (0..<(8 * kc)).map { _ in rng.normal() }
    var exact = [Double](repeating: 0, count: 48)
    for r in 0..<6 { for j in 0..<8 { for p in 0..<kc { exact[r * 8 + j] += a[p * 6 + r] * b[p * 8 + j] } } }
    for fused in [true, false] {
      var c = [Double](repeating: 0, count: 48)
      a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
          c.withUnsafeMutableBufferPointer { pc in
            let tile = TileOperand(base: pa.baseAddress!, rowStride: 1, depthStride: 6)
            if fused {
              gemmMicroKernel(depth: kc, a: tile, b: pb.baseAddress!, alpha: 1, c: pc.baseAddress!, ldc: 8, rows: 6,
                              columns: 8, overwrite: false, vector: SIMD4<Double>.self, fma: FusedMultiplyAdd.self)
            } else {
              gemmMicroKernel(depth: kc, a: tile, b: pb.baseAddress!, alpha: 1, c: pc.baseAddress!, ldc: 8, rows: 6,
                              columns: 8, overwrite: false, vector: SIMD4<Double>.self, fma: SeparateMultiplyAdd.self)
            }
          }
        }
      }
      for i in 0..<48 { #expect(isClose(c[i], exact[i], absolute: 1e-12 * Double(kc)), "fused=\(fused) [\(i)]") }
    }
  }

  @Test("beta = 0 overwrites NaN in C (BLAS semantics)")
  func betaZeroIgnoresGarbage() throws {
    let a = try Matrix<Float>([[1, 2], [3, 4]])
    var c = Matrix<Float>(rows: 2, columns: 2, repeating: .nan)
    try Matrix.multiply(a, a, into: &c)
    #expect(c == (try Matrix<Float>([[7, 10], [15, 22]])))
  }

  @Test("beta = 0 over NaN gives the bits of adding to zeros, for full, edge, narrow and dot-product tiles, several depth blocks and threads",
        arguments: Transpose.allCases, Transpose.allCases)
  func betaZeroOverwritesEveryTileKind(ta: Transpose, tb: Transpose) {
    // (m, n, k): full tiles with an edge row strip; the 65th column (dot products when op(A) = A,
    // else a narrow panel); a last panel of 9 (edge tile); k = 600, three depth blocks.
    for (m, n, k) in [(13, 32, 7), (12, 65, 40), (7, 25, 3), (19, 48, 600)] {
      let a = (0..<(m * k)).map { Float(sin(Double($0) * 0.37)) }
      let b = (0..<(k * n)).map { Float(cos(Double($0) * 0.23)) }
      let (lda, ldb) = (ta == .normal ? k : m, tb == .normal ? n : k)
      for threads in [1, 2] {
        var overwritten = [Float](repeating: .nan, count: m * n), added = [Float](repeating: 0, count: m * n)
        GemmKernel.$parallelThreshold.withValue(0) {
          Parallelism.$kernelThreads.withValue(threads) {
            a.withUnsafeBufferPointer { pa in
              b.withUnsafeBufferPointer { pb in
                overwritten.withUnsafeMutableBufferPointer { pc in
                  Float.gemm(ta, tb, m: m, n: n, k: k, alpha: 0.75, a: pa, lda: lda, b: pb, ldb: ldb, beta: 0, c: pc, ldc: n)
                }
                added.withUnsafeMutableBufferPointer { pc in
                  Float.gemm(ta, tb, m: m, n: n, k: k, alpha: 0.75, a: pa, lda: lda, b: pb, ldb: ldb, beta: 1, c: pc, ldc: n)
                }
              }
            }
          }
        }
        #expect(overwritten.map(\.bitPattern) == added.map(\.bitPattern), "\(ta)\(tb) \(m)×\(n)×\(k), \(threads) thread(s)")
      }
    }
  }

  @Test("Results are bit-identical whatever the thread count", arguments: [(67, 45, 61), (13, 150, 40), (150, 9, 33), (40, 66, 50)])
  func threadCountInvariance(m: Int, n: Int, k: Int) throws {
    let a = Matrix<Float>.gaussian(rows: m, columns: k, seed: 5)
    let b = Matrix<Float>.gaussian(rows: k, columns: n, seed: 6)
    let serial = Parallelism.$kernelThreads.withValue(1) { a * b }
    for threads in [2, 3, 5] {
      let split = GemmKernel.$parallelThreshold.withValue(0) {
        Parallelism.$kernelThreads.withValue(threads) { a * b }
      }
      #expect(split.elements == serial.elements, "threads = \(threads)")
    }
  }

  @Test("The kernel without FMA (baseline builds): A as broadcast vectors or read in place, B copied by the kernel or packed first, the same bits, within the bound",
        arguments: gemmShapes.filter { $0.k > 0 })
  func separateMultiplyAddPaths(shape s: GemmShape) throws {
    // Debug builds use the fused kernel, so the baseline build's path is driven here directly.
    func run<V: SIMD & Sendable>(_: V.Type, broadcast: Bool, copyB: Bool = true) -> (fast: [V.Scalar], reference: [V.Scalar], bound: [V.Scalar])
    where V.Scalar: DysonScalar {
      compareGemm(s, V.Scalar.self) { a, lda, b, ldb, c, ldc in
        GemmKernel.$copiesB.withValue(copyB) {
          GemmKernel.$broadcastsA.withValue(broadcast) {
            gemmDriver(s.ta, s.tb, m: s.m, n: s.n, k: s.k, alpha: V.Scalar(s.alpha), a: a, lda: lda, b: b, ldb: ldb,
                       beta: V.Scalar(s.beta), c: c, ldc: ldc, vector: V.self, dot: V.self, fma: SeparateMultiplyAdd.self)
          }
        }
      }
    }
    func withinBound<T: DysonScalar>(_ r: (fast: [T], reference: [T], bound: [T])) -> Bool {
      r.fast.indices.allSatisfy { abs(r.fast[$0] - r.reference[$0]) <= r.bound[$0] }
    }
    let floats = run(SIMD4<Float>.self, broadcast: true), doubles = run(SIMD2<Double>.self, broadcast: true)
    #expect(withinBound(floats) && withinBound(doubles))
    #expect(floats.fast == run(SIMD4<Float>.self, broadcast: false).fast)
    #expect(doubles.fast == run(SIMD2<Double>.self, broadcast: false).fast)
    #expect(floats.fast == run(SIMD4<Float>.self, broadcast: true, copyB: false).fast)
  }

  @Test("Tiles twice as wide (512-bit vectors) give the standard tiles' bits, within the bound, split over threads too",
        arguments: gemmShapes + [GemmShape(ta: .normal, tb: .normal, m: 40, n: 76, k: 300, alpha: 1, beta: 0),
                                 GemmShape(ta: .normal, tb: .transposed, m: 9, n: 84, k: 20, alpha: 0.5, beta: 1),
                                 GemmShape(ta: .transposed, tb: .normal, m: 33, n: 100, k: 17, alpha: 1, beta: 0)])
  func wideTiles(shape s: GemmShape) throws {
    // n = 76, 84: the dot-product columns (n mod 16 ≤ 4) fall inside a 32-wide tile panel. The
    // driver is called with each tile type directly (`gemmDispatch` widens large products only).
    func run<T: DysonScalar, V: SIMD & Sendable, D: SIMD & Sendable>(_: V.Type, dot: D.Type, threads: Int) -> (fast: [T], reference: [T], bound: [T])
    where V.Scalar == T, D.Scalar == T {
      GemmKernel.$parallelThreshold.withValue(threads > 1 ? 0 : 1 << 23) {
        Parallelism.$kernelThreads.withValue(threads) {
          compareGemm(s, T.self) { a, lda, b, ldb, c, ldc in
            gemmDriver(s.ta, s.tb, m: s.m, n: s.n, k: s.k, alpha: T(s.alpha), a: a, lda: lda, b: b, ldb: ldb,
                       beta: T(s.beta), c: c, ldc: ldc, vector: V.self, dot: D.self, fma: FusedMultiplyAdd.self)
          }
        }
      }
    }
    func withinBound<T: DysonScalar>(_ r: (fast: [T], reference: [T], bound: [T])) -> Bool {
      r.fast.indices.allSatisfy { abs(r.fast[$0] - r.reference[$0]) <= r.bound[$0] }
    }
    let floats: (fast: [Float], reference: [Float], bound: [Float]) = run(SIMD16<Float>.self, dot: SIMD8<Float>.self, threads: 1)
    let doubles: (fast: [Double], reference: [Double], bound: [Double]) = run(SIMD8<Double>.self, dot: SIMD4<Double>.self, threads: 1)
    #expect(withinBound(floats) && withinBound(doubles))
    let standardFloats: (fast: [Float], reference: [Float], bound: [Float]) = run(SIMD8<Float>.self, dot: SIMD8<Float>.self, threads: 1)
    let standardDoubles: (fast: [Double], reference: [Double], bound: [Double]) = run(SIMD4<Double>.self, dot: SIMD4<Double>.self, threads: 1)
    #expect(floats.fast == standardFloats.fast)
    #expect(doubles.fast == standardDoubles.fast)
    let split: (fast: [Float], reference: [Float], bound: [Float]) = run(SIMD16<Float>.self, dot: SIMD8<Float>.self, threads: 3)
    #expect(floats.fast == split.fast)
    // Through the public entry with wide tiles allowed: the same bits as the standard tiles.
    let dispatched = GemmKernel.$widensTiles.withValue(true) { compareGemm(s, Float.self) }
    #expect(dispatched.fast == standardFloats.fast)
  }

  @Test("B packed first or copied by the first strip gives the same bits (edge panels, two depth blocks, both loop orders)",
        arguments: [(Transpose.normal, 61, 70, 300), (.transposed, 64, 40, 300), (.transposed, 64, 150, 260), (.normal, 5, 33, 17)])
  func bCopiedOrPacked(ta: Transpose, m: Int, n: Int, k: Int) {
    var rng = Xoshiro256StarStar(seed: 13)
    let a = (0..<(m * k)).map { _ in Float(rng.normal()) }
    let b = (0..<(k * n)).map { _ in Float(rng.normal()) }
    func product(copies: Bool, threads: Int = 1) -> [Float] {
      var c = [Float](repeating: 0, count: m * n)
      GemmKernel.$copiesB.withValue(copies) {
        GemmKernel.$parallelThreshold.withValue(0) {
          Parallelism.$kernelThreads.withValue(threads) {
            a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
              Float.gemm(ta, .normal, m: m, n: n, k: k, alpha: 1, a: pa, lda: ta == .normal ? k : m, b: pb, ldb: n, beta: 0, c: pc, ldc: n)
            } } }
          }
        }
      }
      return c
    }
    let copied = product(copies: true)
    #expect(copied == product(copies: false))
    // Split over threads, each copies its own panels (the switch is read on the calling task).
    #expect(product(copies: true, threads: 3) == copied && product(copies: false, threads: 3) == copied)
    // And right: one entry against a Double dot product.
    var exact = 0.0
    for p in 0..<k { exact += Double(ta == .normal ? a[p] : a[p * m]) * Double(b[p * n]) }
    #expect(abs(Double(copied[0]) - exact) < 1e-3)
  }

  @Test("A transposed: strips packed (wide C) or read in place (each thread's narrow part) give the same bits")
  func transposedStripsPackedOrInPlace() {
    // n = 150 is 10 panels of 16 on one thread, so the strips of Aᵀ are packed; split over 3 to 5
    // threads, each part has 3–4 panels and reads them in place. m = 64 leaves an edge strip,
    // k = 300 two depth blocks, lda = m a power-of-two stride.
    let m = 64, n = 150, k = 300
    var rng = Xoshiro256StarStar(seed: 11)
    let a = (0..<(k * m)).map { _ in Float(rng.normal()) }
    let b = (0..<(k * n)).map { _ in Float(rng.normal()) }
    func product(threads: Int) -> [Float] {
      var c = [Float](repeating: 0, count: m * n)
      GemmKernel.$parallelThreshold.withValue(0) {
        Parallelism.$kernelThreads.withValue(threads) {
          a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
            Float.gemm(.transposed, .normal, m: m, n: n, k: k, alpha: 1, a: pa, lda: m, b: pb, ldb: n, beta: 0, c: pc, ldc: n)
          } } }
        }
      }
      return c
    }
    let serial = product(threads: 1)
    var exact = [Double](repeating: 0, count: m * n)
    for p in 0..<k { for i in 0..<m { for j in 0..<n { exact[i * n + j] += Double(a[p * m + i]) * Double(b[p * n + j]) } } }
    #expect(zip(serial, exact).allSatisfy { abs(Double($0) - $1) < 1e-3 })
    for threads in [3, 5] { #expect(product(threads: threads) == serial, "threads = \(threads)") }
  }

  @Test("Shape mismatches throw and name both shapes")
  func shapeMismatch() {
    let a = Matrix<Double>(rows: 2, columns: 3), b = Matrix<Double>(rows: 2, columns: 3)
    #expect(throws: ShapeError.mismatch(operation: "matmul NN", left: Shape(2, 3), right: Shape(2, 3))) {
      _ = try Matrix.product(a, .normal, b, .normal)
    }
    var c = Matrix<Double>(rows: 2, columns: 2)  // AᵀB is 3×3
    #expect(throws: ShapeError.mismatch(operation: "matmul TN into C", left: Shape(3, 3), right: Shape(2, 2))) {
      try Matrix.multiply(a, .transposed, b, .normal, into: &c)
    }
  }
}
