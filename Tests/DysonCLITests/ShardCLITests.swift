import DysonExperiments
import DysonIO
import Foundation
import Testing

/// The built `dyson` beside the test bundle (.build/<configuration>/dyson).
private func dysonExecutable() throws -> URL {
  var directory = Bundle.main.bundleURL
  for _ in 0..<4 {
    let candidate = directory.appendingPathComponent("dyson")
    if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    directory = directory.deletingLastPathComponent()
  }
  throw CLIError(message: "no dyson executable near \(Bundle.main.bundleURL.path)")
}

private struct CLIError: Error { let message: String }

/// Starts `dyson arguments…` in the background with its output discarded.
private func start(_ arguments: [String]) throws -> Process {
  let p = Process()
  p.executableURL = try dysonExecutable()
  p.arguments = arguments
  p.standardOutput = FileHandle.nullDevice
  p.standardError = FileHandle.nullDevice
  try p.run()
  return p
}

private func finish(_ p: Process) async -> Int32 {
  while p.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
  return p.terminationStatus
}

/// A text file without its timings: summary.json's "seconds" and the "12.3 s" of index.html.
private func untimed(_ path: String) throws -> String {
  try String(contentsOfFile: path, encoding: .utf8).replacing(/"seconds":[-+0-9.eE]+/, with: "").replacing(/[0-9]+(\.[0-9]+)? s\b/, with: "")
}

