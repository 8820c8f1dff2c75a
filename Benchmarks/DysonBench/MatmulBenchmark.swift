import DysonCore
import Foundation

/// The matmul cases: square sizes, then the GPT's shapes (forward NN, backward NT and TN).
/// Names are stable across versions: `sgemm-NN-MxKxN` (op(A) is M×K, op(B) is K×N).
struct GemmCase {
  let ta: Transpose, tb: Transpose, m: Int, k: Int, n: Int
  func name(_ prefix: String) -> String { "\(prefix)-\(ta)\(tb)-\(m)x\(k)x\(n)" }
}

let squareSizes = [16, 32, 64, 128, 256, 512, 1024]

/// The GPT (B·T = 512 rows, C = 64, 4C = 256, V = 65): forward x·Wᵀ is NT in PyTorch's layout;
/// the backward needs dX = dY·W (NN) and dW = dYᵀ·X (TN).
let gptCases: [GemmCase] = [
  GemmCase(ta: .normal, tb: .normal, m: 512, k: 64, n: 64),
  GemmCase(ta: .normal, tb: .normal, m: 512, k: 64, n: 256),
  GemmCase(ta: .normal, tb: .normal, m: 512, k: 256, n: 64),
  GemmCase(ta: .normal, tb: .normal, m: 512, k: 64, n: 65),
  GemmCase(ta: .normal, tb: .transposed, m: 512, k: 64, n: 64),
  GemmCase(ta: .normal, tb: .transposed, m: 512, k: 64, n: 256),
  GemmCase(ta: .normal, tb: .transposed, m: 512, k: 256, n: 64),
  GemmCase(ta: .normal, tb: .transposed, m: 512, k: 64, n: 65),
  GemmCase(ta: .transposed, tb: .normal, m: 64, k: 512, n: 64),
  GemmCase(ta: .transposed, tb: .normal, m: 256, k: 512, n: 64),
  GemmCase(ta: .transposed, tb: .normal, m: 64, k: 512, n: 256),
  GemmCase(ta: .transposed, tb: .normal, m: 65, k: 512, n: 64),
]

func matmulCases() -> [GemmCase] {
  squareSizes.map { GemmCase(ta: .normal, tb: .normal, m: $0, k: $0, n: $0) } + gptCases
}

func benchmarkGemm<Scalar: DysonScalar>(_ c: GemmCase, _: Scalar.Type, prefix: String) -> [BenchResult] {
  let aShape = c.ta == .normal ? (c.m, c.k) : (c.k, c.m)
  let bShape = c.tb == .normal ? (c.k, c.n) : (c.n, c.k)
  let a = Matrix<Scalar>.gaussian(rows: aShape.0, columns: aShape.1, seed: 1)
  let b = Matrix<Scalar>.gaussian(rows: bShape.0, columns: bShape.1, seed: 2)
  var out = Matrix<Scalar>(rows: c.m, columns: c.n)
  let times = measure {
    try! Matrix.multiply(a, c.ta, b, c.tb, into: &out)
    blackHole(out)
  }
  // A fast wrong kernel must not win: check sampled elements against a Double dot product.
  for s in 0..<16 {
    let i = (s * 7919) % c.m, j = (s * 104_729) % c.n
    var exact = 0.0, magnitude = 0.0
    for p in 0..<c.k {
      let x = Double(c.ta == .normal ? a[i, p] : a[p, i]), y = Double(c.tb == .normal ? b[p, j] : b[j, p])
      exact += x * y; magnitude += abs(x * y)
    }
    let bound = 4 * Double(c.k).squareRoot() * Double(Scalar.ulpOfOne) * magnitude + 1e-30
    precondition(abs(Double(out[i, j]) - exact) <= bound, "\(c.name(prefix)): wrong element (\(i), \(j))")
  }
  let flops = 2 * Double(c.m * c.n * c.k)
  let name = c.name(prefix)
  let tile = GemmKernel.tile(Scalar.self, columns: c.n, depth: c.k)
  return [
    BenchResult(suite: "matmul", name: name, metric: "best", value: flops / times[0] / 1e9, unit: "GFLOP/s", note: tile),
    BenchResult(suite: "matmul", name: name, metric: "median", value: flops / times[times.count / 2] / 1e9, unit: "GFLOP/s", note: tile),
  ]
}

func matmulSuite(filter: String?) -> [BenchResult] {
  var results: [BenchResult] = []
  for c in matmulCases() {
    for (prefix, run) in [("sgemm", { benchmarkGemm(c, Float.self, prefix: "sgemm") }),
                          ("dgemm", { benchmarkGemm(c, Double.self, prefix: "dgemm") })] {
      if let f = filter, !c.name(prefix).contains(f) { continue }
      let r = run()
      report(r)
      results += r
    }
  }
  return results
}
