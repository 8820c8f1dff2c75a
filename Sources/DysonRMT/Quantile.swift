import Foundation

/// The q-quantile by linear interpolation between order statistics (NumPy's default, type 7).
public func quantile(_ values: [Double], _ q: Double) -> Double {
  let s = values.sorted()
  guard !s.isEmpty else { return .nan }
  let h = Double(s.count - 1) * min(max(q, 0), 1)
  let i = Int(h)
  return i + 1 < s.count ? s[i] + (h - Double(i)) * (s[i + 1] - s[i]) : s[i]
}
