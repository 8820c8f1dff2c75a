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
  static let kind = "gpt run"
  static let format = 1

  static func save(_ trainer: GPTTrainer, records: GPTExperiment.Run, to path: String) throws {
    let s = trainer.state
    func tensor(_ name: String, _ values: [Float]) -> StoredTensor {
      StoredTensor(name: name, shape: [values.count], dtype: .float32, values: values.map(Double.init))
    }
    func words(_ r: Xoshiro256StarStar) -> String { [r.state.0, r.state.1, r.state.2, r.state.3].map(String.init).joined(separator: ",") }
    // Records as F64 tensors: JSON text would not give back every double bit for bit.
    let losses = records.losses.flatMap { [Double($0.step), $0.train, $0.validation] }
    let spectra = records.spectra.flatMap(\.flattened)
    let c = trainer.settings.model
    try CheckpointFile.write([tensor("parameters", s.parameters), tensor("adamw.first_moment", s.firstMoment),
                              tensor("adamw.second_moment", s.secondMoment),
                              StoredTensor(name: "records.losses", shape: [records.losses.count, 3], dtype: .float64, values: losses),
                              StoredTensor(name: "records.spectrum_steps", shape: [records.spectrumSteps.count], dtype: .float64,
                                           values: records.spectrumSteps.map(Double.init)),
                              StoredTensor(name: "records.spectra", shape: [records.spectra.count, c.layers, HeadProjection.allCases.count, c.heads, c.headSize],
                                           dtype: .float64, values: spectra)],
                             kind: kind, format: format,
                             metadata: ["step": "\(s.step)", "training_random": words(s.trainingRandom), "evaluation_random": words(s.evaluationRandom)],
                             to: path)
  }

  /// Restores `trainer` and returns the records, or throws if the file does not fit this run:
  /// every number is checked against the run's settings before it is used.
  static func load(_ path: String, into trainer: GPTTrainer) throws -> GPTExperiment.Run {
    func fail(_ why: String) -> CheckpointError { CheckpointError(file: path, problem: why) }
    let contents = try CheckpointFile.read(path, kind: kind, format: format)
    let m = contents.metadata
    func random(_ key: String) throws -> Xoshiro256StarStar {
      let w = (m[key] ?? "").split(separator: ",").compactMap { UInt64($0) }
      guard w.count == 4, w.contains(where: { $0 != 0 }) else { throw fail("it has no RNG state '\(key)'") }
      return Xoshiro256StarStar(state: (w[0], w[1], w[2], w[3]))
    }
    guard let step = m["step"].flatMap(Int.init) else { throw fail("it has no step") }
    guard step >= 0 else { throw fail("its step \(step) is negative") }
    let n = trainer.model.layout.count
    let p = try contents.tensor("parameters", shape: [n], file: path)
    let m1 = try contents.tensor("adamw.first_moment", shape: [n], file: path)
    let m2 = try contents.tensor("adamw.second_moment", shape: [n], file: path)
    let state = GPTTrainer.State(step: step, parameters: p.values.map(Float.init), firstMoment: m1.values.map(Float.init),
                                 secondMoment: m2.values.map(Float.init),
                                 trainingRandom: try random("training_random"), evaluationRandom: try random("evaluation_random"))
    do { try trainer.restore(state) } catch { throw fail("\(error)") }
    // The records, each number a whole step in 0…step or a finite loss, and spectra of this model's shape.
    func wholeStep(_ x: Double, _ what: String) throws -> Int {
      guard x.isFinite, x == x.rounded(), x >= 0, x <= Double(step) else { throw fail("\(what) \(x) is not a step in 0…\(step)") }
      return Int(x)
    }
    let losses = try contents.tensor("records.losses", file: path)
    guard losses.shape.count == 2, losses.shape[1] == 3 else { throw fail("its losses have shape \(losses.shape), not [n, 3]") }
    var run = GPTExperiment.Run()
    for i in 0..<losses.shape[0] {
      let (s, train, validation) = (losses.values[3 * i], losses.values[3 * i + 1], losses.values[3 * i + 2])
      guard train.isFinite, validation.isFinite else { throw fail("its recorded losses hold \(train.isFinite ? validation : train)") }
      run.losses.append((step: try wholeStep(s, "a recorded loss's step"), train: train, validation: validation))
    }
    let steps = try contents.tensor("records.spectrum_steps", file: path)
    guard steps.shape.count == 1 else { throw fail("its spectrum steps have shape \(steps.shape)") }
    run.spectrumSteps = try steps.values.map { try wholeStep($0, "a recorded spectrum's step") }
    guard zip(run.spectrumSteps, run.spectrumSteps.dropFirst()).allSatisfy({ $0 < $1 }) else { throw fail("its spectrum steps are not increasing") }
    let c = trainer.settings.model
    let (L, P, H, hs) = (c.layers, HeadProjection.allCases.count, c.heads, c.headSize)
    let spectra = try contents.tensor("records.spectra", shape: [run.spectrumSteps.count, L, P, H, hs], file: path)
    guard spectra.values.allSatisfy(\.isFinite) else { throw fail("its recorded spectra hold NaN or infinities") }
    let perStep = L * P * H * hs
    run.spectra = (0..<run.spectrumSteps.count).map { r in
      HeadSpectra(layers: L, heads: H, levels: hs, flattened: Array(spectra.values[(r * perStep)..<((r + 1) * perStep)]))!   // the shape was checked
    }
    return run
  }
}
