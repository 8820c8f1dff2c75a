import DysonCore
import DysonIO
import DysonPlot
import DysonRMT
import Foundation
import Synchronization

/// `dyson dynamics`: the papers' analysis of weight spectra over training (2411.13512, Figs. 3
/// and 4) for any model's training runs. Each run folder holds the run's checkpoints over training
/// (`step-1000.safetensors`, `checkpoint-1000/model.safetensors`, `ckpt_001000.npy`, …); several
/// folders are an ensemble of seeds. The selected matrices are read one at a time from every
/// checkpoint, their spectra pooled in groups (`group`), and `SpectralDynamics` does the rest.
public enum DynamicsStudy {
  /// The study's settings; `settings` names each as a command-line option and config.json key.
  public struct Config: Sendable, Equatable {
    /// The run folders, one per seed.
    public var runs: [String] = []
    /// Tensor names or shell patterns; empty: every 2-D and 4-D floating-point tensor.
    public var tensors: [String] = []
    /// A regular expression: selected tensors whose names give the same captured groups (or the
    /// same match, without groups) are pooled. Empty: each tensor alone.
    public var group = ""
    /// A regular expression whose first captured group is the step in a checkpoint's name;
    /// empty: the last whole number in the name.
    public var stepPattern = ""
    /// Square matrices as symmetric operators (their own eigenvalues) instead of WᵀW.
    public var symmetric = false
    /// Steps drawn as histograms and whose spacings are unfolded; empty: the first and the last.
    public var steps: [Int] = []
    /// Bootstrap resamples over runs for the MP fits' errors.
    public var resamples = 200
    /// The seed every random stream of the study derives from (`--seed`).
    public var seed: UInt64 = 0
    /// Compare each matrix with its entries shuffled (doubles the work).
    public var randomize = true
    /// How 4-D kernels are stored.
    public var kernelLayout: WeightSpectrum.KernelLayout = .oihw

    /// The defaults above.
    public init() {}

    /// Each field's option name, help text and valid range: the command's options and the keys of config.json.
    public static let settings: [Setting<Config>] = [
      .textList("runs", "the run folders (the positional arguments)", \.runs),
      .textList("tensor", "tensor names or patterns (*, ?, [a-z]); empty: every 2-D and 4-D tensor", \.tensors),
      .optionalText("group", "a regular expression: tensors whose names give the same captured groups are pooled; empty: each alone", \.group),
      .optionalText("step-regex", "a regular expression whose first group is the step in a checkpoint's name; empty: the last number", \.stepPattern),
      .boolean("symmetric", "square matrices as symmetric operators instead of WᵀW", \.symmetric),
      .integerList("steps", "steps drawn as histograms and whose spacings are unfolded (default: the first and the last)", \.steps, 0...Int.max,
                   allowsEmpty: true),
      .integer("resamples", "bootstrap resamples over runs for the MP fits' errors", \.resamples, 0...100_000),
      .seed("seed of the bootstrap and of the shuffles", \.seed),
      .boolean("randomize", "compare each matrix with its entries shuffled", \.randomize),
      .choice("kernel-layout", "how 4-D kernels are stored: oihw (PyTorch) or hwio (Keras)", \.kernelLayout),
    ]
  }

  /// A checkpoint of one run at one step.
  public struct Checkpoint: Sendable, Equatable, Codable {
    /// The training step (from the file's name).
    public let step: Int
    /// The checkpoint file.
    public let path: String
  }

  /// One selected tensor and the group it is pooled in.
  public struct Selected: Sendable, Equatable, Codable {
    /// The tensor's name.
    public let name: String
    /// Its stored shape.
    public let shape: [Int]
    /// Its stored element type.
    public let dtype: String
    /// Its matrices: kh·kw for a kernel, else 1.
    public let matrices: Int
    /// Index of its group in `Plan.groups`.
    public let group: Int
  }

  /// What will be read, from the folders' names and the first checkpoint's header alone.
  public struct Plan: Sendable, Codable, Equatable {
    /// A run folder and its checkpoints, ascending in step (every run has the same steps).
    public struct Run: Sendable, Codable, Equatable {
      /// The folder as given.
      public let folder: String
      /// Its checkpoints.
      public let checkpoints: [Checkpoint]
    }
    /// One per folder, in the order given.
    public let runs: [Run]
    /// The steps every run has.
    public let steps: [Int]
    /// The selected tensors, in natural order of their names.
    public let tensors: [Selected]
    /// The groups their matrices are pooled in.
    public let groups: [SpectrumSeries.Group]
  }

