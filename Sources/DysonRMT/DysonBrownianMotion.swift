import DysonCore
import Foundation

/// Dyson Brownian motion of N levels (Docs/Science.md §1.4):
///   dxᵢ = Kᵢ(xᵢ) dt + Σ_{j≠i} gᵢ²/(xᵢ − xⱼ) dt + √2 gᵢ dWᵢ,
/// integrated by Euler–Maruyama. Near a collision the Coulomb term is stiff, so each step is
/// shortened to dt' = min(dt, c·gap²/g²) (c = `gapFraction`, 0.1), which keeps the repulsive move below
/// c·gap and the noise below √(2c)·gap; a step that would still reorder two levels is rejected and
/// redone with a quarter of the step and fresh noise. (β = 1 repulsion, as for GOE / WᵀW spectra.)
public struct DysonBrownianMotion: Sendable {
  /// Kᵢ(x) for level i.
  public var drift: @Sendable (_ level: Int, _ x: Double) -> Double
  /// gᵢ per level (one value for all levels is repeated).
  public var g: [Double]
  /// The Euler–Maruyama step dt (shortened near collisions, see above).
  public var timeStep: Double
  /// c in dt' = min(dt, c·gap²/g²).
  public var gapFraction = 0.1
  /// Reflecting walls, e.g. 0…μ² for an eigenvalue of σ_h²WᵀW, which cannot be negative (there
  /// the RBM drift would push it on to −∞). A move past a wall is mirrored back inside.
  public var domain: ClosedRange<Double>?

  /// N = g.count levels with drift Kᵢ(x), noise strengths gᵢ and step dt.
  public init(drift: @escaping @Sendable (_ level: Int, _ x: Double) -> Double, g: [Double], timeStep: Double) {
    precondition(!g.isEmpty && g.allSatisfy { $0 >= 0 } && timeStep > 0, "DysonBrownianMotion: need g ≥ 0 and dt > 0")
    self.drift = drift
    self.g = g
    self.timeStep = timeStep
  }

  /// Harmonic confinement K(x) = −(x − centre)/τ with one g: relaxes to a GOE spectrum whose
  /// levels have ⟨(x − c)²⟩ = τ g² (N + 1)/2 exactly, i.e. a semicircle of radius g√(2τN) at large N.
  public static func harmonic(levels n: Int, center: Double = 0, relaxationTime tau: Double = 1, g: Double, timeStep: Double) -> Self {
    Self(drift: { _, x in -(x - center) / tau }, g: [Double](repeating: g, count: n), timeStep: timeStep)
  }

  /// Advances ascending levels `x` by `time`, returning the state at `samples` equally spaced
  /// times (the last one at `time`).
  public func run(from start: [Double], time: Double, samples: Int = 1, using rng: inout Xoshiro256StarStar) -> [[Double]] {
    var x = start.sorted()
    let n = x.count
    let gs = g.count == n ? g : [Double](repeating: g[0], count: n)
    let gMax = max(gs.max() ?? 0, 1e-300)
    var out: [[Double]] = []
    var t = 0.0
    var next = x
    var k = [Double](repeating: 0, count: n)
    for s in 1...max(samples, 1) {
      let target = time * Double(s) / Double(max(samples, 1))
      while t < target {
        var gap = Double.infinity
        for i in 1..<max(n, 1) { gap = min(gap, x[i] - x[i - 1]) }
        var dt = min(timeStep, target - t, n > 1 ? gapFraction * gap * gap / (gMax * gMax) : .infinity)
        while true {
          for i in 0..<n {
            var coulomb = 0.0
            for j in 0..<n where j != i { coulomb += 1 / (x[i] - x[j]) }
            k[i] = drift(i, x[i]) + gs[i] * gs[i] * coulomb
          }
          for i in 0..<n { next[i] = x[i] + k[i] * dt + (2 * dt).squareRoot() * gs[i] * rng.normal() }
          if let d = domain {
            for i in 0..<n {
              if next[i] < d.lowerBound { next[i] = 2 * d.lowerBound - next[i] }
              if next[i] > d.upperBound { next[i] = 2 * d.upperBound - next[i] }
              next[i] = min(max(next[i], d.lowerBound), d.upperBound)
            }
          }
          var ordered = true
          for i in 1..<max(n, 1) where next[i] <= next[i - 1] { ordered = false; break }
          if ordered { break }
          dt /= 4
        }
        swap(&x, &next)
        t += dt
      }
      out.append(x)
    }
    return out
  }
}

/// The matrix form of DBM: X ← X + D(X)·dt + g√dt·H, H from the GOE (off-diagonal N(0, 1),
/// diagonal N(0, 2)), so that the eigenvalues of X perform DBM with β = 1, diffusion √2g and
/// Coulomb strength g² (second-order perturbation theory: dxᵢ = dHᵢᵢ + Σⱼ |dHᵢⱼ|²/(xᵢ − xⱼ)).
public func matrixDysonStep(
  _ x: inout Matrix<Double>, drift: (Matrix<Double>) -> Matrix<Double>, g: Double, timeStep dt: Double,
  using rng: inout Xoshiro256StarStar
) {
  let n = x.rows
  let d = drift(x)
  let scale = g * dt.squareRoot()
  for i in 0..<n {
    x[i, i] += d[i, i] * dt + scale * 2.0.squareRoot() * rng.normal()
    for j in 0..<i {
      let noise = scale * rng.normal()
      let v = x[i, j] + 0.5 * (d[i, j] + d[j, i]) * dt + noise
      x[i, j] = v
      x[j, i] = v
    }
  }
}
