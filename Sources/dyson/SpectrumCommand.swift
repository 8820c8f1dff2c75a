import DysonCore
import DysonIO
import DysonPlot
import DysonRMT
import Foundation

/// `dyson spectrum FILE…`: the spectral analysis of every 2-D tensor in `.npy` / `.safetensors`
/// files — WeightWatcher's core measurements plus the RMT ones Dyson adds.
enum SpectrumCommand {
  static let help = """
  usage: dyson spectrum FILE… [--tensor NAME]… [--symmetric] [--eigenvalues] [--json] [--plot DIR]

  For each 2-D tensor W in the .npy / .safetensors files: the eigenvalues of X = WᵀW (W oriented
  so that N ≤ M), a Marchenko–Pastur fit of (σ², area A) with the fraction of eigenvalues above its
  upper edge, the power-law exponent α of the tail (x_min by smallest KS distance), the spectral
  norm ‖W‖₂, the stable rank ‖W‖²_F/‖W‖²₂, and the mean spacing ratio ⟨r̃⟩ (GOE 0.531, Poisson 0.386).

    --tensor NAME   only these tensors (repeat, or separate by commas); default: every 2-D tensor
    --symmetric     take each (square, symmetric) matrix itself as the operator, not WᵀW
    --eigenvalues   include the eigenvalues (ascending) in the JSON output
    --json          one JSON object per tensor per line: name, shape, mp_sigma2, mp_area, alpha,
                    spectral_norm, stable_rank, ratio_mean (null when not defined), eigenvalues
    --plot DIR      write DIR/<tensor>.svg: the ESD with the MP fit, and the tail on log axes

  Exit status: 0 success, 1 a file or tensor is bad (each named on stderr), 2 usage error.
  """

  struct Input: Sendable {
    let file: String
    let tensor: StoredTensor
  }

  struct Outcome: Sendable {
    let input: Input
    let spectrum: WeightSpectrum?
    let failure: String?
  }

  static func run(_ arguments: [String]) async throws {
    let o = try Options(arguments, valued: ["tensor", "plot"], switches: ["symmetric", "eigenvalues", "json"], positional: true)
    guard !o.positionals.isEmpty else { throw UsageError(description: "no input files; usage: dyson spectrum FILE… (see dyson help spectrum)") }
    let wanted = o.list("tensor")
    var failures: [String] = []

    // Read every file first: a bad file is reported, the others are still analysed.
    var inputs: [Input] = []
    for file in o.positionals {
      do {
        let tensors: [StoredTensor]
        switch URL(fileURLWithPath: file).pathExtension.lowercased() {
        case "npy": tensors = [try Npy.read(path: file)]
        case "safetensors": tensors = try Safetensors.read(path: file)
        default: throw FileFormatError(file: file, fault: "unknown format (expected .npy or .safetensors)")
        }
        let chosen = wanted.isEmpty ? tensors.filter { $0.shape.count == 2 } : tensors.filter { wanted.contains($0.name) }
        for t in chosen where t.shape.count != 2 {
          failures.append("\(file): tensor '\(t.name)' has shape \(t.shape), not a matrix")
        }
        if !wanted.isEmpty && o.positionals.count == 1 {
          for name in wanted where !tensors.contains(where: { $0.name == name }) {
            failures.append("\(file): no tensor named '\(name)' (it has: \(tensors.map(\.name).prefix(8).joined(separator: ", ")))")
          }
        }
        inputs += chosen.filter { $0.shape.count == 2 }.map { Input(file: file, tensor: $0) }
      } catch {
        failures.append("\(error)")
      }
    }
    if !wanted.isEmpty && o.positionals.count > 1 {
      for name in wanted where !inputs.contains(where: { $0.tensor.name == name }) {
        failures.append("no file has a tensor named '\(name)'")
      }
    }

    let symmetric = o.has("symmetric")
    let outcomes = await analyse(inputs, symmetric: symmetric)
    var lines: [String] = []
    if !o.has("json") {
      lines.append(pad("tensor", 34) + pad("shape", 11) + pad("mp_σ²", 12) + pad("mp_A", 8) + pad("outside", 9)
                   + pad("α", 7) + pad("‖W‖₂", 11) + pad("stable", 9) + "⟨r̃⟩")
    }
    for outcome in outcomes {
      guard let s = outcome.spectrum else {
        failures.append("\(outcome.input.file): tensor '\(outcome.input.tensor.name)': \(outcome.failure ?? "failed")")
        continue
      }
      let t = outcome.input.tensor
      if o.has("json") {
        var fields: [(String, JSONValue)] = [
          ("name", .string(t.name)), ("file", .string(outcome.input.file)),
          ("shape", .array(t.shape.map { .integer($0) })),
          ("mp_sigma2", number(s.marchenkoPastur?.variance)), ("mp_area", number(s.marchenkoPastur?.area)),
          ("mp_fraction_outside", number(s.marchenkoPastur?.fractionAboveEdge)),
          ("alpha", number(s.powerLaw?.alpha)), ("spectral_norm", .number(s.spectralNorm)),
          ("stable_rank", .number(s.stableRank)), ("ratio_mean", .number(s.ratioMean)),
        ]
        if o.has("eigenvalues") { fields.append(("eigenvalues", .numbers(s.eigenvalues))) }
        lines.append(JSONValue.object(fields).serialized())
      } else {
        let name = t.name.count > 33 ? "…" + t.name.suffix(32) : t.name
        lines.append(pad(name, 34) + pad(t.shape.map(String.init).joined(separator: "×"), 11)
                     + pad(format(s.marchenkoPastur?.variance, "%.4g"), 12) + pad(format(s.marchenkoPastur?.area, "%.3f"), 8)
                     + pad(format(s.marchenkoPastur?.fractionAboveEdge, "%.3f"), 9) + pad(format(s.powerLaw?.alpha, "%.2f"), 7)
                     + pad(format(s.spectralNorm, "%.4g"), 11) + pad(format(s.stableRank, "%.3g"), 9) + format(s.ratioMean, "%.3f"))
      }
      if let dir = o.string("plot") {
        do {
          try figure(for: t.name, spectrum: s, symmetric: symmetric).write(to: dir + "/" + fileName(t.name) + ".svg")
        } catch {
          failures.append("cannot write \(dir)/\(fileName(t.name)).svg: \(error.localizedDescription)")
        }
      }
    }
    if outcomes.contains(where: { $0.spectrum != nil }) { print(lines.joined(separator: "\n")) }
    if !failures.isEmpty {
      for f in failures { printError(f) }
      throw ExitQuietly(code: 1)
    }
  }