  /// What a shard keeps of one run: its spectra, and the plan they were read by (so that
  /// `dyson merge` needs no checkpoint).
  public struct ShardRecord: Sendable, Codable {
    /// What was read.
    public let plan: Plan
    /// The run's spectra.
    public let series: SpectrumSeries
  }

  /// Reads the runs of `part` for a shard: one record per run.
  public static func shard(_ config: Config, part: Range<Int>, progress: Progress? = nil) async throws -> [ShardRecord] {
    let plan = try self.plan(config)
    let series = try await spectra(plan, config: config, part: part, progress: progress)
    return (0..<series.runs).map { ShardRecord(plan: plan, series: series.runs([$0])) }
  }

  /// The study from the records of every shard, in run order.
  public static func result(_ config: Config, records: [ShardRecord], seconds: Double) throws -> Result {
    guard let plan = records.first?.plan else { throw ShardError("no runs in the shards") }
    guard records.allSatisfy({ $0.plan == plan }) else { throw ShardError("the shards read different checkpoints or tensors") }
    do { return result(config, plan: plan, series: try SpectrumSeries.joining(records.map(\.series)), seconds: seconds) } catch {
      throw ShardError("\(error)")
    }
  }

  /// What the study measured.
  public struct Result: Sendable {
    /// The settings the study ran with.
    public let config: Config
    /// What was read.
    public let plan: Plan
    /// Every run's spectra.
    public let series: SpectrumSeries
    /// The analysis of `series`.
    public let analysis: SpectralDynamics.Result
    /// Wall-clock time of the study.
    public let seconds: Double
  }

  /// Runs the study: plan, read every run's spectra, analyse.
  public static func run(_ config: Config, checkpoint: String? = nil, resume: Bool = false, workers: Int? = nil,
                         progress: Progress? = nil) async throws -> Result {
    let start = Date()
    let plan = try self.plan(config)
    let series = try await spectra(plan, config: config, checkpoint: checkpoint, resume: resume, workers: workers, progress: progress)
    return result(config, plan: plan, series: series, started: start)
  }

  /// The analysis of a series read by `spectra` (the whole ensemble, or the joined shards);
  /// `seconds` is the reading's time, to which the analysis's is added (or everything since `started`).
  public static func result(_ config: Config, plan: Plan, series: SpectrumSeries, seconds: Double = 0, started: Date? = nil) -> Result {
    let start = Date()
    var options = SpectralDynamics.Options()
    options.resamples = config.resamples
    options.seed = config.seed
    options.spacingSteps = histogramSteps(config, plan)
    let analysis = SpectralDynamics.analyse(series, options: options)
    let total = started.map { Date().timeIntervalSince($0) } ?? seconds + Date().timeIntervalSince(start)
    return Result(config: config, plan: plan, series: series, analysis: analysis, seconds: total)
  }

  /// The steps of the histograms and spacings: those asked for, else the first and the last.
  static func histogramSteps(_ config: Config, _ plan: Plan) -> [Int] {
    config.steps.isEmpty ? Array(Set([plan.steps.first!, plan.steps.last!])).sorted() : config.steps
  }

  // MARK: Planning

