import Foundation
import Testing
import DysonCore
@testable import DysonRMT

@Suite("Dyson Brownian motion and the Fokker–Planck operator")
struct DynamicsTests {
  @Test("DBM of N levels in a harmonic well relaxes to GOE: ⟨x²⟩ = g²(N+1)/2 and the semicircle")
  func harmonicRelaxation() {
    let n = 20, g = 1.0
    let dbm = DysonBrownianMotion.harmonic(levels: n, g: g, timeStep: 0.002)
    var rng = Xoshiro256StarStar(seed: 40)
    // Start far from equilibrium: all levels squeezed near 5.
    let start = (0..<n).map { 5 + 0.01 * Double($0) }
    let states = dbm.run(from: start, time: 60, samples: 60, using: &rng)
    let equilibrated = Array(states.dropFirst(10))            // 10 relaxation times of burn-in
    let perSample = equilibrated.map { s in s.reduce(0) { $0 + $1 * $1 } / Double(n) }
    let m = Moments(perSample)
    let exact = g * g * Double(n + 1) / 2
    print("DBM harmonic: ⟨x²⟩ = \(m.mean) ± \(m.standardDeviation / Double(perSample.count).squareRoot()) (exact \(exact))")
    #expect(abs(m.mean - exact) < 4 * m.standardDeviation / Double(perSample.count).squareRoot() + 0.01 * exact)
    let pooled = equilibrated.flatMap { $0 }
    let law = WignerSemicircle(center: 0, radius: g * (2 * Double(n)).squareRoot())
    let ks = KolmogorovSmirnov(pooled, cdf: law.cdf)
    print("DBM harmonic: KS distance to the semicircle \(ks.distance)")
    #expect(ks.distance < 0.05)                                 // finite-N edge corrections are O(1/N)
  }

  @Test("The matrix form of DBM gives the same equilibrium ⟨x²⟩ as the eigenvalue SDE")
  func matrixForm() throws {
    let n = 8, g = 1.0, dt = 0.01
    var rng = Xoshiro256StarStar(seed: 8)
    var x = Matrix<Double>(rows: n, columns: n)
    var values: [Double] = []
    for step in 1...6000 {
      matrixDysonStep(&x, drift: { $0 * -1.0 }, g: g, timeStep: dt, using: &rng)
      if step > 500 && step % 50 == 0 { values += try SymmetricEigen(x).eigenvalues }
    }
    let m2 = values.reduce(0) { $0 + $1 * $1 } / Double(values.count)
    let exact = g * g * Double(n + 1) / 2 / (1 - dt / 2)            // Euler–Maruyama's O(dt) bias, exact for this linear SDE
    print("matrix DBM: ⟨x²⟩ = \(m2) (exact \(exact))")
    #expect(abs(m2 / exact - 1) < 0.08)
  }

  @Test("One RBM mode relaxes to P_s(x) ∝ exp(−V/g²); KS against the tabulated law")
  func singleMode() {
    let kappa = 4.0, mu2 = 9.0, g = 0.5
    let drift = StationaryDistribution.rbmDrift(kappa: kappa, mu2: mu2)
    var dbm = DysonBrownianMotion(drift: { _, x in drift(x) }, g: [g], timeStep: 0.005)
    dbm.domain = 0...mu2
    var rng = Xoshiro256StarStar(seed: 9)
    let ps = StationaryDistribution(drift: drift, g: g, lower: 1e-9, upper: mu2 - 1e-9)
    // Start far below x_s = 5 and burn in 40 time units (the mode escapes x ≈ 0 at rate ≈ 1/κ − 1/μ²
    // = 0.14, then relaxes at Ω = 0.31); then sample every 10 units (3 relaxation times) along one path.
    let path = dbm.run(from: [1.0], time: 40 + 10 * 300, samples: 304, using: &rng)
    let sample = path.suffix(300).map { $0[0] }
    let ks = KolmogorovSmirnov(sample, cdf: ps.cdf)
    print("single mode: mean \(mean(sample)) vs P_s mean \(ps.mean); KS D = \(ks.distance), p = \(ks.pValue)")
    #expect(ks.pValue > 0.001)
  }

