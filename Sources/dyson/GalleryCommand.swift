import DysonCore
import DysonIO
import DysonPlot
import DysonRMT
import Foundation

/// `dyson gallery`: one example of each kind of figure Dyson draws, each on a random-matrix
/// ensemble whose answer is known — the figures under Docs/figures are made by this command.
enum GalleryCommand {
  static let help = """
  usage: dyson gallery [--out DIR] [--seed S]

  Writes to DIR (default Docs/figures):
    wishart-mp.svg       histogram + theory: WᵀW eigenvalues (64×16, σ² = 1/192) and the MP law
    goe-spacings.svg     multi-panel with caption: GOE unfolded spacings vs the surmise and Poisson,
                         spacing ratios, and the number variance on log axes
    two-level.svg        pooled two-level Coulomb gas samples, the fitted two-level density, Binder U₄
    dbm-relaxation.svg   lines with error bands: ⟨x²⟩(t) of Dyson Brownian motion relaxing to GOE,
                         and Fokker–Planck densities P(x, t) of one RBM mode
    fokker-planck-levels.svg  the one-mode Fokker–Planck Hamiltonian of an RBM mode: U(x), the lowest
                         levels Eₙ with their eigenfunctions, and ψ₀² against P_s
    goe-matrices.png     an image grid: twelve 28×28 GOE matrices
    --seed S             seed (default 1)
  """

  static func run(_ arguments: [String]) async throws {
    let o = try Options(arguments, valued: ["out", "seed"], switches: [])
    let dir = o.string("out") ?? "Docs/figures"
    let seed = try o.seed(default: 1)
    do {
      try wishart(seed: seed).write(to: dir + "/wishart-mp.svg")
      try goe(seed: seed).write(to: dir + "/goe-spacings.svg")
      try twoLevel(seed: seed).write(to: dir + "/two-level.svg")
      try dbm(seed: seed).write(to: dir + "/dbm-relaxation.svg")
      let (levels, energies) = try fokkerPlanckLevels()
      try levels.write(to: dir + "/fokker-planck-levels.svg")
      print("one RBM mode (κ = 4, μ² = 9, g = 0.3): Fokker–Planck levels E₀…E₄ = "
            + energies.prefix(5).map { String(format: "%.4f", $0) }.joined(separator: ", "))
      try AtomicFile.write(goeImages(seed: seed), to: dir + "/goe-matrices.png")
    } catch let e as UsageError { throw e } catch {
      throw RuntimeError(description: "gallery: \(error)")
    }
    print("wrote 6 figures to \(dir)")
  }

  static func wishart(seed: UInt64) throws -> Figure {
    var rng = Xoshiro256StarStar(seed: seed, stream: 1)
    var x: [Double] = []
    for _ in 0..<2000 {
      let w = Matrix<Double>.gaussian(rows: 64, columns: 16, mean: 0, standardDeviation: (1.0 / 192).squareRoot(), using: &rng)
      x += try singularValues(of: w).map { $0 * $0 }
    }
    let fit = try SpectralFit.marchenkoPastur(x, rows: 64, columns: 16)
    let h = Histogram(x)
    let law = MarchenkoPastur(rows: 64, columns: 16, variance: 1.0 / 192)
    let grid = (0...400).map { law.lowerEdge + (law.upperEdge - law.lowerEdge) * Double($0) / 400 }
    var p = Panel(title: "Marchenko–Pastur at initialisation", x: Axis("x (eigenvalue of WᵀW)"), y: Axis("ρ(x)"))
    p.add(.histogram(edges: h.edges, heights: h.density, color: plotPalette[0], label: "2000 samples"))
    p.add(.line(x: grid, y: grid.map(law.density), color: plotPalette[1], width: 1.6, dashed: false, label: "MP, σ² = 1/192"))
    p.add(.line(x: grid, y: grid.map { fit.area * fit.law.density($0) }, color: plotPalette[2], width: 1.2, dashed: true,
                label: String(format: "fit σ²·192 = %.3f, A = %.3f", fit.variance * 192, fit.area)))
    return Figure(p, caption: "Eigenvalues of WᵀW for W of 64×16 with N(0, 1/192) entries (the GPT's key matrices at initialisation) against the Marchenko–Pastur law, r = 1/4.")
  }

