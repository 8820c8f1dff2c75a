import Foundation
import Testing
@testable import DysonIO

/// A fresh temporary directory, removed when the test's value goes away.
final class TemporaryDirectory {
  let path = NSTemporaryDirectory() + "dyson-io-\(UUID().uuidString)"
  init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
  deinit { try? FileManager.default.removeItem(atPath: path) }
  func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
}

func tensor(_ name: String, _ shape: [Int], _ dtype: StoredDType = .float32, start: Double = 0) -> StoredTensor {
  StoredTensor(name: name, shape: shape, dtype: dtype, values: (0..<shape.reduce(1, *)).map { start + Double($0) * 0.5 })
}

@Suite("Lazy reading: positioned reads, tensor entries, checkpoints by file, index and directory")
struct CheckpointTests {
  @Test("Entries come from the header alone; each reads to the values decode gives, also in several 1 MiB pieces")
  func entriesReadLazily() throws {
    let dir = try TemporaryDirectory()
    // 300 000 F32 values: 1.2 MB of data, read in two pieces.
    let big = StoredTensor(name: "big", shape: [600, 500], dtype: .float32, values: (0..<300_000).map { Double(Float(sin(Double($0)))) })
    let small = tensor("small.bias", [3], .bfloat16)
    try Safetensors.write([small, big], to: dir.file("m.safetensors"))
    let entries = try Safetensors.entries(path: dir.file("m.safetensors"))
    #expect(entries.map(\.name) == ["small.bias", "big"])
    #expect(entries[1].shape == [600, 500] && entries[1].count == 300_000 && entries[1].dtype == .float32)
    #expect(try entries[1].read() == big)
    #expect(try entries[0].read() == small)
    #expect(try Safetensors.read(path: dir.file("m.safetensors")) == [small, big])
  }

  @Test("A tensor of another dtype is listed, and reading it names the dtype")
  func otherDtypes() throws {
    let dir = try TemporaryDirectory()
    // Header by hand: an I64 tensor beside an F32 one.
    let header = "{\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]}}"
    var h = Array(header.utf8)
    while h.count % 8 != 0 { h.append(0x20) }
    var data = Data()
    withUnsafeBytes(of: UInt64(h.count).littleEndian) { data.append(contentsOf: $0) }
    data += Data(h) + Data(count: 16)
    withUnsafeBytes(of: Float(1.5).bitPattern.littleEndian) { data.append(contentsOf: $0) }
    withUnsafeBytes(of: Float(-2).bitPattern.littleEndian) { data.append(contentsOf: $0) }
    try data.write(to: URL(fileURLWithPath: dir.file("mixed.safetensors")))
    let entries = try Checkpoint.tensors(at: dir.file("mixed.safetensors"))
    #expect(entries.map(\.dtypeName) == ["I64", "F32"] && entries[0].dtype == nil)
    #expect(try entries[1].readValues() == [1.5, -2])
    #expect(throws: FileFormatError.self) { try entries[0].read() }
  }

