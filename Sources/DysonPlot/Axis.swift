import Foundation

/// How data values map to a panel's width or height.
public enum AxisScale: Sendable, Equatable {
  /// Linear.
  case linear
  /// Base-10 logarithmic; values ≤ 0 are dropped from the plot.
  case log
}

/// One axis: label, scale and range (automatic from the data unless set).
public struct Axis: Sendable {
  /// The axis title, drawn beside the axis.
  public var label: String
  /// Linear or logarithmic.
  public var scale: AxisScale
  /// Fixed range; nil means "from the data, with 4 % margins (linear) or whole decades (log)".
  public var range: ClosedRange<Double>?

  /// An axis with a title, a scale and, optionally, a fixed range.
  public init(_ label: String = "", scale: AxisScale = .linear, range: ClosedRange<Double>? = nil) {
    self.label = label
    self.scale = scale
    self.range = range
  }

  func transform(_ v: Double) -> Double { scale == .log ? log10(v) : v }

  /// The transformed range to draw, from the data's transformed extent.
  /// A fixed range that the scale cannot show (≤ 0 on a log axis, non-finite, empty) gives way to
  /// the data's: degenerate data (a blank data set, one value) draws an empty axis, never a crash.
  func resolvedRange(dataMin: Double, dataMax: Double) -> ClosedRange<Double> {
    if let r = range {
      let lo = transform(r.lowerBound), hi = transform(r.upperBound)
      if lo.isFinite && hi.isFinite && lo < hi { return lo...hi }
    }
    guard dataMin.isFinite, dataMax.isFinite else { return 0...1 }
    if scale == .log { return floor(dataMin)...max(ceil(dataMax), floor(dataMin) + 1) }
    if dataMin == dataMax { return (dataMin - 0.5)...(dataMax + 0.5) }
    let pad = 0.04 * (dataMax - dataMin)
    return (dataMin - pad)...(dataMax + pad)
  }

  /// Tick positions (transformed units) and their labels.
  func ticks(in r: ClosedRange<Double>) -> [(Double, String)] {
    guard r.lowerBound.isFinite, r.upperBound.isFinite else { return [] }
    if scale == .log {
      // Decades: beyond ±10⁴ there is nothing a Double can show.
      let lo = Int(max(-400, min(400, ceil(r.lowerBound - 1e-9)))), hi = Int(max(-400, min(400, floor(r.upperBound + 1e-9))))
      guard lo <= hi else { return [] }
      let step = max(1, (hi - lo + 5) / 6)
      return stride(from: lo, through: hi, by: step).map { (Double($0), "10^\($0)") }
    }
    let step = niceStep((r.upperBound - r.lowerBound) / 5)
    var out: [(Double, String)] = []
    var t = (r.lowerBound / step).rounded(.up) * step
    // At most a dozen ticks, and none when the step is below the values' own resolution.
    while t <= r.upperBound + 1e-9 * step, out.count < 12, t + step > t {
      out.append((t, formatTick(abs(t) < 1e-12 * step ? 0 : t, step: step)))
      t += step
    }
    return out
  }
}

/// 1, 2 or 5 times a power of ten, near `raw`.
func niceStep(_ raw: Double) -> Double {
  guard raw > 0, raw.isFinite else { return 1 }
  let power = pow(10, floor(log10(raw)))
  let f = raw / power
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * power
}

/// A tick label with as many decimals as the step needs.
func formatTick(_ v: Double, step: Double) -> String {
  let decimals = max(0, -Int(floor(log10(step) + 1e-9)))
  if abs(v) >= 1e5 || (abs(v) < 1e-3 && v != 0) { return String(format: "%.1e", v) }
  return String(format: "%.\(decimals)f", v)
}
