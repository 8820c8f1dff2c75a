import Foundation
import Testing
@testable import DysonCore
import DysonTestSupport

@Suite("Two-stage reduction: dense → band → tridiagonal")
struct BandReductionTests {
  /// Eigenvalues of the tridiagonal (d, e), ascending.
  func tridiagonalValues(_ t: (d: [Double], e: [Double])) throws -> [Double] {
    try SymmetricEigen(tridiagonal: t.d, offDiagonal: Array(t.e.dropLast())).eigenvalues
  }

  /// Small bandwidths and block columns reach every path (partial last panels, a panel of one
  /// row, block columns that start mid-block, bulges cut off by the matrix's end) at sizes a debug
  /// build checks in milliseconds.
  @Test("A planted spectrum QΛQᵀ comes back, and ‖T‖_F = ‖A‖_F",
        arguments: [(9, 1, 4), (17, 2, 4), (40, 3, 7), (40, 8, 16), (64, 5, 8), (131, 16, 256), (131, 7, 10)])
  func plantedSpectrum(n: Int, bandwidth: Int, blockColumns: Int) throws {
    var rng = Xoshiro256StarStar(seed: 5, stream: UInt64(n * 100 + bandwidth))
    let planted = (0..<n).map { _ in rng.uniform(in: -3, 3) }.sorted()
    let q = Matrix<Double>.randomOrthogonal(size: n, using: &rng)
    let product = q * Matrix(diagonal: planted) * q.transposed()
    let a = (product + product.transposed()) * 0.5
    let t = twoStageTridiagonal(a, bandwidth: bandwidth, blockColumns: blockColumns)
    // Orthogonal similarity keeps the Frobenius norm: Σd² + 2Σe² = Σλ². A missed fill-in entry
    // (a bulge not chased) would show here before it shows in the eigenvalues.
    let frobenius = a.elements.reduce(0) { $0 + $1 * $1 }
    let reduced = t.d.reduce(0) { $0 + $1 * $1 } + 2 * t.e.reduce(0) { $0 + $1 * $1 }
    #expect(abs(reduced - frobenius) <= 1e-12 * frobenius, "‖T‖²_F \(reduced) vs ‖A‖²_F \(frobenius)")
    let got = try tridiagonalValues(t)
    try #require(got.count == n)
    // Weyl: |Δλ| ≤ ‖ΔA‖₂; forming A and the reduction each perturb it by O(n·ε·‖A‖).
    let bound = 16 * Double(n) * Double.ulpOfOne * 3
    for (g, w) in zip(got, planted) { #expect(abs(g - w) <= bound, "b=\(bandwidth): \(g) vs \(w)") }
  }

  @Test("Above the automatic threshold the two stages agree with the one-stage reduction", arguments: [450, 500])
  func agreesWithOneStage(n: Int) throws {
    let a = randomSymmetric(n, seed: UInt64(n))
    let automatic = try SymmetricEigen(a).eigenvalues
    let oneStage = try SymmetricEigen(a, method: .tridiagonalQL).eigenvalues
    try #require(n >= SymmetricEigen.twoStageMinimumSize && automatic.count == n)
    let bound = 16 * Double(n) * Double.ulpOfOne * a.maxAbs() * Double(n).squareRoot()
    for (x, y) in zip(automatic, oneStage) { #expect(abs(x - y) <= bound, "\(x) vs \(y)") }
  }

  @Test("Scale does not matter: ±1e±300 entries give the scaled eigenvalues (no overflow in a reflector)")
  func extremeScales() throws {
    let a = randomSymmetric(40, seed: 9)
    let reference = try SymmetricEigen(a, method: .twoStage).eigenvalues
    for scale in [1e-300, 1e300, 0x1p-1000] {
      let values = try SymmetricEigen(a * scale, method: .twoStage).eigenvalues
      for (x, y) in zip(values, reference) { #expect(isClose(x / scale, y, relative: 1e-12, absolute: 1e-12), "scale \(scale): \(x / scale) vs \(y)") }
    }
    // Subnormal entries keep only a few bits, so only the scale of the answer is checked; the
    // rescaling must not overflow to infinity on the way (2^1070 is not a Double).
    let tiny = try SymmetricEigen(a * 0x1p-1060, method: .twoStage).eigenvalues
    #expect(tiny.allSatisfy { $0.isFinite })
    #expect(abs(tiny.last! / 0x1p-1060 - reference.last!) <= 0.01 * abs(reference.last!))
  }

  @Test("Degenerate, diagonal and block-diagonal input: reflectors with τ = 0")
  func degenerate() throws {
    // A diagonal matrix needs no reflection at all; a block diagonal one mixes zero and nonzero
    // columns below the band.
    let diagonal = Matrix<Double>(diagonal: (0..<50).map { Double($0 % 7) - 3 })
    #expect(try SymmetricEigen(diagonal, method: .twoStage).eigenvalues == (0..<50).map { Double($0 % 7) - 3 }.sorted())
    let block = Matrix<Double>(rows: 60, columns: 60) { i, j in (i / 20 == j / 20) ? 1 : 0 }   // three all-ones blocks
    let values = try SymmetricEigen(block, method: .twoStage).eigenvalues
    for (k, x) in values.enumerated() { #expect(abs(x - (k >= 57 ? 20 : 0)) <= 1e-12, "λ\(k) = \(x)") }
  }
}
