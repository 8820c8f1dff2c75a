import Dispatch
import Foundation
import Synchronization

/// A request to stop (Ctrl-C): long loops poll it between steps, leave a checkpoint where they
/// keep one, and throw `Interrupted`, so no output file is half-written and `--resume` can finish.
///
/// The flag polled is a task-local: the process-wide one (set by SIGINT) unless a caller scopes
/// its own with `Interruption.$flag.withValue(…)`, as a host program or a test does to stop one
/// job without touching the others.
public enum Interruption {
  /// The flag SIGINT sets (`installSignalHandler`).
  public static let processFlag = InterruptFlag()
  /// The flag the current task polls.
  @TaskLocal public static var flag: InterruptFlag = processFlag
  nonisolated(unsafe) private static var source: DispatchSourceSignal?

  /// Whether the current task's flag asks for a stop.
  public static var isRequested: Bool { flag.isRequested }

  /// Throws `Interrupted` when a stop was requested.
  public static func check() throws(Interrupted) {
    if isRequested { throw Interrupted() }
  }

  /// Turns SIGINT into a request: the first Ctrl-C asks the job to stop after its current step,
  /// a second one ends the process at once (exit 130).
  public static func installSignalHandler() {
    signal(SIGINT, SIG_IGN)
    let s = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
    s.setEventHandler {
      if processFlag.isRequested { exit(130) }
      processFlag.request()
      FileHandle.standardError.write(Data("\ninterrupt: stopping after the current step (Ctrl-C again to quit at once)\n".utf8))
    }
    s.resume()
    source = s
  }
}

/// One stop request, set once.
public final class InterruptFlag: Sendable {
  private let requested = Atomic<Bool>(false)
  /// Polls left before the flag trips by itself (Int.max: never).
  private let remaining: Atomic<Int>

  /// A flag not yet set.
  public init() { remaining = Atomic(Int.max) }

  /// A flag that trips on its `polls`-th reading: a stop at an exact step, for tests.
  init(trippingAt polls: Int) { remaining = Atomic(polls) }

  /// Whether a stop was requested.
  public var isRequested: Bool {
    if requested.load(ordering: .relaxed) { return true }
    guard remaining.load(ordering: .relaxed) != Int.max else { return false }
    if remaining.subtract(1, ordering: .relaxed).newValue <= 0 { request() }
    return requested.load(ordering: .relaxed)
  }

  /// Requests a stop; loops that poll the flag end after their current step.
  public func request() { requested.store(true, ordering: .relaxed) }
}

/// The job stopped on request before it finished.
public struct Interrupted: Error, CustomStringConvertible {
  /// The error.
  public init() {}
  public var description: String { "interrupted" }
}
