import DysonIO
import DysonPlot
import DysonRMT
import Foundation

extension SpectrumReport {
  /// WeightWatcher's `get_summary`: the mean of each of its per-layer metrics over the tensors
  /// that have one, in its order.
  public var summary: [(key: String, value: Double)] {
    let metrics: [(String, (WeightSpectrum) -> Double?)] = [
      ("log_norm", { $0.logNorm }), ("alpha", { $0.powerLaw?.alpha }), ("alpha_weighted", { $0.alphaWeighted }),
      ("log_alpha_norm", { $0.logAlphaNorm }), ("log_spectral_norm", { $0.logSpectralNorm }),
      ("stable_rank", { $0.stableRank }), ("mp_softrank", { $0.mpSoftRank }),
    ]
    return metrics.compactMap { key, value in
      let v = spectra.compactMap { value($0.spectrum) }.filter(\.isFinite)
      return v.isEmpty ? nil : (key, mean(v))
    }
  }

  /// The per-tensor fields of `--json` and `--csv`, in order (null where a measure is undefined).
  public static func fields(_ t: TensorSpectrum) -> [(String, JSONValue)] {
    let s = t.spectrum
    func number(_ v: Double?) -> JSONValue { v.map { JSONValue.number($0) } ?? .null }
    func integer(_ v: Int?) -> JSONValue { v.map { JSONValue.integer($0) } ?? .null }
    return [
      ("name", .string(t.name)), ("file", .string(t.file)), ("shape", .array(t.shape.map { .integer($0) })),
      ("dtype", .string(t.dtype)), ("conventions", .string(s.conventions.rawValue)), ("slices", .integer(s.slices)),
      ("N", .integer(s.columns)), ("M", .integer(s.rows)),
      ("mp_sigma2", number(s.marchenkoPastur?.variance)), ("mp_area", number(s.marchenkoPastur?.area)),
      ("mp_fraction_outside", number(s.marchenkoPastur?.fractionAboveEdge)), ("mp_status", .string(s.marchenkoPasturStatus)),
      ("sigma_mp", number(s.weightWatcherFit?.sigma)),
      ("num_spikes", integer(s.spikes)), ("mp_softrank", number(s.mpSoftRank)),
      ("alpha", number(s.powerLaw?.alpha)), ("alpha_error", number(s.powerLaw?.alphaError)),
      ("xmin", number(s.powerLaw?.xMin)), ("D", number(s.powerLaw?.distance)),
      ("num_pl_spikes", integer(s.powerLaw?.tailCount)),
      ("alpha_weighted", number(s.alphaWeighted)), ("log_alpha_norm", number(s.logAlphaNorm)),
      ("spectral_norm", .number(s.spectralNorm)), ("lambda_max", .number(s.lambdaMax)),
      ("log_norm", .number(s.logNorm)), ("log_spectral_norm", .number(s.logSpectralNorm)),
      ("stable_rank", .number(s.stableRank)), ("matrix_rank", .integer(s.matrixRank)), ("entropy", .number(s.entropy)),
      ("rand_distance", number(s.randomized?.distance)), ("rand_lambda_max", number(s.randomized?.lambdaMax)),
      ("rand_trap_threshold", number(s.randomized?.trapThreshold)), ("traps", integer(s.randomized?.traps)),
      ("ratio_mean", .number(s.ratioMean)), ("warning", s.trainingWarning.map { .string($0) } ?? .null),
    ]
  }

  /// One JSON object per tensor (`fields`, plus the ascending eigenvalues when asked).
  public func jsonLines(eigenvalues: Bool = false) -> [String] {
    spectra.map { t in
      var f = Self.fields(t)
      if eigenvalues { f.append(("eigenvalues", .numbers(t.spectrum.eigenvalues))) }
      return JSONValue.object(f).serialized()
    }
  }

  /// The summary as one JSON object, `{"summary": {…}}`.
  public func summaryJSON() -> String {
    JSONValue.object([("summary", .object(summary.map { ($0.key, .number($0.value)) }))]).serialized()
  }

