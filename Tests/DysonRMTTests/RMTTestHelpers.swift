import DysonCore
@testable import DysonRMT

/// ∫ f over [a, b] by composite Simpson with n (even) intervals.
func simpson(_ a: Double, _ b: Double, _ n: Int = 20_000, _ f: (Double) -> Double) -> Double {
  let h = (b - a) / Double(n)
  var s = f(a) + f(b)
  for i in 1..<n { s += (i % 2 == 1 ? 4 : 2) * f(a + Double(i) * h) }
  return s * h / 3
}

/// Eigenvalues of one N×N GOE matrix (off-diagonal N(0, 1), diagonal N(0, 2)).
func goeEigenvalues(_ n: Int, rng: inout Xoshiro256StarStar) throws -> [Double] {
  var a = Matrix<Double>(rows: n, columns: n)
  for i in 0..<n {
    a[i, i] = 2.0.squareRoot() * rng.normal()
    for j in 0..<i { let v = rng.normal(); a[i, j] = v; a[j, i] = v }
  }
  return try SymmetricEigen(a).eigenvalues
}

/// N independent uniform levels on [0, N) (Poisson statistics), ascending.
func poissonLevels(_ n: Int, rng: inout Xoshiro256StarStar) -> [Double] {
  (0..<n).map { _ in Double(n) * rng.uniform() }.sorted()
}
