import DysonCore
import DysonIO
import Foundation

// A study's settings as JSON: what config.json holds, what --config reads, what identifies a
// configuration in checkpoints, shards and reports.

/// The settings of `config` by name, as config.json holds them (keys in settings order).
public func settingsJSON<Config>(_ settings: [Setting<Config>], _ config: Config) -> JSONValue {
  .object(settings.map { ($0.name, .string($0.read(config))) })
}

/// `settingsJSON` as text: what identifies a configuration in checkpoints, shards and reports.
public func settingsText<Config>(_ settings: [Setting<Config>], _ config: Config) -> String {
  settingsJSON(settings, config).serialized()
}

/// The settings object of a `--config FILE` or a stored config.json: a JSON object, checked for
/// depth before it is parsed (a settings file is one flat object; deeply nested input is refused
/// with its depth, not with the parser's generic message).
public func settingsObject(_ data: Data, file: String) throws -> [String: Any] {
  var depth = 0, deepest = 0, inString = false, escaped = false
  for byte in data {
    if inString {
      if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
      continue
    }
    switch byte {
    case UInt8(ascii: "\""): inString = true
    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1; deepest = max(deepest, depth)
    case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
    default: break
    }
    if deepest > 32 { throw ShardError("\(file): nests more than 32 levels deep; a settings file is one flat JSON object of settings") }
  }
  let parsed: Any
  do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
    throw ShardError("\(file): not valid JSON (\((error as NSError).userInfo["NSDebugDescription"] as? String ?? "a syntax error"))")
  }
  guard let object = parsed as? [String: Any] else { throw ShardError("\(file): not a JSON object of settings") }
  return object
}

/// Applies every key of a config.json-style object (`--config FILE`, a shard's stored settings).
public func applySettings<Config>(_ settings: [Setting<Config>], object: [String: Any], to config: inout Config) throws(SettingError) {
  for (key, value) in object {
    guard let setting = settings.first(where: { $0.name == key }) else { throw SettingError(name: key, message: "is not a setting of this study") }
    try setting.write(&config, "\(value)")
  }
}

/// `defaults` with the settings of a shard's stored configuration text applied.
public func applySettings<Config>(_ settings: [Setting<Config>], text: String, to defaults: Config) throws -> Config {
  let object = try settingsObject(Data(text.utf8), file: "the stored configuration")
  var config = defaults
  do { try applySettings(settings, object: object, to: &config) } catch { throw ShardError("the stored configuration: \(error)") }
  return config
}
