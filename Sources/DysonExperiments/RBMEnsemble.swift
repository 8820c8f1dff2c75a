import DysonModels
import Foundation

/// Independent PCD runs of one configuration in a task group, at most `workers` at a time (by
/// default one per core). Run k uses stream k of `seed`, and the outcomes come back ordered by
/// run, so they are identical whatever the number of workers. A run that diverges is kept as a
/// failure with its message, not as a spectrum.
public enum RBMEnsemble {
  public struct Run: Sendable {
    /// Spectrum of σ_h²WᵀW (ascending) at initialisation.
    public var initial: [Double]
    /// At the end; nil when the run diverged.
    public var final: [Double]?
    /// Run 0 only, when recording: (update, spectrum) every `recordEvery` updates, from 0.
    public var trajectory: [(Int, [Double])]
    /// Spectra sampled along the run (see `Sampling`); empty when only the final state is kept.
    public var samples: [[Double]] = []
    public var failure: String?
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

  public static func run(
    _ training: PCDConfiguration, runs: Int, seed: UInt64, recordEvery: Int? = nil,
    sampling: Sampling? = nil, workers: Int? = nil, progress: Progress? = nil
  ) async throws -> [Run] {
    let width = max(1, workers ?? ProcessInfo.processInfo.activeProcessorCount)
    let outcomes: [Run] = try await withThrowingTaskGroup(of: (Int, Run).self) { group in
      var results = [Run?](repeating: nil, count: runs)
      var next = 0
      func launch(_ k: Int) {
        group.addTask {
          var pcd = try PersistentContrastiveDivergence(configuration: training, seed: seed, stream: UInt64(k))
          let initial = try pcd.rbm.spectrum()
          let records = k == 0 ? recordEvery : nil
          var trajectory: [(Int, [Double])] = records == nil ? [] : [(0, initial)]
          var samples: [[Double]] = []
          do {
            for step in 1...max(training.updates, 1) {
              try pcd.update()
              if let every = records, step % every == 0 { trajectory.append((step, try pcd.rbm.spectrum())) }
              if let s = sampling, step >= s.burnIn, (step - s.burnIn) % s.every == 0 {
                try pcd.rbm.checkPositiveDefinite()
                samples.append(try pcd.rbm.spectrum())
              }
            }
            try pcd.rbm.checkPositiveDefinite()
            return (k, Run(initial: initial, final: try pcd.rbm.spectrum(), trajectory: trajectory, samples: samples, failure: nil))
          } catch let e as RBMError {
            return (k, Run(initial: initial, final: nil, trajectory: trajectory, failure: "run \(k): \(e)"))
          }
        }
      }
      while next < min(width, runs) { launch(next); next += 1 }
      for try await (k, outcome) in group {
        results[k] = outcome
        progress?.advance()
        if next < runs { launch(next); next += 1 }
      }
      return results.map { $0! }
    }
    progress?.finish()
    return outcomes
  }
}
