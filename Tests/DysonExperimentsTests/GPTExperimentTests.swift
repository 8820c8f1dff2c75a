import DysonCore
import DysonIO
import DysonModels
import DysonRMT
import Foundation
import Testing
@testable import DysonExperiments

/// A small repetitive text, so that a tiny GPT learns it within a few dozen steps.
private func writeText() throws -> String {
  let path = NSTemporaryDirectory() + "dyson-gpt-\(UUID().uuidString).txt"
  let verse = "to be or not to be, that is the question.\nwhether tis nobler in the mind to suffer\n"
  try String(repeating: verse, count: 40).write(toFile: path, atomically: true, encoding: .utf8)
  return path
}

private func smallConfig(text: String) -> GPTExperiment.Config {
  var c = GPTExperiment.Config()
  c.data = text
  c.training.model.layers = 2
  c.training.model.heads = 2
  c.training.model.embedding = 16
  c.training.model.block = 16
  c.training.model.hiddenWidth = 32
  c.training.batch = 4
  c.training.optimizer.learningRate = 3e-3
  c.iterations = 60
  c.evalInterval = 20
  c.evalIters = 4
  c.finalEvalIters = 8
  c.spectrumInterval = 20
  c.runs = 2
  c.resamples = 10
  c.histogramSteps = [0, 60]
  return c
}

@Suite("GPT experiment") struct GPTExperimentTests {
  @Test("runs learn the text, and the records are bit-identical with one worker or two")
  func deterministicAndLearning() async throws {
    let text = try writeText()
    defer { try? FileManager.default.removeItem(atPath: text) }
    let config = smallConfig(text: text)
    let one = try await GPTExperiment.run(config, workers: 1)
    let two = try await GPTExperiment.run(config, workers: 2)
    for (a, b) in zip(one.runs, two.runs) {
      #expect(a.failure == nil)
      #expect(a.spectra == b.spectra)
      #expect(a.finalTrain == b.finalTrain && a.finalValidation == b.finalValidation)
      // Uniform guessing over the 25 characters costs ln 25 = 3.2; the verse is learnt well below that.
      #expect(a.losses.first!.train > 2.8 && a.finalTrain < 2.6, "losses \(a.losses.map(\.train))")
    }
    #expect(one.runs[0].spectra != one.runs[1].spectra)  // different seeds, different runs
    #expect(one.runs[0].spectrumSteps == [0, 20, 40, 60])
  }

  /// Runs whose one recorded step holds, per layer and projection, the spectrum of XᵀX for a
  /// 64×16 Gaussian X with that layer's entry variance: the Marchenko–Pastur law exactly.
  func wishartRuns(_ count: Int, layerVariances: [Double], seed: UInt64) -> [GPTExperiment.Run] {
    var rng = Xoshiro256StarStar(seed: seed)
    return (0..<count).map { _ in
      var run = GPTExperiment.Run()
      run.spectrumSteps = [0]
      run.spectra = [HeadSpectra(layers: layerVariances.count, heads: 1, levels: 16) { layer, _, _ in
        try! eigenvaluesSymmetric(Matrix<Double>.gaussian(rows: 64, columns: 16, standardDeviation: layerVariances[layer].squareRoot(), using: &rng).gram()).sorted()
      }]
      return run
    }
  }

