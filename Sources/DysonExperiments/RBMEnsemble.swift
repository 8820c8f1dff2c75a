import DysonCore
import DysonIO
import DysonModels
import Foundation

/// Independent PCD runs of one configuration in a task group, at most `workers` at a time (by
/// default one per core). Run k uses stream k of `seed`, and the outcomes come back ordered by
/// run, so they are identical whatever the number of workers. A run that diverges is kept as a
/// failure with its message, not as a spectrum.
public enum RBMEnsemble {
  /// One run of an ensemble: its spectra, or why it failed.
  public struct Run: Sendable, Codable {
    /// Spectrum of σ_h²WᵀW (ascending) at initialisation.
    public var initial: [Double]
    /// At the end; nil when the run diverged.
    public var final: [Double]?
    /// Run 0 only, when recording: (update, spectrum) every `recordEvery` updates, from 0.
    public var trajectory: [(Int, [Double])]
    /// Spectra sampled along the run (see `Sampling`); empty when only the final state is kept.
    public var samples: [[Double]] = []
    /// Why the run stopped (divergence); nil when it finished.
    public var failure: String?

    /// A run's record from its parts.
    public init(initial: [Double], final: [Double]?, trajectory: [(Int, [Double])], samples: [[Double]] = [], failure: String?) {
      self.initial = initial
      self.final = final
      self.trajectory = trajectory
      self.samples = samples
      self.failure = failure
    }

    // Shard files: the trajectory's (update, spectrum) pairs as objects.
    private enum CodingKeys: String, CodingKey { case initial, final, trajectory, samples, failure }
    private struct Point: Codable { var update: Int; var x: [Double] }

    public init(from decoder: Decoder) throws {
      let c = try decoder.container(keyedBy: CodingKeys.self)
      initial = try c.decode([Double].self, forKey: .initial)
      final = try c.decodeIfPresent([Double].self, forKey: .final)
      trajectory = try c.decode([Point].self, forKey: .trajectory).map { ($0.update, $0.x) }
      samples = try c.decode([[Double]].self, forKey: .samples)
      failure = try c.decodeIfPresent(String.self, forKey: .failure)
    }

    public func encode(to encoder: Encoder) throws {
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(initial, forKey: .initial)
      try c.encodeIfPresent(final, forKey: .final)
      try c.encode(trajectory.map { Point(update: $0.0, x: $0.1) }, forKey: .trajectory)
      try c.encode(samples, forKey: .samples)
      try c.encodeIfPresent(failure, forKey: .failure)
    }
  }

  /// Checks records that come from a file (a checkpoint, a shard): every spectrum has `n` finite
  /// eigenvalues and the trajectory's updates increase from 0, so that an analysis never indexes
  /// past a short record or takes a damaged one for a result.
  public static func check(_ runs: [Run], eigenvalues n: Int, source: String) throws {
    for (k, run) in runs.enumerated() {
      func fail(_ why: String) -> ExperimentError { .invalid("\(source): run \(k) \(why)") }
      let spectra = [run.initial] + (run.final.map { [$0] } ?? []) + run.trajectory.map(\.1) + run.samples
      if let bad = spectra.first(where: { $0.count != n }) { throw fail("has a spectrum of \(bad.count) eigenvalues, this study's have \(n)") }
      guard spectra.allSatisfy({ $0.allSatisfy(\.isFinite) }) else { throw fail("has a spectrum with NaN or infinities") }
      let updates = run.trajectory.map(\.0)
      guard zip(updates, updates.dropFirst()).allSatisfy({ $0 < $1 }), updates.allSatisfy({ $0 >= 0 }) else {
        throw fail("has trajectory updates that do not increase from 0")
      }
      guard run.final != nil || run.failure != nil else { throw fail("has neither a final spectrum nor a failure") }
    }
  }

  /// Statistics along each run instead of from its final state only: after `burnIn` updates, the
  /// spectrum every `every` updates up to the end. Far cheaper per sample than one run per
  /// sample, and as good when `every` is several relaxation times (see Docs/RBM.md).
  public struct Sampling: Sendable, Equatable {
    /// Updates before the first sample.
    public var burnIn: Int
    /// Updates between samples.
    public var every: Int
    /// Samples every `every` updates from update `burnIn` on.
    public init(burnIn: Int, every: Int) {
      self.burnIn = burnIn
      self.every = every
    }
  }

