import Testing
import DysonCore
@testable import DysonModels

@Suite("The k-sweep transition drawn in one step")
struct KStepTransitionTests {
  /// A W whose largest x = σ_h²·(singular value)² is 0.7 μ², so that M is far from 0 and Mᵏ from M.
  func structuredWeights(visible: Int, hidden: Int, mu2: Double, seed: UInt64) throws -> Matrix<Double> {
    var rng = Xoshiro256StarStar(seed: seed)
    let w = Matrix<Double>.gaussian(rows: visible, columns: hidden, mean: 0, standardDeviation: 1, using: &rng)
    let x = try GaussianRBM(weights: w, mu2: mu2, sigmaH: 1).spectrum()
    return w.map { $0 * (0.7 * mu2 / x.last!).squareRoot() }
  }

  @Test("Mᵏ, Pm and LLᵀ equal k compositions of one sweep's mean map and noise", arguments: [1, 2, 3, 5])
  func matchesComposedSweeps(steps: Int) throws {
    let nv = 7, nh = 4, mu2 = 6.0, sigmaH = 1.3
    let w = try structuredWeights(visible: nv, hidden: nh, mu2: mu2 / (sigmaH * sigmaH), seed: 4)
    let eta = [0.5, -1.0, 0.25, 2.0]
    var transition = KStepTransition<Double>(visible: nv)
    w.elements.withUnsafeBufferPointer {
      transition.prepare(weights: $0.baseAddress!, hidden: nh, sigmaH: sigmaH, mu2: mu2, hiddenBias: eta, steps: steps)
    }
    // One sweep from the conditionals: φ' = Mφ + m + (σ_h/μ²)Wξ + ζ/μ, so Q = (σ_h²/μ⁴)WWᵀ + 1/μ².
    let s2 = sigmaH * sigmaH
    let sweep = (s2 / mu2) * (w * w.transposed())
    let shift = (1 / mu2) * (w * (try Matrix(rows: nh, columns: 1, elements: eta)))
    let q = (s2 / (mu2 * mu2)) * (w * w.transposed()) + (1 / mu2) * Matrix<Double>.identity(nv)
    // k sweeps by composition, with no use of symmetry: mean map A ← M·A, shift c ← M·c + m, Σ ← M·Σ·Mᵀ + Q.
    var a = Matrix<Double>.identity(nv), c = try Matrix<Double>(rows: nv, columns: 1, elements: [Double](repeating: 0, count: nv))
    var sigma = try Matrix<Double>(rows: nv, columns: nv, elements: [Double](repeating: 0, count: nv * nv))
    for _ in 0..<steps {
      a = sweep * a
      c = sweep * c + shift
      sigma = sweep * sigma * sweep.transposed() + q
    }
    let l = try Matrix(rows: nv, columns: nv, elements: transition.factor).transposed()   // factor holds U = Lᵀ
    let llt = l * l.transposed()
    let scale = sigma.elements.map(abs).max()!
    for k in 0..<(nv * nv) {
      #expect(abs(transition.propagator[k] - a.elements[k]) <= 1e-12 * max(1, a.elements.map(abs).max()!), "Mᵏ[\(k)]")
      #expect(abs(llt.elements[k] - sigma.elements[k]) <= 1e-12 * scale, "LLᵀ[\(k)]: \(llt.elements[k]) vs \(sigma.elements[k])")
      if k % nv > k / nv { #expect(l.elements[k] == 0, "L is lower triangular") }
    }
    for i in 0..<nv { #expect(abs(transition.offset[i] - c.elements[i]) <= 1e-12 * max(1, c.elements.map(abs).max()!), "Pm[\(i)]") }
    #expect(scale > 1.2 / mu2)   // the noise is far from the single φ|h draw's 1/μ²
  }

  @Test("One update from all ones: the chains' mean and covariance are the k-sweep law, for both samplers",
        arguments: [PCDConfiguration.Sampler.kstep, .gibbs])
  func oneUpdateLaw(sampler: PCDConfiguration.Sampler) throws {
    var c = PCDConfiguration()
    c.visible = 5; c.hidden = 3; c.alpha = 0; c.batch = 40_000; c.gibbsSteps = 3; c.mu2 = 6; c.sampler = sampler
    let w = try structuredWeights(visible: 5, hidden: 3, mu2: 6, seed: 9)
    var pcd = try PersistentContrastiveDivergence(configuration: c, seed: 3)
    pcd.setWeights(w)
    try pcd.update()
    // The law from the sweeps' algebra, computed here without the transition code: M = WWᵀ/μ²
    // (σ_h = 1, η = 0), mean M³·1, covariance (1 + M + … + M⁵)/μ².
    let m = (1 / 6.0) * (w * w.transposed())
    var power = Matrix<Double>.identity(5), sum = try Matrix<Double>(rows: 5, columns: 5, elements: [Double](repeating: 0, count: 25))
    var cube = power
    for j in 0..<6 { sum += power; power = m * power; if j == 2 { cube = power } }
    let mean = try cube * Matrix(rows: 5, columns: 1, elements: [Double](repeating: 1, count: 5))
    let covariance = (1 / 6.0) * sum
    let n = Double(c.batch)
    var worstMean = 0.0, worstCovariance = 0.0
    for i in 0..<5 {
      let mi = (0..<c.batch).reduce(0.0) { $0 + pcd.buffers.chains[$1 * 5 + i] } / n
      // Standard errors: √(Σ_ii/n) for a mean, ~√(2/n)·Σ_ii-scale for a covariance.
      worstMean = max(worstMean, abs(mi - mean.elements[i]) / (covariance[i, i] / n).squareRoot())
      for j in 0..<5 {
        let mj = (0..<c.batch).reduce(0.0) { $0 + pcd.buffers.chains[$1 * 5 + j] } / n
        let cij = (0..<c.batch).reduce(0.0) { $0 + (pcd.buffers.chains[$1 * 5 + i] - mi) * (pcd.buffers.chains[$1 * 5 + j] - mj) } / (n - 1)
        let se = ((covariance[i, i] * covariance[j, j] + covariance[i, j] * covariance[i, j]) / n).squareRoot()
        worstCovariance = max(worstCovariance, abs(cij - covariance[i, j]) / se)
      }
    }
    print("\(sampler): largest deviations from the k-sweep law: mean \(worstMean)σ, covariance \(worstCovariance)σ")
    #expect(worstMean < 4.5)
    #expect(worstCovariance < 4.5)
    #expect(mean.elements.map(abs).max()! > 0.03)   // M³·1 is ~20 standard errors from 0: the test sees the propagator
  }

  /// The chains' Gram matrix after `updates` updates at fixed W (α = 0), from all ones, over many
  /// independent runs, against its exact law: the |B| rows are independent N(μ, Σₜ) with
  /// μ = (Mᵏ)ᵗ·1 and Σₜ = Σ_{s<t} MᵏˢΣMᵏˢ (Σ the one-update noise), so
  /// E G_ij = |B|(μ_iμ_j + Σₜ_ij) and Var G_ij = |B|(μ_i²Σₜ_jj + μ_j²Σₜ_ii + 2μ_iμ_jΣₜ_ij + Σₜ_iiΣₜ_jj + Σₜ_ij²).
  /// The `gram` sampler meets it with Z₂ drawn (|B| = 7 < 2N_v) and with its Bartlett factor
  /// (|B| = 12); the chains of `kstep` and `gibbs` meet it too.
  @Test("Two updates at fixed W: VᵀV has the exact law, whichever sampler draws it",
        arguments: [(PCDConfiguration.Sampler.gram, 7), (.gram, 12), (.kstep, 12), (.gibbs, 12)] as [(PCDConfiguration.Sampler, Int)])
  func gramLawAfterUpdates(sampler: PCDConfiguration.Sampler, batch: Int) throws {
    let n = 4, runs = 20_000, updates = 2, mu2 = 6.0
    var c = PCDConfiguration()
    c.visible = n; c.hidden = 3; c.alpha = 0; c.batch = batch; c.gibbsSteps = 3; c.mu2 = mu2; c.sampler = sampler
    let w = try structuredWeights(visible: n, hidden: 3, mu2: mu2, seed: 12)
    // The law, from M alone (σ_h = 1, η = 0): Mᵏ = M³, Σ = (1 + M + … + M⁵)/μ².
    let m = (1 / mu2) * (w * w.transposed())
    var power = Matrix<Double>.identity(n), sum = Matrix<Double>(rows: n, columns: n)
    var cube = power
    for j in 0..<6 { sum += power; power = m * power; if j == 2 { cube = power } }
    let noise = (1 / mu2) * sum
    var mean = try Matrix(rows: n, columns: 1, elements: [Double](repeating: 1, count: n))
    var sigma = Matrix<Double>(rows: n, columns: n)
    for _ in 0..<updates { mean = cube * mean; sigma = cube * sigma * cube + noise }
    let b = Double(batch)
    var samples = [[Double]](repeating: [], count: n * n)
    for run in 0..<runs {
      var pcd = try PersistentContrastiveDivergence(configuration: c, seed: 21, stream: UInt64(run))
      pcd.setWeights(w)
      for _ in 0..<updates { try pcd.update() }
      var g = [Double](repeating: 0, count: n * n)
      if PersistentContrastiveDivergence.usesGram(c) {
        g = pcd.buffers.gram
        // The root the next update starts from squares to G.
        for i in 0..<n { for j in 0..<n {
          var xtx = 0.0
          for k in 0..<n { xtx += pcd.buffers.chains[k * n + i] * pcd.buffers.chains[k * n + j] }
          #expect(abs(xtx - g[i * n + j]) <= 1e-12 * g[i * n + i].magnitude.squareRoot() * g[j * n + j].magnitude.squareRoot())
        } }
      } else {
        for row in 0..<batch { for i in 0..<n { for j in 0..<n { g[i * n + j] += pcd.buffers.chains[row * n + i] * pcd.buffers.chains[row * n + j] } } }
      }
      for k in 0..<(n * n) { samples[k].append(g[k]) }
    }
    var worstMean = 0.0, worstVariance = 0.0
    for i in 0..<n { for j in 0..<n {
      let xs = samples[i * n + j], r = Double(runs)
      let mi = mean.elements[i], mj = mean.elements[j]
      let expected = b * (mi * mj + sigma[i, j])
      let variance = b * (mi * mi * sigma[j, j] + mj * mj * sigma[i, i] + 2 * mi * mj * sigma[i, j]
                          + sigma[i, i] * sigma[j, j] + sigma[i, j] * sigma[i, j])
      let sampleMean = xs.reduce(0, +) / r
      let sampleVariance = xs.reduce(0) { $0 + ($1 - sampleMean) * ($1 - sampleMean) } / (r - 1)
      let m4 = xs.reduce(0) { $0 + (($1 - sampleMean) * ($1 - sampleMean)) * (($1 - sampleMean) * ($1 - sampleMean)) } / r
      worstMean = max(worstMean, abs(sampleMean - expected) / (variance / r).squareRoot())
      worstVariance = max(worstVariance, abs(sampleVariance - variance) / ((m4 - sampleVariance * sampleVariance) / r).squareRoot())
    } }
    print("\(sampler), |B| = \(batch): largest deviations from the law of VᵀV: mean \(worstMean)σ, variance \(worstVariance)σ")
    #expect(worstMean < 4.5)
    #expect(worstVariance < 4.5)
    // The test can tell: the fixed-W noise is far from the single-sweep 1/μ², and the mean is visible.
    #expect(sigma[0, 0] > 1.2 / mu2)
    #expect(mean.elements.map(abs).max()! > 0.05)
  }

  @Test("With |B| ≤ N_v the gram sampler is kstep, bit for bit")
  func gramIsKStepForSmallBatches() throws {
    var c = PCDConfiguration()
    c.visible = 6; c.hidden = 4; c.batch = 6; c.sampler = .kstep
    var kstep = try PersistentContrastiveDivergence(configuration: c, seed: 2, stream: 5)
    c.sampler = .gram
    var gram = try PersistentContrastiveDivergence(configuration: c, seed: 2, stream: 5)
    for _ in 0..<50 { try kstep.update(); try gram.update() }
    #expect(gram.rbm.weights.elements == kstep.rbm.weights.elements)
  }
}
