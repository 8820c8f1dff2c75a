import DysonCore
import Foundation

/// Four independent PCD runs in lock step, one per lane of `SIMD4<Double>`: the ensemble kernel
/// for small RBMs (the default 10×10), where one run's matrices are too small to fill a vector.
///
/// Each lane is exactly the run `PersistentContrastiveDivergence(configuration:seed:stream:)`
/// makes: the same initial W, the same normals (lane k draws from stream k by the same ziggurat),
/// and the same operations in the same order, so a lane's weights equal the scalar run's bit for
/// bit whichever runs share its vector (a test holds it to that). Lanes never mix: a lane that
/// diverges carries NaN along while the others go on, and its failure is kept.
public struct VectorizedPCD: Sendable {
  /// Runs per vector (lanes of `SIMD4<Double>`).
  public static let width = 4
  /// The hyperparameters, shared by the lanes.
  public let configuration: PCDConfiguration
  /// The seed whose streams the lanes draw from.
  public let seed: UInt64
  /// The stream (run index) of each lane.
  public let streams: [UInt64]
  public private(set) var updatesDone = 0
  /// Per lane: the error that ended it (divergence), nil while it is healthy.
  public private(set) var failures: [RBMError?]
  var generators: (Xoshiro256StarStar, Xoshiro256StarStar, Xoshiro256StarStar, Xoshiro256StarStar)
  /// Interleaved by lane, in the scalar run's layouts: W (N_v × N_h), chains V (|B| × N_v, or the Gram root),
  /// hidden states H (|B| × N_h), velocity, normals for one half-sweep, D = T − C (N_v × N_v).
  var weights: [SIMD4<Double>]
  var chains: [SIMD4<Double>]
  var hiddenStates: [SIMD4<Double>]
  var velocity: [SIMD4<Double>]
  var noise: [SIMD4<Double>]
  var moment: [SIMD4<Double>]
  /// VᵀV, sampler `gram`.
  var gram: [SIMD4<Double>]
  /// Wᵀ, rebuilt at the start of each update.
  var transposed: [SIMD4<Double>]
  let targetMoment: [Double]
  let targetFactor: [Double]
  let hiddenBias: [Double]
  var transition: KStepTransition<SIMD4<Double>>

  /// Runs `streams` (one to four) of `seed`; with fewer than four, the last stream fills the
  /// spare lanes, whose results are ignored.
  public init(configuration c: PCDConfiguration, seed: UInt64, streams: [UInt64]) throws {
    precondition((1...Self.width).contains(streams.count), "VectorizedPCD: 1…4 streams, got \(streams.count)")
    let lanes = streams + [UInt64](repeating: streams.last!, count: Self.width - streams.count)
    let runs = try lanes.map { try PersistentContrastiveDivergence(configuration: c, seed: seed, stream: $0) }
    configuration = c
    self.seed = seed
    self.streams = streams
    failures = [RBMError?](repeating: nil, count: Self.width)
    generators = (runs[0].rng, runs[1].rng, runs[2].rng, runs[3].rng)
    let w = runs.map(\.rbm.weights.elements)
    weights = (0..<(c.visible * c.hidden)).map { k in SIMD4(w[0][k], w[1][k], w[2][k], w[3][k]) }
    chains = PersistentContrastiveDivergence.usesGram(c) ? KStepTransition<SIMD4<Double>>.initialRoot(batch: c.batch, visible: c.visible)
                                                          : [SIMD4<Double>](repeating: SIMD4(repeating: 1), count: c.batch * c.visible)
    gram = [SIMD4<Double>](repeating: .zero, count: c.visible * c.visible)
    hiddenStates = [SIMD4<Double>](repeating: .zero, count: c.batch * c.hidden)
    velocity = [SIMD4<Double>](repeating: .zero, count: c.visible * c.hidden)
    noise = [SIMD4<Double>](repeating: .zero, count: c.batch * max(c.visible, c.hidden))
    moment = [SIMD4<Double>](repeating: .zero, count: c.visible * c.visible)
    transposed = [SIMD4<Double>](repeating: .zero, count: c.visible * c.hidden)
    targetMoment = runs[0].targetMoment
    targetFactor = runs[0].targetFactor
    hiddenBias = runs[0].rbm.hiddenBias
    transition = KStepTransition(visible: c.visible)
  }

