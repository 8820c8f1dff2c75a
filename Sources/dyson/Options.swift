import DysonExperiments
import Foundation

/// A usage error: printed as one line, exit code 2.
struct UsageError: Error, CustomStringConvertible {
  let description: String
}

/// `--name value` options and `--flag` switches of one command, checked against its known names.
struct Options {
  private var values: [String: [String]] = [:]
  private var flags: Set<String> = []
  /// Arguments that are not options (e.g. file names), in order.
  private(set) var positionals: [String] = []

  /// Parses `arguments`; `valued` and `switches` list the accepted names without dashes.
  /// With `positional`, other arguments are collected in `positionals` instead of rejected.
  init(_ arguments: [String], valued: [String], switches: [String], positional: Bool = false) throws {
    var rest = arguments[...]
    while let arg = rest.popFirst() {
      guard arg.hasPrefix("--") else {
        guard positional else { throw UsageError(description: "unexpected argument '\(arg)'") }
        positionals.append(arg)
        continue
      }
      var name = String(arg.dropFirst(2))
      var inlineValue: String?
      if let eq = name.firstIndex(of: "=") {
        inlineValue = String(name[name.index(after: eq)...])
        name = String(name[..<eq])
      }
      if switches.contains(name) {
        flags.insert(name)
      } else if valued.contains(name) {
        guard let v = inlineValue ?? rest.popFirst() else { throw UsageError(description: "--\(name) needs a value") }
        values[name, default: []].append(v)
      } else {
        // A near name is a typo worth naming; a far one (--shard where there are no shards) is not.
        let all = valued + switches
        let nearest = all.min { editDistance($0, name) < editDistance($1, name) }
        let hint = nearest.flatMap { editDistance($0, name) <= max(2, name.count / 3) ? " (did you mean --\($0)?)" : nil }
        throw UsageError(description: "unknown option --\(name)" + (hint ?? "; this command's options are in its --help"))
      }
    }
  }

  func has(_ flag: String) -> Bool { flags.contains(flag) }

  /// The value of `setting` given on the command line, else `d`: every option is parsed and
  /// checked by the same `Setting` the study commands and config files use.
  func value<Value>(_ setting: Setting<Value>, default d: Value) throws -> Value {
    guard let text = values[setting.name]?.last else { return d }
    var value = d
    do { try setting.write(&value, text) } catch { throw UsageError(description: "\(error)") }
    return value
  }

  func int(_ name: String, default d: Int, range: ClosedRange<Int>) throws -> Int {
    try value(.integer(name, "", \.self, range), default: d)
  }

  /// A seed: any 64-bit unsigned value, as the studies' `--seed`.
  func seed(default d: UInt64) throws -> UInt64 {
    try value(.seed("", \.self), default: d)
  }

  /// A positive finite number; "a/b" fractions are accepted (e.g. --variance 1/192).
  func positive(_ name: String, default d: Double) throws -> Double {
    try value(.positive(name, "", \.self), default: d)
  }

  func string(_ name: String) -> String? { values[name]?.last }

  /// Every value given for a repeatable option, commas splitting lists (`--tensor a,b --tensor c`).
  func list(_ name: String) -> [String] {
    (values[name] ?? []).flatMap { $0.split(separator: ",").map(String.init) }
  }
}

/// Levenshtein distance, for "did you mean" hints.
func editDistance(_ a: String, _ b: String) -> Int {
  let a = Array(a), b = Array(b)
  var row = Array(0...b.count)
  for i in 1...max(a.count, 1) where !a.isEmpty {
    var previous = row[0]
    row[0] = i
    for j in 1...max(b.count, 1) where !b.isEmpty {
      let current = row[j]
      row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
      previous = current
    }
  }
  return row[b.count]
}

/// A runtime failure: printed as one line, exit code 1.
struct RuntimeError: Error, CustomStringConvertible {
  let description: String
}
