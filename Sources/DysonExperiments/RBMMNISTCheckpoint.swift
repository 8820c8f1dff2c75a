import DysonCore
import DysonIO
import DysonModels
import Foundation

/// The state of one MNIST model's training (`DataPCD.State`) in a safetensors file, written
/// atomically every minute, on a stop and when the model is done. With `--resume` the model
/// continues from it bit for bit; a finished model's file gives its outputs without training.
/// Keyed by every setting, so another configuration never picks it up.
struct RBMMNISTCheckpoint {
  let path: String
  let key: String
  /// Format 3: the epochs' orders by our own Fisher–Yates (`Xoshiro256StarStar.shuffle`; format 2
  /// used the standard library's shuffle); format 2: every mini-batch feeds an update (in format
  /// 1 the first only started the chains). An older state would resume onto other draws.
  static let format = "3"

  init(directory: String, config: RBMMNISTExperiment.Config, hidden: Int) {
    path = directory + "/checkpoint-nh\(hidden).safetensors"
    key = settingsText(RBMMNISTExperiment.Config.settings, config)
  }

  func save(_ s: DataPCD.State) throws {
    func f64(_ name: String, _ values: [Double]) -> StoredTensor {
      StoredTensor(name: name, shape: [values.count], dtype: .float64, values: values)
    }
    // The order is a permutation of at most 60 000 indices: exact in F64.
    try Safetensors.write([f64("weights", s.weights), f64("chains", s.chains), f64("velocity", s.velocity),
                           f64("order", s.order.map(Double.init))],
                          metadata: ["format": Self.format, "settings": key, "updates_done": "\(s.updatesDone)", "epochs_done": "\(s.epochsDone)",
                                     "cursor": "\(s.cursor)",
                                     "random": [s.random.state.0, s.random.state.1, s.random.state.2, s.random.state.3].map(String.init).joined(separator: ",")],
                          to: path)
  }

  /// The saved state, nil when there is none; throws when the file holds another configuration's.
  func load() throws -> DataPCD.State? {
    guard FileManager.default.fileExists(atPath: path) else { return nil }
    func fail(_ why: String) -> Error { FileFormatError(file: path, fault: why) }
    let m = try Safetensors.readMetadata(path: path)
    guard m["format"] == Self.format else {
      throw ExperimentError.invalid("\(path) was written by an earlier version of dyson, whose schedule differs; rerun without --resume, or remove the file")
    }
    guard m["settings"] == key else {
      throw ExperimentError.invalid("\(path) holds a model of other settings; rerun without --resume, or remove the file")
    }
    let tensors = Dictionary(try Safetensors.read(path: path).map { ($0.name, $0.values) }, uniquingKeysWith: { a, _ in a })
    let words = (m["random"] ?? "").split(separator: ",").compactMap { UInt64($0) }
    guard let updates = m["updates_done"].flatMap(Int.init), let epochs = m["epochs_done"].flatMap(Int.init),
          let cursor = m["cursor"].flatMap(Int.init), words.count == 4, words.contains(where: { $0 != 0 }),
          let w = tensors["weights"], let chains = tensors["chains"], let velocity = tensors["velocity"],
          let order = tensors["order"], order.allSatisfy({ $0 >= 0 && $0 < 1e9 && $0 == $0.rounded() }) else {
      throw fail("not a dyson rbm mnist checkpoint")
    }
    return DataPCD.State(updatesDone: updates, epochsDone: epochs, cursor: cursor, order: order.map { Int($0) },
                         random: Xoshiro256StarStar(state: (words[0], words[1], words[2], words[3])),
                         weights: w, chains: chains, velocity: velocity)
  }

  func remove() { try? FileManager.default.removeItem(atPath: path) }
}
