import DysonExperiments
import DysonIO
import Foundation

/// The plumbing every study command shares: help lines from the settings, option parsing with
/// `--config FILE.json`, the usage-error mapping, and the `--shard i/n` path.
enum StudyOptions {
  /// Where the command line looks for data unless told: the checkout's Datasets folder, which
  /// Datasets/fetch.sh fills (the libraries take every path from their caller).
  static let dataDirectory = "Datasets"
  static let tinyShakespeare = dataDirectory + "/tinyshakespeare.txt"
  static let mnistImages = dataDirectory + "/mnist/train-images-idx3-ubyte.gz"

  /// The GPT study's settings with the command line's data file.
  static func withData(_ c: GPTExperiment.Config) -> GPTExperiment.Config {
    var c = c
    c.data = tinyShakespeare
    return c
  }

  /// The GPT scaling study's settings with the command line's data file.
  static func withData(_ c: GPTScalingExperiment.Config) -> GPTScalingExperiment.Config {
    var c = c
    c.data = tinyShakespeare
    return c
  }

  /// The MNIST study's settings with the command line's data file.
  static func withData(_ c: RBMMNISTExperiment.Config) -> RBMMNISTExperiment.Config {
    var c = c
    c.imagesPath = mnistImages
    return c
  }

  /// One help line per setting: `--name  help (default value)`, names padded to `width` (a longer
  /// name is kept whole: `padding(toLength:)` would cut it).
  static func optionLines<Config>(_ settings: [Setting<Config>], defaults: Config, width: Int) -> String {
    settings.map { s in
      let name = s.name.count < width ? s.name.padding(toLength: width, withPad: " ", startingAt: 0) : s.name
      return "    --\(name) \(s.help) (default \(s.read(defaults)))"
    }.joined(separator: "\n")
  }

  /// A configuration the experiment rejects (e.g. μ² ≤ κ_max) is a usage error: exit 2.
  static func asUsage<R>(_ body: () async throws -> R) async throws -> R {
    do { return try await body() } catch let e as ExperimentError { throw UsageError(description: e.description) }
  }

  /// Options, then `--config FILE` values, then command-line values override the defaults.
  static func configure<Config>(_ arguments: [String], settings: [Setting<Config>], defaults: Config, quick: Config, shardable: Bool = false,
                                resumable: Bool = false, positional: Bool = false) throws -> (Config, Options) {
    let o = try Options(arguments, valued: settings.map(\.name) + ["config", "out"] + (shardable ? ["shard"] : []),
                        switches: ["quick", "force"] + (shardable || resumable ? ["resume"] : []), positional: positional)
    var config = o.has("quick") ? quick : defaults
    if let file = o.string("config") {
      let object: [String: Any]
      do {
        let source = try ReadOnlyFile(path: file)
        guard source.size <= 1 << 20 else { throw RuntimeError(description: "\(file): \(source.size) bytes is too large for a settings file") }
        object = try settingsObject(Data(try source.bytes(at: 0, count: source.size)), file: file)
      } catch let e as RuntimeError { throw e } catch let e as ShardError { throw RuntimeError(description: e.description) } catch {
        throw RuntimeError(description: "\(error)")
      }
      do { try applySettings(settings, object: object, to: &config) } catch { throw RuntimeError(description: "\(file): \(error)") }
    }
    for setting in settings {
      if let text = o.string(setting.name) {
        do { try setting.write(&config, text) } catch { throw UsageError(description: "\(error)") }
      }
    }
    return (config, o)
  }

  /// `--shard i/n`, if given.
  static func shardOption(_ o: Options) throws -> Shard? {
    guard let text = o.string("shard") else { return nil }
    do { return try Shard(parsing: text) } catch { throw UsageError(description: "\(error)") }
  }

  /// Runs one shard's part of the ensemble(s) and writes DIR/shard.json and DIR/config.json;
  /// `dyson merge` turns the shards into the study's outputs.
  static func runShard<Config, Record: Codable & Sendable>(
    _ study: String, shard: Shard, settings: [Setting<Config>], config: Config, runs: Int, directory: String, force: Bool,
    progressUnits: Int = 1, _ body: (Range<Int>, DysonExperiments.Progress) async throws -> [[Record]]
  ) async throws {
    let part = shard.runs(of: runs)
    let output = try ExperimentOutput(directory: directory, study: study + "-shard", force: force)
    let start = Date()
    let ensembles = try await asUsage { try await body(part, Progress(total: part.count * progressUnits, label: "\(study) shard \(shard)")) }
    let file = ShardFile(study: study, shard: shard, configuration: settingsText(settings, config), seconds: Date().timeIntervalSince(start), ensembles: ensembles)
    try file.write(to: directory)
    try AtomicFile.write(settingsText(settings, config) + "\n", to: output.path("config.json"))
    if Console.isJSON {
      let object: [String: Any] = ["study": study, "shard": shard.description, "runs": [part.lowerBound, part.upperBound],
                                   "seconds": file.seconds, "file": directory + "/shard.json"]
      print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
    } else {
      say(String(format: "%@ shard %@: runs %d..<%d in %.1f s; wrote %@/shard.json (join the shards with dyson merge DIR… --out DIR)",
                  study, shard.description, part.lowerBound, part.upperBound, file.seconds, directory))
    }
  }
}
