import DysonCore
import DysonIO
import DysonModels
import DysonPlot
import Foundation

/// Experiment 4 of the RBM study (2309.15002): MNIST as a field whose ultraviolet end the RBM
/// cannot represent. The data correlator ⟨φᵢφⱼ⟩ of the 784 pixels has eigenvalues from ~50 (the
/// infrared: the mean digit) down to exactly 0 (border pixels that are always blank), so its
/// inverse κ diverges in the UV. An RBM with N_v = 784, fixed μ² and N_h hidden units can only
/// give N_h modes a covariance other than 1/μ²: μ² and N_h are UV regulators. For each N_h of the
/// scan, one RBM is trained by CD-1 on data mini-batches (the authors' method); the record holds
/// the learned against the data spectrum and exact samples of each learned model.
public struct RBMMNISTExperiment {
  /// The study's settings; `settings` names each as a command-line option and config.json key.
  public struct Config: Codable, Sendable, Equatable {
    /// Defaults: μ² = 100 and the N_h scan from the paper's slides; the method of the authors'
    /// MNIST code (chanjure/SRBM, `fit()` and `bin/train_mnist.py`): CD-1 on mini-batches of 128
    /// with w_sig 0.1 and a step that decays after every epoch. Their α = 0.01 left the positive
    /// definite region here: near the edge, x fluctuates by ~2μ√(α/|B|), which must stay below a
    /// mode's distance 1/λ from it, so α/|B| < 1/(4μ²λ_max²) ≈ 1e-4 with a margin (here 2.5
    /// standard deviations: α/|B| = 1.6e-5; Docs/RBM.md). α = 2e-3 over 20 epochs with decay 0.75
    /// learns the infrared modes; the decay lets the last epochs settle (the paper's schedule is
    /// not known).
    public var training: PCDConfiguration = {
      var c = PCDConfiguration()
      c.mu2 = 100
      c.alpha = 2e-3
      c.batch = 128
      c.gibbsSteps = 1
      c.initialScale = 0.1
      c.updates = 0   // set by epochs
      return c
    }()
    /// The N_h scan, comma-separated (`--hidden`).
    public var hiddenSizes = [784, 225, 64, 36, 16, 4]
    /// Model φ − ⟨φ⟩ (an exact visible bias) instead of the raw pixels, which the authors' code
    /// models. The raw correlator's top mode is the mean digit (eigenvalue ≈ 38 against 5.1
    /// centred): the bound on α/|B| above falls by (38/5.1)² ≈ 55, and every other mode would
    /// take ~55 times as many epochs.
    public var center = true
    /// Model term: cd (chains restarted at each mini-batch, k sweeps: CD-k, the authors), chains
    /// (persistent: PCD) or exact (K⁻¹W in closed form) (`--negative-phase`).
    public var negativePhase = DataPCD.NegativePhase.contrastiveDivergence
    /// Passes over the images (`--epochs`).
    public var epochs = 20
    /// α is multiplied by this after every epoch (the authors' `lr_decay`, 0.99 in their MNIST script).
    public var learningRateDecay = 0.75
    /// Use the first `images` training images (60 000: all).
    public var images = 60000
    /// The MNIST training images (train-images-idx3-ubyte, gzip or plain). The caller says where they are.
    public var imagesPath = ""
    /// Exact samples drawn from each trained model for the PNG grid.
    public var samples = 16
    /// The seed every random stream of the study derives from (`--seed`).
    public var seed: UInt64 = 1
    /// Where each model's training state is saved (every minute, on Ctrl-C, when done); "" keeps none.
    public var checkpointDirectory = ""
    /// Continue each model from its saved state instead of starting again.
    public var resume = false

    /// The defaults above: the papers' settings.
    public init() {}


    /// Seconds: the two smallest models over all images, with a faster decay (the top modes only).
    public static var quick: Config {
      var c = Config()
      c.hiddenSizes = [16, 4]
      c.epochs = 8
      c.learningRateDecay = 0.6
      return c
    }