  /// Runs 0..<runs, or only `streams` (a shard's part of them; run k is the same whichever shard does it).
  /// With a `checkpoint`, finished runs are saved every minute and when a stop is requested, and
  /// with `checkpoint.resume` the saved runs are taken instead of being run again.
  public static func run(
    _ training: PCDConfiguration, runs: Int, seed: UInt64, recordEvery: Int? = nil,
    sampling: Sampling? = nil, workers: Int? = nil, progress: Progress? = nil, streams part: Range<Int>? = nil,
    checkpoint: EnsembleCheckpoint? = nil
  ) async throws -> [Run] {
    let part = part ?? 0..<runs
    var done: [Int: Run] = [:]
    if let checkpoint, checkpoint.resume {
      done = try checkpoint.load(streams: 0..<runs).filter { part.contains($0.key) }
      let kept = done.keys.sorted()
      try check(kept.map { done[$0]! }, eigenvalues: training.hidden, source: checkpoint.path)
    }
    progress?.advance(by: done.count)
    // Small RBMs go four runs to a vector (`VectorizedPCD`, bit-identical to one run per task).
    let groupSize = VectorizedPCD.suits(training) ? VectorizedPCD.width : 1
    let todo = part.filter { done[$0] == nil }
    let groups = stride(from: 0, to: todo.count, by: groupSize).map { Array(todo[$0..<min($0 + groupSize, todo.count)]) }
    let width = max(1, workers ?? ProcessInfo.processInfo.activeProcessorCount)
    var lastSave = Date()
    do {
      _ = try await orderedTaskGroup(count: groups.count, width: width, { g in
        let streams = groups[g].map(UInt64.init)
        return groupSize == 1
          ? [try runAlone(training, seed: seed, stream: streams[0], recordEvery: recordEvery, sampling: sampling)]
          : try runInLanes(training, seed: seed, streams: streams, recordEvery: recordEvery, sampling: sampling)
      }, completed: { g, runs in
        for (stream, run) in zip(groups[g], runs) { done[stream] = run }
        progress?.advance(by: runs.count)
        if let checkpoint, Date().timeIntervalSince(lastSave) >= checkpoint.interval {
          try checkpoint.save(done)
          lastSave = Date()
        }
      })
    } catch let stop as Interrupted {
      try checkpoint?.save(done)
      throw stop
    }
    // Saved once complete too: a study of several ensembles (scaling) may stop in a later one.
    if !todo.isEmpty { try checkpoint?.save(done) }
    progress?.finish()
    return part.map { done[$0]! }
  }

  /// Run `stream` on its own (large RBMs: the scalar PCD with gemm inside). `spectrum` is the
  /// eigensolver's entry, replaceable so that a test can make it fail for one run.
  static func runAlone(
    _ training: PCDConfiguration, seed: UInt64, stream: UInt64, recordEvery: Int?, sampling: Sampling?,
    spectrum: (GaussianRBM) throws -> [Double] = { try $0.spectrum() }
  ) throws -> Run {
    var pcd = try PersistentContrastiveDivergence(configuration: training, seed: seed, stream: stream)
    let initial = try spectrum(pcd.rbm)
    let records = stream == 0 ? recordEvery : nil
    var trajectory: [(Int, [Double])] = records == nil ? [] : [(0, initial)]
    var samples: [[Double]] = []
    do {
      for step in stride(from: 1, through: training.updates, by: 1) {
        try pcd.update()
        if let every = records, step % every == 0 { trajectory.append((step, try spectrum(pcd.rbm))) }
        if let s = sampling, step >= s.burnIn, (step - s.burnIn) % s.every == 0 {
          try pcd.rbm.checkPositiveDefinite()
          samples.append(try spectrum(pcd.rbm))
        }
      }
      try pcd.rbm.checkPositiveDefinite()
      return Run(initial: initial, final: try spectrum(pcd.rbm), trajectory: trajectory, samples: samples, failure: nil)
    } catch let e as RBMError {
      return Run(initial: initial, final: nil, trajectory: trajectory, failure: "run \(stream): \(e)")
    } catch let e as LinalgError {
      return Run(initial: initial, final: nil, trajectory: trajectory, failure: "run \(stream): \(RBMError.spectrumFailed("\(e)"))")
    }
  }

