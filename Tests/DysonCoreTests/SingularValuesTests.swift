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

  /// W's entries shuffled by `dyson spectrum` (W = 2·[I₈; 0] less its mean): columns 2, 6 and 7
  /// are equal, so rank 6. Rotations left rounding-level columns whose pairs kept turning until
  /// the sweep limit; such columns are now left alone.
  @Test("One-sided Jacobi converges on a rank-deficient matrix with three equal columns; σ² sums to ‖W‖²_F")
  func convergesWithEqualColumns() throws {
    let spikes: Set<Int> = [1 * 8 + 4, 3 * 8 + 3, 3 * 8 + 5, 6 * 8 + 5, 7 * 8 + 1, 10 * 8 + 4, 10 * 8 + 5, 15 * 8 + 0]
    let w = try Matrix<Double>(rows: 16, columns: 8, elements: (0..<128).map { spikes.contains($0) ? 1.75 : -0.25 })
    let svd = try SingularValueDecomposition(w, vectors: true, method: .oneSidedJacobi)
    let s = svd.singularValues
    #expect(s[6] <= 1e-14 * s[0] && s[7] <= 1e-14 * s[0], "\(s)")
    let frobenius = w.elements.reduce(0) { $0 + $1 * $1 }
    #expect(abs(s.reduce(0) { $0 + $1 * $1 } - frobenius) <= 1e-13 * frobenius)
    let gram = try singularValues(of: w, method: .gram)
    for k in 0..<6 { #expect(abs(s[k] - gram[k]) <= 1e-12 * s[0]) }
    let u = try #require(svd.u), v = try #require(svd.v)
    let rebuilt = Matrix<Double>(rows: 16, columns: 8) { i, j in (0..<8).reduce(0) { $0 + u[i, $1] * s[$1] * v[j, $1] } }
    #expect(zip(rebuilt.elements, w.elements).allSatisfy { abs($0 - $1) <= 1e-13 })
    #expect(orthogonalityError(u) < 1e-13 && orthogonalityError(v) < 1e-13)
  }

  /// A trained 10×10 RBM weight matrix (scaling study, α = 0.04, |B| = 16, stream 586) on which
  /// the sweeps cycled: with the pair tolerance at one ulp, rounding in the length-10 dot
  /// products kept reopening converged pairs until the 60-sweep limit.
  @Test("One-sided Jacobi converges on a matrix where a one-ulp tolerance cycled; σ² = eig(WᵀW)")
  func convergesWhereTheTightToleranceCycled() throws {
    let w = try Matrix<Double>(rows: 10, columns: 10, elements: [
      0.2444211523104774, 0.047588073047764065, 1.119825876868715, -0.9836626907638505, 0.38930416977358184,
      0.21244450373888826, -0.4147712740147627, -0.13689147445255792, 0.16681186199520617, 0.3773173605504818,
      0.7823054224990272, -0.5152046969727664, 0.2959622379422599, -0.20248721533422886, -0.40437793181524473,
      0.4654946574025127, 0.3838775057700974, -0.16008941833078022, 1.0780327527223965, 0.3993594455133358,
      0.013822313698722884, -0.35525120340224103, -0.451128156318879, -0.1564101963963687, -0.03993816770596961,
      0.098520765062606, 0.8324413041262954, -0.3350726511195188, -0.10948612589418745, 1.370865407047138,
      -0.7110263142068896, 0.49569995770018827, 0.13167642408549293, 0.4888494937864904, 0.18708877071410152,
      1.2244338904420635, 0.4443435922131112, -0.0374702216367052, -0.152807820436566, 0.5701474561596985,
      0.1412604483203916, -0.2173424787945201, -0.5925864097107355, -0.29073546563788627, 0.8342913593370178,
      1.0870975625663717, 0.02531622408519689, 0.6494973931898417, -0.0740831749665847, -0.2650021276602683,
      1.028735651652684, -0.5172192028283147, 0.12560863628273325, 0.20699955736649756, 0.28681156404310837,
      0.5375186487586574, 0.11766575492794996, -0.1712482826309167, -1.081902071645558, -0.22103527506012813,
      0.6890963450954467, 0.60331449676668, -0.1641508754671178, -0.49648957292621737, -1.0914474878802645,
      0.45282507427059815, -0.0347671145001231, 0.20091384543264945, -0.7926772248140019, 0.04715372480776161,
      0.1698961441600876, 0.8717059183790886, -0.35401763399664465, -0.7404290580571558, -0.10126835024262643,
      0.02710681622603093, 0.87040720510092, -0.6391230100982317, 0.014635334866164473, -0.586776329177354,
      0.7172598757819793, 0.9062142841046077, 0.3202767276152526, 0.18581471921303883, 0.5414154389170949,
      -0.5063254320199604, 0.7937026857470895, 0.5774842548508305, 0.15209662471903596, 0.003495858684019775,
      -0.26731979229026476, -0.26633584015374745, 0.9882651877711095, -0.5314026418201271, 0.07086633366436608,
      -0.23987911483777252, 0.7871565800979049, 0.9236382383713916, -0.3542215938689029, -0.029261744007477865
    ])
    for v in [false, true] {
      let svd = try SingularValueDecomposition(w, vectors: v, method: .oneSidedJacobi)
      let eig = try SymmetricEigen(Matrix.product(w, .transposed, w, .normal)).eigenvalues.reversed().map { $0 }
      for (s, e) in zip(svd.singularValues, eig) { #expect(abs(s * s - e) <= 1e-13 * eig[0], "σ² = \(s * s) vs \(e)") }
      if let u = svd.u, let vv = svd.v {
        let back = u * Matrix(rows: 10, columns: 10) { i, j in i == j ? svd.singularValues[i] : 0 } * vv.transposed()
        #expect(zip(back.elements, w.elements).allSatisfy { abs($0 - $1) <= 1e-13 })
      }
    }
    // The old one-ulp tolerance still cycles to the sweep limit; there the guard returns the
    // result, as every open pair is within 1e-12 of orthogonal, and it is right.
    let (sigma, _, _) = try oneSidedJacobi(w, vectors: false, pairTolerance: .ulpOfOne)
    let eig = try SymmetricEigen(Matrix.product(w, .transposed, w, .normal)).eigenvalues.reversed().map { $0 }
    for (s, e) in zip(sigma, eig) { #expect(abs(s * s - e) <= 1e-13 * eig[0]) }
    // A tolerance no sweep can reach (0: only exactly orthogonal pairs are done) still returns:
    // the same guard, not an endless loop or a throw.
    let (exact, _, _) = try oneSidedJacobi(w, vectors: false, pairTolerance: 0)
    for (s, e) in zip(exact, eig) { #expect(abs(s * s - e) <= 1e-13 * eig[0]) }
  }

  @Test func nonFiniteThrows() {
    #expect(throws: LinalgError.nonFinite(row: 0, column: 1)) {
      _ = try SingularValueDecomposition(Matrix<Float>([[1, .nan, 2]]))
    }
  }
}
