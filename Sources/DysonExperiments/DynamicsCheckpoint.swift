import DysonIO
import Foundation

/// The spectra `dyson dynamics` has read so far, kept in its output folder so that `--resume`
/// reads no checkpoint twice: one F64 tensor per finished (run, step), named `run<r>.step<s>`, in
/// a `CheckpointFile` whose metadata holds what it was read for (the settings, the checkpoints'
/// paths, the tensors). A file read for anything else, or damaged, is refused, never reused.
struct SpectraCheckpoint {
  let path: String
  let fingerprint: String
  static let kind = "dynamics spectra"
  static let format = 1

  static func key(_ run: Int, _ step: Int) -> String { "run\(run).step\(step)" }

  func save(_ done: [String: [Double]]) throws {
    let tensors = done.keys.sorted(by: naturallyPrecedes).map { StoredTensor(name: $0, shape: [done[$0]!.count], dtype: .float64, values: done[$0]!) }
    try CheckpointFile.write(tensors, kind: Self.kind, format: Self.format, metadata: ["fingerprint": fingerprint], to: path)
  }

  /// The finished (run, step)s, or none when there is no file yet.
  func load() throws -> [String: [Double]] {
    guard FileManager.default.fileExists(atPath: path) else { return [:] }
    let contents = try CheckpointFile.read(path, kind: Self.kind, format: Self.format)
    guard contents.metadata["fingerprint"] == fingerprint else {
      throw CheckpointError(file: path, problem: "it was read with other settings or from other checkpoints")
    }
    return contents.tensors.mapValues(\.values)
  }
}
