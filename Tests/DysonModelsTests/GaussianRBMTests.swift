import Foundation
import Testing
import DysonCore
@testable import DysonModels
import DysonTestSupport

@Suite("Gaussian RBM: target, exact gradient, Gibbs sampler, PCD learning")
struct GaussianRBMTests {
  @Test("Lattice free field: κ_k = m² + 2 − 2cos(2πk/N) and K_φ·K_φ⁻¹ = 1")
  func freeField() throws {
    let f = try LatticeFreeField(sites: 10, mass2: 4)
    let exact = LatticeFreeField.analyticEigenvalues(sites: 10, mass2: 4)
    #expect(zip(f.eigenvalues, exact).allSatisfy { abs($0 - $1) < 1e-12 })
    #expect(abs(exact[1] - 4.381966011250105) < 1e-12 && abs(exact[9] - 8) < 1e-12)
    let identity = try Matrix.product(f.kernel, f.covariance)
    for i in 0..<10 { for j in 0..<10 { #expect(abs(identity[i, j] - (i == j ? 1 : 0)) < 1e-12) } }
  }

  @Test("Exact gradient σ_h²(Σ − K⁻¹)W equals central differences of the log-likelihood")
  func gradientAgainstFiniteDifferences() throws {
    var rng = Xoshiro256StarStar(seed: 3)
    let raw = Matrix<Double>.gaussian(rows: 5, columns: 3, mean: 0, standardDeviation: 1, using: &rng)
    // Scale W so that the largest x = σ_h²ξ² is half of μ²: K is safely positive definite.
    let top = try GaussianRBM(weights: raw, mu2: 4, sigmaH: 1.3).spectrum().last!
    let w = raw.map { $0 * (0.5 * 4 / top).squareRoot() }
    let rbm = GaussianRBM(weights: w, mu2: 4, sigmaH: 1.3)
    let sigma = try LatticeFreeField(sites: 5, mass2: 1).covariance
    let g = try rbm.exactGradient(dataCovariance: sigma)
    for i in 0..<5 {
      for a in 0..<3 {
        let fd = centralDifference(step: 1e-5) { t in
          var shifted = rbm
          shifted.weights[i, a] += t
          return try! shifted.logLikelihood(dataCovariance: sigma)
        }
        #expect(abs(fd - g[i, a]) < 1e-7 * max(1, abs(g[i, a])), "∂L/∂W[\(i),\(a)]: finite difference \(fd), exact \(g[i, a])")
      }
    }
  }

  @Test("The persistent chains sample the marginal: ⟨φφᵀ⟩ → K⁻¹", arguments: [PCDConfiguration.Sampler.kstep, .gibbs, .gram])
  func chainMoments(sampler: PCDConfiguration.Sampler) throws {
    var c = PCDConfiguration()
    c.visible = 6; c.hidden = 4; c.alpha = 0; c.batch = 32; c.gibbsSteps = 2; c.sampler = sampler
    var pcd = try PersistentContrastiveDivergence(configuration: c, seed: 1)
    // A W with structure: x up to ~0.7 μ², so K⁻¹ is far from 1/μ².
    var rng = Xoshiro256StarStar(seed: 2)
    let w = Matrix<Double>.gaussian(rows: 6, columns: 4, mean: 0, standardDeviation: 1.0, using: &rng)
    let x = try GaussianRBM(weights: w, mu2: 9, sigmaH: 1).spectrum()
    pcd = try PersistentContrastiveDivergence(configuration: c, seed: 1)
    pcd.setWeights(w.map { $0 * (0.7 * 9 / x.last!).squareRoot() })
    let rbm = pcd.rbm
    let k = rbm.kernel
    let kInverse = try SymmetricEigen(k, vectors: true).applying { 1 / $0 }
    for _ in 0..<50 { try pcd.update() }                   // burn in from the all-ones start
    var moment = [Double](repeating: 0, count: 36)
    let updates = 3000
    for _ in 0..<updates {
      try pcd.update()
      if sampler == .gram {   // the chains' Gram matrix VᵀV, drawn without the chains
        for k in 0..<36 { moment[k] += pcd.buffers.gram[k] }
      } else {
        for b in 0..<32 { for i in 0..<6 { for j in 0..<6 { moment[i * 6 + j] += pcd.buffers.chains[b * 6 + i] * pcd.buffers.chains[b * 6 + j] } } }
      }
    }
    let n = Double(updates * 32)
    let scale = (0..<6).map { kInverse[$0, $0] }.max()!
    var worst = 0.0
    for i in 0..<6 { for j in 0..<6 { worst = max(worst, abs(moment[i * 6 + j] / n - kInverse[i, j]) / scale) } }
    print("\(sampler) ⟨φφᵀ⟩ vs K⁻¹: largest deviation \(worst) of the largest variance \(scale) (1/μ² = \(1.0 / 9))")
    #expect(scale > 0.2)                                   // the test is not trivially near 1/μ²
    #expect(worst < 0.03)
  }

  @Test("From Marchenko–Pastur at t = 0, PCD learns x_s = μ² − κ (pair means within 3 %)")
  func learnsTheSpectrum() throws {
    // m² = 1 keeps the slowest (ultraviolet) mode's escape rate 2α(1/κ − 1/μ²) at 0.18α, so 3000
    // updates suffice; with m² = 4 the κ = 8 mode needs ~5× longer (infrared modes learn first).
    var c = PCDConfiguration()
    c.visible = 6; c.hidden = 6; c.mass2 = 1; c.alpha = 0.05; c.batch = 64; c.updates = 4000
    var pcd = try PersistentContrastiveDivergence(configuration: c, seed: 7)
    let initial = try pcd.rbm.spectrum()
    #expect(initial.last! < 0.5)                                   // MP with Mσ² = 0.06 at t = 0
    // Average the sorted spectrum over the last 1000 updates: a single snapshot fluctuates by
    // ~2 % at this α/|B| (next test), the time average by well under 1 %.
    var average = [Double](repeating: 0, count: 6), samples = 0.0
    for step in 0..<c.updates {
      try pcd.update()
      if step >= c.updates - 1000 && step % 10 == 0 {
        for (k, x) in try pcd.rbm.spectrum().sorted(by: >).enumerated() { average[k] += x }
        samples += 1
      }
    }
    let learned = average.map { $0 / samples }
    let target = LatticeFreeField.analyticEigenvalues(sites: 6, mass2: 1).map { 9 - $0 }.sorted(by: >)
    print("learned ⟨x⟩ = \(learned.map { ($0 * 1000).rounded() / 1000 }), target μ² − κ = \(target)")
    // Modes 0 and 5 are single; (1, 2) and (3, 4) are degenerate pairs: compare their means, since
    // the members repel by an amount ∝ √(α/|B|) (the next test).
    for group in [[0], [1, 2], [3, 4], [5]] {
      let x = group.map { learned[$0] }.reduce(0, +) / Double(group.count)
      let t = group.map { target[$0] }.reduce(0, +) / Double(group.count)
      #expect(abs(x - t) < 0.03 * t, "modes \(group): learned \(x), target \(t)")
    }
  }

  @Test("x_s is a fixed point whose fluctuations shrink as α/|B| does (4× smaller α → ~2× smaller spread)")
  func fluctuationsShrinkWithTheRatio() throws {
    func spread(alpha: Double) throws -> Double {
      var c = PCDConfiguration()
      c.visible = 6; c.hidden = 6; c.mass2 = 1; c.alpha = alpha; c.batch = 32
      var pcd = try PersistentContrastiveDivergence(configuration: c, seed: 11)
      // Start on the target: W = V·diag(√(μ² − κ)), V the eigenvectors of K_φ, so σ_h²WᵀW has x_s exactly.
      let e = try SymmetricEigen(pcd.target.kernel, vectors: true)
      pcd.setWeights(Matrix(rows: 6, columns: 6) { i, a in e.eigenvectors![i, a] * (9 - e.eigenvalues[a]).squareRoot() })
      let target = e.eigenvalues.map { 9 - $0 }.sorted()
      var sum = 0.0, count = 0.0
      for step in 0..<1500 {
        try pcd.update()
        if step >= 500 && step % 10 == 0 {
          let x = try pcd.rbm.spectrum()
          for (a, b) in zip(x, target) { sum += (a - b) * (a - b) / (b * b); count += 1 }
        }
      }
      return (sum / count).squareRoot()
    }
    let large = try spread(alpha: 0.05), small = try spread(alpha: 0.0125)
    print("relative rms of x − x_s: α/|B| = \(0.05 / 32): \(large); α/|B| = \(0.0125 / 32): \(small)")
    #expect(small < 0.02)
    #expect(large / small > 1.4 && large / small < 2.9)
  }

  @Test("A learning rate that blows up is reported with the update, α, |B| and seed")
  func divergence() throws {
    var c = PCDConfiguration()
    c.alpha = 1e6; c.updates = 50
    var pcd = try PersistentContrastiveDivergence(configuration: c, seed: 5)
    var caught: RBMError?
    do { for _ in 0..<c.updates { try pcd.update() } } catch let e as RBMError { caught = e }
    guard case let .diverged(step, alpha, batch, seed)? = caught else { Issue.record("no divergence reported"); return }
    #expect(step >= 1 && step <= 50 && alpha == 1e6 && batch == 16 && seed == 5)
    #expect(caught!.description.contains("alpha = 1000000.0"))
  }

  @Test("PCD's momentum averages the gradient (the authors' form): over many steps it moves W as far as plain SGD, not 1/(1 − β) as far")
  func momentumAveragesInPCD() throws {
    // A tiny α keeps W nearly constant, and both runs draw the same chains; the averaged steps add
    // up to the plain ones but for the last few (a heavy ball would move W about 2× as far at β = ½).
    var c = PCDConfiguration()
    c.alpha = 1e-6
    func displacement(momentum: Double) throws -> [Double] {
      c.momentum = momentum
      var pcd = try PersistentContrastiveDivergence(configuration: c, seed: 8)
      let start = pcd.rbm.weights.elements
      for _ in 0..<200 { try pcd.update() }
      return zip(pcd.rbm.weights.elements, start).map { $0 - $1 }
    }
    let plain = try displacement(momentum: 0), averaged = try displacement(momentum: 0.5)
    let ratio = zip(averaged, plain).map { $0 * $1 }.reduce(0, +) / plain.map { $0 * $0 }.reduce(0, +)
    #expect(abs(ratio - 1) < 0.1, "ratio \(ratio)")
  }

  @Test("Runs are reproducible: same seed and stream, same weights bit for bit")
  func reproducible() throws {
    var c = PCDConfiguration()
    c.updates = 20
    var a = try PersistentContrastiveDivergence(configuration: c, seed: 9, stream: 4)
    var b = try PersistentContrastiveDivergence(configuration: c, seed: 9, stream: 4)
    var other = try PersistentContrastiveDivergence(configuration: c, seed: 9, stream: 5)
    for _ in 0..<20 { try a.update(); try b.update(); try other.update() }
    #expect(a.rbm.weights.elements == b.rbm.weights.elements)
    #expect(a.rbm.weights.elements != other.rbm.weights.elements)
  }
}

@Suite("PCD: the gemm path")
struct PCDGemmPathTests {
  @Test("gemm and loop paths give the same update to rounding",
        arguments: [PCDConfiguration.PositivePhase.analytic, .sampled],
                   [(PCDConfiguration.Sampler.kstep, 9), (.gibbs, 9), (.gram, 20), (.gram, 30)] as [(PCDConfiguration.Sampler, Int)])
  func pathsAgree(phase: PCDConfiguration.PositivePhase, sampler: (PCDConfiguration.Sampler, Int)) throws {
    var c = PCDConfiguration()
    c.visible = 12; c.hidden = 7; c.batch = sampler.1; c.momentum = 0.5; c.weightDecay = 0.01; c.positivePhase = phase
    c.sampler = sampler.0
    var loops = try PersistentContrastiveDivergence(configuration: c, seed: 4)
    var gemm = try PersistentContrastiveDivergence(configuration: c, seed: 4)
    loops.usesGemm = false
    gemm.usesGemm = true
    for _ in 0..<5 { try loops.update(); try gemm.update() }
    let a = loops.rbm.weights.elements, b = gemm.rbm.weights.elements
    let worst = zip(a, b).map { abs($0 - $1) }.max()!
    #expect(worst < 1e-12 * max(1, a.map(abs).max()!), "largest difference \(worst)")
  }
}

@Suite("Gaussian RBM on data: exact samples and data-driven PCD")
struct RBMDataTests {
  /// A 6×3 W with x up to 0.8 μ², so K⁻¹ is far from 1/μ².
  func structuredRBM() throws -> GaussianRBM {
    var rng = Xoshiro256StarStar(seed: 12)
    let raw = Matrix<Double>.gaussian(rows: 6, columns: 3, mean: 0, standardDeviation: 1, using: &rng)
    let top = try GaussianRBM(weights: raw, mu2: 4, sigmaH: 0.8).spectrum().last!
    return GaussianRBM(weights: raw.map { $0 * (0.8 * 4 / top).squareRoot() }, mu2: 4, sigmaH: 0.8)
  }

  @Test("Exact samples have covariance K⁻¹ (4σ of the sampling error per entry)")
  func exactSamples() throws {
    let rbm = try structuredRBM()
    let kInverse = try SymmetricEigen(rbm.kernel, vectors: true).applying { 1 / $0 }
    var rng = Xoshiro256StarStar(seed: 4)
    let n = 40_000
    let phi = try rbm.samples(n, using: &rng)
    let moment = try Matrix.product(phi, .transposed, phi, .normal)
    for i in 0..<6 {
      for j in 0..<6 {
        let estimate = moment[i, j] / Double(n)
        // Var(φᵢφⱼ) = ΣᵢᵢΣⱼⱼ + Σᵢⱼ² for a Gaussian.
        let error = ((kInverse[i, i] * kInverse[j, j] + kInverse[i, j] * kInverse[i, j]) / Double(n)).squareRoot()
        #expect(abs(estimate - kInverse[i, j]) < 4 * error, "⟨φ\(i)φ\(j)⟩ = \(estimate), K⁻¹ = \(kInverse[i, j]) ± \(error)")
      }
    }
    let spectrum = try rbm.covarianceSpectrum()
    let exact = try SymmetricEigen(kInverse).eigenvalues.sorted(by: >)
    #expect(zip(spectrum, exact).allSatisfy { abs($0 - $1) < 1e-10 * $1 })
  }

  @Test("PCD and CD-k on samples of a known Gaussian learn its top N_h covariance eigenvalues; the rest stay at 1/μ²",
        arguments: [DataPCD.NegativePhase.chains, .contrastiveDivergence])
  func dataPCDLearnsCovariance(_ phase: DataPCD.NegativePhase) throws {
    // Data: independent N(0, cᵢ) pixels. Three variances above 1/μ² = 1/6 to learn, the rest below.
    // CD-1 has the likelihood's fixed point (a chain started in the model's law stays in it).
    let variances = [1.0, 0.6, 0.4, 0.1, 0.1, 0.08, 0.05, 0.02]
    var rng = Xoshiro256StarStar(seed: 21)
    let data = Matrix<Double>(rows: 20_000, columns: 8) { _, i in variances[i].squareRoot() * rng.normal() }
    var c = PCDConfiguration()
    c.hidden = 3; c.mu2 = 6; c.alpha = 0.015; c.batch = 64; c.gibbsSteps = phase == .chains ? 3 : 1
    var pcd = try DataPCD(data: data, configuration: c, negativePhase: phase, seed: 5)
    for _ in 0..<1500 { try pcd.update() }
    // The final W fluctuates around the fixed point: average the spectrum over 1000 more updates.
    var learned = [Double](repeating: 0, count: 8)
    for step in 1...1000 {
      try pcd.update()
      if step % 10 == 0 { for (i, v) in try pcd.rbm.covarianceSpectrum().enumerated() { learned[i] += v / 100 } }
    }
    print("data \(phase): learned covariance \(learned.prefix(4)) vs data \(variances.prefix(4)); 1/μ² = \(1 / c.mu2); \(pcd.epochsDone) epochs")
    for i in 0..<3 { #expect(abs(learned[i] / variances[i] - 1) < 0.05, "mode \(i): \(learned[i]) vs \(variances[i])") }
    for i in 3..<8 { #expect(abs(learned[i] - 1 / c.mu2) < 1e-9) }
  }

  @Test("CD-k starts its chains at the mini-batch: the update does not depend on the chains before it; PCD's does")
  func contrastiveDivergenceRestartsChains() throws {
    var rng = Xoshiro256StarStar(seed: 3)
    let data = Matrix<Double>(rows: 64, columns: 5) { _, _ in rng.normal() }
    var c = PCDConfiguration()
    c.hidden = 4; c.mu2 = 6; c.alpha = 0.01; c.batch = 8; c.gibbsSteps = 2
    for phase in [DataPCD.NegativePhase.contrastiveDivergence, .chains] {
      var a = try DataPCD(data: data, configuration: c, negativePhase: phase, seed: 9)
      var b = a
      var moved = b.state
      moved.chains = moved.chains.map { 3 * $0 + 1 }
      try b.restore(moved)
      try a.update(); try b.update()
      #expect((a.rbm.weights.elements == b.rbm.weights.elements) == (phase == .contrastiveDivergence), "\(phase)")
    }
  }

  @Test("The step decays by lr_decay after each epoch, as a product of the factors")
  func learningRateDecay() throws {
    var rng = Xoshiro256StarStar(seed: 4)
    let data = Matrix<Double>(rows: 32, columns: 3) { _, _ in rng.normal() }
    var c = PCDConfiguration()
    c.hidden = 2; c.mu2 = 6; c.alpha = 0.02; c.batch = 8
    var pcd = try DataPCD(data: data, configuration: c, negativePhase: .contrastiveDivergence, seed: 2)
    pcd.learningRateDecay = 0.5
    var steps: [Double] = []
    for _ in 0..<12 {
      let before = pcd.rbm.weights.elements
      try pcd.update()
      steps.append(pcd.learningRate)
      #expect(pcd.rbm.weights.elements != before)
    }
    // 4 mini-batches, so 4 updates, per epoch; the update that opens an epoch takes that epoch's step.
    #expect(steps == [0.02, 0.02, 0.02, 0.02, 0.01, 0.01, 0.01, 0.01, 0.005, 0.005, 0.005, 0.005])
    #expect(pcd.epochsDone == 2)
    // And the update takes that step: with and without decay, the same W through epoch 0, then
    // the first update of epoch 1 moves W half as far (same W, batch and normals, so same gradient).
    var constant = try DataPCD(data: data, configuration: c, negativePhase: .contrastiveDivergence, seed: 2)
    var halved = constant
    halved.learningRateDecay = 0.5
    for _ in 0..<4 { try constant.update(); try halved.update() }
    #expect(constant.rbm.weights.elements == halved.rbm.weights.elements)
    let before = constant.rbm.weights.elements
    try constant.update(); try halved.update()
    for k in before.indices {
      let full = constant.rbm.weights.elements[k] - before[k], half = halved.rbm.weights.elements[k] - before[k]
      #expect(abs(half - 0.5 * full) <= 1e-12 * max(abs(before[k]), 1e-300), "entry \(k): \(half) vs \(full)")
    }
  }

  @Test("Momentum averages the gradient as the authors' code does (u ← βu + (1 − β)g): the step tends to αg, not αg/(1 − β)")
  func momentumIsAnAverage() throws {
    // A tiny α keeps W, and so the gradient, nearly constant; the batch is the whole data set and
    // the negative phase exact, so the gradient has no noise. After n steps the EMA form has moved
    // W by αg(n − β(1 − βⁿ)/(1 − β)) ≈ (n − 1)αg at β = ½, against nαg without momentum (heavy ball: ≈ 2nαg).
    var rng = Xoshiro256StarStar(seed: 6)
    let data = Matrix<Double>(rows: 16, columns: 4) { _, _ in rng.normal() }
    var c = PCDConfiguration()
    c.hidden = 3; c.mu2 = 6; c.alpha = 1e-7; c.batch = 16
    func displacement(momentum: Double) throws -> [Double] {
      c.momentum = momentum
      var pcd = try DataPCD(data: data, configuration: c, negativePhase: .exact, seed: 2)
      let start = pcd.rbm.weights.elements
      for _ in 0..<50 { try pcd.update() }
      return zip(pcd.rbm.weights.elements, start).map { $0 - $1 }
    }
    let plain = try displacement(momentum: 0), averaged = try displacement(momentum: 0.5)
    let ratio = zip(averaged, plain).map { $0 * $1 }.reduce(0, +) / plain.map { $0 * $0 }.reduce(0, +)
    #expect(abs(ratio - 49.0 / 50) < 0.005, "ratio \(ratio)")
  }

  @Test("Bad data are refused with a clear error")
  func badData() throws {
    var c = PCDConfiguration()
    c.batch = 8
    #expect(throws: RBMError.self) { try DataPCD(data: Matrix(rows: 4, columns: 3, repeating: 0), configuration: c, seed: 1) }
    var nan = Matrix<Double>(rows: 10, columns: 3, repeating: 0)
    nan[2, 1] = .nan
    #expect { try DataPCD(data: nan, configuration: c, seed: 1) } throws: { "\($0)".contains("NaN") }
  }
}