  @Test("A file cut short after its header was read: the read names the file and the missing bytes")
  func truncatedAfterOpening() throws {
    let dir = try TemporaryDirectory()
    try Safetensors.write([tensor("w", [100, 10])], to: dir.file("w.safetensors"))
    let entries = try Safetensors.entries(path: dir.file("w.safetensors"))
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.file("w.safetensors")))
    try handle.truncate(atOffset: 200)
    try handle.close()
    do { _ = try entries[0].read(); Issue.record("a truncated file read without error") } catch {
      #expect(error.file.hasSuffix("w.safetensors") && error.fault.contains("truncated"), "\(error)")
    }
    // Opened again, the header no longer matches the file.
    #expect(throws: FileFormatError.self) { try Safetensors.entries(path: dir.file("w.safetensors")) }
  }

  @Test("Missing files, directories and empty files fail with the system's reason")
  func openFailures() throws {
    let dir = try TemporaryDirectory()
    #expect(throws: FileFormatError(file: dir.file("none.safetensors"), fault: "no such file or directory")) {
      try Checkpoint.tensors(at: dir.file("none.safetensors"))
    }
    do { _ = try ReadOnlyFile(path: dir.path); Issue.record("a directory opened as a file") } catch {
      #expect(error.fault.contains("directory"))
    }
    _ = FileManager.default.createFile(atPath: dir.file("empty.safetensors"), contents: Data())
    do { _ = try Checkpoint.tensors(at: dir.file("empty.safetensors")); Issue.record("an empty file read") } catch {
      #expect(error.fault.contains("truncated"))
    }
    #expect(throws: FileFormatError.self) { try Checkpoint.tensors(at: dir.path) }   // nothing in it
  }

  @Test("A sharded checkpoint: the index maps tensors to shards; a directory finds its index")
  func shardedIndex() throws {
    let dir = try TemporaryDirectory()
    let a = [tensor("layers.10.w", [2, 2]), tensor("layers.2.w", [2, 2], start: 9)]
    let b = [tensor("lm_head.weight", [3, 2], .bfloat16), tensor("unlisted", [1])]
    try Safetensors.write(a, to: dir.file("model-00001-of-00002.safetensors"))
    try Safetensors.write(b, to: dir.file("model-00002-of-00002.safetensors"))
    let index = """
      {"metadata": {"total_size": 40}, "weight_map": {"layers.10.w": "model-00001-of-00002.safetensors",
       "layers.2.w": "model-00001-of-00002.safetensors", "lm_head.weight": "model-00002-of-00002.safetensors"}}
      """
    try Data(index.utf8).write(to: URL(fileURLWithPath: dir.file("model.safetensors.index.json")))
    for path in [dir.path, dir.file("model.safetensors.index.json")] {
      let entries = try Checkpoint.tensors(at: path)
      #expect(Set(entries.map(\.name)) == ["layers.10.w", "layers.2.w", "lm_head.weight"], "unlisted tensors stay out")
      for e in entries { #expect(try e.read() == (a + b).first { $0.name == e.name }) }
    }
    // An index naming a missing shard, or a tensor its shard lacks.
    try Data(index.replacingOccurrences(of: "00002-of", with: "00003-of").utf8).write(to: URL(fileURLWithPath: dir.file("model.safetensors.index.json")))
    do { _ = try Checkpoint.tensors(at: dir.path); Issue.record("missing shard accepted") } catch {
      #expect(error.fault.contains("names shard model-00003-of-00002.safetensors, which is missing"), "\(error)")
    }
    try Data(index.replacingOccurrences(of: "\"lm_head.weight\"", with: "\"lm_head.bias\"").utf8).write(to: URL(fileURLWithPath: dir.file("model.safetensors.index.json")))
    do { _ = try Checkpoint.tensors(at: dir.path); Issue.record("missing tensor accepted") } catch {
      #expect(error.fault.contains("maps tensor 'lm_head.bias' to model-00002-of-00002.safetensors, which does not hold it"), "\(error)")
    }
    try Data("{\"weight_map\": {\"w\": \"../elsewhere.safetensors\"}}".utf8).write(to: URL(fileURLWithPath: dir.file("model.safetensors.index.json")))
    #expect(throws: FileFormatError.self) { try Checkpoint.tensors(at: dir.path) }
  }

  @Test("A directory without an index: every safetensors file in natural order; a name in two files is refused")
  func directoryOfFiles() throws {
    let dir = try TemporaryDirectory()
    try Safetensors.write([tensor("b", [2])], to: dir.file("part-10.safetensors"))
    try Safetensors.write([tensor("a", [2])], to: dir.file("part-2.safetensors"))
    #expect(try Checkpoint.tensors(at: dir.path).map(\.name) == ["a", "b"])
    try Safetensors.write([tensor("a", [3])], to: dir.file("part-3.safetensors"))
    do { _ = try Checkpoint.tensors(at: dir.path); Issue.record("duplicate accepted") } catch {
      #expect(error.fault.contains("tensor 'a' is in both part-2.safetensors and part-3.safetensors"))
    }
    let npyDir = try TemporaryDirectory()
    try Npy.write(tensor("w", [2, 3], .float64), to: npyDir.file("w.npy"))
    #expect(try Checkpoint.tensors(at: npyDir.path).map(\.name) == ["w"])
  }

  @Test("Pickles are refused by extension and by their first bytes, with the conversion to run")
  func pickles() throws {
    let dir = try TemporaryDirectory()
    // Protocol-2 pickle opcodes, and the zip magic of torch.save.
    _ = FileManager.default.createFile(atPath: dir.file("model.bin"), contents: Data([0x80, 0x02, 0x7D, 0x71]))
    _ = FileManager.default.createFile(atPath: dir.file("renamed.safetensors"), contents: Data([0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0, 0, 0]))
    for name in ["model.bin", "renamed.safetensors"] {
      do { _ = try Checkpoint.tensors(at: dir.file(name)); Issue.record("\(name) accepted") } catch {
        #expect(error.fault.contains("never loads") && error.fault.contains("safetensors.torch"), "\(error)")
      }
    }
    try FileManager.default.removeItem(atPath: dir.file("renamed.safetensors"))
    do { _ = try Checkpoint.tensors(at: dir.path); Issue.record("a directory of pickles accepted") } catch {
      #expect(error.fault.contains("Python pickle") && error.file.hasSuffix("model.bin"))
    }
  }

  @Test(".npy entries: C and Fortran order read lazily; integers refuse an unknown version")
  func npyEntries() throws {
    let entry = try Npy.entry(path: fixture("fortran_f4.npy"))
    #expect(try entry.read() == (try Npy.read(path: fixture("c_f4.npy"))).renamed("fortran_f4"))
    let dir = try TemporaryDirectory()
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture("int64.npy"))))
    bytes[6] = 7
    try Data(bytes).write(to: URL(fileURLWithPath: dir.file("v7.npy")))
    do { _ = try Npy.readIntegers(path: dir.file("v7.npy")); Issue.record("version 7 read") } catch {
      #expect(error.fault.contains("unsupported .npy version 7"))
    }
  }
}

