import DysonCore
@testable import DysonExperiments
import DysonIO
import DysonRMT
import Foundation
import Testing

/// `CheckpointSpectra.analyse`, the library call behind `dyson spectrum`, on checkpoints written here.
@Suite("Checkpoint spectra: selection, order, notes, failures, and the same bits at any thread count")
struct CheckpointSpectraTests {
  final class Folder {
    let path = NSTemporaryDirectory() + "dyson-spectra-\(UUID().uuidString)"
    init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
  }

  static func gaussian(_ name: String, _ rows: Int, _ columns: Int, seed: UInt64, dtype: StoredDType = .float32) -> StoredTensor {
    let m = Matrix<Double>.gaussian(rows: rows, columns: columns, seed: seed)
    return StoredTensor(name: name, shape: [rows, columns], dtype: dtype, values: m.elements.map(dtype.rounded))
  }

  /// A two-shard checkpoint with an index: layers 0…10 (natural order matters), a bias, a mask.
  static func sharded(_ folder: Folder) throws {
    let first = (0..<6).map { gaussian("h.\($0).w", 24, 12, seed: UInt64($0), dtype: .bfloat16) }
    let second = (6..<11).map { gaussian("h.\($0).w", 12, 30, seed: UInt64($0), dtype: .float16) }
      + [StoredTensor(name: "h.0.b", shape: [12], dtype: .float32, values: [Double](repeating: 0.1, count: 12)),
         StoredTensor(name: "mask", shape: [6, 6], dtype: .float32, values: (0..<36).map { $0 / 6 >= $0 % 6 ? 1 : 0 })]
    try Safetensors.write(first, to: folder.file("model-00001-of-00002.safetensors"))
    try Safetensors.write(second, to: folder.file("model-00002-of-00002.safetensors"))
    var map: [String: String] = [:]
    for t in first { map[t.name] = "model-00001-of-00002.safetensors" }
    for t in second { map[t.name] = "model-00002-of-00002.safetensors" }
    let json = try JSONSerialization.data(withJSONObject: ["weight_map": map])
    try json.write(to: URL(fileURLWithPath: folder.file("model.safetensors.index.json")))
  }

  @Test("A sharded checkpoint by its folder: every matrix in natural order, the mask skipped with a note")
  func shardedFolder() async throws {
    let folder = try Folder()
    try Self.sharded(folder)
    let report = try await CheckpointSpectra.analyse([folder.path], progress: false)
    #expect(report.failures.isEmpty, "\(report.failures)")
    #expect(report.spectra.map(\.name) == (0..<11).map { "h.\($0).w" })
    #expect(report.notes.contains { $0.contains("'mask'") && $0.contains("zeros and ones") }, "\(report.notes)")
    #expect(report.spectra[0].dtype == "BF16" && report.spectra[10].dtype == "F16")
    // Each matrix against its own analysis in memory: lazy reading changes nothing.
    let direct = try WeightSpectrum(weights: Matrix(rows: 24, columns: 12, elements: Self.gaussian("", 24, 12, seed: 0, dtype: .bfloat16).values))
    #expect(report.spectra[0].spectrum.eigenvalues == direct.eigenvalues)
    #expect(report.summary.map(\.key) == ["log_norm", "alpha", "alpha_weighted", "log_alpha_norm", "log_spectral_norm", "stable_rank", "mp_softrank"])
    let meanLogNorm = report.spectra.map(\.spectrum.logNorm).reduce(0, +) / 11
    #expect(abs(report.summary[0].value - meanLogNorm) < 1e-12)
  }

  @Test("Patterns, size filters and WeightWatcher's layer filter")
  func selection() async throws {
    let folder = try Folder()
    try Self.sharded(folder)
    var options = SpectrumOptions()
    options.tensors = ["h.1?.w", "h.[2-3].w"]
    #expect(try await CheckpointSpectra.analyse([folder.path], options: options, progress: false).spectra.map(\.name) == ["h.2.w", "h.3.w", "h.10.w"])
    options.tensors = []
    options.maximumDimension = 24   // the 12 × 30 matrices of the second shard go
    let filtered = try await CheckpointSpectra.analyse([folder.path], options: options, progress: false)
    #expect(filtered.spectra.count == 6 && filtered.notes.filter { $0.contains("--max-dim 24") }.count == 5)
    options.maximumDimension = nil
    options.tensors = ["h.*.q"]
    let none = try await CheckpointSpectra.analyse([folder.path], options: options, progress: false)
    #expect(none.spectra.isEmpty && none.failures.count == 1 && none.failures[0].contains("no tensor matches 'h.*.q'"), "\(none.failures)")
    options.tensors = ["h.0.b"]
    let vector = try await CheckpointSpectra.analyse([folder.path], options: options, progress: false)
    #expect(vector.failures.first?.contains("neither a matrix nor a convolution kernel") == true)
  }

  @Test("Bad input: every failure is one line naming file and tensor, and the good tensors are still reported")
  func failures() async throws {
    let folder = try Folder()
    var nan = Self.gaussian("poisoned", 10, 8, seed: 1)
    nan.values[17] = .nan
    try Safetensors.write([Self.gaussian("good", 10, 8, seed: 2), nan], to: folder.file("a.safetensors"))
    try Safetensors.write([StoredTensor(name: "only.bias", shape: [4], dtype: .float32, values: [1, 2, 3, 4])], to: folder.file("vectors.safetensors"))
    let report = try await CheckpointSpectra.analyse([folder.file("a.safetensors"), folder.file("vectors.safetensors"), folder.file("missing.safetensors")],
                                                      progress: false)
    #expect(report.spectra.map(\.name) == ["good"])
    #expect(report.failures.count == 3, "\(report.failures)")
    #expect(report.failures.contains { $0.contains("a.safetensors: tensor 'poisoned' holds NaN (first at flat index 17") })
    #expect(report.failures.contains { $0.contains("vectors.safetensors: holds no matrix or convolution kernel") })
    #expect(report.failures.contains { $0.contains("missing.safetensors: no such file") })
  }

  @Test("One thread or two, Dyson's conventions or WeightWatcher's: the same bits for the same options")
  func threads() async throws {
    let folder = try Folder()
    try Self.sharded(folder)
    for conventions in WeightSpectrum.Conventions.allCases {
      var options = SpectrumOptions()
      options.conventions = conventions
      options.threads = 1
      let one = try await CheckpointSpectra.analyse([folder.path], options: options, progress: false)
      options.threads = 2
      let two = try await CheckpointSpectra.analyse([folder.path], options: options, progress: false)
      try #require(one.spectra.count == 11)
      #expect(one.jsonLines(eigenvalues: true) == two.jsonLines(eigenvalues: true))
      #expect(one.csv().text == two.csv().text && one.csv().text.split(separator: "\n").count == 12)
    }
  }
}