  static func goe(seed: UInt64) throws -> Figure {
    var rng = Xoshiro256StarStar(seed: seed, stream: 2)
    var spacings: [Double] = [], ratios: [Double] = [], unfolded: [[Double]] = []
    for _ in 0..<60 {
      var a = Matrix<Double>(rows: 120, columns: 120)
      for i in 0..<120 {
        a[i, i] = 2.0.squareRoot() * rng.normal()
        for j in 0..<i { let v = rng.normal(); a[i, j] = v; a[j, i] = v }
      }
      let x = try SymmetricEigen(a).eigenvalues
      ratios += SpacingRatio.ratios(x)
      let u = Array(Unfolding.polynomial(degree: 9).unfold(x)[30..<90])
      unfolded.append(u)
      spacings += normalizedSpacings(u)
    }
    let s = (0...200).map { 3.5 * Double($0) / 200 }
    let hs = Histogram(spacings, binning: .count(28), range: 0...3.5)
    var a = Panel(title: "(a) spacings", x: Axis("s"), y: Axis("P(s)"))
    a.add(.histogram(edges: hs.edges, heights: hs.density, color: plotPalette[0], label: "GOE 120×120, unfolded"))
    a.add(.line(x: s, y: s.map(WignerSurmise.goe.density), color: plotPalette[1], width: 1.6, dashed: false, label: "surmise β = 1"))
    a.add(.line(x: s, y: s.map(WignerSurmise.poissonDensity), color: plotPalette[2], width: 1.2, dashed: true, label: "Poisson"))
    let hr = Histogram(ratios, binning: .count(20), range: 0...1)
    var b = Panel(title: "(b) spacing ratios", x: Axis("r̃"), y: Axis("P(r̃)"))
    b.add(.histogram(edges: hr.edges, heights: hr.density, color: plotPalette[0], label: String(format: "⟨r̃⟩ = %.4f", mean(ratios))))
    b.add(.verticalLine(x: SpacingRatio.goe, color: plotPalette[1], dashed: true, label: "GOE 0.5307"))
    b.add(.verticalLine(x: SpacingRatio.poisson, color: plotPalette[2], dashed: true, label: "Poisson 0.3863"))
    let lengths = [0.5, 1, 2, 4, 8, 16]
    let sigma2 = lengths.map { l in unfolded.map { numberVariance($0, length: l, windows: 50) } }
    var c = Panel(title: "(c) number variance", x: Axis("L", scale: .log), y: Axis("Σ²(L)", scale: .log))
    c.add(.points(x: lengths, y: sigma2.map(mean), errors: sigma2.map { Moments($0).standardDeviation / Double($0.count).squareRoot() },
                  color: plotPalette[0], label: "GOE"))
    let fine = (0...40).map { 0.5 * pow(32, Double($0) / 40) }
    c.add(.line(x: fine, y: fine.map(goeNumberVariance), color: plotPalette[1], width: 1.6, dashed: false, label: "GOE, large L"))
    c.add(.line(x: fine, y: fine, color: plotPalette[2], width: 1.2, dashed: true, label: "Poisson Σ² = L"))
    return Figure(panels: [a, b, c], columns: 3, caption: "Level statistics of 60 GOE matrices (central half of each spectrum, unfolded with a degree-9 polynomial): spacing distribution against the Wigner surmise, the unfolding-free spacing ratio, and the number variance on log axes with its large-L GOE form.")
  }