    /// Each field's option name, help text and valid range: the command's options and the keys of config.json.
    public static let settings: [Setting<Config>] = [
      .text("images-path", "the MNIST training images (IDX, gzip or plain)", \.imagesPath),
      .integer("images", "use the first N training images", \.images, 1...60000),
      .integerList("hidden", "the N_h scan, comma-separated", \.hiddenSizes, 1...784),
      .choice("negative-phase", "model term: cd (chains restarted at each mini-batch, k sweeps: CD-k, the authors), chains (persistent: PCD) or exact (K⁻¹W in closed form)", \.negativePhase),
      .boolean("center", "model φ − ⟨φ⟩ (true) or the raw pixels (false; the mean digit's mode then needs a step ~55× smaller)", \.center),
      .number("mu2", "μ², the fixed visible self-coupling", \.training.mu2, 1e-6...1e9),
      .number("sigma-h", "σ_h, the hidden width", \.training.sigmaH, 1e-6...1e6),
      .number("init-scale", "standard deviation of the initial W entries", \.training.initialScale, 0...1e3),
      .number("alpha", "learning rate α", \.training.alpha, 0...1e6),
      .integer("batch", "|B|: data mini-batch (and chains)", \.training.batch, 1...60000),
      .integer("gibbs", "block-Gibbs steps k per update", \.training.gibbsSteps, 1...1000),
      .integer("epochs", "passes over the images", \.epochs, 1...10_000),
      .number("lr-decay", "α is multiplied by this after every epoch", \.learningRateDecay, 1e-6...1),
      .number("momentum", "momentum β, as the authors' code: u ← βu + (1 − β)·gradient, W += αu", \.training.momentum, 0...0.999999),
      .number("l2", "weight decay λ", \.training.weightDecay, 0...1e6),
      .integer("samples", "exact samples per model in the PNG grid", \.samples, 1...1024),
      .seed("seed; the model with N_h uses seed + N_h", \.seed),
    ]
  }

  /// One trained RBM.
  public struct Model: Sendable {
    /// N_h.
    public let hidden: Int
    /// The learned covariance spectrum (eigenvalues of K⁻¹, descending); nil when training failed.
    public let covariance: [Double]?
    /// Samples drawn from the model (for the figure of samples).
    public let samples: [[Double]]
    /// Why training failed; nil when it finished.
    public let failure: String?
    /// Wall-clock time of the study.
    public let seconds: Double
  }

  /// What the study measured.
  public struct Result: Sendable {
    /// The settings the study ran with.
    public let config: Config
    /// Eigenvalues of the data correlator ⟨φφᵀ⟩, descending.
    public let dataSpectrum: [Double]
    /// The mean image ⟨φ⟩.
    public let meanImage: [Double]
    /// One per N_h of the scan, in its order.
    public let models: [Model]
    /// Wall-clock time of the study.
    public let seconds: Double
  }

  /// Pixels / 255 of the first `count` images, one image per row.
  public static func loadImages(path: String, count: Int) throws -> Matrix<Double> {
    let idx = try IDXArray.read(path: path)
    guard idx.shape.count == 3, idx.shape[1] == 28, idx.shape[2] == 28 else {
      throw FileFormatError(file: path, fault: "shape \(idx.shape) is not N × 28 × 28 images")
    }
    let n = min(count, idx.shape[0])
    return try Matrix(rows: n, columns: 784, elements: idx.bytes.prefix(n * 784).map { Double($0) / 255 })
  }

  /// The work of one update of the model with `hidden` units, in the units of `progressTotal`:
  /// ∝ N_h + 30 (measured: the products grow with N_h, the normals and the batch copy do not).
  static func updateWork(hidden: Int) -> Int { hidden + 30 }

  /// The total work of `run` on `samples` images, for a `Progress(total:label:percent: true)`
  /// (the models differ ~25-fold in cost per update, so a count of models or updates would mislead).
  public static func progressTotal(_ config: Config, samples: Int) -> Int {
    config.hiddenSizes.reduce(0) { $0 + updateWork(hidden: $1) } * config.epochs * (samples / max(config.training.batch, 1))
  }

