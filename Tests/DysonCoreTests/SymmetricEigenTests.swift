import Foundation
import Testing
@testable import DysonCore
import DysonTestSupport

/// The methods that compute eigenvectors (the two-stage reduction gives eigenvalues only).
let vectorMethods = SymmetricEigen.Method.allCases.filter { $0 != .twoStage }

/// Checks ‖AV − VΛ‖ ≤ 50·n·ε·‖A‖ and ‖VᵀV − I‖ ≤ 50·n·ε (the bounds).
func checkDecomposition(_ a: Matrix<Double>, _ eigen: SymmetricEigen, _ label: String) throws {
  let n = a.rows
  let v = try #require(eigen.eigenvectors)
  try #require(eigen.eigenvalues.count == n)
  #expect(eigen.eigenvalues == eigen.eigenvalues.sorted(), "\(label): not ascending")
  let av = a * v
  let vl = v * Matrix(diagonal: eigen.eigenvalues)
  let norm = max(a.maxAbs() * Double(n), Double.leastNormalMagnitude)
  let residual = maxDifference(av, vl)
  #expect(residual <= 50 * Double(n) * Double.ulpOfOne * norm, "\(label): residual \(residual)")
  #expect(orthogonalityError(v) <= 50 * Double(n) * Double.ulpOfOne, "\(label): ‖VᵀV − I‖ = \(orthogonalityError(v))")
}

@Suite("Symmetric eigensolver: residuals, analytic spectra, bad input")
struct SymmetricEigenTests {
  @Test("Random symmetric matrices, both methods",
        arguments: [1, 2, 3, 5, 8, 12, 13, 31, 64, 100], vectorMethods)
  func randomResidual(n: Int, method: SymmetricEigen.Method) throws {
    let a = randomSymmetric(n, seed: 17)
    try checkDecomposition(a, try SymmetricEigen(a, vectors: true, method: method), "n=\(n) \(method)")
  }