extension StoredTensor {
  func renamed(_ name: String) -> StoredTensor { StoredTensor(name: name, shape: shape, dtype: dtype, values: values) }
}

@Suite("Names: natural order, the step in a name, shell patterns")
struct NameTests {
  @Test("Natural order puts h.2 before h.10 and step-900 before step-1000")
  func naturalOrder() {
    let names = ["h.10.w", "h.2.w", "h.1.w", "step-1000", "step-900", "a", "h.02.w"]
    #expect(names.sorted(by: naturallyPrecedes) == ["a", "h.1.w", "h.02.w", "h.2.w", "h.10.w", "step-900", "step-1000"])
    #expect(!naturallyPrecedes("x", "x"))
    #expect(lastInteger(in: "checkpoint-1000") == 1000 && lastInteger(in: "ckpt_001000.npy") == 1000)
    #expect(lastInteger(in: "run3/step-20.safetensors") == 20 && lastInteger(in: "final") == nil)
  }

  @Test("Patterns: *, ?, sets and ranges, anchored at both ends", arguments: [
    ("model.layers.*.self_attn.k_proj.weight", "model.layers.12.self_attn.k_proj.weight", true),
    ("model.layers.*.self_attn.k_proj.weight", "model.layers.12.self_attn.q_proj.weight", false),
    ("blocks.?.sa.heads.*.key.weight", "blocks.3.sa.heads.0.key.weight", true),
    ("blocks.?.sa.heads.*.key.weight", "blocks.10.sa.heads.0.key.weight", false),
    ("*.weight", "lm_head.weight", true), ("*.weight", "lm_head.weight.bias", false),
    ("h.[0-2].w", "h.1.w", true), ("h.[0-2].w", "h.3.w", false), ("h.[!0-2].w", "h.3.w", true),
    ("a*b*c", "axxbyyc", true), ("a*b*c", "axxbyy", false), ("*", "", true), ("", "", true), ("", "x", false),
  ] as [(String, String, Bool)])
  func patterns(pattern: String, name: String, expected: Bool) throws {
    #expect(try NamePattern(pattern).matches(name) == expected)
  }

  @Test("A pattern with an unclosed set is an error; a pattern without wildcards is literal")
  func badPattern() throws {
    #expect(throws: NamePatternError.self) { try NamePattern("h.[0-2.w") }
    #expect(try NamePattern("h.0.w").isLiteral && !(try NamePattern("h.*.w").isLiteral))
  }
}
