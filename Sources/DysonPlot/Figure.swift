import Foundation

/// A figure of panels on a grid, with an optional caption, rendered to standalone SVG 1.1.
/// Sized like a paper's figure (a panel is 320 × 240 px by default); fonts are the reader's serif.
public struct Figure: Sendable {
  /// The panels, row by row.
  public var panels: [Panel]
  /// Panels per row.
  public var columns: Int
  /// Text drawn below the panels; empty for none.
  public var caption: String
  /// A panel's width in SVG pixels.
  public var panelWidth = 320.0
  /// A panel's height in SVG pixels.
  public var panelHeight = 240.0

  /// A figure of `panels`, `columns` per row (all in one row when nil).
  public init(panels: [Panel], columns: Int? = nil, caption: String = "") {
    self.panels = panels
    self.columns = max(1, min(columns ?? panels.count, max(panels.count, 1)))
    self.caption = caption
  }

  /// A single-panel figure, a little larger than a panel of a grid.
  public init(_ panel: Panel, caption: String = "") {
    self.init(panels: [panel], columns: 1, caption: caption)
    panelWidth = 440
    panelHeight = 300
  }

  /// The SVG document.
  public func svg() -> String {
    let rows = (panels.count + columns - 1) / columns
    let captionLines = wrap(caption, width: Int(Double(columns) * panelWidth / 6.5))
    let width = Double(columns) * panelWidth
    let height = Double(rows) * panelHeight + Double(captionLines.count) * 15 + (captionLines.isEmpty ? 0 : 10)
    var out = """
    <svg xmlns="http://www.w3.org/2000/svg" width="\(fmt(width))" height="\(fmt(height))" viewBox="0 0 \(fmt(width)) \(fmt(height))" font-family="Georgia, 'Times New Roman', serif" font-size="11">
    <rect width="100%" height="100%" fill="white"/>

    """
    for (i, panel) in panels.enumerated() {
      let ox = Double(i % columns) * panelWidth, oy = Double(i / columns) * panelHeight
      out += render(panel, index: i, originX: ox, originY: oy)
    }
    for (k, line) in captionLines.enumerated() {
      out += "<text x=\"8\" y=\"\(fmt(Double(rows) * panelHeight + 16 + Double(k) * 15))\" font-size=\"11.5\">\(escape(line))</text>\n"
    }
    return out + "</svg>\n"
  }

  /// Writes the SVG atomically.
  public func write(to path: String) throws {
    let url = URL(fileURLWithPath: path)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(svg().utf8).write(to: url, options: .atomic)
  }

