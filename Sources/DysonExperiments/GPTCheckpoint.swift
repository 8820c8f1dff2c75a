import DysonCore
import DysonIO
import DysonModels
import Foundation

/// A run's checkpoint: the trainer's whole state (parameters, AdamW moments and step, both RNG
/// streams) and the records so far, in one safetensors file written atomically. Resuming from it
/// gives the bit-identical result of an uninterrupted run (the test trains 30 steps straight and
/// 12 + 18 with a restore between, and compares every bit).
enum GPTCheckpoint {
  static func path(directory: String, run: Int) -> String { directory + "/checkpoint-run\(run).safetensors" }

  static func save(_ trainer: GPTTrainer, records: GPTExperiment.Run, to path: String) throws {
    let s = trainer.state
    func tensor(_ name: String, _ values: [Float]) -> StoredTensor {
      StoredTensor(name: name, shape: [values.count], dtype: .float32, values: values.map(Double.init))
    }
    func words(_ r: Xoshiro256StarStar) -> String { [r.state.0, r.state.1, r.state.2, r.state.3].map(String.init).joined(separator: ",") }
    // Records as F64 tensors: JSON text would not give back every double bit for bit.
    let losses = records.losses.flatMap { [Double($0.step), $0.train, $0.validation] }
    let spectra = records.spectra.flatMap { $0.flatMap { $0.flatMap { $0.flatMap { $0 } } } }
    let shape = records.spectra.first.map { layers in [layers.count, layers[0].count, layers[0][0].count, layers[0][0][0].count] } ?? [0, 0, 0, 0]
    try Safetensors.write([tensor("parameters", s.parameters), tensor("adamw.first_moment", s.firstMoment),
                           tensor("adamw.second_moment", s.secondMoment),
                           StoredTensor(name: "records.losses", shape: [records.losses.count, 3], dtype: .float64, values: losses),
                           StoredTensor(name: "records.spectrum_steps", shape: [records.spectrumSteps.count], dtype: .float64,
                                        values: records.spectrumSteps.map(Double.init)),
                           StoredTensor(name: "records.spectra", shape: [records.spectra.count] + shape, dtype: .float64, values: spectra)],
                          metadata: ["step": "\(s.step)", "training_random": words(s.trainingRandom),
                                     "evaluation_random": words(s.evaluationRandom)], to: path)
  }

  /// Restores `trainer` and returns the records, or throws if the file does not fit this run.
  static func load(_ path: String, into trainer: GPTTrainer) throws -> GPTExperiment.Run {
    func fail(_ why: String) -> Error { FileFormatError(file: path, fault: why) }
    let stored = Dictionary(uniqueKeysWithValues: try Safetensors.read(path: path).map { ($0.name, $0) })
    let tensors = stored.mapValues { $0.values.map(Float.init) }
    let m = try Safetensors.readMetadata(path: path)
    func random(_ key: String) throws -> Xoshiro256StarStar {
      let w = (m[key] ?? "").split(separator: ",").compactMap { UInt64($0) }
      guard w.count == 4, w.contains(where: { $0 != 0 }) else { throw fail("no RNG state '\(key)'") }
      return Xoshiro256StarStar(state: (w[0], w[1], w[2], w[3]))
    }
    guard let step = m["step"].flatMap(Int.init), let p = tensors["parameters"], let m1 = tensors["adamw.first_moment"],
          let m2 = tensors["adamw.second_moment"] else { throw fail("not a dyson GPT checkpoint") }
    let state = GPTTrainer.State(step: step, parameters: p, firstMoment: m1, secondMoment: m2,
                                 trainingRandom: try random("training_random"), evaluationRandom: try random("evaluation_random"))
    do { try trainer.restore(state) } catch { throw fail("\(error)") }
    guard let losses = stored["records.losses"], let steps = stored["records.spectrum_steps"],
          let spectra = stored["records.spectra"], spectra.shape.count == 5 else { throw fail("no records") }
    var run = GPTExperiment.Run()
    run.losses = (0..<(losses.values.count / 3)).map { i in
      (step: Int(losses.values[3 * i]), train: losses.values[3 * i + 1], validation: losses.values[3 * i + 2])
    }
    run.spectrumSteps = steps.values.map { Int($0) }
    let (L, P, H, n) = (spectra.shape[1], spectra.shape[2], spectra.shape[3], spectra.shape[4])
    run.spectra = (0..<spectra.shape[0]).map { r in
      (0..<L).map { l in (0..<P).map { p in (0..<H).map { h in
        let start = (((r * L + l) * P + p) * H + h) * n
        return Array(spectra.values[start..<(start + n)])
      } } }
    }
    return run
  }
}
