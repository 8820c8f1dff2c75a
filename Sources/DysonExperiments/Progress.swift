import Foundation
import Synchronization

/// Progress of a long job on standard error — runs done, rate, ETA — redrawn in place on a
/// terminal, silent in pipes, under CI (environment variable CI set) and with `--quiet`.
public final class Progress: Sendable {
  private struct State { var done = 0; var lastDraw = 0.0 }
  private let state = Mutex(State())
  private let total: Int
  private let label: String
  private let start = Date()
  private let enabled: Bool

  /// Set by `--quiet`: no progress lines even on a terminal.
  public static let silenced = Atomic<Bool>(false)

  public init(total: Int, label: String) {
    self.total = total
    self.label = label
    enabled = isatty(2) == 1 && ProcessInfo.processInfo.environment["CI"] == nil && !Self.silenced.load(ordering: .relaxed)
  }

  /// Records `count` more units done; `note` (e.g. the step and the loss) shows after the rate.
  public func advance(by count: Int = 1, note: String = "") {
    guard enabled else { return }
    let line: String? = state.withLock { s in
      s.done += count
      let elapsed = Date().timeIntervalSince(start)
      guard elapsed - s.lastDraw >= 0.2 || s.done == total else { return nil }
      s.lastDraw = elapsed
      let rate = Double(s.done) / max(elapsed, 1e-9)
      let eta = rate > 0 ? Double(total - s.done) / rate : 0
      return String(format: "\r%@ %d/%d  %.1f/s  ETA %@  %@   ", label, s.done, total, rate, Self.duration(eta), note)
    }
    if let line { FileHandle.standardError.write(Data(line.utf8)) }
  }

  /// Ends the line.
  public func finish() {
    guard enabled else { return }
    FileHandle.standardError.write(Data("\n".utf8))
  }

  static func duration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
  }
}