  static func twoLevel(seed: UInt64) throws -> Figure {
    let truth = TwoLevelCoulombGas(center: 4.381966, sigma: 0.05)
    var rng = Xoshiro256StarStar(seed: seed, stream: 3)
    let pairs = (0..<7500).map { _ in truth.sample(using: &rng) }
    let pooled = pairs.flatMap { [$0.0, $0.1] }
    let fit = try SpectralFit.twoLevel(pooled)
    let binder = bootstrap(pairs, resamples: 200, seed: seed) { binderCumulant($0.flatMap { [$0.0, $0.1] }) }
    let h = Histogram(pooled)
    let grid = (0...300).map { 4.381966 - 0.25 + 0.5 * Double($0) / 300 }
    var p = Panel(title: "Two-level Coulomb gas", x: Axis("x"), y: Axis("ρ(x)"))
    p.add(.histogram(edges: h.edges, heights: h.density, color: plotPalette[0], label: "7500 pairs, pooled"))
    let fitted = TwoLevelCoulombGas(center: fit.parameters[0], sigma: fit.parameters[1])
    p.add(.line(x: grid, y: grid.map(fitted.density), color: plotPalette[1], width: 1.6, dashed: false,
                label: String(format: "fit σ = %.4f ± %.4f", fit.parameters[1], fit.errors[1])))
    let gauss = grid.map { exp(-pow($0 - 4.381966, 2) / (2 * 1.5 * 0.0025)) / (2 * Double.pi * 1.5 * 0.0025).squareRoot() }
    p.add(.line(x: grid, y: gauss, color: plotPalette[2], width: 1.2, dashed: true, label: "Gaussian, same variance"))
    return Figure(p, caption: String(format: "Exact samples of a doubly degenerate pair (σ = 0.05, the RBM's κ = 4.382): both eigenvalues pooled, never sorted into lower/upper. Binder cumulant U₄ = %.4f ± %.4f (theory −4/27 = −0.1481; a Gaussian gives 0).", binder.value, binder.standardError))
  }

  static func dbm(seed: UInt64) throws -> Figure {
    let n = 12, runs = 24
    let dynamics = DysonBrownianMotion.harmonic(levels: n, g: 1, timeStep: 0.002)
    let times = (0...40).map { 0.1 * Double($0) }
    var curves: [[Double]] = []
    for r in 0..<runs {
      var rng = Xoshiro256StarStar(seed: seed, stream: 100 + UInt64(r))
      let start = (0..<n).map { 0.02 * Double($0) }
      var states = [start]
      states += dynamics.run(from: start, time: times.last!, samples: times.count - 1, using: &rng)
      curves.append(states.map { s in s.reduce(0) { $0 + $1 * $1 } / Double(n) })
    }
    let meanCurve = times.indices.map { t in mean(curves.map { $0[t] }) }
    let error = times.indices.map { t in Moments(curves.map { $0[t] }).standardDeviation / Double(runs).squareRoot() }
    var a = Panel(title: "(a) DBM relaxation", x: Axis("t"), y: Axis("⟨x²⟩"))
    a.add(.band(x: times, lower: zip(meanCurve, error).map(-), upper: zip(meanCurve, error).map(+), color: plotPalette[0], label: "±1 s.e."))
    a.add(.line(x: times, y: meanCurve, color: plotPalette[0], width: 1.6, dashed: false, label: "\(runs) runs, N = \(n)"))
    a.add(.line(x: [0, 4], y: [6.5, 6.5], color: plotPalette[1], width: 1.2, dashed: true, label: "GOE: g²(N+1)/2"))
    let drift = StationaryDistribution.rbmDrift(kappa: 4, mu2: 9)
    let fp = try FokkerPlanckOperator(drift: drift, g: 0.3, lower: 0, upper: 9, points: 300)
    let start = fp.grid.map { exp(-pow($0 - 2, 2) / 0.02) }
    let mass = start.reduce(0, +) * (fp.grid[1] - fp.grid[0])
    var b = Panel(title: "(b) one RBM mode, Fokker–Planck", x: Axis("x"), y: Axis("P(x, t)"))
    for (k, t) in [0.5, 2, 5, 20].enumerated() {
      b.add(.line(x: fp.grid, y: fp.evolve(start.map { $0 / mass }, time: t), color: plotPalette[k], width: 1.3, dashed: false, label: "t = \(t)"))
    }
    let ground = fp.groundState.map { $0 * $0 }
    b.add(.line(x: fp.grid, y: ground, color: "black", width: 1, dashed: true, label: "P_s"))
    return Figure(panels: [a, b], columns: 2, caption: "(a) Dyson Brownian motion of 12 levels in a harmonic well from a squeezed start: the mean square level relaxes to its GOE value (band: one standard error over runs). (b) The density of one RBM mode (κ = 4, μ² = 9, g = 0.3) from x = 2 towards P_s ∝ exp(−V/g²), x_s = 5, by the Fokker–Planck eigenmodes.")
  }