  /// A CSV table of `fields`, one row per tensor (the shape as `16x64`, null as an empty field).
  public func csv() -> CSVWriter {
    let keys = spectra.first.map { Self.fields($0).map(\.0) } ?? Self.fieldNames
    var table = CSVWriter(header: keys)
    for t in spectra {
      table.appendRow(Self.fields(t).map { key, value in
        switch value {
        case .null: ""
        case .string(let s): s
        case .array(let items) where key == "shape": items.map { $0.serialized() }.joined(separator: "x")
        default: value.serialized()
        }
      })
    }
    return table
  }

  /// The field names, in order.
  static let fieldNames = ["name", "file", "shape", "dtype", "conventions", "slices", "N", "M", "mp_sigma2", "mp_area",
                           "mp_fraction_outside", "mp_status", "sigma_mp", "num_spikes", "mp_softrank", "alpha", "alpha_error",
                           "xmin", "D", "num_pl_spikes", "alpha_weighted", "log_alpha_norm", "spectral_norm", "lambda_max",
                           "log_norm", "log_spectral_norm", "stable_rank", "matrix_rank", "entropy", "rand_distance",
                           "rand_lambda_max", "rand_trap_threshold", "traps", "ratio_mean", "warning"]

  /// The human table: a header line and one line per tensor; the file is named in a line of its
  /// own whenever it changes, when the report covers several files.
  public func tableLines() -> [String] {
    func format(_ v: Double?, _ f: String) -> String {
      guard let v, v.isFinite else { return "—" }
      return String(format: f, v)
    }
    func pad(_ s: String, _ width: Int) -> String {
      s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }
    let names = spectra.map(\.name)
    let nameWidth = min(48, max(8, (names.map(\.count).max() ?? 0) + 1))
    var lines = [pad("tensor", nameWidth) + pad("shape", 13) + pad("mp_σ²", 11) + pad("mp_A", 7) + pad("spikes", 7)
                 + pad("α", 6) + pad("α̂", 7) + pad("‖W‖₂", 10) + pad("stable", 8) + pad("rank", 6) + pad("entropy", 8)
                 + pad("rand_d", 7) + pad("traps", 6) + pad("⟨r̃⟩", 7) + "warning"]
    let files = Set(spectra.map(\.file))
    var lastFile: String?
    for t in spectra {
      if files.count > 1 && t.file != lastFile { lines.append("# \(t.file)"); lastFile = t.file }
      let s = t.spectrum
      let name = t.name.count > nameWidth - 1 ? "…" + t.name.suffix(nameWidth - 2) : t.name
      lines.append(pad(name, nameWidth) + pad(t.shape.map(String.init).joined(separator: "×"), 13)
                   + pad(format(s.marchenkoPastur?.variance, "%.4g"), 11) + pad(format(s.marchenkoPastur?.area, "%.3f"), 7)
                   + pad(s.spikes.map(String.init) ?? "—", 7) + pad(format(s.powerLaw?.alpha, "%.2f"), 6)
                   + pad(format(s.alphaWeighted, "%.2f"), 7) + pad(format(s.spectralNorm, "%.4g"), 10)
                   + pad(format(s.stableRank, "%.3g"), 8) + pad(String(s.matrixRank), 6) + pad(format(s.entropy, "%.3f"), 8)
                   + pad(format(s.randomized?.distance, "%.3f"), 7) + pad(s.randomized.map { String($0.traps) } ?? "—", 6)
                   + pad(format(s.ratioMean, "%.3f"), 7) + (s.trainingWarning ?? "—"))
    }
    return lines
  }

  /// The summary as one line: "summary (WeightWatcher's get_summary): log_norm 1.23, alpha 3.4, …".
  public func summaryLine() -> String {
    "mean over \(spectra.count) tensor\(spectra.count == 1 ? "" : "s") (WeightWatcher's summary): "
      + summary.map { "\($0.key) \(String(format: "%.4g", $0.value))" }.joined(separator: ", ")
  }

