import DysonCore
import Foundation

/// Persistent contrastive divergence for the Gaussian RBM as the authors' code (Docs/Science.md
/// §2.4): |B| chains start at all ones and persist across updates; each update draws h from the
/// chains, runs k block-Gibbs sweeps (φ, then h) — step for step with sampler `gibbs`, or as their
/// exact k-step transition with `kstep` (`KStepTransition`) — and takes
///   ΔW = σ_h²(⟨φφᵀ⟩_target − C)W,  C = VᵀV/|B| (raw second moment),  W ← W + αΔW.
/// (The gradient of log p: ∂(−½φᵀKφ)/∂W = σ_h²φφᵀW, minus its model average; see `GaussianRBM`.)
public struct PersistentContrastiveDivergence: Sendable {
  public private(set) var rbm: GaussianRBM
  /// The hyperparameters.
  public let configuration: PCDConfiguration
  /// The field the RBM learns.
  public let target: LatticeFreeField
  public private(set) var updatesDone = 0
  var rng: Xoshiro256StarStar
  let seed: UInt64
  /// Chains V (|B| × N_v; with the Gram update, their root X, N_v × N_v, XᵀX = VᵀV), hidden
  /// states H (|B| × N_h), momentum buffer, target moment T.
  var chains: [Double]
  var hiddenStates: [Double]
  var velocity: [Double]
  /// Scratch: normals for one sweep, D = T − C, and VᵀV (sampler `gram`).
  var noise: [Double]
  var moment: [Double]
  var gram: [Double]
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
    chains = Self.usesGram(c) ? KStepTransition<Double>.initialRoot(batch: c.batch, visible: c.visible)
                              : [Double](repeating: 1, count: c.batch * c.visible)
    gram = [Double](repeating: 0, count: c.visible * c.visible)
    hiddenStates = [Double](repeating: 0, count: c.batch * c.hidden)
    velocity = [Double](repeating: 0, count: c.visible * c.hidden)
    noise = [Double](repeating: 0, count: c.batch * max(c.visible, c.hidden))
    moment = [Double](repeating: 0, count: c.visible * c.visible)
    targetMoment = target.covariance.elements
    guard let factor = Cholesky(target.covariance.elements, n: c.visible) else {
      throw RBMError.invalidData("the target covariance K⁻¹ is not positive definite (m² = \(c.mass2))")
    }
    targetFactor = factor.lower
    usesGemm = Self.prefersGemm(c)
    transition = KStepTransition(visible: c.visible)
  }

  /// One weight update. Throws `RBMError.diverged` naming the update and hyperparameters when
  /// W stops being finite.
  public mutating func update() throws {
    let c = configuration
    let nv = c.visible, nh = c.hidden, nb = c.batch
    let s2 = c.sigmaH * c.sigmaH, invMu2 = 1 / c.mu2, noiseV = 1 / c.mu2.squareRoot()
    var w = rbm.weights.elements
    let eta = rbm.hiddenBias
    var generator = rng          // a local copy: no exclusivity checks in the loops
    let usesGemm = self.usesGemm, usesGram = Self.usesGram(c)
    var finite = true
    var transition = KStepTransition<Double>(visible: 0)   // moved out, not copied: no copy-on-write
    swap(&transition, &self.transition)
    defer { swap(&transition, &self.transition) }
    noise.withUnsafeMutableBufferPointer { z in
      chains.withUnsafeMutableBufferPointer { v in
        hiddenStates.withUnsafeMutableBufferPointer { h in
          w.withUnsafeMutableBufferPointer { w in
            // h|φ: H = η + σ_h²VW + σ_h ξ, accumulated row by row so the inner loop is contiguous.
            func sampleHidden() {
              generator.fillNormal(UnsafeMutableBufferPointer(rebasing: z[0..<(nb * nh)]))
              for b in 0..<nb {
                let row = b * nh
                for a in 0..<nh { h[row + a] = eta[a] + c.sigmaH * z[row + a] }
                if usesGemm { continue }
                for i in 0..<nv {
                  let vi = s2 * v[b * nv + i]
                  let wi = i * nh
                  for a in 0..<nh { h[row + a] += vi * w[wi + a] }
                }
              }
              if usesGemm {
                Double.gemm(.normal, .normal, m: nb, n: nh, k: nv, alpha: s2, a: UnsafeBufferPointer(v), lda: nv,
                            b: UnsafeBufferPointer(w), ldb: nh, beta: 1, c: h, ldc: nh)
              }
            }
            // φ|h: V = HWᵀ/μ² + ξ/μ; each element a dot product of two contiguous rows.
            func sampleVisible() {
              generator.fillNormal(UnsafeMutableBufferPointer(rebasing: z[0..<(nb * nv)]))
              if usesGemm {
                for k in 0..<(nb * nv) { v[k] = noiseV * z[k] }
                Double.gemm(.normal, .transposed, m: nb, n: nv, k: nh, alpha: invMu2, a: UnsafeBufferPointer(h), lda: nh,
                            b: UnsafeBufferPointer(w), ldb: nh, beta: 1, c: v, ldc: nv)
                return
              }
              for b in 0..<nb {
                for i in 0..<nv {
                  var s = 0.0
                  for a in 0..<nh { s += h[b * nh + a] * w[i * nh + a] }
                  v[b * nv + i] = s * invMu2 + noiseV * z[b * nv + i]
                }
              }
            }
            if usesGram {
              // Z₁ (N_v × N_v), then Z₂ ((|B| − N_v) × N_v) or the Bartlett factor of Z₂ᵀZ₂.
              let bottom = Self.gramBottom(c)
              if bottom.isBartlett {
                generator.fillNormal(UnsafeMutableBufferPointer(rebasing: z[0..<(nv * nv)]))
                generator.fillBartlettFactor(z.baseAddress! + nv * nv, degrees: nb - nv, size: nv)
              } else {
                generator.fillNormal(UnsafeMutableBufferPointer(rebasing: z[0..<(nb * nv)]))
              }
              transition.prepare(weights: w.baseAddress!, hidden: nh, sigmaH: c.sigmaH, mu2: c.mu2, hiddenBias: eta,
                                 steps: c.gibbsSteps, usesGemm: usesGemm)
              gram.withUnsafeMutableBufferPointer { g in
                transition.advanceGram(root: v.baseAddress!, noise: z.baseAddress!, bottom: z.baseAddress! + nv * nv,
                                       bottomRows: bottom.rows, bottomIsBartlett: bottom.isBartlett, gram: g.baseAddress!,
                                       usesGemm: usesGemm)
              }
            } else if c.sampler != .gibbs {
              generator.fillNormal(UnsafeMutableBufferPointer(rebasing: z[0..<(nb * nv)]))
              transition.prepare(weights: w.baseAddress!, hidden: nh, sigmaH: c.sigmaH, mu2: c.mu2, hiddenBias: eta,
                                 steps: c.gibbsSteps, usesGemm: usesGemm)
              transition.advance(chains: v.baseAddress!, noise: z.baseAddress!, batch: nb, usesGemm: usesGemm)
            } else {
              // The authors' loop ends each sweep with a hidden sample that the next update overwrites
              // before any use (the gradient needs V only): skipping it leaves the chain's law unchanged.
              sampleHidden()
              for sweep in 0..<c.gibbsSteps {
                sampleVisible()
                if sweep + 1 < c.gibbsSteps { sampleHidden() }
              }
            }
            moment.withUnsafeMutableBufferPointer { d in
              // D = T − VᵀV/|B|: positive minus negative second moment.
              if c.positivePhase == .analytic {
                for k in 0..<(nv * nv) { d[k] = targetMoment[k] }
              } else {
                for k in 0..<(nv * nv) { d[k] = 0 }
                var phi = [Double](repeating: 0, count: nv), y = [Double](repeating: 0, count: nv)
                for _ in 0..<nb {
                  for i in 0..<nv { y[i] = generator.normal() }
                  for i in 0..<nv { var s = 0.0; for j in 0...i { s += targetFactor[i * nv + j] * y[j] }; phi[i] = s }
                  for i in 0..<nv { for j in 0..<nv { d[i * nv + j] += phi[i] * phi[j] / Double(nb) } }
                }
              }
              let scale = 1 / Double(nb)
              if usesGram {
                for k in 0..<(nv * nv) { d[k] += -scale * gram[k] }
              } else if usesGemm {
                Double.gemm(.transposed, .normal, m: nv, n: nv, k: nb, alpha: -scale, a: UnsafeBufferPointer(v), lda: nv,
                            b: UnsafeBufferPointer(v), ldb: nv, beta: 1, c: d, ldc: nv)
              } else {
                for b in 0..<nb {
                  for i in 0..<nv {
                    let vi = scale * v[b * nv + i]
                    for j in 0..<nv { d[i * nv + j] -= vi * v[b * nv + j] }
                  }
                }
              }
              // The authors' step (their `momentum`, `L2`): u ← βu + (1 − β)σ_h²DW, then
              // W ← W + (αu − α(λW)); plain SGD at β = λ = 0.
              velocity.withUnsafeMutableBufferPointer { u in
                for k in 0..<(nv * nh) { u[k] = c.momentum * u[k] }
                let s2u = s2 * (1 - c.momentum)
                if usesGemm {
                  Double.gemm(.normal, .normal, m: nv, n: nh, k: nv, alpha: s2u, a: UnsafeBufferPointer(d), lda: nv,
                              b: UnsafeBufferPointer(w), ldb: nh, beta: 1, c: u, ldc: nh)
                } else {
                  for i in 0..<nv {
                    for j in 0..<nv {
                      let dij = s2u * d[i * nv + j]
                      for a in 0..<nh { u[i * nh + a] += dij * w[j * nh + a] }
                    }
                  }
                }
                for k in 0..<(nv * nh) {
                  w[k] += c.weightDecay != 0 ? c.alpha * u[k] - c.alpha * (c.weightDecay * w[k]) : c.alpha * u[k]
                  if !w[k].isFinite { finite = false }
                }
              }
            }
          }
        }
      }
    }
    rng = generator
    updatesDone += 1
    guard finite else { throw RBMError.diverged(step: updatesDone, alpha: c.alpha, batch: c.batch, seed: seed) }
    rbm.weights = try Matrix(rows: nv, columns: nh, elements: w)
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
