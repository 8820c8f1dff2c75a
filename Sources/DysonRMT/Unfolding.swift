import Foundation

/// Spectral unfolding: maps levels xᵢ to ξᵢ = N̄(xᵢ), a smooth fit of the staircase N(x) (the number
/// of levels ≤ x), so that the unfolded levels have unit mean density and their spacings carry only
/// the fluctuations that RMT predicts (Guhr, Müller-Groeling & Weidenmüller, Phys. Rep. 299, 1998).
public enum Unfolding: Sendable, Equatable {
  /// Least-squares polynomial of the given degree through (xᵢ, i + ½).
  case polynomial(degree: Int)
  /// Staircase smoothed with a Gaussian kernel: N̄(x) = Σⱼ Φ((x − xⱼ)/h); `bandwidth` nil means
  /// h = 4 · mean level spacing (a few spacings: smooth, yet following the density).
  case gaussianKernel(bandwidth: Double?)

  /// Unfolds one spectrum (any order; returned ascending).
  public func unfold(_ levels: [Double]) -> [Double] {
    let x = levels.filter(\.isFinite).sorted()
    guard x.count >= 2 else { return x.map { _ in 0.5 } }
    switch self {
    case .polynomial(let degree):
      let d = max(1, min(degree, x.count - 2))
      // Scale x to [−1, 1] so the Vandermonde columns stay well conditioned.
      let lo = x[0], hi = x[x.count - 1], span = max(hi - lo, 1e-300)
      let t = x.map { 2 * ($0 - lo) / span - 1 }
      let c = polynomialLeastSquares(t, (0..<x.count).map { Double($0) + 0.5 }, degree: d)
      return t.map { evaluatePolynomial(c, $0) }
    case .gaussianKernel(let bandwidth):
      let h = bandwidth ?? 4 * (x[x.count - 1] - x[0]) / Double(x.count - 1)
      return x.map { xi in
        var s = 0.0
        for xj in x { s += 0.5 * erfc(-(xi - xj) / (h * 2.0.squareRoot())) }
        return s
      }
    }
  }

  /// Ensemble unfolding with the pooled empirical CDF F of all spectra: ξ = N·F(x), N the number
  /// of levels per spectrum (Docs/Science.md §5.3). Returns each spectrum unfolded, ascending.
  public static func ensemble(_ spectra: [[Double]]) -> [[Double]] {
    let pooled = spectra.flatMap { $0 }.filter(\.isFinite).sorted()
    guard !pooled.isEmpty else { return spectra.map { _ in [] } }
    let n = Double(pooled.count), levels = Double(spectra.map(\.count).max() ?? 0)
    // Mid-rank of x in the pooled sample, so ties share one value.
    func cdf(_ v: Double) -> Double {
      let lo = lowerBound(pooled, v)
      var up = lo
      while up < pooled.count && pooled[up] == v { up += 1 }
      return (Double(lo) + Double(up)) / (2 * n)
    }
    return spectra.map { s in s.filter(\.isFinite).sorted().map { levels * cdf($0) } }
  }
}

/// Nearest-neighbour spacings of ascending unfolded levels, divided by their mean (⟨s⟩ = 1).
public func normalizedSpacings(_ unfolded: [Double]) -> [Double] {
  guard unfolded.count >= 2 else { return [] }
  let s = zip(unfolded.dropFirst(), unfolded).map { $0 - $1 }
  let m = mean(s)
  return m > 0 ? s.map { $0 / m } : s
}

/// Coefficients c₀…c_d of the least-squares polynomial, by modified Gram–Schmidt QR of the
/// Vandermonde matrix (stable enough for the degrees used in unfolding, d ≲ 15 on [−1, 1]).
func polynomialLeastSquares(_ x: [Double], _ y: [Double], degree d: Int) -> [Double] {
  let n = x.count, k = d + 1
  var q = (0..<k).map { p in x.map { pow($0, Double(p)) } }   // columns
  var r = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
  for j in 0..<k {
    for i in 0..<j {
      var dot = 0.0
      for t in 0..<n { dot += q[i][t] * q[j][t] }
      r[i][j] = dot
      for t in 0..<n { q[j][t] -= dot * q[i][t] }
    }
    let norm = q[j].reduce(0) { $0 + $1 * $1 }.squareRoot()
    r[j][j] = norm
    if norm > 0 { for t in 0..<n { q[j][t] /= norm } }
  }
  var qty = (0..<k).map { j in zip(q[j], y).reduce(0) { $0 + $1.0 * $1.1 } }
  for j in stride(from: k - 1, through: 0, by: -1) {
    for i in (j + 1)..<k { qty[j] -= r[j][i] * qty[i] }
    qty[j] = r[j][j] != 0 ? qty[j] / r[j][j] : 0
  }
  return qty
}

func evaluatePolynomial(_ c: [Double], _ x: Double) -> Double {
  c.reversed().reduce(0) { $0 * x + $1 }
}