  /// Runs `streams` (up to four) in the lanes of one `VectorizedPCD`; the records of each lane are
  /// those `runAlone` gives for its stream.
  static func runInLanes(
    _ training: PCDConfiguration, seed: UInt64, streams: [UInt64], recordEvery: Int?, sampling: Sampling?,
    spectrum: (GaussianRBM) throws -> [Double] = { try $0.spectrum() }
  ) throws -> [Run] {
    var pcd = try VectorizedPCD(configuration: training, seed: seed, streams: streams)
    let lanes = streams.indices
    var runs = try lanes.map { Run(initial: try spectrum(pcd.rbm(lane: $0)), final: nil, trajectory: [], failure: nil) }
    let recorded = streams.firstIndex(of: 0).flatMap { lane in recordEvery.map { (lane, $0) } }
    if let (lane, _) = recorded { runs[lane].trajectory = [(0, runs[lane].initial)] }
    /// The spectrum of a lane still running, or nil (and the lane failed) when K lost positive definiteness.
    func checkedSpectrum(_ lane: Int) throws -> [Double]? {
      let rbm = pcd.rbm(lane: lane)
      do {
        try rbm.checkPositiveDefinite()
        return try spectrum(rbm)
      } catch let e as RBMError {
        pcd.fail(lane: lane, e)
      } catch {
        pcd.fail(lane: lane, .spectrumFailed("\(error)"))   // that run, not the study
      }
      return nil
    }
    for step in stride(from: 1, through: training.updates, by: 1) {
      pcd.update()
      if let (lane, every) = recorded, step % every == 0, pcd.failures[lane] == nil {
        do { runs[lane].trajectory.append((step, try spectrum(pcd.rbm(lane: lane)))) }
        catch { pcd.fail(lane: lane, .spectrumFailed("\(error)")) }
      }
      if let s = sampling, step >= s.burnIn, (step - s.burnIn) % s.every == 0 {
        for lane in lanes where pcd.failures[lane] == nil {
          if let x = try checkedSpectrum(lane) { runs[lane].samples.append(x) }
        }
      }
    }
    for lane in lanes {
      if pcd.failures[lane] == nil, let x = try checkedSpectrum(lane) { runs[lane].final = x }
      if let e = pcd.failures[lane] {
        runs[lane].samples = []
        runs[lane].failure = "run \(streams[lane]): \(e)"
      }
    }
    return runs
  }
}

/// Where an ensemble keeps its finished runs, so that a stopped job resumes without redoing them.
/// The file names the settings it belongs to (`key`); a file of other settings is refused.
public struct EnsembleCheckpoint: Sendable {
  /// The checkpoint file.
  public var path: String
  /// The settings the runs belong to, as text; a file with another key is refused.
  public var key: String
  /// Whether to take the saved runs (otherwise the file is only written).
  public var resume: Bool
  /// Seconds between saves while running (a stop request always saves).
  public var interval: TimeInterval = 60

  /// A checkpoint at `path` for the settings `key`.
  public init(path: String, key: String, resume: Bool) {
    self.path = path
    self.key = key
    self.resume = resume
  }

  /// Format 2: the runs as JSON text with the CRC-32 of that text beside it.
  static let format = 2

  private struct Stored: Codable {
    var format: Int
    var key: String
    var checksum: UInt32
    /// `Payload` as JSON text, checked against `checksum` before it is decoded.
    var payload: String
  }

  private struct Payload: Codable {
    var streams: [Int]
    var runs: [RBMEnsemble.Run]
  }

  /// Writes `runs` (by stream) with their checksum, atomically.
  public func save(_ runs: [Int: RBMEnsemble.Run]) throws {
    let streams = runs.keys.sorted()
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let payload = String(decoding: try encoder.encode(Payload(streams: streams, runs: streams.map { runs[$0]! })), as: UTF8.self)
    let stored = Stored(format: Self.format, key: key, checksum: CRC32.of(Array(payload.utf8)), payload: payload)
    try AtomicFile.write(try encoder.encode(stored), to: path)
  }

  /// The saved runs by stream; none when there is no file yet. Throws `CheckpointError` for a file
  /// that is damaged, of another format or settings, or whose streams repeat or fall outside
  /// `streams` (when given).
  public func load(streams allowed: Range<Int>? = nil) throws -> [Int: RBMEnsemble.Run] {
    guard FileManager.default.fileExists(atPath: path) else { return [:] }
    func fail(_ why: String) -> CheckpointError { CheckpointError(file: path, problem: why) }
    let data: Data
    do { data = try ReadOnlyFile.contents(of: path) } catch { throw fail("it cannot be read: \(error.fault)") }
    let stored: Stored
    do { stored = try JSONDecoder().decode(Stored.self, from: data) } catch {
      throw fail("it is not a checkpoint of finished runs in the current format")
    }
    guard stored.format == Self.format else { throw fail("it was written in format \(stored.format) by another version of dyson") }
    guard CRC32.of(Array(stored.payload.utf8)) == stored.checksum else { throw fail("it is damaged (its runs do not match their checksum)") }
    guard stored.key == key else { throw fail("it holds runs of other settings") }
    let payload: Payload
    do { payload = try JSONDecoder().decode(Payload.self, from: Data(stored.payload.utf8)) } catch {
      throw fail("its runs cannot be read: \(error)")
    }
    guard payload.streams.count == payload.runs.count else { throw fail("it lists \(payload.streams.count) streams for \(payload.runs.count) runs") }
    guard Set(payload.streams).count == payload.streams.count else { throw fail("a stream appears twice") }
    if let allowed, let bad = payload.streams.first(where: { !allowed.contains($0) }) {
      throw fail("it holds run \(bad), outside this ensemble's \(allowed.lowerBound)..<\(allowed.upperBound)")
    }
    return Dictionary(uniqueKeysWithValues: zip(payload.streams, payload.runs))
  }

  /// Deletes the file, if there is one (after the study has written its results).
  public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
