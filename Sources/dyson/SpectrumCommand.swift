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
                              [--no-randomize] [--seed N] [--kernel-layout oihw|hwio]

  For each 2-D tensor W in the .npy / .safetensors files: the eigenvalues of X = WᵀW (W oriented
  so that N ≤ M), a Marchenko–Pastur fit of (σ², area A) with the eigenvalues above its upper edge
  x₊, the power-law exponent α of the tail (x_min by smallest KS distance), the spectral norm
  ‖W‖₂, the stable rank ‖W‖²_F/‖W‖²₂, the rank and the spectral entropy, the mean spacing ratio
  ⟨r̃⟩ (GOE 0.531, Poisson 0.386), and the comparison with W's entries shuffled: the distance
  between the two spectra and the "traps", spikes that the shuffle keeps. A 4-D tensor is a
  convolution kernel (PyTorch's out × in × kh × kw, or Keras' kh × kw × in × out with
  --kernel-layout hwio): its kh·kw slices pool their eigenvalues.

    --tensor NAME   only these tensors (repeat, or separate by commas); default: every 2-D and 4-D tensor
    --symmetric     take each (square, symmetric) matrix itself as the operator, not WᵀW
    --eigenvalues   include the eigenvalues (ascending) in the JSON output
    --json          one JSON object per tensor per line (keys in Docs/Spectra.md; null when not defined)
    --plot DIR      write DIR/<tensor>.svg: the ESD with the MP fit and the shuffled ESD, and the tail
    --no-randomize  skip the shuffled comparison (it doubles the work)
    --seed N        seed of the shuffle (default 0)
    --kernel-layout L  oihw (PyTorch, default) or hwio (Keras, TensorFlow): how 4-D kernels are stored

  Columns: spikes = eigenvalues above x₊; α̂ = α·log₁₀ λ_max (WeightWatcher's alpha_weighted);
  rand_d = Jensen–Shannon distance of log₁₀ x to the shuffled spectrum's (0 same, 1 disjoint);
  warning = WeightWatcher's reading of α: over-trained below 2, under-trained above 6.
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
    let o = try Options(arguments, valued: ["tensor", "plot", "seed", "kernel-layout"], switches: ["symmetric", "eigenvalues", "json", "no-randomize"],
                        positional: true)
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
        let analysable: (StoredTensor) -> Bool = { $0.shape.count == 2 || $0.shape.count == 4 }
        let chosen = wanted.isEmpty ? tensors.filter(analysable) : tensors.filter { wanted.contains($0.name) }
        for t in chosen where !analysable(t) {
          failures.append("\(file): tensor '\(t.name)' has shape \(t.shape), neither a matrix nor a convolution kernel")
        }
        for t in chosen where analysable(t) && t.shape.contains(0) {
          failures.append("\(file): tensor '\(t.name)' has shape \(t.shape), with no entries")
        }
        if !wanted.isEmpty && o.positionals.count == 1 {
          for name in wanted where !tensors.contains(where: { $0.name == name }) {
            failures.append("\(file): no tensor named '\(name)' (it has: \(tensors.map(\.name).prefix(8).joined(separator: ", ")))")
          }
        }
        inputs += chosen.filter { analysable($0) && !$0.shape.contains(0) }.map { Input(file: file, tensor: $0) }
      } catch {
        failures.append("\(error)")
      }
    }
    if !wanted.isEmpty && o.positionals.count > 1 {
      for name in wanted where !inputs.contains(where: { $0.tensor.name == name }) {
        failures.append("no file has a tensor named '\(name)'")
      }
    }

    let layoutName = o.string("kernel-layout") ?? "oihw"
    guard let layout = WeightSpectrum.KernelLayout(rawValue: layoutName) else {
      throw UsageError(description: "--kernel-layout: '\(layoutName)' is not oihw (PyTorch) or hwio (Keras, TensorFlow)")
    }
    // A kernel whose kh·kw exceeds out·in is far more likely stored in the other layout (a 3 × 3 ×
    // 64 × 128 Keras kernel read as PyTorch's would be 8192 slices of 3 × 3): say so, do not guess.
    for input in inputs where input.tensor.shape.count == 4 {
      let d = layout.dimensions(input.tensor.shape)
      if d.taps > d.out * d.inputs {
        let other = layout == .oihw ? "hwio" : "oihw"
        FileHandle.standardError.write(Data("note: \(input.file): '\(input.tensor.name)' (shape \(input.tensor.shape)) read as \(layout.rawValue) has \(d.taps) slices of \(d.out) × \(d.inputs); if it is stored as \(other), pass --kernel-layout \(other)\n".utf8))
      }
    }
    let symmetric = o.has("symmetric")
    let seed = try o.seed(default: 0)   // checked even when unused: a typo should not pass silently
    let randomSeed: UInt64? = symmetric || o.has("no-randomize") ? nil : seed
    if symmetric, let t = inputs.first(where: { $0.tensor.shape.count != 2 }) {
      throw UsageError(description: "--symmetric takes matrices; '\(t.tensor.name)' has shape \(t.tensor.shape)")
    }
    let outcomes = await analyse(inputs, symmetric: symmetric, layout: layout, randomSeed: randomSeed)
    var lines: [String] = []
    if !o.has("json") {
      lines.append(pad("tensor", 34) + pad("shape", 13) + pad("mp_σ²", 11) + pad("mp_A", 7) + pad("spikes", 7)
                   + pad("α", 6) + pad("α̂", 7) + pad("‖W‖₂", 10) + pad("stable", 8) + pad("rank", 6) + pad("entropy", 8)
                   + pad("rand_d", 7) + pad("traps", 6) + pad("⟨r̃⟩", 7) + "warning")
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
          ("shape", .array(t.shape.map { .integer($0) })), ("slices", .integer(s.slices)),
          ("mp_sigma2", number(s.marchenkoPastur?.variance)), ("mp_area", number(s.marchenkoPastur?.area)),
          ("mp_fraction_outside", number(s.marchenkoPastur?.fractionAboveEdge)),
          ("num_spikes", s.spikes.map { .integer($0) } ?? .null), ("mp_softrank", number(s.mpSoftRank)),
          ("alpha", number(s.powerLaw?.alpha)), ("alpha_error", number(s.powerLaw?.alphaError)),
          ("xmin", number(s.powerLaw?.xMin)), ("D", number(s.powerLaw?.distance)),
          ("num_pl_spikes", s.powerLaw.map { .integer($0.tailCount) } ?? .null),
          ("alpha_weighted", number(s.alphaWeighted)), ("log_alpha_norm", number(s.logAlphaNorm)),
          ("spectral_norm", .number(s.spectralNorm)), ("lambda_max", .number(s.lambdaMax)),
          ("log_norm", .number(s.logNorm)), ("log_spectral_norm", .number(s.logSpectralNorm)),
          ("stable_rank", .number(s.stableRank)), ("matrix_rank", .integer(s.matrixRank)), ("entropy", .number(s.entropy)),
          ("rand_distance", number(s.randomized?.distance)), ("rand_lambda_max", number(s.randomized?.lambdaMax)),
          ("rand_trap_threshold", number(s.randomized?.trapThreshold)), ("traps", s.randomized.map { .integer($0.traps) } ?? .null),
          ("ratio_mean", .number(s.ratioMean)), ("warning", s.trainingWarning.map { .string($0) } ?? .null),
        ]
        if o.has("eigenvalues") { fields.append(("eigenvalues", .numbers(s.eigenvalues))) }
        lines.append(JSONValue.object(fields).serialized())
      } else {
        let name = t.name.count > 33 ? "…" + t.name.suffix(32) : t.name
        lines.append(pad(name, 34) + pad(t.shape.map(String.init).joined(separator: "×"), 13)
                     + pad(format(s.marchenkoPastur?.variance, "%.4g"), 11) + pad(format(s.marchenkoPastur?.area, "%.3f"), 7)
                     + pad(s.spikes.map(String.init) ?? "—", 7) + pad(format(s.powerLaw?.alpha, "%.2f"), 6)
                     + pad(format(s.alphaWeighted, "%.2f"), 7) + pad(format(s.spectralNorm, "%.4g"), 10)
                     + pad(format(s.stableRank, "%.3g"), 8) + pad(String(s.matrixRank), 6) + pad(format(s.entropy, "%.3f"), 8)
                     + pad(format(s.randomized?.distance, "%.3f"), 7) + pad(s.randomized.map { String($0.traps) } ?? "—", 6)
                     + pad(format(s.ratioMean, "%.3f"), 7) + (s.trainingWarning ?? "—"))
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
  static func analyse(_ inputs: [Input], symmetric: Bool, layout: WeightSpectrum.KernelLayout, randomSeed: UInt64?) async -> [Outcome] {
    let width = max(1, ProcessInfo.processInfo.activeProcessorCount)
    return await withTaskGroup(of: (Int, Outcome).self) { group in
      var results = [Outcome?](repeating: nil, count: inputs.count)
      var next = 0
      func launch(_ i: Int) {
        group.addTask {
          let input = inputs[i]
          let t = input.tensor
          do {
            let eps = precision(t.dtype)
            let s = try Parallelism.$kernelThreads.withValue(1) {
              if t.shape.count == 4 {
                return try WeightSpectrum(kernel: t.values, shape: t.shape, layout: layout, precision: eps, randomSeed: randomSeed)
              }
              let w = try Matrix<Double>(rows: t.shape[0], columns: t.shape[1], elements: t.values)
              return symmetric ? try WeightSpectrum(symmetric: w, precision: eps)
                               : try WeightSpectrum(weights: w, precision: eps, randomSeed: randomSeed)
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

  /// ε of the numbers as stored, for the rank tolerance: a Float weight is exact only to 2⁻²³.
  static func precision(_ d: StoredDType) -> Double {
    switch d {
    case .float16: return 0x1p-10
    case .bfloat16: return 0x1p-7
    case .float32: return Double(Float.ulpOfOne)
    case .float64: return Double.ulpOfOne
    }
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
