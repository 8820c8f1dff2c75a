import DysonCore
import Foundation

/// One PCD weight update (Docs/Science.md §2.4), written once for one run (`Value == Double`,
/// `PersistentContrastiveDivergence`) and for four runs in the lanes of `SIMD4<Double>`
/// (`VectorizedPCD`). Every sum runs in the same order for both value types, so a lane computes
/// exactly what the scalar run does; one run of N_v·N_h ≥ 1024 may take its products through
/// the packed gemm instead (`usesGemm`, Double only), which changes the order of additions only.
///
/// The steps, all on the caller's buffers:
///   1. the chains advance k sweeps: h|φ = η + σ_h²VW + σ_h ξ, φ|h = HWᵀ/μ² + ξ/μ (sampler
///      `gibbs`), or by the exact k-step transition (`kstep`), or their Gram matrix (`gram`);
///   2. D = T − VᵀV/|B|, T = K_φ⁻¹ (analytic) or the second moment of |B| exact field samples;
///   3. the authors' step: u ← βu + (1 − β)σ_h²DW, W ← W + (αu − α(λW)): plain SGD at β = λ = 0;
///      or Adam on g = σ_h²DW (`PCDConfiguration.UpdateRule`). σ_h²DW is the log-likelihood
///      gradient (`GaussianRBM.exactGradient`).
struct PCDUpdate<Value: PCDValue> {
  let configuration: PCDConfiguration
  /// W (N_v × N_h), the chains V (|B| × N_v, or the Gram root N_v × N_v), hidden states
  /// (|B| × N_h), Wᵀ scratch (N_h × N_v), normals (|B| × max(N_v, N_h)), D (N_v × N_v), the
  /// momentum buffer u or Adam's first moment m (N_v × N_h), VᵀV (N_v × N_v), and for Adam the
  /// gradient g and the second moment v (N_v × N_h).
  let weights, chains, hidden, transposed, noise, moment, velocity, gram, gradient, secondMoment: UnsafeMutablePointer<Value>
  let hiddenBias, targetMoment, targetFactor: [Double]
  /// Products through `Double.gemm` (one run only).
  let usesGemm: Bool
  /// t, the number of this update from 1 (Adam's bias correction).
  let step: Int