  /// Trains one model per N_h (in a task group, one per core) on `data` (one image per row). The
  /// images are centred in place: a caller that passes them with `consume` holds them once (the
  /// 60 000 images are 376 MB in Double).
  public static func run(_ config: Config, data: consuming Matrix<Double>, workers: Int? = nil, progress: Progress? = nil) async throws -> Result {
    let start = Date()
    guard config.hiddenSizes.allSatisfy({ $0 <= data.columns }) else {
      throw ExperimentError.invalid("every N_h must be at most N_v = \(data.columns); got \(config.hiddenSizes)")
    }
    guard data.rows >= config.training.batch else {
      throw ExperimentError.invalid("\(data.rows) images are fewer than the batch size \(config.training.batch)")
    }
    let mean = (0..<data.columns).map { i in (0..<data.rows).reduce(0) { $0 + data[$1, i] } / Double(data.rows) }
    if config.center {
      let n = data.columns
      data.withUnsafeMutableBufferPointer { x in for k in x.indices { x[k] -= mean[k % n] } }
    }
    let data = data
    var correlator = try Matrix.product(data, .transposed, data, .normal)
    correlator = correlator.map { $0 / Double(data.rows) }
    let dataSpectrum = try SymmetricEigen(correlator).eigenvalues.sorted(by: >)
    let updates = config.epochs * (data.rows / config.training.batch)
    let width = max(1, workers ?? ProcessInfo.processInfo.activeProcessorCount)
    progress?.begin()   // the correlator and its spectrum took their seconds before the counted work
    let models = try await orderedTaskGroup(count: config.hiddenSizes.count, width: width, { [data] k in
      try train(config, hidden: config.hiddenSizes[k], data: data, updates: updates, mean: mean, progress: progress)
    })
    progress?.finish()
    return Result(config: config, dataSpectrum: dataSpectrum, meanImage: mean, models: models, seconds: Date().timeIntervalSince(start))
  }

  static func train(_ config: Config, hidden: Int, data: Matrix<Double>, updates: Int, mean: [Double], progress: Progress?) throws -> Model {
    let start = Date()
    var c = config.training
    c.hidden = hidden
    c.visible = data.columns
    let seed = config.seed &+ UInt64(hidden)
    let checkpoint = config.checkpointDirectory.isEmpty ? nil : RBMMNISTCheckpoint(directory: config.checkpointDirectory, config: config, hidden: hidden)
    let work = updateWork(hidden: hidden)
    var counted = 0   // updates shown as done
    do {
      var pcd = try DataPCD(data: data, configuration: c, negativePhase: config.negativePhase, seed: seed)
      pcd.learningRateDecay = config.learningRateDecay
      if config.resume, let checkpoint, let saved = try checkpoint.load() {
        do { try pcd.restore(saved) } catch { throw CheckpointError(file: checkpoint.path, problem: "\(error)") }
      }
      var lastSave = Date()
      if pcd.updatesDone > 0 { progress?.advance(by: pcd.updatesDone * work) }   // a resumed model's updates count as done
      counted = pcd.updatesDone
      while pcd.updatesDone < updates {
        if Interruption.isRequested {
          try checkpoint?.save(pcd.state)
          throw Interrupted()
        }
        try pcd.update()
        counted += 1
        progress?.advance(by: work, note: "N_h = \(hidden): epoch \(pcd.epochsDone + 1)/\(config.epochs)")
        if let checkpoint, Date().timeIntervalSince(lastSave) >= 60 {
          try checkpoint.save(pcd.state)
          lastSave = Date()
        }
      }
      // Done: a later stop (in another model) resumes this one without training it again.
      try checkpoint?.save(pcd.state)
      var rng = Xoshiro256StarStar(seed: seed, stream: 1)
      let phi = try pcd.rbm.samples(config.samples, using: &rng)
      let images = (0..<phi.rows).map { r -> [Double] in
        let row = (0..<phi.columns).map { phi[r, $0] }
        if config.center { return zip(row, mean).map { $0 + $1 } }
        // The raw model is even in φ: show each sample with the sign that overlaps the mean digit.
        let overlap = zip(row, mean).reduce(0) { $0 + $1.0 * $1.1 }
        return overlap < 0 ? row.map { -$0 } : row
      }
      return Model(hidden: hidden, covariance: try pcd.rbm.covarianceSpectrum(), samples: images, failure: nil,
                   seconds: Date().timeIntervalSince(start))
    } catch let e as RBMError {
      if counted < updates { progress?.advance(by: (updates - counted) * work) }   // a failed model's share is over
      return Model(hidden: hidden, covariance: nil, samples: [], failure: "N_h = \(hidden): \(e)", seconds: Date().timeIntervalSince(start))
    }
  }

