import DysonCore
@testable import DysonExperiments
import DysonIO
@testable import DysonModels
import DysonPlot
import Foundation
import Testing

/// Reproducers of the ways bad files used to crash the CLI (a trap or an abort instead of a
/// message): each must now end in an error that names the file and the fault, or, for degenerate
/// but valid data, in a result with a note.
@Suite("Bad input: every reader and resume ends in a message, never a crash")
struct BadInputTests {
  final class Folder {
    let path = NSTemporaryDirectory() + "dyson-bad-\(UUID().uuidString)"
    init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
  }

  /// A small GPT: 8 wide, 8 hidden, a block of 4.
  static func tiny(layers: Int, heads: Int) -> GPTConfiguration {
    var c = GPTConfiguration()
    (c.layers, c.heads, c.embedding, c.hiddenWidth, c.block, c.vocabulary) = (layers, heads, 8, 8, 4, 12)
    return c
  }

  @Test("IDX with valid but huge dimensions: the image check no longer multiplies them unchecked")
  func hugeIDX() throws {
    let folder = try Folder()
    // 0x08, three dimensions of 2³² − 1: their product overflows Int.
    let bytes: [UInt8] = [0, 0, 8, 3] + [UInt8](repeating: 0xFF, count: 12) + [1, 2, 3]
    try Data(bytes).write(to: URL(fileURLWithPath: folder.file("images.idx")))
    #expect(throws: FileFormatError.self) { try RBMMNISTExperiment.loadImages(path: folder.file("images.idx"), count: 10) }
    // And compressed: the gzip trailer's size and the header inside bound what is inflated.
    let ones = [UInt8](repeating: 7, count: 100)
    let plain: [UInt8] = [0, 0, 8, 2, 0, 0, 0, 10, 0, 0, 0, 10] + ones
    #expect(try IDXArray.decode(plain).shape == [10, 10])
  }

