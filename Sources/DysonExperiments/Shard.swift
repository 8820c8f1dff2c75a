import DysonCore
import DysonIO
import Foundation

/// `--shard i/n`: part i (1…n) of an ensemble's runs, a contiguous block, so that n machines (a
/// SLURM job array, GNU parallel) share one ensemble. Run k draws from stream k of the seed
/// whichever shard does it, so merged shards give exactly the records of an unsharded run.
public struct Shard: Codable, Sendable, Hashable, CustomStringConvertible {
  public let index: Int
  public let count: Int

  public init(index: Int, count: Int) throws(SettingError) {
    guard count >= 1, (1...count).contains(index) else {
      throw SettingError(name: "shard", message: "must be i/n with 1 ≤ i ≤ n, got \(index)/\(count)")
    }
    self.index = index
    self.count = count
  }

  /// Parses "i/n".
  public init(parsing text: String) throws(SettingError) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
      throw SettingError(name: "shard", message: "must be i/n (e.g. 2/8), got '\(text)'")
    }
    try self.init(index: i, count: n)
  }

  public var description: String { "\(index)/\(count)" }

  // Decoded through the checking initialiser: a shard file must not carry a 0/0 or 5/2 shard.
  private enum CodingKeys: String, CodingKey { case index, count }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    try self.init(index: try c.decode(Int.self, forKey: .index), count: try c.decode(Int.self, forKey: .count))
  }

  /// This shard's runs out of `total`: block i of n nearly equal blocks.
  public func runs(of total: Int) -> Range<Int> {
    (index - 1) * total / count..<index * total / count
  }
}

/// What one shard keeps: its study, the full configuration (as config.json holds it), and the raw
/// records of its runs, per ensemble of the study (one, or one per grid point). Written as
/// `shard.json`; `dyson merge` joins the shards and runs the analysis once, on all records.
public struct ShardFile<Record: Codable & Sendable>: Codable, Sendable {
  public var study: String
  public var shard: Shard
  public var configuration: String
  public var seconds: Double
  public var ensembles: [[Record]]
  /// Whether this process's gemm fused its multiply-adds (`GemmKernel.usesFusedMultiplyAdd`): the
  /// two kernels agree to rounding, not bit for bit, so shards of both kinds are not joined.
  /// Nil in shard files written before it was recorded.
  public var gemmFusedMultiplyAdd: Bool?

  public init(study: String, shard: Shard, configuration: String, seconds: Double, ensembles: [[Record]],
              gemmFusedMultiplyAdd: Bool? = GemmKernel.usesFusedMultiplyAdd) {
    self.study = study
    self.shard = shard
    self.configuration = configuration
    self.seconds = seconds
    self.ensembles = ensembles
    self.gemmFusedMultiplyAdd = gemmFusedMultiplyAdd
  }

  public static var fileName: String { "shard.json" }

  public func write(to directory: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    try AtomicFile.write(try encoder.encode(self), to: directory + "/" + Self.fileName)
  }

  public static func read(from directory: String) throws -> ShardFile {
    let path = directory + "/" + fileName
    guard FileManager.default.fileExists(atPath: path) else { throw ShardError("\(path): no shard file (was this folder written with --shard?)") }
    let data: Data
    do { data = try ReadOnlyFile.contents(of: path) } catch { throw ShardError("\(error)") }
    do { return try JSONDecoder().decode(ShardFile.self, from: data) } catch {
      throw ShardError("\(path): not a shard file of this kind: \(error)")
    }
  }

  /// Joins shards 1…n of one study and configuration: per ensemble, the records in run order,
  /// and the shards' seconds added up.
  public static func merge(_ files: [ShardFile]) throws -> ShardFile {
    guard let first = files.first else { throw ShardError("no shards to merge") }
    for f in files {
      guard f.study == first.study else { throw ShardError("shards of different studies: \(first.study) and \(f.study)") }
      guard f.configuration == first.configuration else {
        throw ShardError("shard \(f.shard) was run with other settings than shard \(first.shard); compare their config.json")
      }
      guard f.shard.count == first.shard.count, f.ensembles.count == first.ensembles.count else {
        throw ShardError("shard \(f.shard) does not belong to a split into \(first.shard.count)")
      }
    }
    // Compared among the shards that recorded it, whichever comes first.
    let fused = files.filter { $0.gemmFusedMultiplyAdd == true }, separate = files.filter { $0.gemmFusedMultiplyAdd == false }
    if let a = fused.first, let b = separate.first {
      throw ShardError("shard \(a.shard) was computed with fused multiply-add in gemm and shard \(b.shard) without: their numbers differ in the last bits. Run them with the same build, or pin the kernel with DYSON_GEMM_FMA=1 or =0")
    }
    let byIndex = Dictionary(grouping: files, by: \.shard.index)
    let missing = (1...first.shard.count).filter { byIndex[$0] == nil }
    guard missing.isEmpty else { throw ShardError("shards missing: \(missing.map { "\($0)/\(first.shard.count)" }.joined(separator: ", "))") }
    guard byIndex.values.allSatisfy({ $0.count == 1 }) else { throw ShardError("a shard is given twice") }
    let ordered = (1...first.shard.count).map { byIndex[$0]![0] }
    let ensembles = first.ensembles.indices.map { e in ordered.flatMap { $0.ensembles[e] } }
    return ShardFile(study: first.study, shard: try Shard(index: 1, count: 1), configuration: first.configuration,
                     seconds: ordered.map(\.seconds).reduce(0, +), ensembles: ensembles,
                     gemmFusedMultiplyAdd: files.lazy.compactMap(\.gemmFusedMultiplyAdd).first)
  }
}

public struct ShardError: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}

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