  /// Runs the update. `normals(p, n)` fills p[0..<n] with standard normals, `bartlett(p)` the
  /// N_v × N_v Bartlett factor of a Wishart matrix with |B| − N_v degrees: each lane from its own
  /// generator, in the scalar run's order. Returns Σ W·0 over the new weights: NaN in a lane
  /// exactly when one of its weights stopped being finite.
  func run(transition: inout KStepTransition<Value>, normals: (UnsafeMutablePointer<Value>, Int) -> Void,
           bartlett: (UnsafeMutablePointer<Value>) -> Void) -> Value {
    precondition(!usesGemm || Value.self == Double.self, "PCDUpdate: gemm is for Double")
    let c = configuration
    let nv = c.visible, nh = c.hidden, nb = c.batch
    let s2 = c.sigmaH * c.sigmaH
    let (w, v, h, z) = (weights, chains, hidden, noise)

    // 1. The chains.
    let usesGram = PersistentContrastiveDivergence.usesGram(c)
    if usesGram {
      // Z₁ (N_v × N_v), then Z₂ ((|B| − N_v) × N_v) or the Bartlett factor of Z₂ᵀZ₂.
      let bottom = PersistentContrastiveDivergence.gramBottom(c)
      if bottom.isBartlett {
        normals(z, nv * nv)
        bartlett(z + nv * nv)
      } else {
        normals(z, nb * nv)
      }
      transition.prepare(weights: w, hidden: nh, sigmaH: c.sigmaH, mu2: c.mu2, hiddenBias: hiddenBias, steps: c.gibbsSteps, usesGemm: usesGemm)
      transition.advanceGram(root: v, noise: z, bottom: z + nv * nv, bottomRows: bottom.rows, bottomIsBartlett: bottom.isBartlett,
                             gram: gram, usesGemm: usesGemm)
    } else if c.sampler != .gibbs {
      normals(z, nb * nv)
      transition.prepare(weights: w, hidden: nh, sigmaH: c.sigmaH, mu2: c.mu2, hiddenBias: hiddenBias, steps: c.gibbsSteps, usesGemm: usesGemm)
      transition.advance(chains: v, noise: z, batch: nb, usesGemm: usesGemm)
    } else {
      Self.gibbsSweeps(c.gibbsSteps, weights: w, chains: v, hidden: h, transposed: transposed, noise: z, visible: nv, hiddenUnits: nh,
                       batch: nb, sigmaH: c.sigmaH, mu2: c.mu2, hiddenBias: hiddenBias, usesGemm: usesGemm, normals: normals)
    }

    // 2. D = T − VᵀV/|B|: positive minus negative second moment.
    let d = moment
    if c.positivePhase == .analytic {
      for k in 0..<(nv * nv) { d[k] = Value(broadcasting: targetMoment[k]) }
    } else {
      for k in 0..<(nv * nv) { d[k] = .zero }
      // |B| exact field samples φ = Ly (L the lower Cholesky factor of K_φ⁻¹).
      let y = UnsafeMutablePointer<Value>.allocate(capacity: 2 * nv)
      defer { y.deallocate() }
      let phi = y + nv
      for _ in 0..<nb {
        normals(y, nv)
        for i in 0..<nv { var s = Value.zero; for j in 0...i { s += targetFactor[i * nv + j] * y[j] }; phi[i] = s }
        for i in 0..<nv { for j in 0..<nv { d[i * nv + j] += phi[i] * phi[j] / Value(broadcasting: Double(nb)) } }
      }
    }
    let scale = 1 / Double(nb)
    if usesGram {
      for k in 0..<(nv * nv) { d[k] += -scale * gram[k] }
    } else if usesGemm {
      Double.gemm(.transposed, .normal, m: nv, n: nv, k: nb, alpha: -scale, a: Self.doubles(v, nb * nv), lda: nv, b: Self.doubles(v, nb * nv), ldb: nv,
                  beta: 1, c: Self.mutableDoubles(d, nv * nv), ldc: nv)
    } else {
      // Row i of D gains Σ_b (−V_bi/|B|)·V_b (adding −x is subtracting x, bit for bit).
      for i in 0..<nv {
        accumulateRows(into: d + i * nv, count: nv, terms: nb, coefficients: v + i, coefficientStride: nv, scale: -scale, rows: v, rowStride: nv)
      }
    }

    // 3. u ← βu + (1 − β)σ_h²DW, then W ← W + (αu − α(λW)); or Adam on g = σ_h²DW.
    let adam = c.optimizer == .adam
    let u = adam ? gradient : velocity
    let beta = adam ? 0 : c.momentum
    for k in 0..<(nv * nh) { u[k] = adam ? .zero : beta * u[k] }
    let s2u = s2 * (1 - beta)
    if usesGemm {
      Double.gemm(.normal, .normal, m: nv, n: nh, k: nv, alpha: s2u, a: Self.doubles(d, nv * nv), lda: nv, b: Self.doubles(w, nv * nh), ldb: nh,
                  beta: 1, c: Self.mutableDoubles(u, nv * nh), ldc: nh)
    } else {
      for i in 0..<nv {
        accumulateRows(into: u + i * nh, count: nh, terms: nv, coefficients: d + i * nv, coefficientStride: 1, scale: s2u, rows: w, rowStride: nh)
      }
    }
    if adam { adamMoments() }
    return c.weightDecay != 0 ? self.step(decays: true) : self.step(decays: false)
  }

  /// Adam's moments from the gradient in `gradient`, which then holds the direction.
  private func adamMoments() {
    let c = configuration
    Self.adamDirection(gradient: gradient, firstMoment: velocity, secondMoment: secondMoment, count: c.visible * c.hidden,
                       beta1: c.adamBeta1, beta2: c.adamBeta2, epsilon: c.adamEpsilon, step: step)
  }

  /// m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², then g ← m/(√v/√(1 − β₂ᵗ) + ε): the direction that,
  /// times α/(1 − β₁ᵗ), is PyTorch's Adam step (its bias corrections folded as in `Optimizer`).
  static func adamDirection(gradient g: UnsafeMutablePointer<Value>, firstMoment m: UnsafeMutablePointer<Value>,
                            secondMoment v: UnsafeMutablePointer<Value>, count: Int, beta1 b1: Double, beta2 b2: Double,
                            epsilon: Double, step: Int) {
    let root = Value(broadcasting: (1 - pow(b2, Double(step))).squareRoot()), eps = Value(broadcasting: epsilon)
    for k in 0..<count {
      m[k] = b1 * m[k] + (1 - b1) * g[k]
      v[k] = b2 * v[k] + (1 - b2) * (g[k] * g[k])
      g[k] = m[k] / (v[k].squareRootWithoutErrno() / root + eps)
    }
  }