  /// Removes the models' saved states (once the outputs are written, only a stopped job needs them).
  public static func removeCheckpoints(_ config: Config) {
    guard !config.checkpointDirectory.isEmpty else { return }
    for h in config.hiddenSizes { RBMMNISTCheckpoint(directory: config.checkpointDirectory, config: config, hidden: h).remove() }
  }

  /// Modes whose learned covariance is within 10 % of the data's, counted from the infrared end
  /// until the first that is not.
  public static func learnedModes(model: [Double], data: [Double]) -> Int {
    var n = 0
    while n < min(model.count, data.count), data[n] > 0, abs(model[n] / data[n] - 1) < 0.1 { n += 1 }
    return n
  }

  /// Modes within 10 % of the data's among the first `hidden` (all a model with N_h hidden units
  /// can learn): unlike `learnedModes`, one mode that ends outside does not hide the rest.
  public static func modesWithinTenPercent(model: [Double], data: [Double], hidden: Int) -> Int {
    (0..<min(hidden, model.count, data.count)).filter { data[$0] > 0 && abs(model[$0] / data[$0] - 1) < 0.1 }.count
  }

  /// What summary.json holds.
  public struct Summary: Codable, Sendable, Equatable {
    /// One trained model: what it learned, or why it failed (only the keys that apply are written).
    public struct ModelEntry: Codable, Sendable, Equatable {
      /// N_h.
      public var hidden: Int
      /// Training time.
      public var seconds: Double
      /// Modes learned (`learnedModes`), modes within 10 % among the first N_h, and the five
      /// largest learned covariance eigenvalues.
      public var learnedModes: Int?, modesWithinTenPercent: Int?
      /// The five largest learned covariance eigenvalues.
      public var topCovariance: [Double]?
      /// Why training failed.
      public var failure: String?
      enum CodingKeys: String, CodingKey {
        case hidden, seconds, learnedModes = "learned_modes", modesWithinTenPercent = "modes_within_10pct", topCovariance = "top_covariance", failure
      }
      public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(hidden, forKey: .hidden)
        try c.encode(seconds, forKey: .seconds)
        if let learnedModes { try c.encode(learnedModes, forKey: .learnedModes) }
        if let modesWithinTenPercent { try c.encode(modesWithinTenPercent, forKey: .modesWithinTenPercent) }
        if let topCovariance { try c.encode(topCovariance, forKey: .topCovariance) }
        if let failure { try c.encode(failure, forKey: .failure) }
      }
    }
    /// "rbm mnist".
    public var experiment = "rbm mnist"
    /// Images used, and the RBM's μ².
    public var images: Int
    /// μ² of the RBMs.
    public var mu2: Double
    /// The five largest eigenvalues of the data correlator.
    public var dataTopCovariance: [Double]
    /// Data modes above 1/μ² (those an RBM of this μ² can learn), and exact zero modes.
    public var dataModesAboveOneOverMu2: Int, dataZeroModes: Int
    /// One per N_h.
    public var models: [ModelEntry]
    /// Wall-clock time of the study.
    public var seconds: Double
    enum CodingKeys: String, CodingKey {
      case experiment, images, mu2, dataTopCovariance = "data_top_covariance", dataModesAboveOneOverMu2 = "data_modes_above_one_over_mu2"
      case dataZeroModes = "data_zero_modes", models, seconds
    }
  }

  /// The summary of a result (what `write` puts in summary.json).
  public static func summary(_ r: Result) -> Summary {
    let mu2 = r.config.training.mu2
    return Summary(
      images: r.config.images, mu2: mu2, dataTopCovariance: Array(r.dataSpectrum.prefix(5)),
      dataModesAboveOneOverMu2: r.dataSpectrum.filter { $0 > 1 / mu2 }.count, dataZeroModes: r.dataSpectrum.filter { $0 < 1e-12 }.count,
      models: r.models.map { m in
        guard let cov = m.covariance else { return Summary.ModelEntry(hidden: m.hidden, seconds: m.seconds, failure: m.failure ?? "") }
        return Summary.ModelEntry(hidden: m.hidden, seconds: m.seconds, learnedModes: learnedModes(model: cov, data: r.dataSpectrum),
                                  modesWithinTenPercent: modesWithinTenPercent(model: cov, data: r.dataSpectrum, hidden: m.hidden),
                                  topCovariance: Array(cov.prefix(5)))
      },
      seconds: r.seconds)
  }

  /// Writes the study's files into `output`: config.json, summary.json, its tables, figures and index.html.
  public static func write(_ r: Result, to output: inout ExperimentOutput) throws {
    let c = r.config.training
    try output.write(json: settingsJSON(Config.settings, r.config), to: "config.json")
    var csv = CSVWriter(header: ["mode", "data"] + r.models.map { "model_nh\($0.hidden)" })
    for i in 0..<r.dataSpectrum.count {
      csv.appendRow([Double(i), r.dataSpectrum[i]] + r.models.map { $0.covariance?[i] ?? .nan })
    }
    try output.write(csv: csv, to: "spectra.csv")
    let summary = summary(r)
    try output.write(summary: summary)
    let zeroModes = summary.dataZeroModes

    // Both axes logarithmic: the infrared modes, where the models follow the data, are the first
    // few tens of 784; the data's exact zeros (round-off, ~1e-15 and below) stay below the range.
    let top = r.dataSpectrum.first ?? 1
    let floor = min(1 / c.mu2, top) / 1000
    var panel = Panel(title: "covariance spectrum", x: Axis("mode number (infrared first)", scale: .log),
                      y: Axis("eigenvalue of ⟨φφᵀ⟩", scale: .log, range: floor...(2 * top)))
    let modes = (0..<r.dataSpectrum.count).map { Double($0 + 1) }
    panel.add(.line(x: modes, y: r.dataSpectrum, color: "black", width: 2, dashed: false, label: "MNIST data"))
    for (k, m) in r.models.enumerated() {
      guard let cov = m.covariance else { continue }
      panel.add(.line(x: modes, y: cov, color: plotPalette[k % plotPalette.count], width: 1.2, dashed: false, label: "N_h = \(m.hidden)"))
    }
    panel.add(.line(x: [1, Double(r.dataSpectrum.count)], y: [1 / c.mu2, 1 / c.mu2], color: "gray", width: 0.8, dashed: true, label: "1/μ²"))
    let schedule = r.config.learningRateDecay == 1 ? "α = \(c.alpha)" : "α = \(c.alpha) × \(r.config.learningRateDecay)^epoch"
    if top <= 0 { output.captionNote = "The images are all alike (every pixel constant): their correlator is zero and has no spectrum to draw." }
    try output.add(Figure(panel, caption: "Eigenvalues of the pixel correlator ⟨φφᵀ⟩ of \(r.config.images) MNIST images (black; \(zeroModes) zero modes, blank pixels, lie below the range) and of the covariance K⁻¹ learned by RBMs with μ² = \(c.mu2) and N_h hidden units (\(r.config.negativePhase.rawValue), \(r.config.epochs) epoch(s), \(schedule), |B| = \(c.batch), k = \(c.gibbsSteps)). Each model follows the data from the infrared end for at most N_h modes and never below 1/μ² (dashed): N_h and μ² cut off the ultraviolet."), as: "spectra.svg")

    let pixels = r.meanImage.count, side = Int(Double(pixels).squareRoot())
    let (width, height) = side * side == pixels ? (side, side) : (pixels, 1)   // 28 × 28 for MNIST
    for m in r.models where !m.samples.isEmpty {
      try output.addImage(PNG.grid(images: m.samples, width: width, height: height, columns: 8), as: "samples-nh\(m.hidden).png",
                          caption: "Exact samples of the model with N_h = \(m.hidden) (pixel values clamped to [0, 1]; the model is even in φ, so each is shown with the sign that overlaps the mean digit).")
    }
    let learned = r.models.map { m in
      m.covariance.map { "N_h = \(m.hidden): \(learnedModes(model: $0, data: r.dataSpectrum)) (\(modesWithinTenPercent(model: $0, data: r.dataSpectrum, hidden: m.hidden)))" }
        ?? "N_h = \(m.hidden): failed"
    }
    try output.writeIndex(title: "Gaussian RBM on MNIST: N_h and μ² as ultraviolet regulators",
                          summary: "Modes learned within 10 %, in a row from the infrared end (and in all among the first N_h) — \(learned.joined(separator: "; ")). \(String(format: "%.0f", r.seconds)) s.")
  }
}
