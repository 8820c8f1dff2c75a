import DysonCore
import DysonIO
import DysonRMT
import Foundation

/// What `CheckpointSpectra.analyse` looks at and how (the options of `dyson spectrum`).
public struct SpectrumOptions: Sendable, Codable, Equatable {
  /// Tensor names or shell patterns (`model.layers.*.mlp.down_proj.weight`); empty: every 2-D and
  /// 4-D floating-point tensor.
  public var tensors: [String] = []
  /// Skip matrices whose short side (eigenvalues per matrix) is below this.
  public var minimumDimension: Int?
  /// Skip matrices whose long side exceeds this.
  public var maximumDimension: Int?
  /// Take each (square, symmetric) matrix itself as the operator, not WᵀW.
  public var symmetric = false
  /// Compare with W shuffled (doubles the work).
  public var randomize = true
  /// Seed of the shuffle.
  public var seed: UInt64 = 0
  /// How 4-D kernels are stored.
  public var kernelLayout: WeightSpectrum.KernelLayout = .oihw
  /// Whose definitions the measures follow.
  public var conventions: WeightSpectrum.Conventions = .dyson
  /// Threads to use; nil: every core. The results do not depend on it.
  public var threads: Int?

  /// Every tensor, WᵀW, the shuffled comparison, Dyson's conventions, all cores.
  public init() {}
}

/// One analysed tensor.
public struct TensorSpectrum: Sendable {
  /// The file the tensor was read from.
  public let file: String
  /// The tensor's name in the file.
  public let name: String
  /// The stored shape, outermost first.
  public let shape: [Int]
  /// The stored element type ("BF16", "F32", …).
  public let dtype: String
  /// Its spectrum and every measure of it.
  public let spectrum: WeightSpectrum
}

/// Everything `CheckpointSpectra.analyse` found: the spectra in input order (paths as given, the
/// tensors of each in natural order of their names), a line for every tensor or file that failed,
/// and notes on tensors left out on purpose.
public struct SpectrumReport: Sendable {
  /// The analysed tensors.
  public let spectra: [TensorSpectrum]
  /// One line each, naming the file and the tensor: bad files, unreadable or non-finite tensors.
  public let failures: [String]
  /// Tensors skipped on purpose (masks, 1 × 1 slices, the size filters, other dtypes) and hints.
  public let notes: [String]
}

/// The spectral analysis of the weight matrices in checkpoint files (`dyson spectrum`).
///
/// Checkpoints are read lazily (`Checkpoint`): headers first, then each selected tensor when its
/// turn comes, so memory holds the tensors being analysed — one per core — not the file.
/// Tensors are analysed in a task group, one per core, each on one thread; with fewer tensors
/// than cores the kernels split the work instead. Results are the same bits either way.
public enum CheckpointSpectra {
  /// Analyses the tensors of `paths` (files, sharded indexes or directories; see `Checkpoint`).
  /// Never throws for bad input: every failure is a line of the report, and the good tensors are
  /// still analysed. Throws only `Interrupted` (Ctrl-C) and a bad pattern.
  public static func analyse(_ paths: [String], options: SpectrumOptions = SpectrumOptions(), progress: Bool = true) async throws -> SpectrumReport {
    let patterns = try options.tensors.map { (p) throws -> NamePattern in try NamePattern(p) }
    var failures: [String] = [], notes: [String] = []
    var selected: [TensorEntry] = []
    var matched = Set<String>()
    for path in paths {
      let entries: [TensorEntry]
      do { entries = try Checkpoint.tensors(at: path) } catch {
        failures.append("\(error)")
        continue
      }
      let chosen: [TensorEntry]
      if patterns.isEmpty {
        chosen = entries.filter { $0.shape.count == 2 || $0.shape.count == 4 }
        let unreadable = chosen.filter { $0.dtype == nil }
        for e in unreadable { notes.append("\(e.file): '\(e.name)' (\(e.dtypeName)) is not floating-point: skipped") }
        let analysable = chosen.filter { $0.dtype != nil }
        if analysable.isEmpty {
          failures.append("\(path): holds no matrix or convolution kernel (a 2-D or 4-D floating-point tensor) among its \(entries.count) tensor\(entries.count == 1 ? "" : "s")")
        }
        selected += analysable.sorted { naturallyPrecedes($0.name, $1.name) }
        continue
      }
      chosen = entries.filter { e in patterns.contains { $0.matches(e.name) } }.sorted { naturallyPrecedes($0.name, $1.name) }
      for pattern in patterns where entries.contains(where: { pattern.matches($0.name) }) { matched.insert(pattern.description) }
      for e in chosen {
        if e.shape.count != 2 && e.shape.count != 4 {
          failures.append("\(e.file): tensor '\(e.name)' has shape \(e.shape), neither a matrix nor a convolution kernel")
        } else if e.dtype == nil {
          failures.append("\(e.file): tensor '\(e.name)' has dtype \(e.dtypeName), not floating-point")
        } else {
          selected.append(e)
        }
      }
      if paths.count == 1 {
        for pattern in patterns where !matched.contains(pattern.description) {
          let names = entries.map(\.name).sorted(by: naturallyPrecedes)
          failures.append("\(path): no tensor \(pattern.isLiteral ? "named" : "matches") '\(pattern)' (it has \(names.count): \(names.prefix(8).joined(separator: ", "))\(names.count > 8 ? ", …" : ""))")
        }
      }
    }
    if paths.count > 1 {
      for pattern in patterns where !matched.contains(pattern.description) {
        failures.append("no file has a tensor \(pattern.isLiteral ? "named" : "matching") '\(pattern)'")
      }
    }

    // Shapes decide what is analysed before anything is read.
    var inputs: [TensorEntry] = []
    for e in selected {
      if let skip = skipReason(e, options: options) { notes.append("\(e.file): '\(e.name)' (shape \(e.shape)) \(skip): skipped"); continue }
      if e.shape.contains(0) { failures.append("\(e.file): tensor '\(e.name)' has shape \(e.shape), with no entries"); continue }
      if options.symmetric && (e.shape.count != 2 || e.shape[0] != e.shape[1]) {
        failures.append("\(e.file): tensor '\(e.name)' has shape \(e.shape): --symmetric takes square matrices")
        continue
      }
      if e.shape.count == 4 {
        let d = options.kernelLayout.dimensions(e.shape)
        // A kernel whose kh·kw exceeds out·in is far more likely stored in the other layout.
        if d.taps > d.out * d.inputs {
          let other = options.kernelLayout == .oihw ? "hwio" : "oihw"
          notes.append("\(e.file): '\(e.name)' (shape \(e.shape)) read as \(options.kernelLayout.rawValue) has \(d.taps) slices of \(d.out) × \(d.inputs); if it is stored as \(other), pass --kernel-layout \(other)")
        }
      }
      inputs.append(e)
    }

    let cores = max(1, options.threads ?? Parallelism.coreCount)
    let width = max(1, min(cores, inputs.count))
    let threadsPerTensor = max(1, cores / width)
    let meter = progress && inputs.count > 1 ? Progress(total: inputs.count, label: "spectrum") : nil
    let queue = inputs
    let outcomes = try await orderedTaskGroup(count: queue.count, width: width, { k in
      Parallelism.$kernelThreads.withValue(threadsPerTensor) { analyse(queue[k], options: options) }
    }, completed: { _, _ in meter?.advance() })
    meter?.finish()
    var spectra: [TensorSpectrum] = []
    for outcome in outcomes {
      switch outcome {
      case .analysed(let s): spectra.append(s)
      case .failed(let line): failures.append(line)
      case .skipped(let line): notes.append(line)
      }
    }
    return SpectrumReport(spectra: spectra, failures: failures, notes: notes)
  }

