import Foundation
import Testing
import DysonCore
import DysonIO
@testable import DysonExperiments

@Suite("rbm mnist: the UV-regulator study on data")
struct RBMMNISTTests {
  @Test("On Gaussian data with a known spectrum: N_h modes learnt from the IR end, the rest at 1/μ²; every record written")
  func syntheticData() async throws {
    // 16 "pixels" with variances 1, 0.6, 0.4, then below 1/μ² = 1/6; a mean of 0.5 that centring removes.
    let variances = [1.0, 0.6, 0.4] + [Double](repeating: 0.05, count: 13)
    var rng = Xoshiro256StarStar(seed: 8)
    let data = Matrix<Double>(rows: 8192, columns: 16) { _, i in 0.5 + variances[i].squareRoot() * rng.normal() }
    var c = RBMMNISTExperiment.Config()
    c.hiddenSizes = [3, 1]
    c.training.mu2 = 6; c.training.alpha = 0.015; c.training.batch = 64
    c.negativePhase = .exact   // no chains: fast in a debug build; the chains are tested in DysonModelsTests
    c.epochs = 16
    c.learningRateDecay = 1
    c.samples = 4
    let r = try await RBMMNISTExperiment.run(c, data: data, workers: 2)
    #expect(abs(r.dataSpectrum[0] - 1) < 0.05 && abs(r.meanImage[0] - 0.5) < 0.05)
    let three = try #require(r.models[0].covariance), one = try #require(r.models[1].covariance)
    print("rbm mnist (synthetic): N_h = 3 learnt \(three.prefix(4)), N_h = 1 learnt \(one.prefix(2)); data \(r.dataSpectrum.prefix(4))")
    #expect(RBMMNISTExperiment.learnedModes(model: three, data: r.dataSpectrum) == 3)
    #expect(RBMMNISTExperiment.learnedModes(model: one, data: r.dataSpectrum) == 1)
    #expect(RBMMNISTExperiment.modesWithinTenPercent(model: three, data: r.dataSpectrum, hidden: 3) == 3)
    // One mode 20 % off ends the run from the infrared end but not the count among the first N_h.
    let target = [5.0, 4, 3, 2, 1], model = [6.0, 4.1, 2.9, 2.05, 0.5]
    #expect(RBMMNISTExperiment.learnedModes(model: model, data: target) == 0)
    #expect(RBMMNISTExperiment.modesWithinTenPercent(model: model, data: target, hidden: 4) == 3)
    #expect(RBMMNISTExperiment.modesWithinTenPercent(model: model, data: target, hidden: 5) == 3)
    #expect(abs(one[1] - 1.0 / 6) < 1e-9)   // N_h = 1 cannot give a second mode more than 1/μ²
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dyson-mnist-\(UUID())").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var output = try ExperimentOutput(directory: directory, study: "test")
    try RBMMNISTExperiment.write(r, to: &output)
    for file in ["config.json", "summary.json", "spectra.csv", "spectra.svg", "samples-nh3.png", "samples-nh1.png", "index.html"] {
      #expect(FileManager.default.fileExists(atPath: "\(directory)/\(file)"), "\(file) missing")
    }
    let png = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/samples-nh3.png"))
    #expect(Array(png.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
  }

