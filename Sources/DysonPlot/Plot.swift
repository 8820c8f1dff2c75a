/// What a panel draws, in data coordinates. Colours are CSS colour strings.
public enum PlotElement: Sendable {
  /// A histogram as bars: bin `edges` (count + 1 values) and bar `heights`.
  case histogram(edges: [Double], heights: [Double], color: String, label: String?)
  /// A polyline through (x, y); `dashed` for theory curves.
  case line(x: [Double], y: [Double], color: String, width: Double, dashed: Bool, label: String?)
  /// A shaded band between `lower` and `upper` (e.g. ± one standard error).
  case band(x: [Double], lower: [Double], upper: [Double], color: String, label: String?)
  /// Markers with optional vertical error bars.
  case points(x: [Double], y: [Double], errors: [Double]?, color: String, label: String?)
  /// A vertical reference line at x (e.g. a spectral edge).
  case verticalLine(x: Double, color: String, dashed: Bool, label: String?)

  var label: String? {
    switch self {
    case .histogram(_, _, _, let l), .line(_, _, _, _, _, let l), .band(_, _, _, _, let l),
         .points(_, _, _, _, let l), .verticalLine(_, _, _, let l): l
    }
  }

  var color: String {
    switch self {
    case .histogram(_, _, let c, _), .line(_, _, let c, _, _, _), .band(_, _, _, let c, _),
         .points(_, _, _, let c, _), .verticalLine(_, let c, _, _): c
    }
  }

  /// Every (x, y) the element must show, for automatic ranges.
  var extent: (xs: [Double], ys: [Double]) {
    switch self {
    case .histogram(let e, let h, _, _): (e, h + [0])
    case .line(let x, let y, _, _, _, _): (x, y)
    case .band(let x, let lo, let hi, _, _): (x + x, lo + hi)
    case .points(let x, let y, let err, _, _):
      (x, err.map { e in zip(y, e).flatMap { [$0 - $1, $0 + $1] } } ?? y)
    case .verticalLine(let x, _, _, _): ([x], [])
    }
  }
}

/// A colour cycle that reads well in print and for colour-blind readers (Okabe–Ito).
public let plotPalette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

/// One set of axes with its elements.
public struct Panel: Sendable {
  /// The title drawn above the panel; empty for none.
  public var title: String
  /// The horizontal axis.
  public var x: Axis
  /// The vertical axis.
  public var y: Axis
  /// What is drawn, in order (later elements on top).
  public var elements: [PlotElement] = []
  /// Whether the labels of labelled elements are listed in a legend.
  public var showsLegend = true

  /// An empty panel.
  public init(title: String = "", x: Axis = Axis(), y: Axis = Axis()) {
    self.title = title
    self.x = x
    self.y = y
  }

  /// Draws `element` on top of what is there.
  public mutating func add(_ element: PlotElement) { elements.append(element) }
}
