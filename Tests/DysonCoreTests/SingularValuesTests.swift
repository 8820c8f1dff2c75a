import Foundation
import Testing
@testable import DysonCore
import DysonTestSupport

@Suite("Singular values: one-sided Jacobi and the Gram route")
struct SingularValuesTests {
  @Test("σ agrees with √eig(WᵀW); U·Σ·Vᵀ = W; U, V orthonormal",
        arguments: [(1, 1), (5, 3), (3, 5), (64, 16), (16, 64), (20, 20), (70, 1)], SingularValueDecomposition.Method.allCases)
  func agreement(shape: (Int, Int), method: SingularValueDecomposition.Method) throws {
    let (rows, columns) = shape
    let w = Matrix<Double>.gaussian(rows: rows, columns: columns, seed: 31, stream: UInt64(rows * 100 + columns))
    let svd = try SingularValueDecomposition(w, vectors: true, method: method)
    let r = min(rows, columns)
    try #require(svd.singularValues.count == r)
    #expect(svd.singularValues == svd.singularValues.sorted(by: >))
    let fromGram = try eigenvaluesSymmetric(rows >= columns ? w.gram() : w.transposed().gram()).suffix(r)
      .reversed().map { max($0, 0).squareRoot() }
    let scale = svd.singularValues[0]
    for (s, g) in zip(svd.singularValues, fromGram) {
      #expect(abs(s - g) <= 1e-12 * scale, "\(method): \(s) vs \(g)")
    }
    let u = try #require(svd.u), v = try #require(svd.v)
    #expect(u.shape == Shape(rows, r) && v.shape == Shape(columns, r))
    #expect(orthogonalityError(u) < 1e-12)
    #expect(orthogonalityError(v) < 1e-12)
    let rebuilt = u * Matrix(diagonal: svd.singularValues) * v.transposed()
    #expect(maxDifference(rebuilt, w) < 1e-12 * scale, "‖UΣVᵀ − W‖ = \(maxDifference(rebuilt, w))")
  }

  @Test("Analytic cases: rank one, orthogonal, rectangular diagonal, zero")
  func analytic() throws {
    let a: [Double] = [1, 2, 2], b: [Double] = [3, 4]            // ‖a‖ = 3, ‖b‖ = 5
    let rankOne = Matrix<Double>(rows: 3, columns: 2) { a[$0] * b[$1] }
    var rng = Xoshiro256StarStar(seed: 8)
    let q = Matrix<Double>.randomOrthogonal(size: 6, using: &rng)
    let diag = Matrix<Double>(rows: 4, columns: 3) { $0 == $1 ? [2.0, -5, 0.5][$0] : 0 }
    for method in SingularValueDecomposition.Method.allCases {
      let s1 = try singularValues(of: rankOne, method: method)
      // A zero σ is exact to ε·σ₁ on W itself, but only to √(c·ε)·σ₁ through WᵀW (the documented trade-off).
      let zeroBound = method == .gram ? 4 * Double.ulpOfOne.squareRoot() * 15 : 1e-13 * 15
      #expect(abs(s1[0] - 15) < 1e-13 && abs(s1[1]) <= zeroBound, "\(method) rank one: \(s1)")
      for s in try singularValues(of: q, method: method) { #expect(abs(s - 1) < 1e-13) }
      let sd = try singularValues(of: diag, method: method)
      #expect(zip(sd, [5.0, 2, 0.5]).allSatisfy { abs($0 - $1) < 1e-14 }, "\(method) diag: \(sd)")
      let zero = try SingularValueDecomposition(Matrix<Double>(rows: 3, columns: 2), vectors: true, method: method)
      #expect(zero.singularValues == [0, 0])
      #expect(orthogonalityError(try #require(zero.u)) < 1e-14)
    }
  }

  @Test("Jacobi keeps small σ to relative accuracy; the Gram route cannot")
  func smallSingularValues() throws {
    var rng = Xoshiro256StarStar(seed: 10)
    let planted: [Double] = [1, 1e-3, 1e-6, 1e-10]
    let left = Matrix<Double>.randomOrthogonal(size: 6, using: &rng)
    let right = Matrix<Double>.randomOrthogonal(size: 4, using: &rng)
    let sigma = Matrix<Double>(rows: 6, columns: 4) { $0 == $1 ? planted[$0] : 0 }
    let w = left * sigma * right.transposed()
    let jacobi = try singularValues(of: w, method: .oneSidedJacobi)
    for (s, p) in zip(jacobi, planted) { #expect(abs(s - p) <= 1e-6 * p, "Jacobi \(s) vs \(p)") }
    // WᵀW has eigenvalue 1e-20, below its roundoff ε·‖W‖² ≈ 2e-16: √ of noise, nowhere near 1e-10.
    let gram = try singularValues(of: w, method: .gram)
    #expect(abs(gram[3] - 1e-10) > 1e-3 * 1e-10, "the Gram route should lose σ = 1e-10, got \(gram[3])")
  }

  @Test func nonFiniteThrows() {
    #expect(throws: LinalgError.nonFinite(row: 0, column: 1)) {
      _ = try SingularValueDecomposition(Matrix<Float>([[1, .nan, 2]]))
    }
  }
}