  @Test("A planted spectrum QΛQᵀ comes back (Weyl: |Δλ| ≤ ‖ΔA‖)", arguments: [1, 2, 7, 64])
  func plantedSpectrum(n: Int) throws {
    var rng = Xoshiro256StarStar(seed: 21, stream: UInt64(n))
    let planted = (0..<n).map { _ in rng.uniform(in: -3, 3) }.sorted()
    let q = Matrix<Double>.randomOrthogonal(size: n, using: &rng)
    let a = q * Matrix(diagonal: planted) * q.transposed()
    let symmetric = (a + a.transposed()) * 0.5
    for method in SymmetricEigen.Method.allCases {
      let got = try SymmetricEigen(symmetric, method: method).eigenvalues
      try #require(got.count == n)
      // Forming A and the solver each perturb it by O(n·ε·‖A‖).
      let bound = 16 * Double(n) * Double.ulpOfOne * 3
      for (g, w) in zip(got, planted) { #expect(abs(g - w) <= bound, "\(method): \(g) vs \(w)") }
    }
  }

  @Test("A singular correlator with blank pixels (zero rows): eigenvalues = squared singular values of the data")
  func singularCorrelator() throws {
    // Like MNIST's ⟨φφᵀ⟩: 300 samples of 160 pixels, a third of them always 0: accuracy on a large
    // null space. (This matrix does not reproduce the QL stall MNIST's correlator caused; the
    // real-data test in RBMMNISTTests does — it fails with the purely relative deflation test.)
    var rng = Xoshiro256StarStar(seed: 31)
    // Rank 24: every sample a mix of 24 fixed patterns, so the null space (136 dimensions) is far
    // larger than the 53 blank columns alone.
    let patterns = Matrix<Double>(rows: 24, columns: 160) { r, j in j % 3 == 0 ? 0 : rng.normal() / Double(r + 1) }
    let x = try Matrix.product(Matrix<Double>.gaussian(rows: 300, columns: 24, mean: 0, standardDeviation: 1, using: &rng), patterns)
    let c = try Matrix.product(x, .transposed, x, .normal).map { $0 / 300 }
    let e = try SymmetricEigen(c, vectors: true)
    try checkDecomposition(c, e, "singular correlator")
    // Independent truth: one-sided Jacobi SVD of the data, no tridiagonal form involved.
    let sv = try SingularValueDecomposition(x).singularValues.map { $0 * $0 / 300 }.sorted()
    let top = sv.last!
    for (a, b) in zip(e.eigenvalues, sv) { #expect(abs(a - b) <= 1e-13 * top, "\(a) vs \(b)") }
    #expect(e.eigenvalues.filter { abs($0) < 1e-12 * top }.count == 136)
  }

  @Test("Tridiagonal Toeplitz (2, −1): λ_k = 2 − 2cos(kπ/(n+1))", arguments: [2, 10, 50, 120])
  func toeplitz(n: Int) throws {
    let a = Matrix<Double>(rows: n, columns: n) { i, j in i == j ? 2 : (abs(i - j) == 1 ? -1 : 0) }
    let exact = (1...n).map { 2 - 2 * cos(Double($0) * Double.pi / Double(n + 1)) }.sorted()
    for method in SymmetricEigen.Method.allCases {
      let values = try SymmetricEigen(a, method: method).eigenvalues
      for (g, w) in zip(values, exact) { #expect(abs(g - w) <= 20 * Double(n) * Double.ulpOfOne * 4, "\(method): \(g) vs \(w)") }
    }
    for method in vectorMethods {
      let eigen = try SymmetricEigen(a, vectors: true, method: method)
      for (g, w) in zip(eigen.eigenvalues, exact) { #expect(abs(g - w) <= 20 * Double(n) * Double.ulpOfOne * 4) }
      try checkDecomposition(a, eigen, "toeplitz \(method)")
    }
  }

  @Test("Periodic lattice K = (2+m²)δ − δ_{i,j±1}: κ_k = m² + 2 − 2cos(2πk/N), doubly degenerate",
        arguments: [10, 16, 33])
  func periodicLattice(n: Int) throws {
    let m2 = 4.0
    let a = Matrix<Double>(rows: n, columns: n) { i, j in
      i == j ? 2 + m2 : ((i - j + n) % n == 1 || (j - i + n) % n == 1 ? -1 : 0)
    }
    let exact = (0..<n).map { m2 + 2 - 2 * cos(2 * Double.pi * Double($0) / Double(n)) }.sorted()
    for method in SymmetricEigen.Method.allCases {
      let values = try SymmetricEigen(a, method: method).eigenvalues
      for (g, w) in zip(values, exact) { #expect(abs(g - w) <= 1e-13, "\(method): \(g) vs \(w)") }
    }
    for method in vectorMethods {
      let eigen = try SymmetricEigen(a, vectors: true, method: method)
      for (g, w) in zip(eigen.eigenvalues, exact) { #expect(abs(g - w) <= 1e-13, "\(method): \(g) vs \(w)") }
      try checkDecomposition(a, eigen, "lattice \(method)")
    }
  }

  @Test("Rank one, all zero, diagonal, n = 1 and n = 0")
  func specialMatrices() throws {
    let u: [Double] = [1, -2, 3, 0.5, 2]
    let rankOne = Matrix<Double>(rows: 5, columns: 5) { u[$0] * u[$1] }
    for method in SymmetricEigen.Method.allCases {
      let values = try SymmetricEigen(rankOne, method: method).eigenvalues
      #expect(abs(values[4] - u.reduce(0) { $0 + $1 * $1 }) <= 1e-13)
      for x in values.prefix(4) { #expect(abs(x) <= 1e-13) }
      #expect(try SymmetricEigen(Matrix<Double>(rows: 6, columns: 6), method: method).eigenvalues == Array(repeating: 0, count: 6))
      #expect(try SymmetricEigen(Matrix(diagonal: [3.0, -1, 2]), method: method).eigenvalues == [-1, 2, 3])
      #expect(try SymmetricEigen(Matrix<Double>([[-4.5]]), method: method).eigenvalues == [-4.5])
      #expect(try SymmetricEigen(Matrix<Double>(rows: 0, columns: 0), method: method).eigenvalues.isEmpty)
    }
    for method in vectorMethods {
      let e = try SymmetricEigen(rankOne, vectors: true, method: method)
      #expect(abs(e.eigenvalues[4] - u.reduce(0) { $0 + $1 * $1 }) <= 1e-13)
      for x in e.eigenvalues.prefix(4) { #expect(abs(x) <= 1e-13) }
      try checkDecomposition(rankOne, e, "rank one \(method)")
      let zero = try SymmetricEigen(Matrix<Double>(rows: 6, columns: 6), vectors: true, method: method)
      #expect(zero.eigenvalues == Array(repeating: 0, count: 6))
      #expect(orthogonalityError(try #require(zero.eigenvectors)) == 0)
      #expect(try SymmetricEigen(Matrix(diagonal: [3.0, -1, 2]), method: method).eigenvalues == [-1, 2, 3])
      #expect(try SymmetricEigen(Matrix<Double>([[-4.5]]), vectors: true, method: method).eigenvalues == [-4.5])
      #expect(try SymmetricEigen(Matrix<Double>(rows: 0, columns: 0), method: method).eigenvalues.isEmpty)
    }
  }

  @Test("Float input is promoted to Double")
  func floatInput() throws {
    let a = try Matrix<Float>([[2, 1], [1, 2]])
    #expect(try eigenvaluesSymmetric(a) == [1, 3])
  }

  @Test("Bad input throws: NaN, infinity, non-square, non-symmetric")
  func badInput() throws {
    #expect(throws: LinalgError.nonFinite(row: 0, column: 1)) { _ = try SymmetricEigen(Matrix<Double>([[1, .nan], [.nan, 1]])) }
    #expect(throws: LinalgError.nonFinite(row: 0, column: 0)) { _ = try SymmetricEigen(Matrix<Float>([[.infinity]])) }
    #expect(throws: LinalgError.notSquare(rows: 2, columns: 3)) { _ = try SymmetricEigen(Matrix<Double>(rows: 2, columns: 3)) }
    #expect(throws: LinalgError.notSymmetric(row: 1, column: 0, difference: 1)) { _ = try SymmetricEigen(Matrix<Double>([[1, 2], [3, 1]])) }
  }
}

@Suite("Functions of a symmetric matrix")
struct SymmetricFunctionTests {
  @Test("applying reconstructs A (f = λ) and inverts it (f = 1/λ)")
  func applying() throws {
    let a = randomSymmetric(9, seed: 4)
    let shifted = Matrix<Double>(rows: 9, columns: 9) { i, j in a[i, j] + (i == j ? 20 : 0) }  // positive definite
    let e = try SymmetricEigen(shifted, vectors: true)
    #expect(maxDifference(e.applying { $0 }, shifted) < 1e-12 * 20)
    let product = try Matrix.product(e.applying { 1 / $0 }, shifted)
    for i in 0..<9 { for j in 0..<9 { #expect(abs(product[i, j] - (i == j ? 1 : 0)) < 1e-13) } }
  }
}
