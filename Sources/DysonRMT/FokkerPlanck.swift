import DysonCore
import Foundation

/// The one-mode Fokker–Planck equation ∂ₜP = ∂ₓ[(g²∂ₓ − K)P] as an imaginary-time Schrödinger
/// problem (Docs/Science.md §2.7): with P = √P_s ψ and V = −∫K,
///   ∂ₜψ = −2 H ψ,  H = −(g²/2)∂ₓ² + U(x),  U = (V′)²/(8g²) − V″/4,
/// whose ground state is √P_s with energy 0; the gaps set the relaxation rates (2Eₙ).
/// H is discretised with second differences on the interior of a uniform grid over [lower, upper]
/// (ψ = 0 on the boundary), a symmetric tridiagonal matrix solved by implicit QL. The ψ = 0 ends
/// are exact only where P_s is negligible: for the RBM mode with large g, P_s(0) is not, and the
/// physical wall at x = 0 is reflecting (a zero-flux condition, not implemented here).
public struct FokkerPlanckOperator: Sendable {
  /// The interior grid points where ψ is tabulated.
  public let grid: [Double]
  /// The noise strength g.
  public let g: Double
  /// Eigenvalues Eₙ of H, ascending.
  public let energies: [Double]
  /// U(x) = (V′)²/(8g²) − V″/4 on the grid: the potential of H.
  public let potential: [Double]
  /// Eigenfunctions as columns (grid point × mode), normalised so Σ ψ² h = 1.
  public let modes: Matrix<Double>
  let step: Double

  /// - Parameters: drift K(x) (finite on the open interval), noise g, interval, interior points.
  public init(drift: (Double) -> Double, g: Double, lower: Double, upper: Double, points: Int = 400) throws {
    precondition(points >= 3 && upper > lower && g > 0, "FokkerPlanckOperator: need points ≥ 3, upper > lower, g > 0")
    let h = (upper - lower) / Double(points + 1)
    let x = (1...points).map { lower + Double($0) * h }
    // V′ = −K; V″ = −K′ by central differences of K at a step far below h.
    let u = x.map { xi -> Double in
      let vp = -drift(xi)
      let e = 1e-5 * h
      let vpp = -(drift(xi + e) - drift(xi - e)) / (2 * e)
      return vp * vp / (8 * g * g) - vpp / 4
    }
    let kinetic = g * g / (2 * h * h)
    let decomposition = try SymmetricEigen(tridiagonal: u.map { $0 + 2 * kinetic },
                                           offDiagonal: [Double](repeating: -kinetic, count: points - 1), vectors: true)
    var modes = decomposition.eigenvectors!
    let scale = 1 / h.squareRoot()
    for i in 0..<points { for j in 0..<points { modes[i, j] *= scale } }
    grid = x
    self.g = g
    energies = decomposition.eigenvalues
    potential = u
    self.modes = modes
    step = h
  }

  /// The ground state ψ₀ on the grid, signed so that it is positive where it is largest.
  public var groundState: [Double] {
    var psi = (0..<grid.count).map { modes[$0, 0] }
    if let big = psi.indices.max(by: { abs(psi[$0]) < abs(psi[$1]) }), psi[big] < 0 { psi = psi.map { -$0 } }
    return psi
  }

  /// P(x, t) on the grid from P(x, 0) = `initial` (values on the grid): expand ψ(0) = P/√P_s in the
  /// modes and let each decay as e^{−2(Eₙ − E₀)t}. √P_s is the computed ground state and E₀ (0 in
  /// the continuum, O(h²) on the grid) is subtracted, so the discrete evolution conserves probability
  /// to rounding and ends exactly in the discrete stationary state.
  public func evolve(_ initial: [Double], time t: Double) -> [Double] {
    let n = grid.count
    precondition(initial.count == n, "FokkerPlanckOperator.evolve: \(initial.count) values for \(n) grid points")
    let root = groundState.map { max($0, 1e-300) }
    let psi0 = (0..<n).map { initial[$0] / root[$0] }
    var psi = [Double](repeating: 0, count: n)
    for m in 0..<n {
      var c = 0.0
      for i in 0..<n { c += modes[i, m] * psi0[i] * step }
      let decay = exp(-2 * (energies[m] - energies[0]) * t)
      if decay < 1e-300 { continue }
      for i in 0..<n { psi[i] += c * decay * modes[i, m] }
    }
    return (0..<n).map { psi[$0] * root[$0] }
  }
}
