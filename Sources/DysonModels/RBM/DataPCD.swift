import DysonCore
import Foundation

/// PCD (or CD-k) on a data set (the MNIST runs of 2309.15002): the positive phase is a mini-batch Φ
/// of the data instead of the analytic K_φ⁻¹. The gradient of the log-likelihood,
///   ∂L/∂W = σ_h²(⟨φφᵀ⟩_data − ⟨φφᵀ⟩_model) W   (see `GaussianRBM.exactGradient`),
/// is estimated as σ_h²/|B| · (Φᵀ(ΦW) − Vᵀ(VW)), products taken right to left so an update costs
/// O(|B|·N_v·N_h) and never forms an N_v × N_v matrix. The |B| persistent chains start at the
/// first mini-batch (with `.contrastiveDivergence`, at every mini-batch); the data are visited in
/// a fresh random order each epoch. From `PCDConfiguration` it uses hidden, mu2, sigmaH,
/// initialScale, alpha, batch, gibbsSteps, momentum and weightDecay (N_v comes from the data;
/// mass2 and positivePhase do not apply).
public struct DataPCD: Sendable {
  /// The machine, as trained so far.
  public private(set) var rbm: GaussianRBM
  /// The hyperparameters (the fields listed above apply).
  public let configuration: PCDConfiguration
  /// PCD (persistent chains) or CD-k (chains restarted at each mini-batch).
  public let negativePhase: NegativePhase
  /// Updates taken.
  public private(set) var updatesDone = 0
  /// Passes over the data completed.
  public private(set) var epochsDone = 0
  /// α is multiplied by this after every epoch (the authors' `lr_decay`); 1 keeps it constant.
  public var learningRateDecay = 1.0
  /// The step of the current epoch, α·decayᵉ, by repeated products so that it is the same on every machine.
  public var learningRate: Double {
    var a = configuration.alpha
    for _ in 0..<epochsDone { a *= learningRateDecay }
    return a
  }
  let data: [Double]
  let samples: Int
  let seed: UInt64
  var rng: Xoshiro256StarStar
  var order: [Int]
  var cursor = 0
  /// Φ (|B| × N_v), chains V (|B| × N_v), H and scratch P (|B| × N_h), gradient G and velocity
  /// (N_v × N_h), normals for one half-sweep (|B| × max(N_v, N_h)).
  var batch: [Double]
  var chains: [Double]
  var hiddenStates: [Double]
  var product: [Double]
  var gradient: [Double]
  var velocity: [Double]
  var noise: [Double]

  /// Where ⟨φφᵀ⟩_model W comes from.
  public enum NegativePhase: String, Codable, Sendable, CaseIterable {
    /// The |B| persistent chains, k block-Gibbs sweeps per update (PCD).
    case chains
    /// Contrastive divergence CD-k, what the authors' `fit()` does on MNIST: each update starts
    /// the chains at its mini-batch and takes k sweeps. For a mode of data variance λ it has the
    /// fixed point of the likelihood, x = μ² − 1/λ, but a gradient damped by 1 − (x/μ²)^{2k}: near
    /// the edge (the infrared) its step is ~2k/(μ²λ) of the likelihood's, so a step size that
    /// learns the weak modes keeps the strong ones stable (Docs/RBM.md).
    case contrastiveDivergence = "cd"
    /// Exactly: K⁻¹W = W(μ² − σ_h²WᵀW)⁻¹ (push-through identity), an N_h × N_h inverse. No chain
    /// lag: near x → μ² a Gibbs sweep moves a mode by a factor x/μ² → 1 (critical slowing down),
    /// so the chains trail the weights and PCD overshoots out of the positive definite region.
    case exact
  }

