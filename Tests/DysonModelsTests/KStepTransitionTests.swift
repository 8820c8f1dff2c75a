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
      let mi = (0..<c.batch).reduce(0.0) { $0 + pcd.chains[$1 * 5 + i] } / n
      // Standard errors: √(Σ_ii/n) for a mean, ~√(2/n)·Σ_ii-scale for a covariance.
      worstMean = max(worstMean, abs(mi - mean.elements[i]) / (covariance[i, i] / n).squareRoot())
      for j in 0..<5 {
        let mj = (0..<c.batch).reduce(0.0) { $0 + pcd.chains[$1 * 5 + j] } / n
        let cij = (0..<c.batch).reduce(0.0) { $0 + (pcd.chains[$1 * 5 + i] - mi) * (pcd.chains[$1 * 5 + j] - mj) } / (n - 1)
        let se = ((covariance[i, i] * covariance[j, j] + covariance[i, j] * covariance[i, j]) / n).squareRoot()
        worstCovariance = max(worstCovariance, abs(cij - covariance[i, j]) / se)
      }
    }
    print("\(sampler): largest deviations from the k-sweep law: mean \(worstMean)σ, covariance \(worstCovariance)σ")
    #expect(worstMean < 4.5)
    #expect(worstCovariance < 4.5)
    #expect(mean.elements.map(abs).max()! > 0.03)   // M³·1 is ~20 standard errors from 0: the test sees the propagator
  }
}
