import DysonCore
import DysonIO
import Foundation

/// `--shard i/n`: part i (1…n) of an ensemble's runs, a contiguous block, so that n machines (a
/// SLURM job array, GNU parallel) share one ensemble. Run k draws from stream k of the seed
/// whichever shard does it, so merged shards give exactly the records of an unsharded run.
public struct Shard: Codable, Sendable, Hashable, CustomStringConvertible {
  /// i, from 1.
  public let index: Int
  /// n.
  public let count: Int

  /// Shard i of n; throws unless 1 ≤ i ≤ n.
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
  /// The study's name.
  public var study: String
  /// Which part this is.
  public var shard: Shard
  /// The configuration as config.json holds it: every shard of a job must have the same.
  public var configuration: String
  /// Wall-clock time of this shard's part.
  public var seconds: Double
  /// The runs' records, per ensemble of the study.
  public var ensembles: [[Record]]
  /// Whether this process's gemm fused its multiply-adds (`GemmKernel.usesFusedMultiplyAdd`): the
  /// two kernels agree to rounding, not bit for bit, so shards of both kinds are not joined.
  /// Nil in shard files written before it was recorded.
  public var gemmFusedMultiplyAdd: Bool?

  /// A shard's file from its parts.
  public init(study: String, shard: Shard, configuration: String, seconds: Double, ensembles: [[Record]],
              gemmFusedMultiplyAdd: Bool? = GemmKernel.usesFusedMultiplyAdd) {
    self.study = study
    self.shard = shard
    self.configuration = configuration
    self.seconds = seconds
    self.ensembles = ensembles
    self.gemmFusedMultiplyAdd = gemmFusedMultiplyAdd
  }

  /// "shard.json".
  public static var fileName: String { "shard.json" }

  /// Writes the file into `directory`, atomically.
  public func write(to directory: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    try AtomicFile.write(try encoder.encode(self), to: directory + "/" + Self.fileName)
  }

  /// Reads `directory`'s shard file; throws on a missing, damaged or foreign file.
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

/// A problem with shard files, in one line.
public struct ShardError: Error, CustomStringConvertible {
  /// The problem.
  public let description: String
  /// An error saying `description`.
  public init(_ description: String) { self.description = description }
}
