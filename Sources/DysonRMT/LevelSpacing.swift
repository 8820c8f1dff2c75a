import Foundation

/// Number variance Σ²(L) = ⟨(n(E, L) − L)²⟩ of unfolded levels, n(E, L) the count in [E, E + L],
/// averaged over `windows` evenly placed starts. GOE: Σ²(L) ≈ (2/π²)(ln 2πL + γ + 1 − π²/8);
/// Poisson: L.
public func numberVariance(_ unfolded: [Double], length: Double, windows: Int = 200) -> Double {
  let x = unfolded.sorted()
  guard let first = x.first, let last = x.last, last - first > length, windows > 0 else { return .nan }
  var sum = 0.0
  for w in 0..<windows {
    let start = first + (last - first - length) * (Double(w) + 0.5) / Double(windows)
    let lo = lowerBound(x, start), hi = lowerBound(x, start + length)
    let d = Double(hi - lo) - length
    sum += d * d
  }
  return sum / Double(windows)
}

/// GOE number variance for large L (Mehta, Random Matrices, §16.1).
public func goeNumberVariance(_ length: Double) -> Double {
  2 / (Double.pi * Double.pi) * (log(2 * Double.pi * length) + 0.5772156649015329 + 1 - Double.pi * Double.pi / 8)
}