  /// k block-Gibbs sweeps of the |B| chains V at weights W: h|φ = η + σ_h²VW + σ_h ξ, then k times
  /// φ|h = HWᵀ/μ² + ξ/μ (each but the last followed by h|φ: the authors' loop ends with a hidden
  /// sample that the next update overwrites before any use, and skipping it leaves the chains' law
  /// unchanged). Without gemm the products are row sums in a fixed order (`accumulateRows`), with
  /// Wᵀ in `transposed` so that φ|h reads rows too. Also `DataPCD`'s negative phase.
  static func gibbsSweeps(_ steps: Int, weights w: UnsafeMutablePointer<Value>, chains v: UnsafeMutablePointer<Value>,
                          hidden h: UnsafeMutablePointer<Value>, transposed: UnsafeMutablePointer<Value>?, noise z: UnsafeMutablePointer<Value>,
                          visible nv: Int, hiddenUnits nh: Int, batch nb: Int, sigmaH: Double, mu2: Double, hiddenBias: [Double],
                          usesGemm: Bool, normals: (UnsafeMutablePointer<Value>, Int) -> Void) {
    precondition(usesGemm ? Value.self == Double.self : transposed != nil, "PCDUpdate: gemm is for Double; the row sums need Wᵀ")
    let s2 = sigmaH * sigmaH, invMu2 = 1 / mu2, noiseV = 1 / mu2.squareRoot()
    if let transposed, !usesGemm { for i in 0..<nv { for a in 0..<nh { transposed[a * nv + i] = w[i * nh + a] } } }
    // h|φ: row b of H is (η + σ_h ξ_b) + Σᵢ (σ_h²V_bi)·W_i.
    func sampleHidden() {
      normals(z, nb * nh)
      for b in 0..<nb {
        for a in 0..<nh { h[b * nh + a] = Value(broadcasting: hiddenBias[a]) + sigmaH * z[b * nh + a] }
        if !usesGemm {
          accumulateRows(into: h + b * nh, count: nh, terms: nv, coefficients: v + b * nv, coefficientStride: 1, scale: s2, rows: w, rowStride: nh)
        }
      }
      if usesGemm {
        Double.gemm(.normal, .normal, m: nb, n: nh, k: nv, alpha: s2, a: doubles(v, nb * nv), lda: nv, b: doubles(w, nv * nh), ldb: nh,
                    beta: 1, c: mutableDoubles(h, nb * nh), ldc: nh)
      }
    }
    // φ|h: V = HWᵀ/μ² + ξ/μ; row b of HWᵀ is Σₐ H_ba·(Wᵀ)_a.
    func sampleVisible() {
      normals(z, nb * nv)
      if usesGemm {
        for k in 0..<(nb * nv) { v[k] = noiseV * z[k] }
        Double.gemm(.normal, .transposed, m: nb, n: nv, k: nh, alpha: invMu2, a: doubles(h, nb * nh), lda: nh, b: doubles(w, nv * nh), ldb: nh,
                    beta: 1, c: mutableDoubles(v, nb * nv), ldc: nv)
        return
      }
      for b in 0..<nb {
        let row = v + b * nv
        accumulateRows(into: row, count: nv, terms: nh, coefficients: h + b * nh, coefficientStride: 1, scale: 1, rows: transposed!, rowStride: nv,
                       overwrite: true)
        for i in 0..<nv { row[i] = Value(broadcasting: invMu2) * row[i] + noiseV * z[b * nv + i] }
      }
    }
    sampleHidden()
    for sweep in 0..<steps {
      sampleVisible()
      if sweep + 1 < steps { sampleHidden() }
    }
  }

  /// W ← W + (αu − α(λW)), returning Σ W·0 in four partial sums (one chain would put every
  /// entry's addition behind the last: 2 % of an update, measured). The L2 test is outside the
  /// loop (inside, it cost 2–3 % of an update).
  @inline(__always) private func step(decays: Bool) -> Value {
    let c = configuration, count = c.visible * c.hidden
    let adam = c.optimizer == .adam
    let (w, u) = (weights, adam ? gradient : velocity)
    // Adam: W ← W + ((α/(1 − β₁ᵗ))·D̂ − α(λW)); SGD: W ← W + (αu − α(λW)).
    let rate = adam ? c.alpha / (1 - pow(c.adamBeta1, Double(step))) : c.alpha
    var partial = (Value.zero, Value.zero, Value.zero, Value.zero)
    @inline(__always) func update(_ k: Int) -> Value {
      let x = decays ? w[k] + (rate * u[k] - c.alpha * (c.weightDecay * w[k])) : w[k] + rate * u[k]
      w[k] = x
      return 0 * x
    }
    var k = 0
    while k + 4 <= count {
      partial.0 += update(k); partial.1 += update(k + 1); partial.2 += update(k + 2); partial.3 += update(k + 3)
      k += 4
    }
    while k < count { partial.0 += update(k); k += 1 }
    return (partial.0 + partial.1) + (partial.2 + partial.3)
  }

