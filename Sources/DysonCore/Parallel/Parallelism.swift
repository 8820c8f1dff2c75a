import Dispatch
import Foundation

/// How many cores a single kernel call may use.
///
/// An ensemble that already keeps every core busy with one run each sets this to 1 for its
/// runs (`Parallelism.$kernelThreads.withValue(1) { … }`), so kernels do not oversubscribe.
/// Results never depend on it: kernels split work into disjoint pieces that each do the same
/// arithmetic as the serial code.
public enum Parallelism {
  /// Upper bound on the threads one kernel call may use; `nil` means every active core.
  @TaskLocal public static var kernelThreads: Int?

  /// The effective thread count for a kernel call (at least 1).
  public static var kernelThreadCount: Int {
    max(1, kernelThreads ?? coreCount)
  }

  /// Active cores, read once (the call can be a system call).
  public static let coreCount = ProcessInfo.processInfo.activeProcessorCount

  /// Runs `body(0..<count)` on up to `count` threads and returns when all are done.
  /// Each index must write memory no other index touches.
  public static func forEach(count: Int, _ body: @Sendable (Int) -> Void) {
    if count <= 1 {
      if count == 1 { body(0) }
      return
    }
    DispatchQueue.concurrentPerform(iterations: count, execute: body)
  }
}
