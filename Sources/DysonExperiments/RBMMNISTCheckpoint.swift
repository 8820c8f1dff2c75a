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
  /// Format 4: a checksummed `CheckpointFile`. Format 3: the epochs' orders by our own Fisher–Yates
  /// (`Xoshiro256StarStar.shuffle`; format 2 used the standard library's shuffle); format 2:
  /// every mini-batch feeds an update (in format 1 the first only started the chains). An older
  /// state would resume onto other draws.
  static let format = 4
  static let kind = "rbm mnist model"

  init(directory: String, config: RBMMNISTExperiment.Config, hidden: Int) {
    path = directory + "/checkpoint-nh\(hidden).safetensors"
    key = settingsText(RBMMNISTExperiment.Config.settings, config)
  }

  func save(_ s: DataPCD.State) throws {
    func f64(_ name: String, _ values: [Double]) -> StoredTensor {
      StoredTensor(name: name, shape: [values.count], dtype: .float64, values: values)
    }
    // The order is a permutation of at most 60 000 indices: exact in F64.
    try CheckpointFile.write([f64("weights", s.weights), f64("chains", s.chains), f64("velocity", s.velocity),
                              f64("order", s.order.map(Double.init))],
                             kind: Self.kind, format: Self.format,
                             metadata: ["settings": key, "updates_done": "\(s.updatesDone)", "epochs_done": "\(s.epochsDone)",
                                        "cursor": "\(s.cursor)",
                                        "random": [s.random.state.0, s.random.state.1, s.random.state.2, s.random.state.3].map(String.init).joined(separator: ",")],
                             to: path)
  }

  /// The saved state, nil when there is none; throws when the file is damaged, of another format,
  /// or of another configuration (`DataPCD.restore` checks it against the data).
  func load() throws -> DataPCD.State? {
    guard FileManager.default.fileExists(atPath: path) else { return nil }
    func fail(_ why: String) -> CheckpointError { CheckpointError(file: path, problem: why) }
    let contents = try CheckpointFile.read(path, kind: Self.kind, format: Self.format)
    let m = contents.metadata
    guard m["settings"] == key else { throw fail("it holds a model of other settings") }
    let words = (m["random"] ?? "").split(separator: ",").compactMap { UInt64($0) }
    guard let updates = m["updates_done"].flatMap(Int.init), let epochs = m["epochs_done"].flatMap(Int.init),
          let cursor = m["cursor"].flatMap(Int.init), words.count == 4, words.contains(where: { $0 != 0 }) else {
      throw fail("its counters or RNG state are missing")
    }
    let order = try contents.tensor("order", file: path).values
    guard order.allSatisfy({ $0 >= 0 && $0 < 1e9 && $0 == $0.rounded() }) else { throw fail("its epoch order holds a value that is no index") }
    return DataPCD.State(updatesDone: updates, epochsDone: epochs, cursor: cursor, order: order.map { Int($0) },
                         random: Xoshiro256StarStar(state: (words[0], words[1], words[2], words[3])),
                         weights: try contents.tensor("weights", file: path).values, chains: try contents.tensor("chains", file: path).values,
                         velocity: try contents.tensor("velocity", file: path).values)
  }

  func remove() { try? FileManager.default.removeItem(atPath: path) }
}