  @Test("the analysis recovers σ² = 1/192 and A = 1 from Wishart spectra, and GOE spacings")
  func analysisOnWishartSpectra() {
    // 40 "runs" whose head-0 keys (2 layers) are Gaussian 64×16 matrices with the variance of U(±1/8):
    // exactly the Marchenko–Pastur law the fit assumes, so σ² and A have known values.
    let runs = wishartRuns(40, layerVariances: [1.0 / 192, 1.0 / 192], seed: 21)
    var config = GPTExperiment.Config()
    config.resamples = 50
    let analysis = GPTExperiment.analyse(config, runs: runs, headSize: 16, embedding: 64)
    #expect(analysis.fits.count == 2)
    for fit in analysis.fits {
      // 640 eigenvalues per fit: σ² to a few per cent, A to a few per cent.
      #expect(abs(fit.variance - 1.0 / 192) < 3 * fit.varianceError + 2e-4, "σ² \(fit.variance) ± \(fit.varianceError)")
      #expect(abs(fit.area - 1) < 3 * fit.areaError + 0.05, "A \(fit.area) ± \(fit.areaError)")
      #expect(fit.varianceError > 0 && fit.varianceError < 5e-4)
    }
    // Unfolded GOE spacings: ⟨s²⟩ = 4/π·(finite-N corrections) ≈ 1.27, far from Poisson's 2.
    let meanSquare = GPTExperiment.meanSquare(analysis.spacings)
    #expect(abs(meanSquare - 4 / Double.pi) < 0.12, "⟨s²⟩ = \(meanSquare)")
    // Without each spectrum's end spacings: 13 of 15 per spectrum, the bulk law the surmise describes.
    #expect(analysis.bulkSpacings.count == 40 * 2 * 13)
    let bulk = GPTExperiment.meanSquare(analysis.bulkSpacings)
    #expect(abs(bulk - 4 / Double.pi) < 0.12, "bulk ⟨s²⟩ = \(bulk)")
    #expect(abs(analysis.bulkSpacings.reduce(0, +) / Double(analysis.bulkSpacings.count) - 1) < 1e-12)
    // Queries and values are analysed as the keys: here the same Marchenko–Pastur law.
    #expect(analysis.projections.map(\.projection) == [.query, .value])
    for p in analysis.projections {
      #expect(p.fits.count == 2)
      for fit in p.fits { #expect(abs(fit.variance - 1.0 / 192) < 3 * fit.varianceError + 2e-4, "\(p.projection) σ² \(fit.variance)") }
      #expect(abs(GPTExperiment.meanSquare(p.spacings) - 4 / Double.pi) < 0.12)
    }
  }

  @Test("spacings at each of Fig. 3's steps: one pooled set per recorded histogram step, GOE-like for Wishart spectra")
  func spacingsAtEachStep() {
    // Two recorded steps, each an independent Wishart draw; the figure's steps are both.
    let a = wishartRuns(20, layerVariances: [1.0 / 192], seed: 31), b = wishartRuns(20, layerVariances: [1.0 / 192], seed: 32)
    let runs = zip(a, b).map { x, y -> GPTExperiment.Run in
      var run = x
      run.spectrumSteps = [0, 100]
      run.spectra = [x.spectra[0], y.spectra[0]]
      return run
    }
    var config = GPTExperiment.Config()
    config.resamples = 20
    config.histogramSteps = [0, 100]
    let analysis = GPTExperiment.analyse(config, runs: runs, headSize: 16, embedding: 64)
    #expect(analysis.spacingsByStep.map(\.step) == [0, 100])
    for s in analysis.spacingsByStep {
      #expect(s.all.count == 20 * 15)
      #expect(abs(GPTExperiment.meanSquare(s.all) - 4 / Double.pi) < 0.15, "step \(s.step): ⟨s²⟩ \(GPTExperiment.meanSquare(s.all))")
    }
    // The headline spacings are the last step's.
    #expect(analysis.spacings == analysis.spacingsByStep.last!.all)
  }

  @Test("Spacings are unfolded per layer: layers of different scale still give GOE spacings")
  func spacingsUnfoldedPerLayer() {
    // Layer 1's keys have 3× the variance of layer 0's. One CDF for both would put the levels of
    // each on the other's density and widen the spacings (⟨s²⟩ ≈ 1.45, measured); per layer they
    // are the GOE's, ⟨s²⟩ ≈ 4/π.
    let runs = wishartRuns(60, layerVariances: [1.0 / 192, 3.0 / 192], seed: 23)
    var config = GPTExperiment.Config()
    config.resamples = 2
    let spacings = GPTExperiment.analyse(config, runs: runs, headSize: 16, embedding: 64).spacings
    #expect(spacings.count == 60 * 2 * 15)
    let meanSquare = GPTExperiment.meanSquare(spacings)
    #expect(abs(meanSquare - 4 / Double.pi) < 0.08, "⟨s²⟩ = \(meanSquare)")
  }

  @Test("Runs whose spectra differ in scale widen ensemble-unfolded spacings but leave ⟨r̃⟩ alone")
  func ratioIgnoresRunToRunScale() {
    // The same Wishart draws twice: once at one variance, once with each run's matrices scaled by
    // its own factor (0.5 … 2, as if training had broadened some runs' spectra more than others).
    let plain = wishartRuns(60, layerVariances: [1.0 / 192], seed: 29)
    let scaled = plain.enumerated().map { k, run -> GPTExperiment.Run in
      var r = run
      let factor = 0.5 + 1.5 * Double(k) / 59
      r.spectra = run.spectra.map { HeadSpectra(layers: $0.layers, heads: $0.heads, levels: $0.levels, flattened: $0.flattened.map { factor * $0 })! }
      return r
    }
    var config = GPTExperiment.Config()
    config.resamples = 2
    let a = GPTExperiment.analyse(config, runs: plain, headSize: 16, embedding: 64)
    let b = GPTExperiment.analyse(config, runs: scaled, headSize: 16, embedding: 64)
    let (ra, rb) = (try! #require(a.ratioMeans.first), try! #require(b.ratioMeans.first))
    print("⟨r̃⟩ of 16-level Wishart spectra: \(ra.mean) ± \(ra.error); scaled runs \(rb.mean); ⟨s²⟩ \(GPTExperiment.meanSquare(a.spacings)) → \(GPTExperiment.meanSquare(b.spacings))")
    #expect(a.ratioMeans.count == 1 && ra.step == 0 && ra.count == 60 * 14)
    // Ratios are scale-free: equal to rounding, run by run.
    #expect(abs(ra.mean - rb.mean) < 1e-12)
    // Level repulsion: between Poisson's 0.386 and above; the GOE's 0.531 within this small-N set's error.
    #expect(abs(ra.mean - SpacingRatio.goe) < 4 * ra.error + 0.02, "⟨r̃⟩ = \(ra.mean) ± \(ra.error)")
    #expect(ra.error > 0 && ra.error < 0.02)
    #expect(abs(ra.meanWithoutLargest - rb.meanWithoutLargest) < 1e-12 && ra.meanWithoutLargest.isFinite)
    // The unfolded spacings see the mixture of scales as wider spacings; dividing each run's
    // spectrum by its median first undoes the mixture (the same spectra up to rounding).
    #expect(GPTExperiment.meanSquare(b.spacings) > GPTExperiment.meanSquare(a.spacings) + 0.1)
    #expect(abs(GPTExperiment.meanSquare(b.runScaledSpacings) - GPTExperiment.meanSquare(a.runScaledSpacings)) < 1e-9)
    #expect(abs(GPTExperiment.meanSquare(b.runScaledSpacings) - 4 / Double.pi) < 0.08)
  }

  @Test("outputs: summary, CSVs, figures and weights that reload to the same model")
  func outputs() async throws {
    let text = try writeText()
    defer { try? FileManager.default.removeItem(atPath: text) }
    var config = smallConfig(text: text)
    config.runs = 1
    config.iterations = 20
    config.spectrumInterval = 10
    config.histogramSteps = [0, 20]
    let result = try await GPTExperiment.run(config, workers: 1)
    let directory = NSTemporaryDirectory() + "dyson-gpt-out-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var output = try ExperimentOutput(directory: directory, study: "test")
    try GPTExperiment.write(result, to: &output)
    for name in ["config.json", "summary.json", "losses.csv", "spectra.csv", "losses.svg", "histograms.svg", "fits.svg", "weights.safetensors", "sample.txt", "index.html"] {
      #expect(FileManager.default.fileExists(atPath: directory + "/" + name), "\(name) missing")
    }
    // spectra.csv: 3 recorded steps × 2 layers × 3 projections × 2 heads × 8 eigenvalues, plus the header.
    let rows = try String(contentsOfFile: directory + "/spectra.csv", encoding: .utf8).split(separator: "\n").count
    #expect(rows == 1 + 3 * 2 * 3 * 2 * 8)
    let (configuration, parameters, vocabulary) = try GPTWeights.read(path: directory + "/weights.safetensors")
    let model = try #require(result.model)
    #expect(configuration == model.configuration)
    #expect(parameters.map { Float($0) } == model.parameters)
    #expect(vocabulary == result.vocabulary)
  }

  @Test("--resume from a mid-run checkpoint ends bit-identical to the uninterrupted run")
  func resumeFromCheckpoint() async throws {
    let text = try writeText()
    let directory = NSTemporaryDirectory() + "dyson-gpt-ckpt-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer {
      try? FileManager.default.removeItem(atPath: text)
      try? FileManager.default.removeItem(atPath: directory)
    }
    var config = smallConfig(text: text)
    config.runs = 1
    config.iterations = 40
    config.checkpointEvery = 30
    config.checkpointDirectory = directory
    let straight = try await GPTExperiment.run(config, workers: 1)  // leaves the step-30 checkpoint behind
    #expect(FileManager.default.fileExists(atPath: directory + "/checkpoint-run0.safetensors"))
    config.resume = true
    let resumed = try await GPTExperiment.run(config, workers: 1)
    #expect(resumed.runs[0].spectra == straight.runs[0].spectra)
    #expect(resumed.runs[0].losses.map(\.train) == straight.runs[0].losses.map(\.train))
    #expect(resumed.model?.parameters == straight.model?.parameters)
  }

  @Test("a stop request mid-run leaves a checkpoint at that step; --resume ends bit-identical")
  func interruptAndResume() async throws {
    let text = try writeText()
    let directory = NSTemporaryDirectory() + "dyson-gpt-stop-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer {
      try? FileManager.default.removeItem(atPath: text)
      try? FileManager.default.removeItem(atPath: directory)
    }
    var config = smallConfig(text: text)
    config.runs = 1
    config.iterations = 60
    let straight = try await GPTExperiment.run(config, workers: 1)
    config.checkpointEvery = 5
    config.checkpointDirectory = directory
    // The flag is read once when the run is launched, then before every step: it trips before
    // step 36 (after 36 steps), between the periodic checkpoints at 35 and 40, so the run must save its own.
    let flag = InterruptFlag(trippingAt: 38)
    await #expect(throws: Interrupted.self) {
      _ = try await Interruption.$flag.withValue(flag) { try await GPTExperiment.run(config, workers: 1) }
    }
    let corpus = try TextCorpus(text: String(contentsOfFile: text, encoding: .utf8))
    var settings = config.training
    settings.model.vocabulary = corpus.vocabulary.count
    let saved = try GPTTrainer(settings, corpus: corpus, seed: config.seed)
    _ = try GPTCheckpoint.load(GPTCheckpoint.path(directory: directory, run: 0), into: saved)
    #expect(saved.step == 36)
    config.resume = true
    let resumed = try await GPTExperiment.run(config, workers: 1)
    #expect(resumed.runs[0].spectra == straight.runs[0].spectra)
    #expect(resumed.runs[0].losses.map(\.validation) == straight.runs[0].losses.map(\.validation))
    #expect(resumed.model?.parameters == straight.model?.parameters)
    GPTExperiment.removeCheckpoints(config)
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("checkpoint") }.isEmpty)
  }

  @Test("a missing text is refused with a message naming the file")
  func missingData() async throws {
    var config = GPTExperiment.Config.quick
    config.data = "/nonexistent/shakespeare.txt"
    await #expect(throws: ExperimentError.self) { try await GPTExperiment.run(config) }
  }
}