  @Test("Stopped mid-model, the saved training states resume to the uninterrupted models bit for bit")
  func stopAndResume() async throws {
    var rng = Xoshiro256StarStar(seed: 9)
    let data = Matrix<Double>(rows: 1024, columns: 16) { _, i in Double(i % 4 + 1).squareRoot() * 0.3 * rng.normal() }
    var c = RBMMNISTExperiment.Config()
    c.hiddenSizes = [3, 1]
    c.training.mu2 = 6; c.training.alpha = 0.01; c.training.batch = 64; c.training.gibbsSteps = 2
    c.epochs = 2   // 32 updates per model, over an epoch boundary
    c.samples = 2
    let whole = try await RBMMNISTExperiment.run(c, data: data, workers: 1)
    let directory = NSTemporaryDirectory() + "dyson-mnist-ckpt-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    c.checkpointDirectory = directory
    // One poll per update (and one per model launched): N_h = 3 finishes its 32, N_h = 1 stops early.
    await #expect(throws: Interrupted.self) {
      _ = try await Interruption.$flag.withValue(InterruptFlag(trippingAt: 40)) { try await RBMMNISTExperiment.run(c, data: data, workers: 1) }
    }
    let first = try #require(try RBMMNISTCheckpoint(directory: directory, config: c, hidden: 3).load())
    let second = try #require(try RBMMNISTCheckpoint(directory: directory, config: c, hidden: 1).load())
    // 32 updates, one per mini-batch of 64 among 1024 images: the second pass is under way, not a third.
    #expect(first.updatesDone == 32 && first.epochsDone == 1 && first.cursor == 1024)
    #expect((1..<8).contains(second.updatesDone), "stopped after \(second.updatesDone) updates")
    c.resume = true
    let resumed = try await RBMMNISTExperiment.run(c, data: data, workers: 2)
    #expect(resumed.models.map(\.covariance) == whole.models.map(\.covariance))
    #expect(resumed.models.map(\.samples) == whole.models.map(\.samples))
    // Other settings must not pick up these states.
    var other = c
    other.training.alpha = 0.02
    await #expect(throws: CheckpointError.self) { _ = try await RBMMNISTExperiment.run(other, data: data, workers: 1) }
    // States of the earlier formats are refused by name: format 3 (unchecksummed), format 2 (the
    // standard library's shuffle) and format 1 (no "format" key: its first mini-batch only started the chains).
    let path = RBMMNISTCheckpoint(directory: directory, config: c, hidden: 3).path
    let tensors = try Safetensors.read(path: path)
    var metadata = try Safetensors.readMetadata(path: path)
    for key in [CheckpointFile.kindKey, CheckpointFile.formatKey, CheckpointFile.checksumKey] { metadata[key] = nil }
    for earlier in ["3", "2", nil] {
      metadata["format"] = earlier
      try Safetensors.write(tensors, metadata: metadata, to: path)
      await #expect { _ = try await RBMMNISTExperiment.run(c, data: data, workers: 1) } throws: { "\($0)".contains("an earlier version") && "\($0)".contains(path) }
    }
    RBMMNISTExperiment.removeCheckpoints(c)
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
  }

  @Test("Settings: lists, booleans and paths parse; bad values name the option")
  func settings() throws {
    var c = RBMMNISTExperiment.Config()
    let named = Dictionary(uniqueKeysWithValues: RBMMNISTExperiment.Config.settings.map { ($0.name, $0) })
    try named["hidden"]!.write(&c, "784, 36,4")
    try named["center"]!.write(&c, "false")
    #expect(c.hiddenSizes == [784, 36, 4] && c.center == false)
    #expect(throws: SettingError.self) { try named["hidden"]!.write(&c, "785") }
    #expect(throws: SettingError.self) { try named["center"]!.write(&c, "maybe") }
  }

  @Test("The real MNIST correlator: eigenvalues keep the trace and the Frobenius norm; blank pixels give zeros")
  func realCorrelator() throws {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("Datasets/mnist/train-images-idx3-ubyte.gz").path
    guard FileManager.default.fileExists(atPath: path) else {
      print("skipped: \(path) is missing (Datasets/fetch.sh puts it there)")
      return
    }
    // The first 1024 images: a matrix on which implicit QL once failed to converge (its blank
    // pixels make a large block of rounding-level entries in the tridiagonal form).
    let data = try RBMMNISTExperiment.loadImages(path: path, count: 1024)
    let c = try Matrix.product(data, .transposed, data, .normal).map { $0 / 1024 }
    let lambda = try SymmetricEigen(c).eigenvalues
    // Independent truths: Σλ = tr C, Σλ² = ‖C‖²_F, and one zero eigenvalue per blank pixel at least.
    let trace = (0..<784).reduce(0.0) { $0 + c[$1, $1] }
    #expect(abs(lambda.reduce(0, +) - trace) < 1e-10 * trace)
    let frobenius = c.elements.reduce(0) { $0 + $1 * $1 }
    #expect(abs(lambda.reduce(0) { $0 + $1 * $1 } - frobenius) < 1e-10 * frobenius)
    let blank = (0..<784).filter { i in (0..<1024).allSatisfy { data[$0, i] == 0 } }.count
    #expect(lambda.filter { abs($0) < 1e-12 * lambda.last! }.count >= blank && blank > 100)
  }
}
