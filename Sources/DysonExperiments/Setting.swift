/// One named setting of an experiment: the same name is the command-line option (`--name`),
/// the key in `--config FILE.json` and the key in the `config.json` a run writes, so any run can
/// be repeated from its own output.
public struct Setting<Config>: Sendable {
  /// The option's name, without `--`.
  public let name: String
  /// One line of help.
  public let help: String
  /// The value as text (as the option takes it).
  public let read: @Sendable (Config) -> String
  /// Sets the value from text; throws when the text is not a valid value.
  public let write: @Sendable (inout Config, String) throws(SettingError) -> Void

  /// A setting from its reader and writer (the static constructors build the usual kinds).
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

  /// The seed: any 64-bit unsigned value, as the seeds a study derives for its parts (e.g. each
  /// point of `rbm scaling`), so that any part can be rerun on its own.
  public static func seed(_ help: String, _ path: WritableKeyPath<Config, UInt64> & Sendable) -> Setting {
    Setting("seed", help, read: { String($0[keyPath: path]) }) { (c: inout Config, text: String) throws(SettingError) in
      guard let v = UInt64(text) else { throw SettingError(name: "seed", message: "must be a whole number in 0…\(UInt64.max), got '\(text)'") }
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

extension Setting {
  /// A finite number > 0 ("a/b" fractions accepted), with no upper bound.
  public static func positive(_ name: String, _ help: String, _ path: WritableKeyPath<Config, Double> & Sendable) -> Setting {
    let any = number(name, help, path, -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude)
    return Setting(name, help, read: any.read) { (c: inout Config, text: String) throws(SettingError) in
      var candidate = c
      do { try any.write(&candidate, text) } catch { throw SettingError(name: name, message: "must be a finite number > 0, got '\(text)'") }
      guard candidate[keyPath: path] > 0 else { throw SettingError(name: name, message: "must be a finite number > 0, got '\(text)'") }
      c = candidate
    }
  }
}

extension Setting {
  /// A comma-separated list of finite numbers, each within `range`.
  public static func numberList(_ name: String, _ help: String, _ path: WritableKeyPath<Config, [Double]> & Sendable, _ range: ClosedRange<Double>) -> Setting {
    Setting(name, help, read: { $0[keyPath: path].map { "\($0)" }.joined(separator: ",") }) { (c: inout Config, text: String) throws(SettingError) in
      let values = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
      guard !values.isEmpty, values.allSatisfy({ $0.map { $0.isFinite && range.contains($0) } ?? false }) else {
        throw SettingError(name: name, message: "must be numbers in \(range.lowerBound)…\(range.upperBound) separated by commas, got '\(text)'")
      }
      c[keyPath: path] = values.map { $0! }
    }
  }

  /// true/false (also yes/no, 1/0).
  public static func boolean(_ name: String, _ help: String, _ path: WritableKeyPath<Config, Bool> & Sendable) -> Setting {
    Setting(name, help, read: { $0[keyPath: path] ? "true" : "false" }) { (c: inout Config, text: String) throws(SettingError) in
      switch text.lowercased() {
      case "true", "yes", "1": c[keyPath: path] = true
      case "false", "no", "0": c[keyPath: path] = false
      default: throw SettingError(name: name, message: "must be true or false, got '\(text)'")
      }
    }
  }

  /// One of the cases of a string enumeration.
  public static func choice<Value: RawRepresentable & CaseIterable & Sendable>(
    _ name: String, _ help: String, _ path: WritableKeyPath<Config, Value> & Sendable
  ) -> Setting where Value.RawValue == String {
    Setting(name, help, read: { $0[keyPath: path].rawValue }) { (c: inout Config, text: String) throws(SettingError) in
      guard let v = Value(rawValue: text) else {
        throw SettingError(name: name, message: "must be one of \(Value.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
      }
      c[keyPath: path] = v
    }
  }

  /// Free text (a path, a name).
  public static func text(_ name: String, _ help: String, _ path: WritableKeyPath<Config, String> & Sendable) -> Setting {
    Setting(name, help, read: { $0[keyPath: path] }) { (c: inout Config, text: String) throws(SettingError) in
      guard !text.isEmpty else { throw SettingError(name: name, message: "must not be empty") }
      c[keyPath: path] = text
    }
  }

  /// A comma-separated list of whole numbers, each within `range` (with `allowsEmpty`, "" is the empty list).
  public static func integerList(_ name: String, _ help: String, _ path: WritableKeyPath<Config, [Int]> & Sendable, _ range: ClosedRange<Int>,
                                 allowsEmpty: Bool = false) -> Setting {
    Setting(name, help, read: { $0[keyPath: path].map(String.init).joined(separator: ",") }) { (c: inout Config, text: String) throws(SettingError) in
      if allowsEmpty && text.trimmingCharacters(in: .whitespaces).isEmpty { c[keyPath: path] = []; return }
      let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
      guard !values.isEmpty, values.allSatisfy({ $0.map(range.contains) ?? false }) else {
        throw SettingError(name: name, message: "must be whole numbers in \(range.lowerBound)…\(range.upperBound) separated by commas, got '\(text)'")
      }
      c[keyPath: path] = values.map { $0! }
    }
  }
}

extension Setting {
  /// A comma-separated list of texts (paths, name patterns); empty for none.
  public static func textList(_ name: String, _ help: String, _ path: WritableKeyPath<Config, [String]> & Sendable) -> Setting {
    Setting(name, help, read: { $0[keyPath: path].joined(separator: ",") }) { (c: inout Config, text: String) throws(SettingError) in
      c[keyPath: path] = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
  }

  /// Free text that may be empty (an optional pattern).
  public static func optionalText(_ name: String, _ help: String, _ path: WritableKeyPath<Config, String> & Sendable) -> Setting {
    Setting(name, help, read: { $0[keyPath: path] }) { (c: inout Config, text: String) throws(SettingError) in
      c[keyPath: path] = text
    }
  }
}

/// A value an option cannot take.
public struct SettingError: Error, CustomStringConvertible, Equatable {
  /// The option's name.
  public let name: String
  /// What is wrong with the value.
  public let message: String
  public var description: String { "--\(name) \(message)" }
}