  /// Finds every run's checkpoints and the tensors to read, and checks what can be checked before
  /// anything is read: each run's steps (one checkpoint per step, the same steps in every run),
  /// the patterns, the groups (one shape each).
  public static func plan(_ config: Config) throws -> Plan {
    guard !config.runs.isEmpty else { throw ExperimentError.invalid("no run folders given") }
    let stepRegex: Regex<AnyRegexOutput>?
    do { stepRegex = config.stepPattern.isEmpty ? nil : try Regex(config.stepPattern) } catch {
      throw ExperimentError.invalid("--step-regex '\(config.stepPattern)' is not a regular expression: \(error)")
    }
    let groupRegex: Regex<AnyRegexOutput>?
    do { groupRegex = config.group.isEmpty ? nil : try Regex(config.group) } catch {
      throw ExperimentError.invalid("--group '\(config.group)' is not a regular expression: \(error)")
    }
    let patterns: [NamePattern]
    do { patterns = try config.tensors.map { try NamePattern($0) } } catch { throw ExperimentError.invalid("--tensor: \(error)") }

    var runs: [Plan.Run] = []
    for folder in config.runs { runs.append(Plan.Run(folder: folder, checkpoints: try checkpoints(in: folder, stepRegex: stepRegex))) }
    let steps = runs[0].checkpoints.map(\.step)
    for run in runs.dropFirst() where run.checkpoints.map(\.step) != steps {
      let mine = Set(run.checkpoints.map(\.step)), first = Set(steps)
      let extra = mine.subtracting(first).sorted(), missing = first.subtracting(mine).sorted()
      throw DynamicsError("run \(run.folder) has other steps than run \(runs[0].folder)"
        + (extra.isEmpty ? "" : ": it has \(list(extra)) which \(runs[0].folder) lacks")
        + (missing.isEmpty ? "" : "\(extra.isEmpty ? ":" : ";") it lacks \(list(missing))"))
    }
    for step in config.steps where !steps.contains(step) {
      throw ExperimentError.invalid("--steps: step \(step) is not among the checkpoints' steps (\(list(steps)))")
    }

    // The tensors, from the first checkpoint's header.
    let first = runs[0].checkpoints[0]
    let entries: [TensorEntry]
    do { entries = try DysonIO.Checkpoint.tensors(at: first.path) } catch { throw DynamicsError("run \(runs[0].folder), step \(first.step): \(error)") }
    var chosen: [TensorEntry]
    if patterns.isEmpty {
      chosen = entries.filter { ($0.shape.count == 2 || $0.shape.count == 4) && $0.dtype != nil }
    } else {
      chosen = entries.filter { e in patterns.contains { $0.matches(e.name) } }
      for p in patterns where !chosen.contains(where: { p.matches($0.name) }) {
        throw DynamicsError("run \(runs[0].folder), step \(first.step): no tensor \(p.isLiteral ? "named" : "matches") '\(p)'")
      }
      if let bad = chosen.first(where: { ($0.shape.count != 2 && $0.shape.count != 4) || $0.dtype == nil }) {
        throw DynamicsError("tensor '\(bad.name)' (shape \(bad.shape), \(bad.dtypeName)) is not a floating-point matrix or convolution kernel")
      }
    }
    chosen.sort { naturallyPrecedes($0.name, $1.name) }
    guard !chosen.isEmpty else {
      throw DynamicsError("run \(runs[0].folder), step \(first.step): no matrix or convolution kernel (2-D or 4-D floating-point tensor)")
    }

    // Groups: tensors with the same captured text (or match, without captures), in order of
    // first appearance; a group is named by its match when all its tensors share it (the four
    // heads of `blocks.0.sa`), else by its captures.
    var groupKeys: [String] = [], groups: [SpectrumSeries.Group] = [], selected: [Selected] = []
    var matches: [String: Set<String>] = [:]
    for e in chosen {
      let key: String
      if let groupRegex {
        guard let match = try? groupRegex.firstMatch(in: e.name) else {
          throw DynamicsError("tensor '\(e.name)' does not match --group '\(config.group)': select it out with --tensor, or widen the pattern")
        }
        let captures = (1..<max(1, match.output.count)).compactMap { match.output[$0].substring.map(String.init) }
        key = captures.isEmpty ? String(e.name[match.range]) : captures.joined(separator: ",")
        matches[key, default: []].insert(String(e.name[match.range]))
      } else {
        key = e.name
      }
      let (rows, columns, matrices) = try shape(e, config: config)
      if let g = groupKeys.firstIndex(of: key) {
        let group = groups[g]
        guard group.rows == rows && group.columns == columns else {
          throw DynamicsError("group \(key): tensor '\(e.name)' is \(rows) × \(columns), the group's first is \(group.rows) × \(group.columns); pool matrices of one shape")
        }
        groups[g] = SpectrumSeries.Group(name: key, rows: rows, columns: columns, matrices: group.matrices + matrices)
        selected.append(Selected(name: e.name, shape: e.shape, dtype: e.dtypeName, matrices: matrices, group: g))
      } else {
        groupKeys.append(key)
        groups.append(SpectrumSeries.Group(name: key, rows: rows, columns: columns, matrices: matrices))
        selected.append(Selected(name: e.name, shape: e.shape, dtype: e.dtypeName, matrices: matrices, group: groups.count - 1))
      }
    }
    let named = groups.map { g in
      SpectrumSeries.Group(name: matches[g.name].flatMap { $0.count == 1 ? $0.first : nil } ?? g.name, rows: g.rows, columns: g.columns, matrices: g.matrices)
    }
    guard Set(named.map(\.name)).count == named.count else {
      throw DynamicsError("--group '\(config.group)' gives two groups the same name; capture what tells them apart")
    }
    return Plan(runs: runs, steps: steps, tensors: selected, groups: named)
  }

