import DysonExperiments
import DysonIO
import DysonRMT
import Foundation

/// `dyson spectrum PATH…`: the spectral analysis of every matrix and convolution kernel in
/// checkpoints (`CheckpointSpectra.analyse`); this file parses, calls and prints.
enum SpectrumCommand {
  static let help = """
  usage: dyson spectrum PATH… [--tensor PATTERN]… [--min-dim N] [--max-dim M] [--conventions dyson|weightwatcher]
                              [--json] [--csv FILE] [--plot DIR] [--eigenvalues] [--symmetric] [--no-randomize]
                              [--seed N] [--kernel-layout oihw|hwio] [--threads N]

  PATH: a .safetensors or .npy file, a sharded checkpoint's model.safetensors.index.json, or a
  directory (its index, else every .safetensors in it, else every .npy). Tensors are read one at a
  time as they are analysed, so memory holds a few tensors, not the checkpoint. A PyTorch pickle
  (.pt, .bin, .ckpt) is refused, with the command that converts it.

  For each 2-D tensor W: the eigenvalues of X = WᵀW (the short side's Gram matrix), a
  Marchenko–Pastur fit of (σ², area A) with the eigenvalues above its upper edge x₊, the power-law
  exponent α of the tail (x_min by smallest KS distance), the spectral norm ‖W‖₂, the stable rank
  ‖W‖²_F/‖W‖²₂, the rank and the spectral entropy, the mean spacing ratio ⟨r̃⟩ (GOE 0.531,
  Poisson 0.386), and the comparison with W's entries shuffled: the distance between the two
  spectra and the "traps", spikes that the shuffle keeps. A 4-D tensor is a convolution kernel
  (PyTorch's out × in × kh × kw, or Keras' kh × kw × in × out with --kernel-layout hwio): its
  kh·kw slices pool their eigenvalues. Masks (only zeros and ones, or 1 × 1 slices) are skipped
  with a note.

    --tensor P      only tensors whose names match P (repeat, or separate by commas): a name, or a
                    pattern with *, ? and [a-z] ('model.layers.*.self_attn.k_proj.weight');
                    default: every 2-D and 4-D floating-point tensor
    --min-dim N     skip matrices whose short side is below N (WeightWatcher's min_evals)
    --max-dim M     skip matrices whose long side exceeds M (WeightWatcher's max_N)
    --conventions C dyson (default: textbook definitions) or weightwatcher (WeightWatcher 0.7.7's
                    numbers: its α fit, kernels scaled by √½, its rand_distance, its MP fit for
                    sigma_mp, num_spikes and mp_softrank, its entropy and layer filter)
    --json          one JSON object per tensor per line, then {"summary": …} (keys in Docs/Spectra.md)
    --csv FILE      the same fields as a CSV table
    --plot DIR      write DIR/<tensor>.svg: the ESD with the MP fit and the shuffled ESD, and the tail
    --eigenvalues   include the eigenvalues (ascending) in the JSON output
    --symmetric     take each (square, symmetric) matrix itself as the operator, not WᵀW
    --no-randomize  skip the shuffled comparison (it doubles the work)
    --seed N        seed of the shuffle (default 0)
    --kernel-layout L  oihw (PyTorch, default) or hwio (Keras, TensorFlow): how 4-D kernels are stored
    --threads N     threads to use (default: every core); the numbers do not depend on it

  Columns: spikes = eigenvalues above the MP edge; α̂ = α·log₁₀ λ_max (WeightWatcher's
  alpha_weighted); rand_d = distance to the shuffled spectrum; warning = WeightWatcher's reading
  of α: over-trained below 2, under-trained above 6. The last line gives the means of
  WeightWatcher's summary. Exit status: 0 success, 1 a path or tensor is bad or nothing could be
  analysed (each named on stderr; the good ones are still reported), 2 usage error.
  """

  static func run(_ arguments: [String]) async throws {
    let o = try Options(arguments, valued: ["tensor", "plot", "seed", "kernel-layout", "min-dim", "max-dim", "conventions", "csv", "threads"],
                        switches: ["symmetric", "eigenvalues", "json", "no-randomize"], positional: true)
    guard !o.positionals.isEmpty else { throw UsageError(description: "no input; usage: dyson spectrum PATH… (see dyson help spectrum)") }
    var options = SpectrumOptions()
    options.tensors = o.list("tensor")
    for p in options.tensors {
      do { _ = try NamePattern(p) } catch { throw UsageError(description: "--tensor: \(error)") }
    }
    if o.string("min-dim") != nil { options.minimumDimension = try o.int("min-dim", default: 0, range: 1...Int.max) }
    if o.string("max-dim") != nil { options.maximumDimension = try o.int("max-dim", default: 0, range: 1...Int.max) }
    let layoutName = o.string("kernel-layout") ?? "oihw"
    guard let layout = WeightSpectrum.KernelLayout(rawValue: layoutName) else {
      throw UsageError(description: "--kernel-layout: '\(layoutName)' is not oihw (PyTorch) or hwio (Keras, TensorFlow)")
    }
    options.kernelLayout = layout
    let conventionsName = o.string("conventions") ?? "dyson"
    guard let conventions = WeightSpectrum.Conventions(rawValue: conventionsName.lowercased()) else {
      throw UsageError(description: "--conventions: '\(conventionsName)' is not dyson or weightwatcher")
    }
    options.conventions = conventions
    options.symmetric = o.has("symmetric")
    options.seed = try o.seed(default: 0)   // checked even when unused: a typo should not pass silently
    options.randomize = !o.has("no-randomize")
    if o.string("threads") != nil { options.threads = try o.int("threads", default: 1, range: 1...4096) }

    let report = try await CheckpointSpectra.analyse(o.positionals, options: options)
    for note in report.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
    var failures = report.failures
    if !report.spectra.isEmpty {
      if o.has("json") {
        print((report.jsonLines(eigenvalues: o.has("eigenvalues")) + [report.summaryJSON()]).joined(separator: "\n"))
      } else {
        print((report.tableLines() + [report.summaryLine()]).joined(separator: "\n"))
      }
    }
    if let csv = o.string("csv"), !report.spectra.isEmpty {
      do { try report.csv().write(to: csv) } catch { failures.append("\(error)") }
    }
    if let dir = o.string("plot") {
      for t in report.spectra {
        let path = (dir as NSString).appendingPathComponent(report.figureName(t))
        do { try SpectrumReport.figure(t, symmetric: options.symmetric).write(to: path) } catch {
          failures.append("\(error)")
        }
      }
    }
    if report.spectra.isEmpty && failures.isEmpty {
      failures.append("nothing to analyse: every selected tensor was skipped (see the notes above)")
    }
    if !failures.isEmpty {
      for f in failures { printError(f) }
      throw ExitQuietly(code: 1)
    }
  }
}
