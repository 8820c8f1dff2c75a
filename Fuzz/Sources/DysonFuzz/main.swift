// libFuzzer harnesses for every reader of untrusted bytes. One binary; the harness is chosen by
// DYSON_FUZZ_TARGET (Fuzz/run.sh sets it). Each harness may throw any error it likes: only a
// crash, a hang, a leak or an address-sanitizer report is a finding.
import DysonCore
@testable import DysonExperiments
import DysonIO
@testable import DysonModels
import DysonRMT
import Foundation

/// A scratch folder of this process, for the readers that take a path.
let scratch: String = {
  let path = NSTemporaryDirectory() + "dyson-fuzz-\(getpid())"
  try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}()

func file(_ name: String, _ bytes: UnsafeRawBufferPointer) -> String {
  let path = scratch + "/" + name
  FileManager.default.createFile(atPath: path, contents: Data(bytes))
  return path
}

/// A tiny GPT trainer whose checkpoints the GPT harness feeds.
nonisolated(unsafe) var trainer: GPTTrainer? = nil
nonisolated(unsafe) var target = ""

/// Valid files of every kind, made by the library itself: the seed corpora (Fuzz/Corpus/<target>).
func writeSeeds(to root: String) throws {
  func folder(_ name: String) -> String {
    let path = root + "/" + name
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }
  let w = StoredTensor(name: "layer.weight", shape: [6, 4], dtype: .float32, values: (0..<24).map { sin(Double($0)) })
  let k = StoredTensor(name: "conv.weight", shape: [3, 2, 2, 2], dtype: .bfloat16, values: (0..<24).map { cos(Double($0)) })
  try Npy.write(StoredTensor(name: "w", shape: [3, 2], dtype: .float64, values: [1, 2, 3, 4, 5, 6]), to: folder("npy") + "/f8.npy")
  try Npy.write(StoredTensor(name: "w", shape: [4], dtype: .float16, values: [1, 0.5, -2, 3]), to: folder("npy") + "/f2.npy")
  try Safetensors.write([w, k], metadata: ["format": "pt"], to: folder("safetensors") + "/model.safetensors")
  try Safetensors.write([w, k], to: folder("spectrum") + "/model.safetensors")
  try Data(#"{"metadata": {"total_size": 16}, "weight_map": {"w": "a.safetensors"}}"#.utf8).write(to: URL(fileURLWithPath: folder("index") + "/index.json"))
  try Data("{\"iters\": 300, \"runs\": 2, \"lr\": 0.001, \"hidden\": \"784,36\"}".utf8).write(to: URL(fileURLWithPath: folder("config") + "/config.json"))
  // An ensemble checkpoint of two RBM runs of 10 eigenvalues.
  let spectrum = (1...10).map(Double.init)
  let run = RBMEnsemble.Run(initial: spectrum, final: spectrum, trajectory: [(0, spectrum)], failure: nil)
  try EnsembleCheckpoint(path: folder("ensemble-checkpoint") + "/checkpoint.json", key: "k", resume: false).save([0: run, 1: run])
  // A shard of rbm learn (two runs).
  var learn = RBMLearnExperiment.Config()
  learn.runs = 2
  try ShardFile(study: "rbm-learn", shard: try Shard(index: 1, count: 1), configuration: settingsText(RBMLearnExperiment.Config.settings, learn),
                seconds: 1, ensembles: [[run, run]]).write(to: folder("shard"))
  // The tiny GPT's checkpoint and weights.
  let records = GPTExperiment.Run()
  try GPTCheckpoint.save(trainer!, records: records, to: folder("gpt-checkpoint") + "/checkpoint-run0.safetensors")
  try GPTWeights.write(trainer!.model, vocabulary: trainer!.corpus.vocabulary, to: folder("gpt-weights") + "/weights.safetensors")
  try CheckpointFile.write([StoredTensor(name: "run0.step0", shape: [3], dtype: .float64, values: [1, 2, 3])], kind: "dynamics spectra", format: 1,
                           metadata: ["fingerprint": "x"], to: folder("checkpoint-file") + "/spectra.safetensors")
}

/// The tiny GPT whose checkpoints the GPT harnesses read.
func makeTrainer() -> GPTTrainer {
  var settings = GPTTrainer.Settings()
  settings.model.layers = 1
  settings.model.heads = 2
  settings.model.embedding = 8
  settings.model.hiddenWidth = 8
  settings.model.block = 4
  settings.batch = 2
  let corpus = try! TextCorpus(text: String(repeating: "to be or not to be. ", count: 40))
  settings.model.vocabulary = corpus.vocabulary.count
  return try! GPTTrainer(settings, corpus: corpus, seed: 1)
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> Int32 {
  if let root = ProcessInfo.processInfo.environment["DYSON_FUZZ_WRITE_SEEDS"] {
    trainer = makeTrainer()
    do { try writeSeeds(to: root) } catch {
      FileHandle.standardError.write(Data("cannot write the seeds: \(error)\n".utf8))
      exit(1)
    }
    exit(0)
  }
  target = ProcessInfo.processInfo.environment["DYSON_FUZZ_TARGET"] ?? ""
  guard harnesses[target] != nil else {
    FileHandle.standardError.write(Data("set DYSON_FUZZ_TARGET to one of: \(harnesses.keys.sorted().joined(separator: ", "))\n".utf8))
    exit(2)
  }
  if target == "gpt-checkpoint" { trainer = makeTrainer() }
  return 0
}

let harnesses: [String: @Sendable (UnsafeRawBufferPointer) throws -> Void] = [
  "npy": { bytes in
    _ = try? Npy.decode(Data(bytes), name: "x")
    _ = try? Npy.readIntegers(path: file("i.npy", bytes))
    _ = try? Npy.entry(path: file("f.npy", bytes)).read()
  },
  "safetensors": { bytes in
    _ = try? Safetensors.decode(Data(bytes))
    for e in (try? Safetensors.entries(path: file("m.safetensors", bytes))) ?? [] { _ = try? e.read() }
  },
  "index": { bytes in
    // An index beside one good shard.
    if !FileManager.default.fileExists(atPath: scratch + "/idx/a.safetensors") {
      try? FileManager.default.createDirectory(atPath: scratch + "/idx", withIntermediateDirectories: true)
      try? Safetensors.write([StoredTensor(name: "w", shape: [2, 2], dtype: .float32, values: [1, 2, 3, 4])], to: scratch + "/idx/a.safetensors")
    }
    FileManager.default.createFile(atPath: scratch + "/idx/model.safetensors.index.json", contents: Data(bytes))
    for e in (try? DysonIO.Checkpoint.tensors(at: scratch + "/idx")) ?? [] { _ = try? e.read() }
  },
  "gzip": { bytes in
    _ = try? Gzip.decompress(Array(bytes), limit: 1 << 24)
    _ = try? Gzip.prefix(Array(bytes), count: 1024)
  },
  "idx": { bytes in
    _ = try? IDXArray.decode(Array(bytes))
    _ = try? IDXArray.read(path: file("images.idx", bytes))
    _ = try? RBMMNISTExperiment.loadImages(path: file("images2.idx", bytes), count: 100)
  },
  "config": { bytes in
    guard let object = try? settingsObject(Data(bytes), file: "config.json") else { return }
    var gpt = GPTExperiment.Config(); _ = try? applySettings(GPTExperiment.Config.settings, object: object, to: &gpt)
    var learn = RBMLearnExperiment.Config(); _ = try? applySettings(RBMLearnExperiment.Config.settings, object: object, to: &learn)
    var universality = RBMUniversalityExperiment.Config(); _ = try? applySettings(RBMUniversalityExperiment.Config.settings, object: object, to: &universality)
    var scaling = RBMScalingExperiment.Config(); _ = try? applySettings(RBMScalingExperiment.Config.settings, object: object, to: &scaling)
    var mnist = RBMMNISTExperiment.Config(); _ = try? applySettings(RBMMNISTExperiment.Config.settings, object: object, to: &mnist)
    var dynamics = DynamicsStudy.Config(); _ = try? applySettings(DynamicsStudy.Config.settings, object: object, to: &dynamics)
  },
  "shard": { bytes in
    let dir = scratch + "/shard"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    FileManager.default.createFile(atPath: dir + "/shard.json", contents: Data(bytes))
    if let rbm = try? ShardFile<RBMEnsemble.Run>.read(from: dir), let merged = try? ShardFile.merge([rbm]), let records = merged.ensembles.first {
      if var c = try? applySettings(RBMUniversalityExperiment.Config.settings, text: merged.configuration, to: RBMUniversalityExperiment.Config()) {
        c.resamples = 2
        _ = try? RBMUniversalityExperiment.result(c, runs: records, seconds: 0)
      }
      if let c = try? applySettings(RBMLearnExperiment.Config.settings, text: merged.configuration, to: RBMLearnExperiment.Config()) {
        _ = try? RBMLearnExperiment.result(c, runs: records, seconds: 0)
      }
    }
    if let gpt = try? ShardFile<GPTExperiment.ShardRecord>.read(from: dir),
       let c = try? applySettings(GPTExperiment.Config.settings, text: gpt.configuration, to: GPTExperiment.Config()), (try? c.training.model.validate()) != nil {
      _ = try? GPTExperiment.check(gpt.ensembles.first?.map(\.run) ?? [], model: c.training.model, runs: c.runs)
    }
    if let dynamics = try? ShardFile<DynamicsStudy.ShardRecord>.read(from: dir),
       var c = try? applySettings(DynamicsStudy.Config.settings, text: dynamics.configuration, to: DynamicsStudy.Config()) {
      c.resamples = 2
      _ = try? DynamicsStudy.result(c, records: dynamics.ensembles.first ?? [], seconds: 0)
    }
  },
  "ensemble-checkpoint": { bytes in
    let path = file("checkpoint.json", bytes)
    if let runs = try? EnsembleCheckpoint(path: path, key: "k", resume: true).load(streams: 0..<8) {
      _ = try? RBMEnsemble.check(runs.keys.sorted().map { runs[$0]! }, eigenvalues: 10, source: path)
    }
  },
  "gpt-checkpoint": { bytes in
    let path = file("checkpoint-run0.safetensors", bytes)
    _ = try? GPTCheckpoint.load(path, into: trainer!)
  },
  "gpt-weights": { bytes in
    if let (configuration, parameters, _) = try? GPTWeights.read(path: file("weights.safetensors", bytes)) {
      _ = try? GPT<Double>(configuration, parameters: parameters)
    }
  },
  "checkpoint-file": { bytes in
    _ = try? CheckpointFile.read(file("state.safetensors", bytes), kind: "rbm mnist model", format: 4)
    _ = try? CheckpointFile.read(file("spectra.safetensors", bytes), kind: "dynamics spectra", format: 1)
  },
  "spectrum": { bytes in
    // What CheckpointSpectra.analyse does for each tensor, without its task group (whose thread
    // hand-offs dominate the time of one input): select, read, analyse, print, draw.
    let path = file("model.safetensors", bytes)
    var options = SpectrumOptions()
    options.randomize = false
    for e in (try? DysonIO.Checkpoint.tensors(at: path)) ?? [] where (e.shape.count == 2 || e.shape.count == 4) && e.dtype != nil {
      guard CheckpointSpectra.skipReason(e, options: options) == nil, !e.shape.contains(0) else { continue }
      if case .analysed(let t) = CheckpointSpectra.analyse(e, options: options) {
        _ = SpectrumReport.fields(t)
        _ = SpectrumReport.figure(t).svg()
      }
    }
  },
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
  let bytes = UnsafeRawBufferPointer(start: start, count: count)
  try? harnesses[target]!(bytes)
  return 0
}

// SwiftPM links an executable target's entry point as `<module>_main` (main is an alias of it);
// here it hands over to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

@_cdecl("dyson_fuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
  var count = argc
  var vector = argv
  return runDriver(&count, &vector, fuzz)
}