  @Test("GPT weights: a 0-d tensor where a matrix belongs, a tensor named 'blocks.', sizes the file cannot hold")
  func gptWeights() throws {
    let folder = try Folder()
    var rng = Xoshiro256StarStar(seed: 1)
    let model = try GPT<Float>(Self.tiny(layers: 1, heads: 1), using: &rng)
    var tensors = GPTWeights.tensors(model)
    // A scalar in place of the token embedding.
    var broken = tensors
    broken[0] = StoredTensor(name: broken[0].name, shape: [], dtype: .float32, values: [1])
    try Safetensors.write(broken, to: folder.file("scalar.safetensors"))
    #expect { try GPTWeights.read(path: folder.file("scalar.safetensors")) } throws: { "\($0)".contains("expected 2 dimensions") }
    tensors.append(StoredTensor(name: "blocks.", shape: [1], dtype: .float32, values: [0]))
    try Safetensors.write(tensors, to: folder.file("dot.safetensors"))
    #expect(throws: FileFormatError.self) { try GPTWeights.read(path: folder.file("dot.safetensors")) }
    // Names that describe 400 layers with zero-size tensors: the implied model is not the file's.
    let many = GPTWeights.tensors(model) + (0..<400).map { StoredTensor(name: "blocks.\($0 + 1).x", shape: [0], dtype: .float32, values: []) }
    try Safetensors.write(many, to: folder.file("many.safetensors"))
    #expect { try GPTWeights.read(path: folder.file("many.safetensors")) } throws: { "\($0)".contains("the model their names and shapes describe") }
    // The parameter count is checked arithmetic.
    var huge = GPTConfiguration()
    huge.embedding = 1 << 40; huge.heads = 1
    #expect(huge.checkedParameterCount == nil)
    #expect(throws: GPTError.self) { try huge.validate() }
    for c in [GPTConfiguration(), Self.tiny(layers: 2, heads: 2)] { #expect(c.checkedParameterCount == GPTLayout(c).count) }
  }

  @Test("An ensemble checkpoint with a stream twice, runs outside the ensemble, or short spectra is refused")
  func ensembleCheckpoint() throws {
    let folder = try Folder()
    let checkpoint = EnsembleCheckpoint(path: folder.file("checkpoint.json"), key: "k", resume: true)
    let good = RBMEnsemble.Run(initial: [1, 2, 3], final: [1, 2, 3], trajectory: [], failure: nil)
    try checkpoint.save([0: good, 1: good])
    #expect(try checkpoint.load().count == 2)
    // An empty file (the fuzzer's first finding: Foundation's reader leaked on it).
    _ = FileManager.default.createFile(atPath: folder.file("empty.json"), contents: Data())
    #expect { try EnsembleCheckpoint(path: folder.file("empty.json"), key: "k", resume: true).load() } throws: { "\($0)".contains("not a checkpoint") }
    // A stream twice, by editing the payload and fixing its checksum (a consistent but wrong file).
    let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: checkpoint.path))) as? [String: Any])
    let payload = (object["payload"] as! String).replacingOccurrences(of: "\"streams\":[0,1]", with: "\"streams\":[1,1]")
    var edited = object
    edited["payload"] = payload
    edited["checksum"] = CRC32.of(Array(payload.utf8))
    try JSONSerialization.data(withJSONObject: edited).write(to: URL(fileURLWithPath: checkpoint.path))
    #expect { try checkpoint.load() } throws: { "\($0)".contains("a stream appears twice") }
    // Spectra of the wrong length, as a shard or checkpoint could hold them.
    #expect { try RBMEnsemble.check([good], eigenvalues: 10, source: "x") } throws: { "\($0)".contains("3 eigenvalues, this study's have 10") }
    #expect { try RBMEnsemble.check([RBMEnsemble.Run(initial: [.nan], final: [1], trajectory: [], failure: nil)], eigenvalues: 1, source: "x") }
      throws: { "\($0)".contains("NaN") }
  }

  @Test("Shards: a 0/0 shard, and runs' records shorter than the run count")
  func shards() throws {
    let folder = try Folder()
    let text = #"{"study":"rbm-learn","shard":{"index":0,"count":0},"configuration":"{}","seconds":1,"ensembles":[[]]}"#
    try Data(text.utf8).write(to: URL(fileURLWithPath: folder.file("shard.json")))
    #expect { try ShardFile<RBMEnsemble.Run>.read(from: folder.path) } throws: { "\($0)".contains("1 ≤ i ≤ n") }
    var c = RBMUniversalityExperiment.Config()
    c.runs = 4
    let short = RBMEnsemble.Run(initial: [1, 2], final: [1, 2], trajectory: [], failure: nil)
    #expect { try RBMUniversalityExperiment.result(c, runs: [short, short], seconds: 0) } throws: { "\($0)".contains("2 runs' records for 4 runs") }
    c.runs = 2
    #expect { try RBMUniversalityExperiment.result(c, runs: [short, short], seconds: 0) } throws: { "\($0)".contains("this study's have 10") }
  }

  @Test("GPT resume: NaN losses, a step of 1e300, a records shape of 10¹², a negative step, a flipped byte")
  func gptCheckpoint() throws {
    let folder = try Folder()
    var settings = GPTTrainer.Settings()
    settings.model = Self.tiny(layers: 1, heads: 2)
    let corpus = try TextCorpus(text: String(repeating: "the quick brown fox. ", count: 30))
    settings.model.vocabulary = corpus.vocabulary.count
    let trainer = try GPTTrainer(settings, corpus: corpus, seed: 3)
    var records = GPTExperiment.Run()
    records.losses = [(0, 3.1, 3.2)]
    let path = folder.file("checkpoint-run0.safetensors")
    try GPTCheckpoint.save(trainer, records: records, to: path)
    #expect(try GPTCheckpoint.load(path, into: trainer).losses.count == 1)
    // Rewrite one record as a consistent (checksummed) but wrong file.
    func rewrite(_ edit: (inout [String: StoredTensor], inout [String: String]) -> Void) throws -> String {
      let contents = try CheckpointFile.read(path, kind: GPTCheckpoint.kind, format: GPTCheckpoint.format)
      var tensors = contents.tensors, metadata = contents.metadata
      edit(&tensors, &metadata)
      let bad = folder.file("bad-\(UUID().uuidString).safetensors")
      try CheckpointFile.write(Array(tensors.values).sorted { $0.name < $1.name }, kind: GPTCheckpoint.kind, format: GPTCheckpoint.format,
                               metadata: metadata.filter { !$0.key.hasPrefix("dyson_") }, to: bad)
      return bad
    }
    let nan = try rewrite { t, _ in t["records.losses"]!.values[1] = .nan }
    #expect { try GPTCheckpoint.load(nan, into: trainer) } throws: { "\($0)".contains("recorded losses hold nan") }
    let far = try rewrite { t, _ in t["records.losses"]!.values[0] = 1e300 }
    #expect { try GPTCheckpoint.load(far, into: trainer) } throws: { "\($0)".contains("is not a step in 0…") }
    let wide = try rewrite { t, _ in t["records.spectra"] = StoredTensor(name: "records.spectra", shape: [1_000_000_000_000, 0, 1, 1, 1], dtype: .float64, values: []) }
    #expect { try GPTCheckpoint.load(wide, into: trainer) } throws: { "\($0)".contains("this run needs") }
    let negative = try rewrite { _, m in m["step"] = "-5" }
    #expect { try GPTCheckpoint.load(negative, into: trainer) } throws: { "\($0)".contains("its step -5 is negative") }
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    bytes[bytes.count - 1] ^= 1
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    #expect { try GPTCheckpoint.load(path, into: trainer) } throws: { "\($0)".contains("damaged") && "\($0)".contains("Start again without --resume") }
  }

  @Test("Degenerate data: a log axis over an all-zero range, non-finite ranges and a huge value with a tiny spread draw without trapping")
  func degenerateFigures() throws {
    var panel = Panel(title: "blank", x: Axis("mode", scale: .log), y: Axis("eigenvalue", scale: .log, range: 0...0))
    panel.add(.line(x: [1, 2, 3], y: [0, 0, 0], color: "black", width: 1, dashed: false, label: "zeros"))
    var flat = Panel(title: "flat", x: Axis("x"), y: Axis("y"))
    flat.add(.line(x: [1e16, 1e16 + 2], y: [1e16, 1e16 + 2], color: "black", width: 1, dashed: false, label: nil))
    var empty = Panel(title: "none", x: Axis("x", range: -.infinity...(.infinity)), y: Axis("y"))
    empty.add(.line(x: [.nan], y: [.infinity], color: "black", width: 1, dashed: false, label: nil))
    let svg = Figure(panels: [panel, flat, empty], columns: 3, caption: "degenerate").svg()
    #expect(svg.hasPrefix("<?xml") || svg.hasPrefix("<svg"))
  }
}