  /// `data`: one sample per row (N_v columns).
  public init(data: Matrix<Double>, configuration c: PCDConfiguration, negativePhase: NegativePhase = .chains, seed: UInt64) throws {
    guard data.rows >= c.batch else { throw RBMError.invalidData("\(data.rows) samples are fewer than the batch size \(c.batch)") }
    guard data.elements.allSatisfy(\.isFinite) else { throw RBMError.invalidData("the data hold NaN or ±∞") }
    guard c.optimizer == .sgd else { throw RBMError.invalidData("training on data takes the SGD step only (optimizer sgd)") }
    let nv = data.columns, nh = c.hidden
    var rng = Xoshiro256StarStar(seed: seed)
    let w = Matrix<Double>.gaussian(rows: nv, columns: nh, mean: 0, standardDeviation: c.initialScale, using: &rng)
    rbm = GaussianRBM(weights: w, mu2: c.mu2, sigmaH: c.sigmaH)
    configuration = c
    self.negativePhase = negativePhase
    self.data = data.elements
    samples = data.rows
    self.seed = seed
    order = Array(0..<data.rows)
    rng.shuffle(&order)
    self.rng = rng
    batch = [Double](repeating: 0, count: c.batch * nv)
    hiddenStates = [Double](repeating: 0, count: c.batch * nh)
    product = hiddenStates
    gradient = [Double](repeating: 0, count: nv * nh)
    velocity = gradient
    noise = [Double](repeating: 0, count: c.batch * max(nv, nh))
    // The chains start at the first mini-batch, which the first update then also takes as its
    // positive phase: every epoch has ⌊samples/|B|⌋ updates, and its last update takes its own step.
    chains = []
    nextBatch()
    chains = batch
    cursor = 0
  }

  /// Everything an update reads that is not scratch: restoring it continues the run bit for bit.
  public struct State: Sendable, Equatable {
    /// Updates taken.
    public var updatesDone: Int
    /// Passes over the data completed.
    public var epochsDone: Int
    /// Position of the next mini-batch in `order`.
    public var cursor: Int
    /// This epoch's order of the data rows.
    public var order: [Int]
    /// The generator, as it stands.
    public var random: Xoshiro256StarStar
    /// W, row-major N_v × N_h.
    public var weights: [Double]
    /// The persistent chains, row-major |B| × N_v.
    public var chains: [Double]
    /// The momentum average u, row-major N_v × N_h.
    public var velocity: [Double]

    /// A state from its parts (as read from a checkpoint).
    public init(updatesDone: Int, epochsDone: Int, cursor: Int, order: [Int], random: Xoshiro256StarStar,
                weights: [Double], chains: [Double], velocity: [Double]) {
      (self.updatesDone, self.epochsDone, self.cursor, self.order) = (updatesDone, epochsDone, cursor, order)
      (self.random, self.weights, self.chains, self.velocity) = (random, weights, chains, velocity)
    }
  }

  /// The state to save.
  public var state: State {
    State(updatesDone: updatesDone, epochsDone: epochsDone, cursor: cursor, order: order, random: rng,
          weights: rbm.weights.elements, chains: chains, velocity: velocity)
  }

  /// Continues from `s`; throws when it does not fit this trainer's shapes and data.
  public mutating func restore(_ s: State) throws {
    let nv = rbm.visible, nh = configuration.hidden, nb = configuration.batch
    guard s.weights.count == nv * nh, s.velocity.count == nv * nh, s.chains.count == nb * nv,
          s.order.count == samples, Set(s.order).count == samples, s.order.allSatisfy({ (0..<samples).contains($0) }),
          (0...samples).contains(s.cursor), s.updatesDone >= 0, s.epochsDone >= 0 else {
      throw RBMError.invalidData("the saved state does not fit N_v = \(nv), N_h = \(nh), |B| = \(nb) and \(samples) samples")
    }
    guard (s.weights + s.chains + s.velocity).allSatisfy(\.isFinite) else { throw RBMError.invalidData("the saved state holds NaN or ±∞") }
    (updatesDone, epochsDone, cursor, order, rng) = (s.updatesDone, s.epochsDone, s.cursor, s.order, s.random)
    (chains, velocity) = (s.chains, s.velocity)
    rbm.weights = try Matrix(rows: nv, columns: nh, elements: s.weights)
  }

  /// Φ ← the next |B| samples of this epoch's order (a new order when the epoch ends).
  mutating func nextBatch() {
    let nv = rbm.visible, nb = configuration.batch
    if cursor + nb > samples {
      rng.shuffle(&order)
      cursor = 0
      epochsDone += 1
    }
    for b in 0..<nb {
      let row = order[cursor + b] * nv
      for i in 0..<nv { batch[b * nv + i] = data[row + i] }
    }
    cursor += nb
  }

