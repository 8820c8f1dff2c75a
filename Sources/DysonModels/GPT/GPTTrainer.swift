import DysonCore
import Foundation

/// Trains one GPT in `Float` with AdamW (or another `Optimizer`) on random windows of a text (the lecture's loop), and
/// reads off what the spectral study records: losses, and the eigenvalues of WᵀW of every head.
///
/// Randomness comes from three streams of `seed` (3·run, 3·run + 1, 3·run + 2): parameters,
/// training batches, evaluation batches. Evaluation therefore never changes the training
/// trajectory, and run k of an ensemble is the same whoever trains it.
/// A step allocates nothing: activations, gradient and moments live as long as the trainer.
public final class GPTTrainer {
  /// What a run trains: the model, the optimiser and the batch size.
  public struct Settings: Codable, Sendable, Equatable {
    /// The model's sizes and choices.
    public var model = GPTConfiguration()
    /// The optimiser and its hyperparameters.
    public var optimizer = OptimizerConfiguration()
    /// Sequences per batch.
    public var batch = 16
    /// The lecture's settings: its model, AdamW at η = 10⁻³, 16 sequences per batch.
    public init() {}
  }

  /// The saved state of a run; restoring it continues bit for bit.
  public struct State: Sendable, Equatable {
    /// Steps taken.
    public var step: Int
    /// The model's parameters (`GPTLayout` order).
    public var parameters: [Float]
    /// The optimiser's first moment (SGD's momentum buffer).
    public var firstMoment: [Float]
    /// The optimiser's second moment (Adam's only; zeros otherwise).
    public var secondMoment: [Float]
    /// The generator of the training batches.
    public var trainingRandom: Xoshiro256StarStar
    /// The generator of the loss estimates' batches.
    public var evaluationRandom: Xoshiro256StarStar

    /// A state from its parts (as read from a checkpoint).
    public init(step: Int, parameters: [Float], firstMoment: [Float], secondMoment: [Float],
                trainingRandom: Xoshiro256StarStar, evaluationRandom: Xoshiro256StarStar) {
      (self.step, self.parameters, self.firstMoment, self.secondMoment) = (step, parameters, firstMoment, secondMoment)
      (self.trainingRandom, self.evaluationRandom) = (trainingRandom, evaluationRandom)
    }
  }

  /// What the trainer was made with.
  public let settings: Settings
  /// The text the batches are drawn from.
  public let corpus: TextCorpus
  /// The model, as trained so far.
  public private(set) var model: GPT<Float>
  /// The optimiser and its state.
  public private(set) var optimizer: Optimizer<Float>
  private var gradient: [Float]
  private var trainingRandom: Xoshiro256StarStar
  private var evaluationRandom: Xoshiro256StarStar
  private let activations: GPTActivations<Float>

  /// Steps taken so far.
  public var step: Int { optimizer.step }

  /// Run `run` of `seed` draws its initial weights from stream 3·run (or 3·`initialisationRun`, so
  /// that runs can start from the same weights), its batches from 3·run + 1 and its loss
  /// estimates' batches from 3·run + 2.
  public init(_ settings: Settings, corpus: TextCorpus, seed: UInt64, run: Int = 0, initialisationRun: Int? = nil) throws(GPTError) {
    try settings.model.validate()
    guard settings.batch >= 1 else { throw .invalidConfiguration("batch must be at least 1 (got \(settings.batch))") }
    guard corpus.vocabulary.count == settings.model.vocabulary else {
      throw .invalidConfiguration("the text has \(corpus.vocabulary.count) distinct characters but the model's vocabulary is \(settings.model.vocabulary)")
    }
    for split in TextCorpus.Split.allCases where corpus.tokens(split).count <= settings.model.block {
      throw .invalidTokens("the \(split) split has \(corpus.tokens(split).count) characters; it needs more than the block size \(settings.model.block)")
    }
    if let problem = settings.optimizer.problem { throw .invalidConfiguration(problem) }
    self.settings = settings
    self.corpus = corpus
    var parameterRandom = Xoshiro256StarStar(seed: seed, stream: UInt64(3 * (initialisationRun ?? run)))
    model = try GPT(settings.model, using: &parameterRandom)
    optimizer = Optimizer(settings.optimizer, count: model.layout.count)
    gradient = [Float](repeating: 0, count: model.layout.count)
    trainingRandom = Xoshiro256StarStar(seed: seed, stream: UInt64(3 * run + 1))
    evaluationRandom = Xoshiro256StarStar(seed: seed, stream: UInt64(3 * run + 2))
    activations = GPTActivations(settings.model, batch: settings.batch, length: settings.model.block)
  }

