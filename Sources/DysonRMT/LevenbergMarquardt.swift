import DysonCore
import Foundation

/// The result of a least-squares or likelihood fit.
public struct FitResult: Sendable, Equatable {
  /// The fitted parameters, in the model's order.
  public let parameters: [Double]
  /// One-σ errors: from the covariance of the fit (least squares: (JᵀWJ)⁻¹, scaled by χ²/dof when
  /// the data carry no errors, as scipy's curve_fit does; likelihood: the inverse Hessian).
  public let errors: [Double]
  /// The covariance matrix of the parameters.
  public let covariance: [[Double]]
  /// χ² (least squares) or the minimised negative log-likelihood.
  public let objective: Double
  /// Data points less fitted parameters.
  public let degreesOfFreedom: Int
  /// Iterations taken.
  public let iterations: Int
  /// Whether the relative change fell below the tolerance before the iteration limit.
  public let converged: Bool
}

/// Why a fit could not be made.
public enum FitError: Error, CustomStringConvertible, Equatable {
  /// Fewer data points than parameters.
  case tooFewPoints(points: Int, parameters: Int)
  /// NaN or infinity in the data (the message says where).
  case nonFinite(String)
  /// Data the fit cannot take, in one line.
  case invalid(String)

  public var description: String {
    switch self {
    case let .tooFewPoints(p, k): "fit: \(p) data points cannot determine \(k) parameters"
    case let .nonFinite(what): "fit: \(what) is not finite"
    case let .invalid(why): "fit: \(why)"
    }
  }
}

/// Levenberg–Marquardt least squares (Marquardt 1963, with Fletcher's diagonal scaling):
/// minimises χ² = Σᵢ ((model(xᵢ; p) − yᵢ)/σᵢ)² with a central-difference Jacobian.
/// `lower`/`upper` clamp the parameters (e.g. σ > 0).
public func levenbergMarquardt(
  x: [Double], y: [Double], errors sigma: [Double]? = nil, initial: [Double],
  lower: [Double]? = nil, upper: [Double]? = nil, maxIterations: Int = 200,
  model: (Double, [Double]) -> Double
) throws -> FitResult {
  let n = x.count, k = initial.count
  guard n > k else { throw FitError.tooFewPoints(points: n, parameters: k) }
  guard initial.allSatisfy(\.isFinite) else { throw FitError.nonFinite("the initial guess") }
  let weights = (sigma ?? [Double](repeating: 1, count: n)).map { $0 > 0 && $0.isFinite ? 1 / ($0 * $0) : 0 }
  func clamp(_ p: [Double]) -> [Double] {
    p.indices.map { i in min(max(p[i], lower?[i] ?? -.infinity), upper?[i] ?? .infinity) }
  }
  func chi2(_ p: [Double]) -> Double {
    var s = 0.0
    for i in 0..<n { let r = model(x[i], p) - y[i]; s += weights[i] * r * r }
    return s.isFinite ? s : .infinity
  }
  func jacobian(_ p: [Double]) -> [[Double]] {
    var j = [[Double]](repeating: [Double](repeating: 0, count: k), count: n)
    for a in 0..<k {
      let h = 1e-6 * max(abs(p[a]), 1e-6)
      // Central where both sides lie within the bounds, else one-sided: the model may be undefined
      // outside them (an MP law of negative variance).
      var up = p, down = p
      up[a] = min(p[a] + h, upper?[a] ?? .infinity)
      down[a] = max(p[a] - h, lower?[a] ?? -.infinity)
      let central = up[a] == p[a] + h && down[a] == p[a] - h
      let width = central ? 2 * h : up[a] - down[a]   // 2h as before where central: the same bits
      for i in 0..<n { j[i][a] = width > 0 ? (model(x[i], up) - model(x[i], down)) / width : 0 }
    }
    return j
  }
  func normalEquations(_ p: [Double]) -> (jtj: [[Double]], jtr: [Double]) {
    let j = jacobian(p)
    var jtj = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
    var jtr = [Double](repeating: 0, count: k)
    for i in 0..<n {
      let r = y[i] - model(x[i], p)
      for a in 0..<k {
        jtr[a] += weights[i] * j[i][a] * r
        for b in 0...a { jtj[a][b] += weights[i] * j[i][a] * j[i][b] }
      }
    }
    for a in 0..<k { for b in 0..<a { jtj[b][a] = jtj[a][b] } }
    return (jtj, jtr)
  }

  var p = clamp(initial)
  var current = chi2(p)
  guard current.isFinite else { throw FitError.nonFinite("χ² at the initial guess") }
  var lambda = 1e-3
  var iterations = 0, converged = false
  while iterations < maxIterations {
    iterations += 1
    let (jtj, jtr) = normalEquations(p)
    var improved = false
    while lambda < 1e16 {
      var a = jtj
      for d in 0..<k { a[d][d] += lambda * max(jtj[d][d], 1e-300) }
      guard let step = solveSymmetric(a, jtr) else { lambda *= 10; continue }
      let trial = clamp(zip(p, step).map(+))
      let value = chi2(trial)
      if value < current {
        let relative = (current - value) / max(current, 1e-300)
        let moved = zip(trial, p).map { abs($0 - $1) / max(abs($1), 1e-12) }.max() ?? 0
        p = trial
        current = value
        lambda = max(lambda / 10, 1e-12)
        improved = true
        if relative < 1e-12 || moved < 1e-10 { converged = true }
        break
      }
      lambda *= 10
    }
    if !improved { converged = true; break }   // no downhill step at any damping: a minimum
    if converged { break }
  }
  let (jtj, _) = normalEquations(p)
  let dof = n - k
  let scale = sigma == nil ? current / Double(dof) : 1
  let covariance = (invertSymmetric(jtj) ?? [[Double]](repeating: [Double](repeating: .nan, count: k), count: k))
    .map { $0.map { $0 * scale } }
  let errors = (0..<k).map { covariance[$0][$0].squareRoot() }
  return FitResult(parameters: p, errors: errors, covariance: covariance, objective: current,
                   degreesOfFreedom: dof, iterations: iterations, converged: converged)
}

/// Solves A x = b for a small symmetric positive definite A (`Cholesky`); nil if A is not SPD.
func solveSymmetric(_ a: [[Double]], _ b: [Double]) -> [Double]? {
  Cholesky(a.flatMap { $0 }, n: b.count)?.solve(b)
}

/// The inverse of a small symmetric positive definite matrix (`Cholesky`); nil if it is not SPD.
func invertSymmetric(_ a: [[Double]]) -> [[Double]]? {
  let k = a.count
  guard let inverse = Cholesky(a.flatMap { $0 }, n: k)?.inverse() else { return nil }
  return (0..<k).map { Array(inverse[($0 * k)..<(($0 + 1) * k)]) }
}