  /// A file name for `t`'s figure: the tensor's name with path separators and odd characters as
  /// '_', prefixed by its file's name when another file of the report has a tensor of that name.
  public func figureName(_ t: TensorSpectrum) -> String {
    func clean(_ s: String) -> String {
      String(s.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" ? $0 : "_" })
    }
    let shared = spectra.contains { $0.name == t.name && $0.file != t.file }
    let stem = URL(fileURLWithPath: t.file).deletingPathExtension().lastPathComponent
    return (shared ? clean(stem) + "--" : "") + clean(t.name) + ".svg"
  }

  /// Two panels: the ESD with the fitted MP law and the shuffled ESD, and the tail on log–log axes
  /// with the power law.
  public static func figure(_ t: TensorSpectrum, symmetric: Bool = false) -> Figure {
    let s = t.spectrum
    let x = s.eigenvalues
    // The fit's bins (Freedman–Diaconis, at most n), at most 400 to draw: a spectrum spanning
    // sixty decades with a tiny IQR would otherwise ask for 10⁵ bars.
    let hist = Histogram(x, binning: .count(min(400, SpectralFit.defaultBins(x))))
    var esd = Panel(title: "(a) \(symmetric ? "eigenvalues" : "ESD of WᵀW")", x: Axis("x"), y: Axis("ρ(x)"))
    esd.add(.histogram(edges: hist.edges, heights: hist.density, color: plotPalette[0], label: "\(x.count) eigenvalues"))
    if let mp = s.marchenkoPastur {
      let lo = mp.law.lowerEdge, hi = mp.law.upperEdge
      let grid = (0...400).map { lo + (hi - lo) * Double($0) / 400 }
      esd.add(.line(x: grid, y: grid.map { mp.area * mp.law.density($0) }, color: plotPalette[1], width: 1.6, dashed: false,
                    label: String(format: "MP fit σ²=%.3g, A=%.2f", mp.variance, mp.area)))
      esd.add(.verticalLine(x: hi, color: plotPalette[1], dashed: true, label: nil))
    }
    if let r = s.randomized, !r.eigenvalues.isEmpty {
      // The shuffled spectrum on the same bins, as a line so that it does not hide the original.
      let shuffled = Histogram(r.eigenvalues, binning: .edges(hist.edges))
      esd.add(.line(x: shuffled.centers, y: shuffled.density, color: plotPalette[2], width: 1.2, dashed: true,
                    label: String(format: "shuffled (d %.2f, %d trap%@)", r.distance, r.traps, r.traps == 1 ? "" : "s")))
    }
    var tail = Panel(title: "(b) tail", x: Axis("x", scale: .log), y: Axis("ρ(x)", scale: .log))
    let positive = x.filter { $0 > 0 }
    if let lo = positive.min(), let hi = positive.max(), hi > lo {
      let bins = max(4, min(40, positive.count / 4))
      let edges = (0...bins).map { lo * pow(hi / lo, Double($0) / Double(bins)) }
      let h = Histogram(positive, binning: .edges(edges))
      tail.add(.histogram(edges: h.edges, heights: h.density, color: plotPalette[0], label: nil))
      if let p = s.powerLaw, p.xMin > 0, hi > p.xMin {
        // p(x) = (α−1)/x_min (x/x_min)^{−α}, scaled by the tail's share of the spectrum.
        let share = Double(p.tailCount) / Double(positive.count)
        let grid = (0...50).map { p.xMin * pow(hi / p.xMin, Double($0) / 50) }
        tail.add(.line(x: grid, y: grid.map { share * (p.alpha - 1) / p.xMin * pow($0 / p.xMin, -p.alpha) },
                       color: plotPalette[1], width: 1.6, dashed: true, label: String(format: "α = %.2f", p.alpha)))
      }
    }
    func format(_ v: Double, _ f: String) -> String { v.isFinite ? String(format: f, v) : "—" }
    return Figure(panels: [esd, tail], columns: 2,
                  caption: "\(t.name): \(s.rows)×\(s.columns); ‖W‖₂ = \(format(s.spectralNorm, "%.4g")), stable rank \(format(s.stableRank, "%.3g")), ⟨r̃⟩ = \(format(s.ratioMean, "%.3f")).")
  }
}
