import Foundation
import Synchronization

/// Progress of a long job on standard error — runs done, rate, ETA — redrawn in place on a
/// terminal, silent in pipes, under CI (environment variable CI set) and with `--quiet`. With
/// `--progress-log SECONDS` it writes one whole line every SECONDS wherever standard error goes
/// (a log under nohup), and the last line when the job is done.
public final class Progress: Sendable {
  private struct State { var done = 0; var lastDraw = 0.0; var start = Date() }
  private enum Mode { case off, redraw, log(seconds: Double) }
  private let state = Mutex(State())
  private let total: Int
  private let label: String
  private let percent: Bool
  private let mode: Mode

  /// Set by `--quiet`: no progress lines even on a terminal.
  public static let silenced = Atomic<Bool>(false)
  /// Set by `--progress-log SECONDS` (0: off): whole lines at that interval, terminal or not.
  public static let logInterval = Atomic<Int>(0)

  /// With `percent`, the line shows the share done instead of the count and its rate (units of
  /// unequal cost, e.g. weighted updates of models of different sizes).
  public init(total: Int, label: String, percent: Bool = false) {
    self.total = total
    self.label = label
    self.percent = percent
    let interval = Self.logInterval.load(ordering: .relaxed)
    if Self.silenced.load(ordering: .relaxed) {
      mode = .off
    } else if interval > 0 {
      mode = .log(seconds: Double(interval))
    } else if isatty(2) == 1 && ProcessInfo.processInfo.environment["CI"] == nil {
      mode = .redraw
    } else {
      mode = .off
    }
  }

  /// Records `count` more units done; `note` (e.g. the step and the loss) shows after the rate.
  public func advance(by count: Int = 1, note: String = "") {
    let interval: Double, lead: String, tail: String
    switch mode {
    case .off: return
    case .redraw: (interval, lead, tail) = (0.2, "\r", "   ")
    case .log(let seconds): (interval, lead, tail) = (seconds, "", "\n")
    }
    let line: String? = state.withLock { s in
      s.done += count
      let elapsed = Date().timeIntervalSince(s.start)
      guard elapsed - s.lastDraw >= interval || s.done == total else { return nil }
      s.lastDraw = elapsed
      return lead + Self.line(label: label, done: s.done, total: total, seconds: elapsed, percent: percent, note: note) + tail
    }
    if let line { FileHandle.standardError.write(Data(line.utf8)) }
  }

  /// Restarts the clock: a job that prepares its data after creating its progress calls this when
  /// the counted work begins, so that the preparation does not enter the rate and the ETA.
  public func begin() {
    state.withLock { s in s.start = Date(); s.lastDraw = 0 }
  }

  /// Ends the line (a log's lines end themselves).
  public func finish() {
    guard case .redraw = mode else { return }
    FileHandle.standardError.write(Data("\n".utf8))
  }

  /// "label done/total  rate  ETA …  note", or with `percent` "label share %  ETA …  note".
  static func line(label: String, done: Int, total: Int, seconds: Double, percent: Bool, note: String) -> String {
    let perSecond = Double(done) / max(seconds, 1e-9)
    let eta = perSecond > 0 ? Double(total - done) / perSecond : 0
    if percent {
      let share = 100 * Double(done) / Double(max(total, 1))
      return String(format: "%@ %.0f %%  ETA %@  %@", label, share, duration(eta), note)
    }
    return String(format: "%@ %d/%d  %@  ETA %@  %@", label, done, total, rate(perSecond), duration(eta), note)
  }

  /// Units per second, per minute or per hour, whichever shows it with two or more digits
  /// (a 13-configuration study does 0.02 per second: "0.0/s" said nothing).
  static func rate(_ perSecond: Double) -> String {
    perSecond >= 1 ? String(format: "%.1f/s", perSecond)
      : perSecond * 60 >= 1 ? String(format: "%.1f/min", perSecond * 60)
      : String(format: "%.2g/h", perSecond * 3600)
  }

  static func duration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
  }
}