  /// Lane `lane`'s machine (its W in a `GaussianRBM`), for spectra and checks.
  public func rbm(lane: Int) -> GaussianRBM {
    let c = configuration
    let w = try! Matrix(rows: c.visible, columns: c.hidden, elements: weights.map { $0[lane] })  // shape holds by construction
    return GaussianRBM(weights: w, mu2: c.mu2, sigmaH: c.sigmaH, hiddenBias: hiddenBias)
  }

  /// Marks a lane as failed (e.g. K stopped being positive definite at a check).
  public mutating func fail(lane: Int, _ error: RBMError) {
    if failures[lane] == nil { failures[lane] = error }
  }

  /// One weight update of every lane: the scalar `update()` with `Double` replaced by a vector.
  public mutating func update() {
    let c = configuration
    let nv = c.visible, nh = c.hidden, nb = c.batch
    let s2 = c.sigmaH * c.sigmaH, invMu2 = 1 / c.mu2, noiseV = 1 / c.mu2.squareRoot()
    let usesGram = PersistentContrastiveDivergence.usesGram(c)
    var lanes = generators
    var nonFinite = SIMD4<Double>.zero
    var transition = KStepTransition<SIMD4<Double>>(visible: 0)   // moved out, not copied: no copy-on-write
    swap(&transition, &self.transition)
    defer { swap(&transition, &self.transition) }
    noise.withUnsafeMutableBufferPointer { z in
     transposed.withUnsafeMutableBufferPointer { transposed in
      chains.withUnsafeMutableBufferPointer { v in
        hiddenStates.withUnsafeMutableBufferPointer { h in
          weights.withUnsafeMutableBufferPointer { w in
            // Lane k's normals come from generator k in the scalar run's order.
            func fillNoise(_ count: Int) {
              Xoshiro256StarStar.fillNormal(UnsafeMutableBufferPointer(rebasing: z[0..<count]), lanes: &lanes)
            }
            let zp = z.baseAddress!, vp = v.baseAddress!, hp = h.baseAddress!, wp = w.baseAddress!
            let wtp = transposed.baseAddress!
            // Wᵀ (N_h × N_v), so that φ|h reads rows too. W changes only at the end of the update.
            if c.sampler == .gibbs { for i in 0..<nv { for a in 0..<nh { wtp[a * nv + i] = wp[i * nh + a] } } }
            // h|φ: H = η + σ_h²VW + σ_h ξ; row b of H is (η + σ_h ξ_b) + Σᵢ (σ_h²V_bi)·W_i.
            func sampleHidden() {
              fillNoise(nb * nh)
              for b in 0..<nb {
                let hRow = hp + b * nh, zRow = zp + b * nh
                for a in 0..<nh { hRow[a] = hiddenBias[a] + c.sigmaH * zRow[a] }
                accumulateRows(into: hRow, count: nh, terms: nv, coefficients: vp + b * nv, coefficientStride: 1, scale: s2, rows: wp, rowStride: nh)
              }
            }
            // φ|h: V = HWᵀ/μ² + ξ/μ; row b of HWᵀ is Σₐ H_ba·(Wᵀ)_a.
            func sampleVisible() {
              fillNoise(nb * nv)
              for b in 0..<nb {
                let vRow = vp + b * nv, zRow = zp + b * nv
                for i in 0..<nv { vRow[i] = .zero }
                accumulateRows(into: vRow, count: nv, terms: nh, coefficients: hp + b * nh, coefficientStride: 1, scale: 1, rows: wtp, rowStride: nv)
                for i in 0..<nv { vRow[i] = vRow[i] * invMu2 + noiseV * zRow[i] }
              }
            }
            if usesGram {
              // Lane k draws Z₁, then Z₂ or its Bartlett factor, from generator k as the scalar run.
              let bottom = PersistentContrastiveDivergence.gramBottom(c)
              let r = zp + nv * nv
              if bottom.isBartlett {
                fillNoise(nv * nv)
                UnsafeMutableRawPointer(r).withMemoryRebound(to: Double.self, capacity: 4 * nv * nv) { r in
                  lanes.0.fillBartlettFactor(r, stride: 4, degrees: nb - nv, size: nv)
                  lanes.1.fillBartlettFactor(r + 1, stride: 4, degrees: nb - nv, size: nv)
                  lanes.2.fillBartlettFactor(r + 2, stride: 4, degrees: nb - nv, size: nv)
                  lanes.3.fillBartlettFactor(r + 3, stride: 4, degrees: nb - nv, size: nv)
                }
              } else {
                fillNoise(nb * nv)
              }
              transition.prepare(weights: wp, hidden: nh, sigmaH: c.sigmaH, mu2: c.mu2, hiddenBias: hiddenBias, steps: c.gibbsSteps)
              gram.withUnsafeMutableBufferPointer { g in
                transition.advanceGram(root: vp, noise: zp, bottom: r, bottomRows: bottom.rows, bottomIsBartlett: bottom.isBartlett,
                                       gram: g.baseAddress!)
              }
            } else if c.sampler != .gibbs {
              fillNoise(nb * nv)
              transition.prepare(weights: wp, hidden: nh, sigmaH: c.sigmaH, mu2: c.mu2, hiddenBias: hiddenBias, steps: c.gibbsSteps)
              transition.advance(chains: vp, noise: zp, batch: nb)
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
              // D = T − VᵀV/|B|.
              if c.positivePhase == .analytic {
                for k in 0..<(nv * nv) { d[k] = SIMD4(repeating: targetMoment[k]) }
              } else {
                for k in 0..<(nv * nv) { d[k] = .zero }
                var phi = [SIMD4<Double>](repeating: .zero, count: nv), y = phi
                for _ in 0..<nb {
                  y.withUnsafeMutableBufferPointer { Xoshiro256StarStar.fillNormal($0, lanes: &lanes) }
                  for i in 0..<nv { var s = SIMD4<Double>.zero; for j in 0...i { s += targetFactor[i * nv + j] * y[j] }; phi[i] = s }
                  for i in 0..<nv { for j in 0..<nv { d[i * nv + j] += phi[i] * phi[j] / Double(nb) } }
                }
              }
              // Row i of D gains Σ_b (−V_bi/|B|)·V_b (adding −x is subtracting x, bit for bit).
              let scale = 1 / Double(nb)
              let dp = d.baseAddress!
              if usesGram {
                for k in 0..<(nv * nv) { dp[k] += -scale * gram[k] }
              } else {
                for i in 0..<nv {
                  accumulateRows(into: dp + i * nv, count: nv, terms: nb, coefficients: vp + i, coefficientStride: nv, scale: -scale, rows: vp, rowStride: nv)
                }
              }
              // The authors' step: u ← βu + (1 − β)σ_h²DW, W ← W + (αu − α(λW)) (plain SGD at β = λ = 0).
              velocity.withUnsafeMutableBufferPointer { u in
                let up = u.baseAddress!
                for k in 0..<(nv * nh) { up[k] = c.momentum * up[k] }
                for i in 0..<nv {
                  accumulateRows(into: up + i * nh, count: nh, terms: nv, coefficients: dp + i * nv, coefficientStride: 1,
                                 scale: s2 * (1 - c.momentum), rows: wp, rowStride: nh)
                }
                // NaN in a lane as soon as one of its entries is ±∞ or NaN; four partial sums, as one
                // would chain every entry's addition behind the last (2 % of an update, measured).
                // Raw pointers and the new value kept in a register: through the buffers, each store
                // made the compiler reload the base address and the value just stored. The L2 test
                // is outside the loop (inside, it cost 2–3 % of an update).
                @inline(__always) func sweep(decays: Bool) -> SIMD4<Double> {
                  var partial = (SIMD4<Double>.zero, SIMD4<Double>.zero, SIMD4<Double>.zero, SIMD4<Double>.zero)
                  @inline(__always) func step(_ k: Int) -> SIMD4<Double> {
                    let x = decays ? wp[k] + (c.alpha * up[k] - c.alpha * (c.weightDecay * wp[k])) : wp[k] + c.alpha * up[k]
                    wp[k] = x
                    return x * 0
                  }
                  var k = 0
                  while k + 4 <= nv * nh {
                    partial.0 += step(k); partial.1 += step(k + 1); partial.2 += step(k + 2); partial.3 += step(k + 3)
                    k += 4
                  }
                  while k < nv * nh { partial.0 += step(k); k += 1 }
                  return (partial.0 + partial.1) + (partial.2 + partial.3)
                }
                nonFinite = c.weightDecay != 0 ? sweep(decays: true) : sweep(decays: false)
              }
            }
          }
        }
      }
     }
    }
    generators = lanes
    updatesDone += 1
    for lane in 0..<Self.width where nonFinite[lane].isNaN && failures[lane] == nil {
      failures[lane] = .diverged(step: updatesDone, alpha: c.alpha, batch: c.batch, seed: seed)
    }
  }

  /// Whether the lanes beat one scalar run per task: below N_v·N_h = 1024, where the scalar run
  /// stops using gemm.
  public static func suits(_ c: PCDConfiguration) -> Bool { !PersistentContrastiveDivergence.prefersGemm(c) }
}