/// A one-layer GPT sized for `corpus`, trained in a few milliseconds per step.
private func tinySettings(_ corpus: TextCorpus) -> GPTTrainer.Settings {
  var settings = GPTTrainer.Settings()
  settings.model.vocabulary = corpus.vocabulary.count
  settings.model.layers = 1
  settings.model.embedding = 8
  settings.model.heads = 2
  settings.model.block = 8
  settings.model.hiddenWidth = 16
  return settings
}

@Suite("GPT trainer") struct GPTTrainerTests {
  @Test("restoring a saved state continues bit for bit, like an uninterrupted run")
  func resume() throws {
    let text = String(repeating: "abcabd acbd dcba\n", count: 50)
    let corpus = try TextCorpus(text: text)
    var settings = tinySettings(corpus)
    settings.batch = 2
    let straight = try GPTTrainer(settings, corpus: corpus, seed: 4)
    for _ in 0..<30 { try straight.trainStep() }
    let first = try GPTTrainer(settings, corpus: corpus, seed: 4)
    for _ in 0..<12 { try first.trainStep() }
    let saved = first.state
    let second = try GPTTrainer(settings, corpus: corpus, seed: 99)  // other seed: everything must come from the state
    try second.restore(saved)
    for _ in 12..<30 { try second.trainStep() }
    #expect(second.state == straight.state)
    #expect(second.step == 30)
  }

  @Test("a learning rate that blows up stops with the step and the settings in the message")
  func divergence() throws {
    let corpus = try TextCorpus(text: String(repeating: "abcabd acbd dcba\n", count: 50))
    var settings = tinySettings(corpus)
    settings.optimizer.learningRate = 1e30
    let trainer = try GPTTrainer(settings, corpus: corpus, seed: 1)
    var message = ""
    do { for _ in 0..<20 { try trainer.trainStep() } } catch { message = "\(error)" }
    #expect(message.contains("diverged at step") && message.contains("lr 1e+30"), "\(message)")
  }
}
