import DysonIO
import Foundation

/// The spectra `dyson dynamics` has read so far, kept in its output folder so that `--resume`
/// reads no checkpoint twice: one F64 tensor per finished (run, step), named `run<r>.step<s>`, in
/// a safetensors file whose metadata holds what it was read for (the settings, the checkpoints'
/// paths, the tensors). A file read for anything else is refused, never reused.
struct SpectraCheckpoint {
  let path: String
  let fingerprint: String

  static func key(_ run: Int, _ step: Int) -> String { "run\(run).step\(step)" }

  func save(_ done: [String: [Double]]) throws {
    let tensors = done.keys.sorted(by: naturallyPrecedes).map { StoredTensor(name: $0, shape: [done[$0]!.count], dtype: .float64, values: done[$0]!) }
    try Safetensors.write(tensors, metadata: ["dyson": "dynamics spectra", "fingerprint": fingerprint], to: path)
  }

  /// The finished (run, step)s, or none when there is no file yet.
  func load() throws -> [String: [Double]] {
    guard FileManager.default.fileExists(atPath: path) else { return [:] }
    do {
      let metadata = try Safetensors.readMetadata(path: path)
      guard metadata["dyson"] == "dynamics spectra" else {
        throw DynamicsError("\(path) is not a dyson dynamics checkpoint; remove it, or start without --resume")
      }
      guard metadata["fingerprint"] == fingerprint else {
        throw DynamicsError("\(path) was read with other settings or from other checkpoints; remove it, or start without --resume")
      }
      var done: [String: [Double]] = [:]
      for t in try Safetensors.read(path: path) { done[t.name] = t.values }
      return done
    } catch let e as DynamicsError {
      throw e
    } catch {
      throw DynamicsError("\(path): a damaged checkpoint (\(error)); remove it, or start without --resume")
    }
  }
}