  @Test("Fokker–Planck of a harmonic drift K = −Ω(x − c): U is the oscillator's, and Eₙ = nΩ/2 for n = 0…4")
  func fokkerPlanckHarmonic() throws {
    // V = Ω(x − c)²/2 ⇒ U = Ω²(x − c)²/(8g²) − Ω/4 and H = −(g²/2)∂² + U: an oscillator of mass 1/g²
    // and frequency Ω/2, shifted by −Ω/4, so Eₙ = (n + ½)Ω/2 − Ω/4 = nΩ/2 (the OU rates nΩ = 2Eₙ).
    let omega = 1.5, c = 2.0, g = 0.4
    let fp = try FokkerPlanckOperator(drift: { -omega * ($0 - c) }, g: g, lower: c - 4, upper: c + 4, points: 500)
    for (x, u) in zip(fp.grid, fp.potential) {
      #expect(abs(u - (omega * omega * (x - c) * (x - c) / (8 * g * g) - omega / 4)) < 1e-6 * max(1, abs(u)))
    }
    for n in 0...4 {
      #expect(abs(fp.energies[n] - Double(n) * omega / 2) < 2e-3 * omega, "E\(n) = \(fp.energies[n]) vs \(Double(n) * omega / 2)")
    }
  }

  @Test("Fokker–Planck: E₀ = 0 to grid accuracy, ground state = √P_s, evolution conserves probability and relaxes")
  func fokkerPlanck() throws {
    // g small enough that P_s(0)/P_s(x_s) ≈ e⁻²⁰: the ψ = 0 end at x = 0 is then exact.
    let kappa = 4.0, mu2 = 9.0, g = 0.2
    let drift = StationaryDistribution.rbmDrift(kappa: kappa, mu2: mu2)
    let ps = StationaryDistribution(drift: drift, g: g, lower: 1e-9, upper: mu2 - 1e-9, points: 40001)
    func groundStateError(points: Int) throws -> (FokkerPlanckOperator, Double) {
      let fp = try FokkerPlanckOperator(drift: drift, g: g, lower: 0, upper: mu2, points: points)
      let h = fp.grid[1] - fp.grid[0]
      let root = fp.grid.map { ps($0).squareRoot() }
      let norm = (root.reduce(0) { $0 + $1 * $1 } * h).squareRoot()
      return (fp, zip(fp.groundState, root).map { abs($0 - $1 / norm) }.max()!)
    }
    let (coarse, coarseError) = try groundStateError(points: 150)
    let (fp, difference) = try groundStateError(points: 300)
    let h = fp.grid[1] - fp.grid[0]
    let psi0 = fp.groundState
    print("FP: E₀ = \(fp.energies[0]) (150 points: \(coarse.energies[0])), E₁ = \(fp.energies[1]), max |ψ₀ − √P_s| = \(difference) (150 points: \(coarseError))")
    // Second-order differences: halving h cuts E₀ and the ground-state error about fourfold.
    #expect(abs(fp.energies[0]) < 1e-3 * fp.energies[1])
    #expect(abs(fp.energies[0]) < abs(coarse.energies[0]) / 3)
    #expect(difference < coarseError / 3 && difference < 2e-3 * psi0.max()!)
    // A narrow start at x = 3 spreads to P_s: mass conserved, distance to P_s decays.
    let start = fp.grid.map { exp(-($0 - 3) * ($0 - 3) / 0.02) }
    let mass = start.reduce(0, +) * h
    let initial = start.map { $0 / mass }
    let later = fp.evolve(initial, time: 30 / fp.energies[1])
    #expect(abs(later.reduce(0, +) * h - 1) < 1e-6)
    let stationary = psi0.map { $0 * $0 }
    #expect(zip(later, stationary).map { abs($0 - $1) }.max()! < 1e-6 * stationary.max()!)
    #expect(abs(fp.evolve(initial, time: 0).reduce(0, +) * h - 1) < 1e-6)
  }
}
