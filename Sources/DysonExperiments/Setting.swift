/// One named setting of an experiment: the same name is the command-line option (`--name`),
/// the key in `--config FILE.json` and the key in the `config.json` a run writes, so any run can
/// be repeated from its own output.
public struct Setting<Config>: Sendable {
  public let name: String
  public let help: String
  public let read: @Sendable (Config) -> String
  public let write: @Sendable (inout Config, String) throws(SettingError) -> Void

  public init(_ name: String, _ help: String, read: @escaping @Sendable (Config) -> String,
              write: @escaping @Sendable (inout Config, String) throws(SettingError) -> Void) {
    self.name = name
    self.help = help
    self.read = read
    self.write = write
  }

  /// A whole-number setting within `range`.
  public static func integer(_ name: String, _ help: String, _ path: WritableKeyPath<Config, Int> & Sendable, _ range: ClosedRange<Int>) -> Setting {
    Setting(name, help, read: { String($0[keyPath: path]) }) { (c: inout Config, text: String) throws(SettingError) in
      guard let v = Int(text), range.contains(v) else { throw SettingError(name: name, message: "must be a whole number in \(range.lowerBound)…\(range.upperBound), got '\(text)'") }
      c[keyPath: path] = v
    }
  }

  /// A finite number within `range` ("a/b" fractions accepted).
  public static func number(_ name: String, _ help: String, _ path: WritableKeyPath<Config, Double> & Sendable, _ range: ClosedRange<Double>) -> Setting {
    Setting(name, help, read: { "\($0[keyPath: path])" }) { (c: inout Config, text: String) throws(SettingError) in
      let parts = text.split(separator: "/")
      let value = parts.count == 2 ? Double(parts[0]).flatMap { a in Double(parts[1]).map { a / $0 } } : Double(text)
      guard let v = value, v.isFinite, range.contains(v) else {
        throw SettingError(name: name, message: "must be a number in \(range.lowerBound)…\(range.upperBound), got '\(text)'")
      }
      c[keyPath: path] = v
    }
  }
}

public struct SettingError: Error, CustomStringConvertible, Equatable {
  public let name: String
  public let message: String
  public var description: String { "--\(name) \(message)" }
}
