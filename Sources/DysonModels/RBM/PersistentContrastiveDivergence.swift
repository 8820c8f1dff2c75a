import DysonCore
import Foundation

/// Persistent contrastive divergence for the Gaussian RBM as the authors' code (Docs/Science.md
/// §2.4): |B| chains start at all ones and persist across updates; each update draws h from the
/// chains, runs k block-Gibbs sweeps (φ, then h) — step for step with sampler `gibbs`, or as their
/// exact k-step transition with `kstep` (`KStepTransition`) — and takes
///   ΔW = σ_h²(⟨φφᵀ⟩_target − C)W,  C = VᵀV/|B| (raw second moment),  W ← W + αΔW.
/// (The gradient of log p: ∂(−½φᵀKφ)/∂W = σ_h²φφᵀW, minus its model average; see `GaussianRBM`.)
/// The update itself is `PCDUpdate`, shared with `VectorizedPCD`.
public struct PersistentContrastiveDivergence: Sendable {
  /// The machine, as trained so far.
  public private(set) var rbm: GaussianRBM
  /// The hyperparameters.
  public let configuration: PCDConfiguration
  /// The field the RBM learns.
  public let target: LatticeFreeField
  /// Updates taken.
  public private(set) var updatesDone = 0
  var rng: Xoshiro256StarStar
  let seed: UInt64
  /// The chains and the update's scratch.
  var buffers: PCDBuffers<Double>
  /// The target moment T = K_φ⁻¹.
  let targetMoment: [Double]
  /// Whether the products go through gemm: from N_v·N_h = 1024 (32×32) on the packed kernel wins;
  /// below, its call and packing overhead exceed the work (10×10: plain loops). The two paths
  /// differ in the order of additions only. Internal and settable for the test that compares them.
  var usesGemm: Bool
  /// Lower Cholesky factor of K_φ⁻¹, for sampled positive phases.
  let targetFactor: [Double]
  /// The k-sweep transition, refreshed at every update (sampler `kstep`).
  var transition: KStepTransition<Double>

  /// A run with W ~ N(0, initialScale²) drawn from stream `stream` of `seed`.
  public init(configuration c: PCDConfiguration, seed: UInt64, stream: UInt64 = 0) throws {
    precondition(c.visible >= 3 && c.hidden >= 1 && c.batch >= 1 && c.gibbsSteps >= 1, "PCD: bad configuration \(c)")
    var rng = Xoshiro256StarStar(seed: seed, stream: stream)
    let w = Matrix<Double>.gaussian(rows: c.visible, columns: c.hidden, mean: 0, standardDeviation: c.initialScale, using: &rng)
    rbm = GaussianRBM(weights: w, mu2: c.mu2, sigmaH: c.sigmaH)
    configuration = c
    target = try LatticeFreeField(sites: c.visible, mass2: c.mass2)
    self.rng = rng
    self.seed = seed
    buffers = PCDBuffers(c)
    targetMoment = target.covariance.elements
    guard let factor = Cholesky(target.covariance.elements, n: c.visible) else {
      throw RBMError.invalidData("the target covariance K⁻¹ is not positive definite (m² = \(c.mass2))")
    }
    targetFactor = factor.lower
    usesGemm = Self.prefersGemm(c)
    transition = KStepTransition(visible: c.visible)
  }

  /// One weight update (`PCDUpdate`). Throws `RBMError.diverged` naming the update and
  /// hyperparameters when W stops being finite.
  public mutating func update() throws {
    let c = configuration
    var w = rbm.weights.elements
    var generator = rng          // a local copy: no exclusivity checks in the loops
    var transition = KStepTransition<Double>(visible: 0)   // moved out, not copied: no copy-on-write
    swap(&transition, &self.transition)
    defer { swap(&transition, &self.transition) }
    let nonFinite = buffers.update(&w, step: updatesDone + 1, configuration: c, hiddenBias: rbm.hiddenBias, targetMoment: targetMoment, targetFactor: targetFactor,
                                   usesGemm: usesGemm, transition: &transition,
                                   normals: { generator.fillNormal(UnsafeMutableBufferPointer(start: $0, count: $1)) },
                                   bartlett: { generator.fillBartlettFactor($0, degrees: c.batch - c.visible, size: c.visible) })
    rng = generator
    updatesDone += 1
    guard !nonFinite.isNaN else { throw RBMError.diverged(step: updatesDone, alpha: c.alpha, batch: c.batch, seed: seed) }
    rbm.weights = try Matrix(rows: c.visible, columns: c.hidden, elements: w)
  }
}

extension PersistentContrastiveDivergence {
  /// From N_v·N_h = 1024 (32×32) on, the update's products go through the packed gemm; below,
  /// its call and packing overhead exceed the work. (Also where `VectorizedPCD` stops paying.)
  static func prefersGemm(_ c: PCDConfiguration) -> Bool { c.visible * c.hidden >= 1024 }

  /// Whether the update draws the chains' Gram matrix instead of the chains: sampler `gram`
  /// with more chains than visible units (below, the chains are already the smaller form).
  static func usesGram(_ c: PCDConfiguration) -> Bool { c.sampler == .gram && c.batch > c.visible }

  /// The |B| − N_v pure-noise rows of the Gram update: Z₂ itself while it has fewer rows than
  /// columns, else its Bartlett factor (N_v rows, N_v χ draws; measured: the χ draws cost more
  /// than the normals and products they save below that).
  static func gramBottom(_ c: PCDConfiguration) -> (rows: Int, isBartlett: Bool) {
    let m = c.batch - c.visible
    return m >= c.visible ? (c.visible, true) : (m, false)
  }

  /// Replaces W (e.g. to resume from a checkpoint or to test the sampler at a chosen W).
  public mutating func setWeights(_ w: Matrix<Double>) {
    precondition(w.rows == configuration.visible && w.columns == configuration.hidden, "setWeights: shape \(w.rows)×\(w.columns)")
    rbm.weights = w
  }
}
