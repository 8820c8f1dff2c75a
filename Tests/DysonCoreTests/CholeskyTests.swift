import DysonCore
import Testing

@Suite("Cholesky") struct CholeskyTests {
  /// A = MᵀM + I for a Gaussian M: symmetric positive definite, condition number moderate.
  static func positiveDefinite(_ n: Int, seed: UInt64) -> [Double] {
    var rng = Xoshiro256StarStar(seed: seed)
    let m = (0..<(n * n)).map { _ in rng.normal() }
    var a = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      for j in 0..<n {
        var s = i == j ? 1.0 : 0
        for k in 0..<n { s += m[k * n + i] * m[k * n + j] }
        a[i * n + j] = s
      }
    }
    return a
  }

  @Test("L·Lᵀ = A, A·solve(b) = b and A·A⁻¹ = I to 1e-11, L lower with a positive diagonal", arguments: [1, 2, 7, 30])
  func factorSolveInverse(n: Int) throws {
    let a = Self.positiveDefinite(n, seed: UInt64(n))
    let f = try #require(Cholesky(a, n: n))
    let scale = a.map(abs).max()!
    for i in 0..<n {
      #expect(f.lower[i * n + i] > 0)
      for j in 0..<n {
        if j > i { #expect(f.lower[i * n + j] == 0) }
        let product = (0..<n).reduce(0.0) { $0 + f.lower[i * n + $1] * f.lower[j * n + $1] }
        #expect(abs(product - a[i * n + j]) <= 1e-12 * scale, "LLᵀ[\(i), \(j)]")
      }
    }
    var rng = Xoshiro256StarStar(seed: 99)
    let b = (0..<n).map { _ in rng.normal() }
    let x = f.solve(b)
    for i in 0..<n {
      let ax = (0..<n).reduce(0.0) { $0 + a[i * n + $1] * x[$1] }
      #expect(abs(ax - b[i]) <= 1e-11 * scale, "residual of row \(i)")
    }
    let inverse = f.inverse()
    for i in 0..<n {
      for j in 0..<n {
        let entry = (0..<n).reduce(0.0) { $0 + a[i * n + $1] * inverse[$1 * n + j] }
        #expect(abs(entry - (i == j ? 1 : 0)) <= 1e-11 * Double(n), "A·A⁻¹[\(i), \(j)] = \(entry)")
      }
    }
  }

  @Test("2 × 2 in closed form: L = [[2, 0], [1, √2]] for A = [[4, 2], [2, 3]]")
  func closedForm() throws {
    let f = try #require(Cholesky([4, 2, 2, 3], n: 2))
    #expect(f.lower == [2, 0, 1, 2.0.squareRoot()])
    #expect(f.solve([6, 5]).enumerated().allSatisfy { abs($0.element - [1, 1][$0.offset]) < 1e-15 })
  }

  @Test("indefinite, singular and non-finite matrices give nil")
  func refusals() {
    #expect(Cholesky([1, 2, 2, 1], n: 2) == nil)            // eigenvalues 3 and −1
    #expect(Cholesky([1, 1, 1, 1], n: 2) == nil)            // singular
    #expect(Cholesky([.nan, 0, 0, 1], n: 2) == nil)
    #expect(Cholesky([.infinity, 0, 0, 1], n: 2) == nil)
  }
}