  /// The state to save: restoring it continues the run bit for bit.
  public var state: State {
    State(step: optimizer.step, parameters: model.parameters, firstMoment: optimizer.firstMoment,
          secondMoment: optimizer.secondMoment, trainingRandom: trainingRandom, evaluationRandom: evaluationRandom)
  }

  /// Continues from a saved `state`; throws when it does not fit this model.
  public func restore(_ state: State) throws(GPTError) {
    let n = model.layout.count
    guard state.parameters.count == n, state.firstMoment.count == n, state.secondMoment.count == n, state.step >= 0 else {
      throw .invalidParameters("the saved state does not fit this model (\(state.parameters.count) parameters, expected \(n))")
    }
    model.parameters = state.parameters
    optimizer = Optimizer(settings.optimizer, step: state.step, firstMoment: state.firstMoment, secondMoment: state.secondMoment)
    trainingRandom = state.trainingRandom
    evaluationRandom = state.evaluationRandom
  }

  /// One optimizer step on a fresh training batch; returns the batch loss before the update.
  @discardableResult
  public func trainStep() throws(GPTError) -> Double {
    drawBatch(.train, using: &trainingRandom)
    let a = activations
    let loss = model.parameters.withUnsafeBufferPointer { p in
      let loss = model.forward(p.baseAddress!, a, computeLoss: true)
      if loss.isFinite {
        gradient.withUnsafeMutableBufferPointer { model.backward(p.baseAddress!, gradient: $0.baseAddress!, a) }
      }
      return loss
    }
    guard loss.isFinite else {
      throw .diverged(step: optimizer.step + 1, loss: loss, settings: "\(settings.optimizer.summary), batch \(settings.batch)")
    }
    gradient.withUnsafeBufferPointer { g in
      model.parameters.withUnsafeMutableBufferPointer { optimizer.update($0.baseAddress!, gradient: g.baseAddress!) }
    }
    return loss
  }

  /// The mean loss over `batches` random batches of a split (the lecture's `estimate_loss`),
  /// drawn from the evaluation stream.
  public func estimateLoss(_ split: TextCorpus.Split, batches: Int) -> Double {
    var total = 0.0
    for _ in 0..<batches {
      drawBatch(split, using: &evaluationRandom)
      total += model.parameters.withUnsafeBufferPointer { model.forward($0.baseAddress!, activations, computeLoss: true) }
    }
    return total / Double(max(batches, 1))
  }

  /// Random contiguous windows: inputs tokens[i..<i+T], targets tokens[i+1...i+T], i uniform in 0..<(n − T).
  private func drawBatch(_ split: TextCorpus.Split, using rng: inout Xoshiro256StarStar) {
    let T = settings.model.block
    let tokens = split == .train ? corpus.train : corpus.validation
    tokens.withUnsafeBufferPointer { source in
      for b in 0..<settings.batch {
        let start = Int(rng.next() % UInt64(source.count - T))  // bias ≤ n/2⁶⁴: immaterial
        (activations.inputs + b * T).update(from: source.baseAddress! + start, count: T)
        (activations.targets + b * T).update(from: source.baseAddress! + start + 1, count: T)
      }
    }
  }
}