  /// The talk's bound-state picture of one RBM mode: H = −(g²/2)∂² + U(x) with U = (V′)²/(8g²) −
  /// V″/4, a double well on [0, μ²] whose ground state is √P_s at E₀ = 0 (Docs/Science.md §2.7).
  static func fokkerPlanckLevels() throws -> (Figure, [Double]) {
    let kappa = 4.0, mu2 = 9.0, g = 0.3
    let drift = StationaryDistribution.rbmDrift(kappa: kappa, mu2: mu2)
    let fp = try FokkerPlanckOperator(drift: drift, g: g, lower: 0, upper: mu2, points: 600)
    let h = fp.grid[1] - fp.grid[0]
    let shown = fp.grid.indices.filter { fp.potential[$0] < fp.energies[4] + 0.5 * (fp.energies[4] - fp.energies[0]) }
    var a = Panel(title: "(a) U(x) and the lowest levels", x: Axis("x"), y: Axis("energy"))
    a.add(.line(x: shown.map { fp.grid[$0] }, y: shown.map { fp.potential[$0] }, color: "black", width: 1.4, dashed: false, label: "U(x)"))
    let spacing = fp.energies[1] - fp.energies[0]
    for n in 0..<5 {
      let psi = (0..<fp.grid.count).map { fp.modes[$0, n] }
      let top = psi.map(abs).max()!
      a.add(.line(x: fp.grid, y: psi.map { fp.energies[n] + 0.4 * spacing * $0 / top }, color: plotPalette[n % plotPalette.count],
                  width: 1.1, dashed: false, label: String(format: "E%d = %.3f", n, fp.energies[n])))
    }
    let ps = StationaryDistribution(drift: drift, g: g, lower: 1e-9, upper: mu2 - 1e-9, points: 20001)
    let ground = fp.groundState.map { $0 * $0 }
    let norm = ground.reduce(0, +) * h
    var b = Panel(title: "(b) ψ₀² = P_s", x: Axis("x"), y: Axis("density"))
    b.add(.line(x: fp.grid, y: ground.map { $0 / norm }, color: plotPalette[0], width: 2.4, dashed: false, label: "ψ₀², ground state of H"))
    b.add(.line(x: fp.grid, y: fp.grid.map { ps($0) }, color: plotPalette[1], width: 1.2, dashed: true, label: "P_s ∝ exp(−V/g²)"))
    let figure = Figure(panels: [a, b], columns: 2, caption: String(format: "One RBM mode (κ = 4, μ² = 9, g = 0.3) as a Schrödinger problem: (a) the potential U of H = −(g²/2)∂² + U on [0, μ²] and its five lowest levels with their eigenfunctions (E₀ = %.1e: zero up to the grid); the relaxation rates are 2Eₙ. (b) The ground state squared against the stationary density P_s computed directly.", fp.energies[0]))
    return (figure, fp.energies)
  }

  static func goeImages(seed: UInt64) -> Data {
    var rng = Xoshiro256StarStar(seed: seed, stream: 4)
    let images: [[Double]] = (0..<12).map { _ in
      var m = [Double](repeating: 0, count: 28 * 28)
      for i in 0..<28 {
        m[i * 28 + i] = 2.0.squareRoot() * rng.normal()
        for j in 0..<i { let v = rng.normal(); m[i * 28 + j] = v; m[j * 28 + i] = v }
      }
      return m
    }
    return PNG.grid(images: images, width: 28, height: 28, columns: 6, range: -2.5...2.5)
  }
}