  /// One weight update; throws `RBMError.diverged` when W stops being finite.
  public mutating func update() throws {
    let c = configuration
    let nv = rbm.visible, nh = c.hidden, nb = c.batch
    let s2 = c.sigmaH * c.sigmaH
    var w = rbm.weights.elements
    nextBatch()
    var generator = rng
    var finite = true
    let eta = rbm.hiddenBias
    batch.withUnsafeBufferPointer { phi in
      chains.withUnsafeMutableBufferPointer { v in
        hiddenStates.withUnsafeMutableBufferPointer { h in
          noise.withUnsafeMutableBufferPointer { z in
            product.withUnsafeMutableBufferPointer { p in
              gradient.withUnsafeMutableBufferPointer { g in
                w.withUnsafeMutableBufferPointer { wm in
                  let w = UnsafeBufferPointer(wm)
                  // G = Φᵀ(ΦW) − Vᵀ(VW), or Φᵀ(ΦW) alone when the negative phase is exact.
                  Double.gemm(.normal, .normal, m: nb, n: nh, k: nv, alpha: 1, a: phi, lda: nv, b: w, ldb: nh, beta: 0, c: p, ldc: nh)
                  Double.gemm(.transposed, .normal, m: nv, n: nh, k: nb, alpha: 1, a: phi, lda: nv, b: UnsafeBufferPointer(p), ldb: nh, beta: 0, c: g, ldc: nh)
                  guard negativePhase != .exact else { return }
                  if negativePhase == .contrastiveDivergence { for k in 0..<(nb * nv) { v[k] = phi[k] } }
                  PCDUpdate<Double>.gibbsSweeps(c.gibbsSteps, weights: wm.baseAddress!, chains: v.baseAddress!, hidden: h.baseAddress!, transposed: nil,
                                                noise: z.baseAddress!, visible: nv, hiddenUnits: nh, batch: nb, sigmaH: c.sigmaH, mu2: c.mu2,
                                                hiddenBias: eta, usesGemm: true) { generator.fillNormal(UnsafeMutableBufferPointer(start: $0, count: $1)) }
                  Double.gemm(.normal, .normal, m: nb, n: nh, k: nv, alpha: 1, a: UnsafeBufferPointer(v), lda: nv, b: w, ldb: nh, beta: 0, c: p, ldc: nh)
                  Double.gemm(.transposed, .normal, m: nv, n: nh, k: nb, alpha: -1, a: UnsafeBufferPointer(v), lda: nv, b: UnsafeBufferPointer(p), ldb: nh, beta: 1, c: g, ldc: nh)
                }
              }
            }
          }
        }
      }
    }
    rng = generator
    if negativePhase == .exact {
      // G −= |B|·W(μ² − σ_h²WᵀW)⁻¹; the inverse exists exactly when K is positive definite.
      let current = try Matrix(rows: nv, columns: nh, elements: w)
      let m = try Matrix.product(current, .transposed, current, .normal).map { -s2 * $0 }
      var shifted = m
      for a in 0..<nh { shifted[a, a] += c.mu2 }
      let e = try SymmetricEigen(shifted, vectors: true)
      guard let lowest = e.eigenvalues.first, lowest > 0 else {
        throw RBMError.notPositiveDefinite(largestX: c.mu2 - (e.eigenvalues.first ?? 0), mu2: c.mu2)
      }
      let negative = try Matrix.product(current, e.applying { 1 / $0 })
      for k in 0..<(nv * nh) { gradient[k] -= Double(nb) * negative.elements[k] }
    }
    // The authors' step: u ← βu + (1 − β)σ_h²/|B|·G, W ← W + (αu − α(λW)); plain SGD at β = λ = 0.
    let scale = s2 / Double(nb), alpha = learningRate
    for k in 0..<(nv * nh) {
      velocity[k] = c.momentum * velocity[k] + (1 - c.momentum) * (scale * gradient[k])
      w[k] += c.weightDecay != 0 ? alpha * velocity[k] - alpha * (c.weightDecay * w[k]) : alpha * velocity[k]
      if !w[k].isFinite { finite = false }
    }
    updatesDone += 1
    guard finite else { throw RBMError.diverged(step: updatesDone, alpha: c.alpha, batch: c.batch, seed: seed) }
    rbm.weights = try Matrix(rows: nv, columns: nh, elements: w)
  }
}