  /// (M, N, matrices) of a tensor: the long and short side of each of its matrices.
  static func shape(_ e: TensorEntry, config: Config) throws -> (Int, Int, Int) {
    if e.shape.count == 4 {
      guard !config.symmetric else { throw DynamicsError("tensor '\(e.name)' has shape \(e.shape): --symmetric takes square matrices") }
      let d = config.kernelLayout.dimensions(e.shape)
      return (max(d.out, d.inputs), min(d.out, d.inputs), d.taps)
    }
    if config.symmetric {
      guard e.shape[0] == e.shape[1] else { throw DynamicsError("tensor '\(e.name)' has shape \(e.shape): --symmetric takes square matrices") }
      return (e.shape[0], e.shape[0], 1)
    }
    guard e.shape.allSatisfy({ $0 > 0 }) else { throw DynamicsError("tensor '\(e.name)' has shape \(e.shape), with no entries") }
    return (max(e.shape[0], e.shape[1]), min(e.shape[0], e.shape[1]), 1)
  }

  /// One run's checkpoints, ascending in step: the folder's `.safetensors` and `.npy` files,
  /// sharded indexes and subfolders (a Hugging Face `checkpoint-1000/`), each named with its step.
  public static func checkpoints(in folder: String, stepRegex: Regex<AnyRegexOutput>? = nil) throws -> [Checkpoint] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw DynamicsError("run \(folder): no such folder")
    }
    let names: [String]
    do { names = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
      throw DynamicsError("run \(folder): cannot list it: \(FileWriteError.reason(of: error))")
    }
    var found: [Checkpoint] = []
    var pickles: [String] = []
    for name in names.sorted(by: naturallyPrecedes) where !name.hasPrefix(".") {
      let path = (folder as NSString).appendingPathComponent(name)
      var sub: ObjCBool = false
      _ = FileManager.default.fileExists(atPath: path, isDirectory: &sub)
      let lower = name.lowercased()
      let candidate = sub.boolValue || lower.hasSuffix(".safetensors") || lower.hasSuffix(".npy") || lower.hasSuffix(".safetensors.index.json")
      if !candidate {
        if ["pt", "pth", "bin", "ckpt"].contains(URL(fileURLWithPath: lower).pathExtension) { pickles.append(name) }
        continue
      }
      let step: Int?
      if let stepRegex {
        step = (try? stepRegex.firstMatch(in: name)).flatMap { m in m.output.count > 1 ? m.output[1].substring.flatMap { Int($0) } : nil }
        guard step != nil else { throw DynamicsError("run \(folder): '\(name)' has no step by --step-regex (a whole number in its first group)") }
      } else {
        step = lastInteger(in: name)
        guard step != nil else { throw DynamicsError("run \(folder): '\(name)' has no step in its name (the last whole number is the step; --step-regex names another)") }
      }
      if sub.boolValue, looksLikeRunFolder(path) {
        throw DynamicsError("run \(folder): '\(name)' holds checkpoints of several steps, like a run folder itself; pass the run folders (dyson dynamics \((folder as NSString).appendingPathComponent("*")))")
      }
      if let twin = found.first(where: { $0.step == step }) {
        throw DynamicsError("run \(folder): step \(step!) appears twice, in \((twin.path as NSString).lastPathComponent) and \(name) (a sharded checkpoint goes in a folder of its own)")
      }
      found.append(Checkpoint(step: step!, path: path))
    }
    guard !found.isEmpty else {
      if let p = pickles.first {
        throw DynamicsError("run \(folder): only pickled checkpoints (\(p), …), which Dyson never loads; convert them with safetensors.torch.save_file (dyson spectrum \((folder as NSString).appendingPathComponent(p)) prints the command)")
      }
      throw DynamicsError("run \(folder): no checkpoints (.safetensors or .npy files, or folders of them, named with their step)")
    }
    return found.sorted { $0.step < $1.step }
  }

  /// Whether a folder holds checkpoint files of two or more steps and no index (a run folder
  /// given in place of a checkpoint's: a sharded checkpoint's files all end in the shard count).
  static func looksLikeRunFolder(_ path: String) -> Bool {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: path),
          !names.contains(where: { $0.hasSuffix(".safetensors.index.json") }) else { return false }
    let steps = Set(names.filter { $0.lowercased().hasSuffix(".safetensors") || $0.lowercased().hasSuffix(".npy") }.compactMap(lastInteger(in:)))
    return steps.count >= 2
  }

  static func list(_ steps: [Int]) -> String {
    steps.count <= 6 ? steps.map(String.init).joined(separator: ", ") : steps.prefix(6).map(String.init).joined(separator: ", ") + ", … (\(steps.count))"
  }

  // MARK: Reading the spectra

  /// Reads the spectra of the runs in `part` (all by default), one (run, step) per task: the
  /// series those runs contribute. With `checkpoint`, finished (run, step)s are kept in that file
  /// as they complete, and `resume` starts from it.
  public static func spectra(_ plan: Plan, config: Config, part: Range<Int>? = nil, checkpoint: String? = nil, resume: Bool = false,
                             workers: Int? = nil, progress: Progress? = nil) async throws -> SpectrumSeries {
    let part = part ?? 0..<plan.runs.count
    let items = part.flatMap { r in plan.steps.indices.map { (r, $0) } }
    let store = checkpoint.map { SpectraCheckpoint(path: $0, fingerprint: fingerprint(plan, config: config)) }
    var done: [String: [Double]] = [:]
    if resume, let store { done = try store.load() }
    let finished = Mutex(done)
    let cores = max(1, workers ?? ProcessInfo.processInfo.activeProcessorCount)
    let width = max(1, min(cores, items.count))
    let threads = max(1, cores / width)
    progress?.advance(by: items.filter { done[SpectraCheckpoint.key($0.0, $0.1)] != nil }.count)
    var lastSave = Date()
    let flat = try await orderedTaskGroup(count: items.count, width: width, { i in
      let (r, s) = items[i]
      if let kept = finished.withLock({ $0[SpectraCheckpoint.key(r, s)] }) { return kept }
      return try Parallelism.$kernelThreads.withValue(threads) { try readStep(plan, config: config, run: r, step: s) }
    }, completed: { i, values in
      let (r, s) = items[i]
      let fresh = finished.withLock { state -> Bool in
        let isNew = state[SpectraCheckpoint.key(r, s)] == nil
        state[SpectraCheckpoint.key(r, s)] = values
        return isNew
      }
      if fresh { progress?.advance(note: "run \(plan.runs[r].folder) step \(plan.steps[s])") }
      if let store, fresh, Date().timeIntervalSince(lastSave) > 20 {
        try store.save(finished.withLock { $0 })
        lastSave = Date()
      }
    })
    progress?.finish()
    if let store { try store.save(finished.withLock { $0 }) }
    // Unflatten: per (run, step) the concatenated eigenvalues (and shuffled ones) of every tensor.
    var values: [[[[[Double]]]]] = [], shuffled: [[[[[Double]]]]] = []
    for k in part.indices.map({ $0 - part.lowerBound }) {
      var runValues: [[[[Double]]]] = [], runShuffled: [[[[Double]]]] = []
      for s in plan.steps.indices {
        let (v, sh) = unpack(flat[k * plan.steps.count + s], plan: plan, config: config)
        runValues.append(v)
        runShuffled.append(sh)
      }
      values.append(runValues)
      shuffled.append(runShuffled)
    }
    return try SpectrumSeries(steps: plan.steps, groups: plan.groups, values: values, shuffled: config.randomize && !config.symmetric ? shuffled : nil)
  }

  /// The eigenvalues of every planned tensor at one checkpoint, concatenated in plan order (each
  /// matrix's N ascending values, then, with shuffles, the same for the shuffled matrices).
  static func readStep(_ plan: Plan, config: Config, run r: Int, step s: Int) throws -> [Double] {
    let folder = plan.runs[r].folder
    let point = plan.runs[r].checkpoints[s]
    func fail(_ tensor: String?, _ what: String) -> DynamicsError {
      DynamicsError("run \(folder), step \(point.step)\(tensor.map { ", tensor '\($0)'" } ?? ""): \(what)")
    }
    let entries: [TensorEntry]
    do { entries = try DysonIO.Checkpoint.tensors(at: point.path) } catch { throw fail(nil, "\(error)") }
    let byName = Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    var out: [Double] = [], shuffledOut: [Double] = []
    let shuffle = config.randomize && !config.symmetric
    for (t, planned) in plan.tensors.enumerated() {
      try Interruption.check()
      guard let e = byName[planned.name] else { throw fail(planned.name, "missing (\(point.path) does not hold it)") }
      guard e.shape == planned.shape else { throw fail(planned.name, "has shape \(e.shape), at the first step it had \(planned.shape)") }
      guard e.dtypeName == planned.dtype else { throw fail(planned.name, "is \(e.dtypeName), at the first step it was \(planned.dtype)") }
      let data: [Double]
      do { data = try e.readValues() } catch { throw fail(planned.name, error.fault) }
      if let bad = data.firstIndex(where: { !$0.isFinite }) {
        throw fail(planned.name, "holds \(data[bad].isNaN ? "NaN" : "an infinity") (first at flat index \(bad))")
      }
      let matrices: [Matrix<Double>]
      if e.shape.count == 4 {
        let (o, c, taps) = config.kernelLayout.dimensions(e.shape)
        matrices = (0..<taps).map { tap in
          Matrix<Double>(rows: o, columns: c) { i, j in
            config.kernelLayout == .oihw ? data[(i * c + j) * taps + tap] : data[(tap * c + j) * o + i]
          }
        }
      } else {
        matrices = [try Matrix<Double>(rows: e.shape[0], columns: e.shape[1], elements: data)]
      }
      do {
        for (k, w) in matrices.enumerated() {
          out += config.symmetric ? try SymmetricEigen(w).eigenvalues : try WeightSpectrum.eigenvalues(of: w)
          if shuffle {
            // Every (run, step, tensor, matrix) its own shuffle, drawn from the seed alone.
            var mixer = SplitMix64(state: config.seed ^ (UInt64(r) << 48) ^ (UInt64(s) << 32) ^ (UInt64(t) << 16) ^ UInt64(k))
            shuffledOut += try RandomizedSpectrum(slices: [w], original: [], seed: mixer.next()).eigenvalues
          }
        }
      } catch let stop as Interrupted {
        throw stop
      } catch {
        throw fail(planned.name, "\(error)")
      }
    }
    return out + shuffledOut
  }

  /// Splits one (run, step)'s concatenated values into the series' [group][matrix] spectra.
  static func unpack(_ flat: [Double], plan: Plan, config: Config) -> ([[[Double]]], [[[Double]]]) {
    var values = plan.groups.map { _ in [[Double]]() }, shuffled = values
    var offset = 0
    for planned in plan.tensors {
      let n = plan.groups[planned.group].columns
      for _ in 0..<planned.matrices {
        values[planned.group].append(Array(flat[offset..<(offset + n)]))
        offset += n
      }
    }
    if offset < flat.count {
      for planned in plan.tensors {
        let n = plan.groups[planned.group].columns
        for _ in 0..<planned.matrices {
          shuffled[planned.group].append(Array(flat[offset..<(offset + n)]))
          offset += n
        }
      }
    }
    return (values, shuffled)
  }

  /// What a checkpoint of read spectra must match to be reused: the settings and the plan.
  static func fingerprint(_ plan: Plan, config: Config) -> String {
    settingsText(Config.settings, config) + "|" + plan.runs.map { "\($0.folder):\($0.checkpoints.map(\.path).joined(separator: ";"))" }.joined(separator: "|")
      + "|" + plan.tensors.map { "\($0.name)\($0.shape)\($0.dtype)" }.joined(separator: ",")
  }
}

/// A problem with the run folders or their checkpoints: one line naming the run, step and tensor.
public struct DynamicsError: Error, CustomStringConvertible, Sendable {
  /// The problem, in one line.
  public let description: String
  /// An error saying `description`.
  public init(_ description: String) { self.description = description }
}