  enum Outcome: Sendable {
    case analysed(TensorSpectrum)
    case failed(String)
    case skipped(String)
  }

  /// Why a tensor is left out from its shape alone, or nil.
  static func skipReason(_ e: TensorEntry, options: SpectrumOptions) -> String? {
    let (long, short, slices): (Int, Int, Int)
    if e.shape.count == 4 {
      let d = options.kernelLayout.dimensions(e.shape)
      if d.out == 1 && d.inputs == 1 { return "has slices of 1 × 1 (a mask or buffer, not a convolution kernel)" }
      (long, short, slices) = (max(d.out, d.inputs), min(d.out, d.inputs), d.taps)
    } else {
      (long, short, slices) = (max(e.shape[0], e.shape[1]), min(e.shape[0], e.shape[1]), 1)
    }
    if let minimum = options.minimumDimension, short < minimum { return "has a short side \(short) below --min-dim \(minimum)" }
    if let maximum = options.maximumDimension, long > maximum { return "has a long side \(long) above --max-dim \(maximum)" }
    if options.conventions == .weightWatcher && options.minimumDimension == nil && options.maximumDimension == nil {
      // WeightWatcher's layer filter: min_evals 8, max_evals 15000 (pooled), max_N 50000.
      if short * slices < 8 { return "has \(short * slices) eigenvalues, below WeightWatcher's min_evals 8" }
      if short * slices > 15000 { return "has \(short * slices) eigenvalues, above WeightWatcher's max_evals 15000" }
      if long > 50000 { return "has a long side \(long), above WeightWatcher's max_N 50000" }
    }
    return nil
  }

  /// Reads and analyses one tensor.
  static func analyse(_ e: TensorEntry, options: SpectrumOptions) -> Outcome {
    let values: [Double]
    do { values = try e.readValues() } catch {
      return .failed("\(error.file): tensor '\(e.name)': \(error.fault)")
    }
    if let bad = values.firstIndex(where: { !$0.isFinite }) {
      return .failed("\(e.file): tensor '\(e.name)' holds \(values[bad].isNaN ? "NaN" : "an infinity") (first at flat index \(bad) of shape \(e.shape))")
    }
    if values.allSatisfy({ $0 == 0 || $0 == 1 }) {
      return .skipped("\(e.file): '\(e.name)' (shape \(e.shape)) holds only zeros and ones (a mask or an untrained buffer, not weights): skipped")
    }
    do {
      let seed = options.randomize && !options.symmetric ? options.seed : nil
      let spectrum: WeightSpectrum
      if e.shape.count == 4 {
        spectrum = try WeightSpectrum(kernel: values, shape: e.shape, layout: options.kernelLayout, conventions: options.conventions, randomSeed: seed)
      } else {
        let w = try Matrix<Double>(rows: e.shape[0], columns: e.shape[1], elements: values)
        spectrum = options.symmetric ? try WeightSpectrum(symmetric: w)
          : try WeightSpectrum(weights: w, conventions: options.conventions, randomSeed: seed)
      }
      return .analysed(TensorSpectrum(file: e.file, name: e.name, shape: e.shape, dtype: e.dtypeName, spectrum: spectrum))
    } catch {
      return .failed("\(e.file): tensor '\(e.name)': \(error)")
    }
  }
}
