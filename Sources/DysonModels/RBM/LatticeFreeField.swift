import DysonCore
import Foundation

/// The target of the RBM studies: a free scalar field on a periodic 1-D lattice of N sites with
/// mass m², S = ½ φᵀK_φφ, K_φ = (2 + m²)δᵢⱼ − δᵢ,ⱼ₊₁ − δᵢ,ⱼ₋₁ (indices mod N) (Docs/Science.md §2.2).
/// Its eigenvalues are κ_k = m² + 2 − 2cos(2πk/N); the modes k and N − k are degenerate.
public struct LatticeFreeField: Sendable {
  /// N.
  public let sites: Int
  /// m².
  public let mass2: Double
  /// K_φ.
  public let kernel: Matrix<Double>
  /// ⟨φφᵀ⟩ = K_φ⁻¹, the exact positive phase of PCD.
  public let covariance: Matrix<Double>
  /// κ_k ascending.
  public let eigenvalues: [Double]

  /// The field on `n` ≥ 3 sites with mass m² > 0.
  public init(sites n: Int, mass2: Double) throws {
    precondition(n >= 3 && mass2 > 0, "LatticeFreeField: need N ≥ 3 sites and m² > 0")
    sites = n
    self.mass2 = mass2
    var k = Matrix<Double>(rows: n, columns: n)
    for i in 0..<n {
      k[i, i] = 2 + mass2
      k[i, (i + 1) % n] -= 1
      k[i, (i + n - 1) % n] -= 1
    }
    kernel = k
    let e = try SymmetricEigen(k, vectors: true)
    eigenvalues = e.eigenvalues
    covariance = e.applying { 1 / $0 }
  }

  /// κ_k in closed form, ascending — the truth the eigensolver is tested against.
  public static func analyticEigenvalues(sites n: Int, mass2: Double) -> [Double] {
    (0..<n).map { mass2 + 2 - 2 * cos(2 * Double.pi * Double($0) / Double(n)) }.sorted()
  }
}
