import Foundation

/// Maximum-likelihood fit of a density to a sample: minimises −Σ log p(xᵢ; θ) with Nelder–Mead
/// (Nelder & Mead 1965; standard reflection/expansion/contraction/shrink coefficients), then
/// takes the errors from the inverse of the central-difference Hessian at the minimum.
/// Better than a histogram fit when the sample is small (no binning), and its errors are the
/// Cramér–Rao ones.
public func maximumLikelihood(
  _ sample: [Double], initial: [Double], lower: [Double]? = nil, upper: [Double]? = nil,
  maxIterations: Int = 4000, density: (Double, [Double]) -> Double
) throws -> FitResult {
  let k = initial.count
  guard sample.count > k else { throw FitError.tooFewPoints(points: sample.count, parameters: k) }
  func inside(_ p: [Double]) -> Bool {
    p.indices.allSatisfy { p[$0] >= (lower?[$0] ?? -.infinity) && p[$0] <= (upper?[$0] ?? .infinity) }
  }
  func nll(_ p: [Double]) -> Double {
    guard inside(p) else { return .infinity }
    var s = 0.0
    for x in sample {
      let d = density(x, p)
      guard d > 0, d.isFinite else { return .infinity }
      s -= log(d)
    }
    return s
  }
  guard nll(initial).isFinite else { throw FitError.nonFinite("the likelihood at the initial guess") }
  var (best, value, iterations) = nelderMead(initial, maxIterations: maxIterations, nll)
  // One restart from the optimum guards against a collapsed simplex.
  let again = nelderMead(best, maxIterations: maxIterations, nll)
  if again.value <= value { (best, value) = (again.point, again.value) }
  iterations += again.iterations
  let hessian = numericalHessian(nll, at: best)
  let covariance = invertSymmetric(hessian) ?? [[Double]](repeating: [Double](repeating: .nan, count: k), count: k)
  return FitResult(parameters: best, errors: (0..<k).map { covariance[$0][$0].squareRoot() },
                   covariance: covariance, objective: value, degreesOfFreedom: sample.count - k,
                   iterations: iterations, converged: iterations < 2 * maxIterations)
}

/// Central-difference Hessian with steps relative to each coordinate.
func numericalHessian(_ f: ([Double]) -> Double, at p: [Double]) -> [[Double]] {
  let k = p.count
  let h = p.map { 1e-4 * max(abs($0), 1e-3) }
  var hess = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
  let f0 = f(p)
  for a in 0..<k {
    var up = p, down = p
    up[a] += h[a]; down[a] -= h[a]
    hess[a][a] = (f(up) - 2 * f0 + f(down)) / (h[a] * h[a])
    for b in 0..<a {
      var pp = p, pm = p, mp = p, mm = p
      pp[a] += h[a]; pp[b] += h[b]
      pm[a] += h[a]; pm[b] -= h[b]
      mp[a] -= h[a]; mp[b] += h[b]
      mm[a] -= h[a]; mm[b] -= h[b]
      hess[a][b] = (f(pp) - f(pm) - f(mp) + f(mm)) / (4 * h[a] * h[b])
      hess[b][a] = hess[a][b]
    }
  }
  return hess
}
