import DysonCore

/// Symmetric eigenvalues (`eigvalsh-f64-N`), with vectors (`eigh-f64-N`), and singular values
/// (`svd-f64-MxN`), in ms. Each case checks its answer before it counts.
let eigenSizes = [8, 12, 16, 32, 64, 100, 256, 512, 784, 2048, 4096]
let svdShapes = [(64, 16), (256, 64), (784, 784)]

func eigenSuite(filter: String?) -> [BenchResult] {
  var results: [BenchResult] = []
  func run(_ name: String, _ body: () -> Void) {
    if let f = filter, !name.contains(f) { return }
    let t = measure(budget: 0.5, minRepeats: 3, body)
    let r = [BenchResult(suite: "eigen", name: name, metric: "best", value: t[0] * 1e3, unit: "ms"),
             BenchResult(suite: "eigen", name: name, metric: "median", value: t[t.count / 2] * 1e3, unit: "ms")]
    report(r)
    results += r
  }
  for n in eigenSizes {
    let g = Matrix<Double>.gaussian(rows: n, columns: n, seed: 2)
    let a = (g + g.transposed()) * 0.5
    // Trace check: Σλ = tr A, to rounding.
    let values = try! SymmetricEigen(a).eigenvalues
    let trace = try! a.trace()
    precondition(abs(values.reduce(0, +) - trace) <= 1e-9 * Double(n) * a.maxAbs(), "eigvalsh n=\(n): Σλ ≠ tr A")
    run("eigvalsh-f64-\(n)") { blackHole(try! SymmetricEigen(a).eigenvalues) }
    if n <= 784 { run("eigh-f64-\(n)") { blackHole(try! SymmetricEigen(a, vectors: true)) } }
    if n >= 256 && n <= 784 {
      // The one-stage / two-stage crossover behind SymmetricEigen.twoStageMinimumSize.
      run("eigvalsh-onestage-f64-\(n)") { blackHole(try! SymmetricEigen(a, method: .tridiagonalQL).eigenvalues) }
      run("eigvalsh-twostage-f64-\(n)") { blackHole(try! SymmetricEigen(a, method: .twoStage).eigenvalues) }
    }
    if n <= 32 {
      // The Jacobi / tridiagonal-QL crossover behind SymmetricEigen.jacobiMaximumSize.
      run("eigvalsh-jacobi-f64-\(n)") { blackHole(try! SymmetricEigen(a, method: .jacobi).eigenvalues) }
      run("eigvalsh-ql-f64-\(n)") { blackHole(try! SymmetricEigen(a, method: .tridiagonalQL).eigenvalues) }
    }
  }
  for (m, n) in svdShapes {
    let w = Matrix<Double>.gaussian(rows: m, columns: n, seed: 3)
    let s = try! singularValues(of: w)
    let frobenius2 = w.elements.reduce(0) { $0 + $1 * $1 }
    precondition(abs(s.reduce(0) { $0 + $1 * $1 } - frobenius2) <= 1e-9 * frobenius2, "svd \(m)x\(n): Σσ² ≠ ‖W‖²")
    run("svd-f64-\(m)x\(n)") { blackHole(try! singularValues(of: w)) }
  }
  return results
}