  private func render(_ p: Panel, index: Int, originX: Double, originY: Double) -> String {
    let left = originX + 56, right = originX + panelWidth - 14
    let top = originY + 24, bottom = originY + panelHeight - 40
    // Data extent in transformed units, dropping what a log axis cannot show.
    var xs: [Double] = [], ys: [Double] = []
    for e in p.elements {
      let (ex, ey) = e.extent
      xs += ex.filter { $0.isFinite && (p.x.scale == .linear || $0 > 0) }.map(p.x.transform)
      ys += ey.filter { $0.isFinite && (p.y.scale == .linear || $0 > 0) }.map(p.y.transform)
    }
    let xr = p.x.resolvedRange(dataMin: xs.min() ?? .nan, dataMax: xs.max() ?? .nan)
    let yr = p.y.resolvedRange(dataMin: ys.min() ?? .nan, dataMax: ys.max() ?? .nan)
    func sx(_ v: Double) -> Double { left + (p.x.transform(v) - xr.lowerBound) / (xr.upperBound - xr.lowerBound) * (right - left) }
    func sy(_ v: Double) -> Double { bottom - (p.y.transform(v) - yr.lowerBound) / (yr.upperBound - yr.lowerBound) * (bottom - top) }
    func ok(_ x: Double, _ y: Double) -> Bool {
      x.isFinite && y.isFinite && (p.x.scale == .linear || x > 0) && (p.y.scale == .linear || y > 0)
    }
    let clip = "clip\(index)"
    var s = "<g>\n<clipPath id=\"\(clip)\"><rect x=\"\(fmt(left))\" y=\"\(fmt(top))\" width=\"\(fmt(right - left))\" height=\"\(fmt(bottom - top))\"/></clipPath>\n"
    s += "<g clip-path=\"url(#\(clip))\">\n"
    let yBase = p.y.scale == .log ? pow(10, yr.lowerBound) : max(yr.lowerBound, min(0, yr.upperBound))
    for e in p.elements {
      switch e {
      case let .histogram(edges, heights, color, _):
        for (i, h) in heights.enumerated() where i + 1 < edges.count && ok(edges[i], h) && ok(edges[i + 1], h) {
          let x0 = sx(edges[i]), x1 = sx(edges[i + 1]), y0 = sy(h), yb = sy(yBase)
          s += "<rect x=\"\(fmt(x0))\" y=\"\(fmt(min(y0, yb)))\" width=\"\(fmt(max(0, x1 - x0)))\" height=\"\(fmt(abs(yb - y0)))\" fill=\"\(color)\" fill-opacity=\"0.35\" stroke=\"\(color)\" stroke-width=\"0.6\"/>\n"
        }
      case let .line(x, y, color, width, dashed, _):
        let pts = zip(x, y).filter { ok($0, $1) }.map { "\(fmt(sx($0))),\(fmt(sy($1)))" }
        if pts.count > 1 {
          s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(fmt(width))\"\(dashed ? " stroke-dasharray=\"5,3\"" : "") points=\"\(pts.joined(separator: " "))\"/>\n"
        }
      case let .band(x, lower, upper, color, _):
        let n = min(x.count, lower.count, upper.count)
        let up = (0..<n).filter { ok(x[$0], upper[$0]) && ok(x[$0], lower[$0]) }
        if up.count > 1 {
          let pts = up.map { "\(fmt(sx(x[$0]))),\(fmt(sy(upper[$0])))" } + up.reversed().map { "\(fmt(sx(x[$0]))),\(fmt(sy(lower[$0])))" }
          s += "<polygon fill=\"\(color)\" fill-opacity=\"0.2\" stroke=\"none\" points=\"\(pts.joined(separator: " "))\"/>\n"
        }
      case let .points(x, y, errors, color, _):
        for i in 0..<min(x.count, y.count) where ok(x[i], y[i]) {
          if let e = errors, i < e.count, e[i].isFinite, e[i] > 0 {
            let lo = y[i] - e[i], hi = y[i] + e[i]
            if ok(x[i], hi) {
              s += "<line x1=\"\(fmt(sx(x[i])))\" x2=\"\(fmt(sx(x[i])))\" y1=\"\(fmt(ok(x[i], lo) ? sy(lo) : bottom))\" y2=\"\(fmt(sy(hi)))\" stroke=\"\(color)\" stroke-width=\"1\"/>\n"
            }
          }
          s += "<circle cx=\"\(fmt(sx(x[i])))\" cy=\"\(fmt(sy(y[i])))\" r=\"2.6\" fill=\"\(color)\"/>\n"
        }
      case let .verticalLine(x, color, dashed, _):
        if ok(x, 1) || p.x.scale == .linear {
          s += "<line x1=\"\(fmt(sx(x)))\" x2=\"\(fmt(sx(x)))\" y1=\"\(fmt(top))\" y2=\"\(fmt(bottom))\" stroke=\"\(color)\" stroke-width=\"1\"\(dashed ? " stroke-dasharray=\"3,3\"" : "")/>\n"
        }
      }
    }
    s += "</g>\n"
    // Frame, ticks and labels.
    s += "<rect x=\"\(fmt(left))\" y=\"\(fmt(top))\" width=\"\(fmt(right - left))\" height=\"\(fmt(bottom - top))\" fill=\"none\" stroke=\"black\" stroke-width=\"0.8\"/>\n"
    for (t, label) in p.x.ticks(in: xr) {
      let x = left + (t - xr.lowerBound) / (xr.upperBound - xr.lowerBound) * (right - left)
      s += "<line x1=\"\(fmt(x))\" x2=\"\(fmt(x))\" y1=\"\(fmt(bottom))\" y2=\"\(fmt(bottom - 4))\" stroke=\"black\" stroke-width=\"0.8\"/>\n"
      s += "<text x=\"\(fmt(x))\" y=\"\(fmt(bottom + 13))\" text-anchor=\"middle\">\(tickText(label))</text>\n"
    }
    for (t, label) in p.y.ticks(in: yr) {
      let y = bottom - (t - yr.lowerBound) / (yr.upperBound - yr.lowerBound) * (bottom - top)
      s += "<line x1=\"\(fmt(left))\" x2=\"\(fmt(left + 4))\" y1=\"\(fmt(y))\" y2=\"\(fmt(y))\" stroke=\"black\" stroke-width=\"0.8\"/>\n"
      s += "<text x=\"\(fmt(left - 4))\" y=\"\(fmt(y + 4))\" text-anchor=\"end\">\(tickText(label))</text>\n"
    }
    s += "<text x=\"\(fmt((left + right) / 2))\" y=\"\(fmt(bottom + 30))\" text-anchor=\"middle\" font-style=\"italic\">\(escape(p.x.label))</text>\n"
    s += "<text transform=\"translate(\(fmt(originX + 14)),\(fmt((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\" font-style=\"italic\">\(escape(p.y.label))</text>\n"
    if !p.title.isEmpty {
      s += "<text x=\"\(fmt(left))\" y=\"\(fmt(top - 8))\" font-weight=\"bold\">\(escape(p.title))</text>\n"
    }
    let labelled = p.elements.filter { $0.label != nil }
    if p.showsLegend && !labelled.isEmpty {
      for (k, e) in labelled.enumerated() {
        let y = top + 12 + Double(k) * 14
        s += "<line x1=\"\(fmt(right - 120))\" x2=\"\(fmt(right - 104))\" y1=\"\(fmt(y - 4))\" y2=\"\(fmt(y - 4))\" stroke=\"\(e.color)\" stroke-width=\"2.5\"/>\n"
        s += "<text x=\"\(fmt(right - 100))\" y=\"\(fmt(y))\" font-size=\"10\">\(escape(e.label!))</text>\n"
      }
    }
    return s + "</g>\n"
  }
}

/// "10^3" → 10 with a superscript 3.
private func tickText(_ label: String) -> String {
  guard label.hasPrefix("10^") else { return escape(label) }
  return "10<tspan dy=\"-5\" font-size=\"8\">\(escape(String(label.dropFirst(3))))</tspan><tspan dy=\"5\"></tspan>"
}

func escape(_ s: String) -> String {
  s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}

func fmt(_ v: Double) -> String { String(format: "%.2f", v) }

/// Greedy word wrap to at most `width` characters per line.
func wrap(_ text: String, width: Int) -> [String] {
  guard !text.isEmpty else { return [] }
  var lines: [String] = [], current = ""
  for word in text.split(separator: " ") {
    if !current.isEmpty && current.count + 1 + word.count > width { lines.append(current); current = "" }
    current += (current.isEmpty ? "" : " ") + word
  }
  if !current.isEmpty { lines.append(current) }
  return lines
}
