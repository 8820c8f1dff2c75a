import Foundation
import Testing
import DysonCore
@testable import DysonRMT
import DysonTestSupport

@Suite("Marchenko–Pastur density")
struct MarchenkoPasturTests {
  /// ∫ f·P over the support by the midpoint rule after x = centre + half·sin θ (removes the √ edges).
  func integrate(_ mp: MarchenkoPastur, _ f: (Double) -> Double) -> Double {
    let centre = (mp.upperEdge + mp.lowerEdge) / 2, half = (mp.upperEdge - mp.lowerEdge) / 2
    let steps = 20_000
    var sum = 0.0
    for i in 0..<steps {
      let theta = -Double.pi / 2 + (Double(i) + 0.5) * Double.pi / Double(steps)
      let x = centre + half * sin(theta)
      sum += f(x) * mp.density(x) * half * cos(theta)
    }
    return sum * Double.pi / Double(steps)
  }

  @Test("Normalised, mean Mσ², variance M²σ⁴r", arguments: [(64, 16, 1.0 / 192), (10, 10, 0.01), (100, 3, 2.0)])
  func moments(rows: Int, columns: Int, variance: Double) {
    let mp = MarchenkoPastur(rows: rows, columns: columns, variance: variance)
    #expect(isClose(integrate(mp) { _ in 1 }, 1, absolute: 2e-6))
    #expect(isClose(integrate(mp) { $0 }, mp.mean, relative: 2e-6))
    #expect(isClose(integrate(mp) { ($0 - mp.mean) * ($0 - mp.mean) }, mp.varianceOfEigenvalues, relative: 2e-5))
  }

  @Test("Edges of the GPT key init: M = 64, N = 16, σ² = 1/192 gives x± = 0.75, 0.0833")
  func gptEdges() {
    let mp = MarchenkoPastur(rows: 64, columns: 16, variance: 1.0 / 192)
    #expect(isClose(mp.upperEdge, 0.75, relative: 1e-15))
    #expect(isClose(mp.lowerEdge, 1.0 / 12, relative: 1e-14))
  }

  @Test("Sampled Wishart eigenvalues match the law's mean and variance (finite-M corrections are O(1/M))")
  func wishartSample() throws {
    let mp = MarchenkoPastur(rows: 200, columns: 50, variance: 1.0 / 200)
    var rng = Xoshiro256StarStar(seed: 12)
    var xs: [Double] = []
    for _ in 0..<40 {
      let w = Matrix<Double>.gaussian(rows: 200, columns: 50, standardDeviation: (1.0 / 200).squareRoot(), using: &rng)
      xs += try eigenvaluesSymmetric(w.gram())
    }
    let mean = xs.reduce(0, +) / Double(xs.count)
    let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(xs.count)
    // E[x] = Mσ² exactly (trace); Var has a 1/M correction, and 2000 samples give ~3 % noise.
    #expect(isClose(mean, mp.mean, relative: 0.01))
    #expect(isClose(variance, mp.varianceOfEigenvalues, relative: 0.08))
    // Edge fluctuations follow Tracy–Widom with scales σ² (√M ± √N)(1/√M ± 1/√N)^{1/3} (Johnstone
    // 2001; the lower edge with the signs flipped inside): nothing may lie 8 such scales beyond an edge.
    let (rm, rn) = (200.0.squareRoot(), 50.0.squareRoot())
    let upperScale = (rm + rn) * pow(1 / rm + 1 / rn, 1.0 / 3) / 200
    let lowerScale = (rm - rn) * pow(1 / rn - 1 / rm, 1.0 / 3) / 200
    let outside = xs.filter { $0 < mp.lowerEdge - 8 * lowerScale || $0 > mp.upperEdge + 8 * upperScale }.count
    #expect(outside == 0, "\(outside) eigenvalues far outside [x₋, x₊]")
  }
}
