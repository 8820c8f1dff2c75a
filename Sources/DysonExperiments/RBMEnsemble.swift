import DysonModels
import Foundation

/// Independent PCD runs of one configuration in a task group, at most `workers` at a time (by
/// default one per core). Run k uses stream k of `seed`, and the outcomes come back ordered by
/// run, so they are identical whatever the number of workers. A run that diverges is kept as a
/// failure with its message, not as a spectrum.
public enum RBMEnsemble {
  public struct Run: Sendable, Codable {
    /// Spectrum of σ_h²WᵀW (ascending) at initialisation.
    public var initial: [Double]
    /// At the end; nil when the run diverged.
    public var final: [Double]?
    /// Run 0 only, when recording: (update, spectrum) every `recordEvery` updates, from 0.
    public var trajectory: [(Int, [Double])]
    /// Spectra sampled along the run (see `Sampling`); empty when only the final state is kept.
    public var samples: [[Double]] = []
    public var failure: String?

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

  /// Statistics along each run instead of from its final state only: after `burnIn` updates, the
  /// spectrum every `every` updates up to the end. Far cheaper per sample than one run per
  /// sample, and as good when `every` is several relaxation times (see Docs/RBM.md).
  public struct Sampling: Sendable, Equatable {
    public var burnIn: Int
    public var every: Int
    public init(burnIn: Int, every: Int) {
      self.burnIn = burnIn
      self.every = every
    }
  }

  /// Runs 0..<runs, or only `streams` (a shard's part of them; run k is the same whichever shard does it).
  public static func run(
    _ training: PCDConfiguration, runs: Int, seed: UInt64, recordEvery: Int? = nil,
    sampling: Sampling? = nil, workers: Int? = nil, progress: Progress? = nil, streams part: Range<Int>? = nil
  ) async throws -> [Run] {
    let part = part ?? 0..<runs
    // Small RBMs go four runs to a vector (`VectorizedPCD`, bit-identical to one run per task).
    let groupSize = VectorizedPCD.suits(training) ? VectorizedPCD.width : 1
    let groups = (part.count + groupSize - 1) / groupSize
    let width = max(1, workers ?? ProcessInfo.processInfo.activeProcessorCount)
    let outcomes = try await orderedTaskGroup(count: groups, width: width, { g in
      let first = part.lowerBound + g * groupSize
      let streams = (first..<min(first + groupSize, part.upperBound)).map(UInt64.init)
      return groupSize == 1
        ? [try runAlone(training, seed: seed, stream: streams[0], recordEvery: recordEvery, sampling: sampling)]
        : try runInLanes(training, seed: seed, streams: streams, recordEvery: recordEvery, sampling: sampling)
    }, completed: { _, runs in progress?.advance(by: runs.count) }).flatMap { $0 }
    progress?.finish()
    return outcomes
  }

  /// Run `stream` on its own (large RBMs: the scalar PCD with gemm inside).
  static func runAlone(
    _ training: PCDConfiguration, seed: UInt64, stream: UInt64, recordEvery: Int?, sampling: Sampling?
  ) throws -> Run {
    var pcd = try PersistentContrastiveDivergence(configuration: training, seed: seed, stream: stream)
    let initial = try pcd.rbm.spectrum()
    let records = stream == 0 ? recordEvery : nil
    var trajectory: [(Int, [Double])] = records == nil ? [] : [(0, initial)]
    var samples: [[Double]] = []
    do {
      for step in stride(from: 1, through: training.updates, by: 1) {
        try pcd.update()
        if let every = records, step % every == 0 { trajectory.append((step, try pcd.rbm.spectrum())) }
        if let s = sampling, step >= s.burnIn, (step - s.burnIn) % s.every == 0 {
          try pcd.rbm.checkPositiveDefinite()
          samples.append(try pcd.rbm.spectrum())
        }
      }
      try pcd.rbm.checkPositiveDefinite()
      return Run(initial: initial, final: try pcd.rbm.spectrum(), trajectory: trajectory, samples: samples, failure: nil)
    } catch let e as RBMError {
      return Run(initial: initial, final: nil, trajectory: trajectory, failure: "run \(stream): \(e)")
    }
  }

  /// Runs `streams` (up to four) in the lanes of one `VectorizedPCD`; the records of each lane are
  /// those `runAlone` gives for its stream.
  static func runInLanes(
    _ training: PCDConfiguration, seed: UInt64, streams: [UInt64], recordEvery: Int?, sampling: Sampling?
  ) throws -> [Run] {
    var pcd = try VectorizedPCD(configuration: training, seed: seed, streams: streams)
    let lanes = streams.indices
    var runs = try lanes.map { Run(initial: try pcd.rbm(lane: $0).spectrum(), final: nil, trajectory: [], failure: nil) }
    let recorded = streams.firstIndex(of: 0).flatMap { lane in recordEvery.map { (lane, $0) } }
    if let (lane, _) = recorded { runs[lane].trajectory = [(0, runs[lane].initial)] }
    /// The spectrum of a lane still running, or nil (and the lane failed) when K lost positive definiteness.
    func checkedSpectrum(_ lane: Int) throws -> [Double]? {
      let rbm = pcd.rbm(lane: lane)
      do { try rbm.checkPositiveDefinite() } catch let e as RBMError { pcd.fail(lane: lane, e); return nil }
      return try rbm.spectrum()
    }
    for step in stride(from: 1, through: training.updates, by: 1) {
      pcd.update()
      if let (lane, every) = recorded, step % every == 0, pcd.failures[lane] == nil {
        runs[lane].trajectory.append((step, try pcd.rbm(lane: lane).spectrum()))
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