  // The gemm path runs only for Value == Double (checked by the callers).
  private static func doubles(_ p: UnsafeMutablePointer<Value>, _ n: Int) -> UnsafeBufferPointer<Double> {
    UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: Double.self), count: n)
  }
  private static func mutableDoubles(_ p: UnsafeMutablePointer<Value>, _ n: Int) -> UnsafeMutableBufferPointer<Double> {
    UnsafeMutableBufferPointer(start: UnsafeMutableRawPointer(p).assumingMemoryBound(to: Double.self), count: n)
  }
}

/// The buffers of `PCDUpdate` that live as long as a run (or four lanes): the chains, which
/// persist, and the scratch of one update, allocated once.
struct PCDBuffers<Value: PCDValue>: Sendable {
  /// Chains V (|B| × N_v; with the Gram update their root X, N_v × N_v, XᵀX = VᵀV), hidden states
  /// (|B| × N_h), Wᵀ, normals for one half-sweep, D = T − C, the momentum buffer u, and VᵀV.
  var chains, hidden, transposed, noise, moment, velocity, gram: [Value]
  /// Adam's gradient and second moment (empty with SGD).
  var gradient, secondMoment: [Value]

  /// Chains at all ones (the authors' start), or their Gram root; zeros elsewhere.
  init(_ c: PCDConfiguration) {
    chains = PersistentContrastiveDivergence.usesGram(c) ? KStepTransition<Value>.initialRoot(batch: c.batch, visible: c.visible)
                                                          : [Value](repeating: Value(broadcasting: 1), count: c.batch * c.visible)
    hidden = [Value](repeating: .zero, count: c.batch * c.hidden)
    transposed = [Value](repeating: .zero, count: c.visible * c.hidden)
    noise = [Value](repeating: .zero, count: c.batch * max(c.visible, c.hidden))
    moment = [Value](repeating: .zero, count: c.visible * c.visible)
    velocity = [Value](repeating: .zero, count: c.visible * c.hidden)
    gram = [Value](repeating: .zero, count: c.visible * c.visible)
    let adam = c.optimizer == .adam
    gradient = [Value](repeating: .zero, count: adam ? c.visible * c.hidden : 1)
    secondMoment = gradient
  }

  /// One update of `weights` (`PCDUpdate.run`) on these buffers.
  mutating func update(_ weights: inout [Value], step: Int, configuration: PCDConfiguration, hiddenBias: [Double], targetMoment: [Double],
                       targetFactor: [Double], usesGemm: Bool, transition: inout KStepTransition<Value>,
                       normals: (UnsafeMutablePointer<Value>, Int) -> Void, bartlett: (UnsafeMutablePointer<Value>) -> Void) -> Value {
    weights.withUnsafeMutableBufferPointer { w in
      chains.withUnsafeMutableBufferPointer { v in
        hidden.withUnsafeMutableBufferPointer { h in
          transposed.withUnsafeMutableBufferPointer { t in
            noise.withUnsafeMutableBufferPointer { z in
              moment.withUnsafeMutableBufferPointer { d in
                velocity.withUnsafeMutableBufferPointer { u in
                  gram.withUnsafeMutableBufferPointer { g in
                    gradient.withUnsafeMutableBufferPointer { gradient in
                      secondMoment.withUnsafeMutableBufferPointer { second in
                        PCDUpdate(configuration: configuration, weights: w.baseAddress!, chains: v.baseAddress!, hidden: h.baseAddress!,
                                  transposed: t.baseAddress!, noise: z.baseAddress!, moment: d.baseAddress!, velocity: u.baseAddress!,
                                  gram: g.baseAddress!, gradient: gradient.baseAddress!, secondMoment: second.baseAddress!,
                                  hiddenBias: hiddenBias, targetMoment: targetMoment, targetFactor: targetFactor, usesGemm: usesGemm, step: step)
                          .run(transition: &transition, normals: normals, bartlett: bartlett)
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}