@Suite("dyson merge (command line)") struct ShardCLITests {
  @Test("two shards run as background jobs and merged equal the unsharded run, file for file")
  func shardsAndMerge() async throws {
    let root = NSTemporaryDirectory() + "dyson-cli-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: root) }
    let settings = ["rbm", "universality", "--runs", "8", "--steps", "400", "--resamples", "10"]
    #expect(await finish(try start(settings + ["--out", root + "/whole"])) == 0)
    // GNU parallel is not needed: the shards are two background processes at once.
    let shards = try [1, 2].map { try start(settings + ["--shard", "\($0)/2", "--out", root + "/shard\($0)"]) }
    for p in shards { #expect(await finish(p) == 0) }
    #expect(await finish(try start(["merge", root + "/shard1", root + "/shard2", "--out", root + "/merged"])) == 0)

    let files = try FileManager.default.contentsOfDirectory(atPath: root + "/whole").sorted()
    #expect(files.contains("summary.json") && files.contains("pairs.svg"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/merged").sorted() == files)
    // Everything but the timings is byte for byte the same.
    for name in files {
      #expect(try untimed(root + "/merged/" + name) == untimed(root + "/whole/" + name), "\(name) differs")
    }
    // A missing shard is a runtime error, exit 1, and no output.
    #expect(await finish(try start(["merge", root + "/shard1", "--out", root + "/partial"])) == 1)
    #expect(!FileManager.default.fileExists(atPath: root + "/partial/summary.json"))
  }

  @Test("a bad --shard is a usage error (exit 2)")
  func badShard() async throws {
    let root = NSTemporaryDirectory() + "dyson-cli-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: root) }
    #expect(await finish(try start(["rbm", "universality", "--quick", "--shard", "3/2", "--out", root])) == 2)
  }
}

@Suite("dyson merge (command line): GPT") struct GPTShardCLITests {
  @Test("gpt spectra in two shards, merged, equals the unsharded ensemble (weights of run 0 included)")
  func gptShards() async throws {
    let root = NSTemporaryDirectory() + "dyson-cli-gpt-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: root) }
    let text = root + "/text.txt"
    try String(repeating: "to be or not to be, that is the question.\n", count: 60).write(toFile: text, atomically: true, encoding: .utf8)
    let settings = ["gpt", "spectra", "--data", text, "--runs", "3", "--iters", "12", "--layers", "1", "--heads", "2", "--embedding", "8",
                    "--block", "8", "--hidden", "16", "--batch", "2", "--eval-interval", "6", "--eval-iters", "2", "--final-eval-iters", "2",
                    "--spectrum-interval", "6", "--histogram-steps", "0,12", "--resamples", "5"]
    #expect(await finish(try start(settings + ["--out", root + "/whole"])) == 0)
    let shards = try [1, 2].map { try start(settings + ["--shard", "\($0)/2", "--out", root + "/shard\($0)"]) }
    for p in shards { #expect(await finish(p) == 0) }
    #expect(await finish(try start(["merge", root + "/shard1", root + "/shard2", "--out", root + "/merged"])) == 0)
    let files = try FileManager.default.contentsOfDirectory(atPath: root + "/whole").sorted()
    #expect(files.contains("weights.safetensors") && files.contains("spectra.csv"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/merged").sorted() == files)
    for name in files {
      if name == "summary.json" || name == "index.html" {
        #expect(try untimed(root + "/merged/" + name) == untimed(root + "/whole/" + name), "\(name) differs")
      } else {
        #expect(FileManager.default.contents(atPath: root + "/merged/" + name) == FileManager.default.contents(atPath: root + "/whole/" + name), "\(name) differs")
      }
    }
  }
}

@Suite("--json and option errors (command line)") struct JSONCLITests {
  @Test("a study command with --json prints exactly its summary.json; a command without JSON output refuses it")
  func studyJSON() async throws {
    let root = NSTemporaryDirectory() + "dyson-json-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: root) }
    let (status, printed, _) = try await outputs(["rbm", "universality", "--runs", "8", "--steps", "400", "--resamples", "10", "--json", "--out", root])
    #expect(status == 0)
    // Standard output is one JSON document, and it is the file's.
    let parsed = try #require(try JSONSerialization.jsonObject(with: Data(printed.utf8)) as? NSDictionary)
    let file = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/summary.json"))) as? NSDictionary)
    #expect(parsed == file)
    #expect(parsed["modes"] != nil)
    #expect(await finish(try start(["gpt", "sample", "--json"])) == 2)
  }

  /// Exit status, standard output and standard error of `dyson arguments`.
  func outputs(_ arguments: [String]) async throws -> (Int32, String, String) {
    let p = Process()
    p.executableURL = try dysonExecutable()
    p.arguments = arguments
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return (await finish(p), printed, text)
  }

  func stderr(_ arguments: [String]) async throws -> (Int32, String) {
    let (status, _, text) = try await outputs(arguments)
    return (status, text)
  }

  @Test("dyson spectrum --json: one line per matrix and per convolution kernel, the norms of W; a vector named is an error (exit 1)")
  func spectrumJSON() async throws {
    let root = NSTemporaryDirectory() + "dyson-spectrum-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: root) }
    // W = 2·[I₈; 0] (all singular values 2), a 4 × 3 × 2 × 2 kernel of halves, a bias, and a
    // causal mask (only zeros and ones), which is skipped with a note.
    let w = (0..<(16 * 8)).map { $0 / 8 == $0 % 8 ? 2.0 : 0 }
    let mask = (0..<(8 * 8)).map { $0 / 8 >= $0 % 8 ? 1.0 : 0 }
    try Safetensors.write([StoredTensor(name: "layer.weight", shape: [16, 8], dtype: .float32, values: w),
                           StoredTensor(name: "conv.weight", shape: [4, 3, 2, 2], dtype: .float32, values: [Double](repeating: 0.5, count: 48)),
                           StoredTensor(name: "layer.bias", shape: [8], dtype: .float32, values: [Double](repeating: 0.5, count: 8)),
                           StoredTensor(name: "attn.bias", shape: [1, 1, 8, 8], dtype: .float32, values: mask)],
                          to: root + "/model.safetensors")
    let (status, printed, notes) = try await outputs(["spectrum", root + "/model.safetensors", "--json"])
    #expect(status == 0)
    #expect(notes.contains("'attn.bias'") && notes.contains("slices of 1 × 1"), "\(notes)")
    let lines = printed.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? NSDictionary }
    #expect(lines.count == 3 && lines.last?["summary"] != nil)
    let layer = try #require(lines.first { $0["name"] as? String == "layer.weight" })
    // Eight equal eigenvalues 4: ‖W‖₂ = 2, λ_max = 4, log₁₀ Σx = log₁₀ 32, stable rank 8, rank 8, entropy 1.
    #expect(abs((layer["spectral_norm"] as? Double ?? 0) - 2) < 1e-6 && abs((layer["lambda_max"] as? Double ?? 0) - 4) < 1e-5)
    #expect(abs((layer["log_norm"] as? Double ?? 0) - log10(32)) < 1e-6 && abs((layer["stable_rank"] as? Double ?? 0) - 8) < 1e-5)
    #expect(layer["matrix_rank"] as? Int == 8 && abs((layer["entropy"] as? Double ?? 0) - 1) < 1e-6)
    // The kernel: four 4 × 3 slices of halves, each of rank one (eigenvalue 12/4 = 3, then zeros).
    let conv = try #require(lines.first { $0["name"] as? String == "conv.weight" })
    #expect(conv["slices"] as? Int == 4 && conv["matrix_rank"] as? Int == 4 && abs((conv["lambda_max"] as? Double ?? 0) - 3) < 1e-5)
    let (bad, text) = try await stderr(["spectrum", root + "/model.safetensors", "--tensor", "layer.bias"])
    #expect(bad == 1 && text.contains("layer.bias") && text.contains("neither a matrix nor a convolution kernel"), "\(text)")
  }

  @Test("dyson spectrum --kernel-layout hwio: a Keras kernel gives the PyTorch copy's numbers; a kernel that looks mis-laid is named; a bad layout exits 2")
  func spectrumKernelLayout() async throws {
    let root = NSTemporaryDirectory() + "dyson-layout-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: root) }
    let (out, inputs, kh, kw) = (8, 6, 3, 3)
    let taps = kh * kw
    let torch: [Double] = (0..<(out * inputs * taps)).map { i in sin(Double(i) * 0.731) + 0.1 * Double(i % 7) }
    var keras = torch
    for o in 0..<out {
      for c in 0..<inputs {
        for t in 0..<taps {
          let to: Int = (t * inputs + c) * out + o, from: Int = (o * inputs + c) * taps + t
          keras[to] = torch[from]
        }
      }
    }
    try Safetensors.write([StoredTensor(name: "conv", shape: [out, inputs, kh, kw], dtype: .float64, values: torch)], to: root + "/torch.safetensors")
    try Safetensors.write([StoredTensor(name: "conv", shape: [kh, kw, inputs, out], dtype: .float64, values: keras)], to: root + "/keras.safetensors")
    let (s1, fromTorch, _) = try await outputs(["spectrum", root + "/torch.safetensors", "--json"])
    let (s2, fromKeras, _) = try await outputs(["spectrum", root + "/keras.safetensors", "--json", "--kernel-layout", "hwio"])
    func measures(_ text: String) throws -> NSDictionary {
      let first = try #require(text.split(separator: "\n").first)
      let d = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? NSDictionary).mutableCopy() as! NSMutableDictionary
      d.removeObjects(forKeys: ["file", "shape"])
      return d
    }
    #expect(s1 == 0 && s2 == 0)
    #expect(try measures(fromTorch) == measures(fromKeras))
    // The Keras file read as PyTorch's: 8 × 6 = 48 "slices" of 3 × 3, which the note names.
    let (s3, note) = try await stderr(["spectrum", root + "/keras.safetensors", "--json"])
    #expect(s3 == 0 && note.contains("48 slices of 3 × 3") && note.contains("--kernel-layout hwio"), "\(note)")
    let (s4, quiet) = try await stderr(["spectrum", root + "/torch.safetensors", "--json"])
    #expect(s4 == 0 && quiet.isEmpty, "\(quiet)")
    let (s5, usage) = try await stderr(["spectrum", root + "/torch.safetensors", "--kernel-layout", "nchw"])
    #expect(s5 == 2 && usage.contains("--kernel-layout: 'nchw'"), "\(usage)")
  }

  @Test("--seed takes any 64-bit value in the tools too (wishart, gallery, gpt sample); others are usage errors")
  func seeds() async throws {
    let (status, printed, _) = try await outputs(["wishart", "--rows", "8", "--columns", "4", "--samples", "2", "--seed", "18446744073709551615", "--json"])
    #expect(status == 0 && printed.contains("\"seed\":18446744073709551615"), "\(printed)")
    for command in [["wishart"], ["gallery"], ["gpt", "sample", "--weights", "none.safetensors"]] {
      let (bad, text) = try await stderr(command + ["--seed", "-1"])
      #expect(bad == 2 && text.contains("--seed must be a whole number in 0…18446744073709551615"), "\(command): \(text)")
    }
  }

  @Test("--progress-log writes whole progress lines into a pipe, none without it; a bad interval is a usage error")
  func progressLog() async throws {
    let root = NSTemporaryDirectory() + "dyson-progress-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: root) }
    let study = ["rbm", "universality", "--runs", "8", "--steps", "400", "--resamples", "10", "--out", root]
    let (logged, log) = try await stderr(study + ["--progress-log", "1"])
    // The job is shorter than the interval: only the last line, whole, with no carriage return.
    #expect(logged == 0 && log.contains("rbm universality: runs 8/8") && log.hasSuffix("\n") && !log.contains("\r"), "\(log)")
    let (plain, quiet) = try await stderr(study)
    #expect(plain == 0 && !quiet.contains("runs 8/8"), "\(quiet)")
    for bad in [["--progress-log", "0"], ["--progress-log"], ["--progress-log", "2.5"]] {
      let (status, text) = try await stderr(["rbm", "learn"] + bad)
      #expect(status == 2 && text.contains("--progress-log takes a whole number of seconds ≥ 1"), "\(bad): \(text)")
    }
  }

  @Test("every study option appears whole in its command's help, with its default")
  func helpNamesEveryOption() async throws {
    func names<C>(_ settings: [Setting<C>]) -> [String] { settings.map(\.name) }
    let commands: [(String, [String])] = [
      ("rbm", names(RBMLearnExperiment.Config.settings) + names(RBMMNISTExperiment.Config.settings)),
      ("linear", names(TeacherStudentExperiment.Config.settings) + names(LinearHiddenExperiment.Config.settings)),
      ("gpt", names(GPTExperiment.Config.settings)),
      ("dbm", names(DBMExperiment.Config.settings)),
    ]
    for (command, options) in commands {
      let (status, printed, _) = try await outputs(["help", command])
      #expect(status == 0)
      let lines = printed.split(separator: "\n")
      for name in options {
        #expect(lines.contains { $0.hasPrefix("    --\(name) ") && $0.contains("(default ") }, "dyson help \(command): --\(name)")
      }
    }
  }

  @Test("an unknown option is a usage error (exit 2) naming a near option, and no far one")
  func unknownOptions() async throws {
    let (typo, typoText) = try await stderr(["rbm", "learn", "--alpah", "0.1"])
    #expect(typo == 2 && typoText.contains("did you mean --alpha?"), "\(typoText)")
    let (far, farText) = try await stderr(["rbm", "mnist", "--shard", "1/2"])
    #expect(far == 2 && farText.contains("unknown option --shard") && !farText.contains("did you mean"), "\(farText)")
  }
}