  /// Analyses the tensors in a task group (at most one per core), results in input order.
  static func analyse(_ inputs: [Input], symmetric: Bool) async -> [Outcome] {
    let width = max(1, ProcessInfo.processInfo.activeProcessorCount)
    return await withTaskGroup(of: (Int, Outcome).self) { group in
      var results = [Outcome?](repeating: nil, count: inputs.count)
      var next = 0
      func launch(_ i: Int) {
        group.addTask {
          let input = inputs[i]
          let t = input.tensor
          do {
            let w = try Matrix<Double>(rows: t.shape[0], columns: t.shape[1], elements: t.values)
            let s = try Parallelism.$kernelThreads.withValue(1) {
              symmetric ? try WeightSpectrum(symmetric: w) : try WeightSpectrum(weights: w)
            }
            return (i, Outcome(input: input, spectrum: s, failure: nil))
          } catch {
            return (i, Outcome(input: input, spectrum: nil, failure: "\(error)"))
          }
        }
      }
      while next < min(width, inputs.count) { launch(next); next += 1 }
      for await (i, outcome) in group {
        results[i] = outcome
        if next < inputs.count { launch(next); next += 1 }
      }
      return results.map { $0! }
    }
  }

  /// Two panels: the ESD with the fitted MP law, and the tail on log–log axes with the power law.
  static func figure(for name: String, spectrum s: WeightSpectrum, symmetric: Bool) -> Figure {
    let x = s.eigenvalues
    let hist = Histogram(x)
    var esd = Panel(title: "(a) \(symmetric ? "eigenvalues" : "ESD of WᵀW")", x: Axis("x"), y: Axis("ρ(x)"))
    esd.add(.histogram(edges: hist.edges, heights: hist.density, color: plotPalette[0], label: "\(x.count) eigenvalues"))
    if let mp = s.marchenkoPastur {
      let lo = mp.law.lowerEdge, hi = mp.law.upperEdge
      let grid = (0...400).map { lo + (hi - lo) * Double($0) / 400 }
      esd.add(.line(x: grid, y: grid.map { mp.area * mp.law.density($0) }, color: plotPalette[1], width: 1.6, dashed: false,
                    label: String(format: "MP fit σ²=%.3g, A=%.2f", mp.variance, mp.area)))
      esd.add(.verticalLine(x: hi, color: plotPalette[1], dashed: true, label: nil))
    }
    var tail = Panel(title: "(b) tail", x: Axis("x", scale: .log), y: Axis("ρ(x)", scale: .log))
    let positive = x.filter { $0 > 0 }
    if let lo = positive.min(), let hi = positive.max(), hi > lo {
      let bins = max(4, min(40, positive.count / 4))
      let edges = (0...bins).map { lo * pow(hi / lo, Double($0) / Double(bins)) }
      let h = Histogram(positive, binning: .edges(edges))
      tail.add(.histogram(edges: h.edges, heights: h.density, color: plotPalette[0], label: nil))
      if let p = s.powerLaw {
        // p(x) = (α−1)/x_min (x/x_min)^{−α}, scaled by the tail's share of the spectrum.
        let share = Double(p.tailCount) / Double(positive.count)
        let grid = (0...50).map { p.xMin * pow(hi / p.xMin, Double($0) / 50) }
        tail.add(.line(x: grid, y: grid.map { share * (p.alpha - 1) / p.xMin * pow($0 / p.xMin, -p.alpha) },
                       color: plotPalette[1], width: 1.6, dashed: true, label: String(format: "α = %.2f", p.alpha)))
      }
    }
    return Figure(panels: [esd, tail], columns: 2,
                  caption: "\(name): \(s.rows)×\(s.columns); ‖W‖₂ = \(format(s.spectralNorm, "%.4g")), stable rank \(format(s.stableRank, "%.3g")), ⟨r̃⟩ = \(format(s.ratioMean, "%.3f")).")
  }

  static func number(_ v: Double?) -> JSONValue { v.map { JSONValue.number($0) } ?? .null }

  static func format(_ v: Double?, _ f: String) -> String {
    guard let v, v.isFinite else { return "—" }
    return String(format: f, v)
  }

  static func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
  }

  /// A tensor name as a file name: path separators and odd characters become '_'.
  static func fileName(_ name: String) -> String {
    String(name.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" ? $0 : "_" })
  }
}
