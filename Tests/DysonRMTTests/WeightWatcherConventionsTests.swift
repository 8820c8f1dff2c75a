import Foundation
import Testing
@testable import DysonRMT

/// WeightWatcher's definitions against WeightWatcher itself: Fixtures/weightwatcher.json holds
/// its outputs on nine spectra (written by Benchmarks/peers/weightwatcher_fixture.py).
@Suite("WeightWatcher's conventions against WeightWatcher 0.7.7's own outputs")
struct WeightWatcherConventionsTests {
  struct Case: Decodable {
    let name: String
    let N: Int, M: Int
    let eigenvalues: [Double], other: [Double]
    let alpha: Double, D: Double, xmin: Double, sigma: Double, num_pl_spikes: Int
    let sigma_mp: Double, num_spikes: Int, mp_softrank: Double, bulk_max: Double
    let matrix_rank: Int, entropy: Double, rand_distance: Double
  }

  static let cases: [Case] = {
    guard let url = Bundle.module.url(forResource: "weightwatcher", withExtension: "json", subdirectory: "Fixtures"),
          let data = try? Data(contentsOf: url) else { return [] }
    struct File: Decodable { let cases: [Case] }
    return (try? JSONDecoder().decode(File.self, from: data).cases) ?? []
  }()

  @Test("The fixture is there and has every path: standard and small-sample tails, Q = 1 and Q > 1")
  func fixture() throws {
    try #require(Self.cases.count == 9)
    #expect(Self.cases.contains { $0.eigenvalues.count < WeightWatcher.smallSampleCutoff })
    #expect(Self.cases.contains { $0.N == $0.M })
  }

  @Test("Power law: α, D, x_min, σ and the tail count", arguments: 0..<9)
  func powerLaw(index: Int) throws {
    let c = try #require(Self.cases.count > index ? Self.cases[index] : nil)
    let fit = try #require(WeightWatcher.powerLaw(c.eigenvalues))
    #expect(isClose(fit.alpha, c.alpha) && isClose(fit.distance, c.D) && fit.xMin == c.xmin && isClose(fit.alphaError, c.sigma),
            "\(c.name): α \(fit.alpha) vs \(c.alpha), D \(fit.distance) vs \(c.D), x_min \(fit.xMin) vs \(c.xmin), σ \(fit.alphaError) vs \(c.sigma)")
    #expect(fit.tailCount == c.num_pl_spikes, "\(c.name)")
  }

  @Test("MP fit: σ_mp, spikes, soft rank and the bulk edge", arguments: 0..<9)
  func marchenkoPastur(index: Int) throws {
    let c = try #require(Self.cases.count > index ? Self.cases[index] : nil)
    let fit = try #require(WeightWatcher.marchenkoPastur(c.eigenvalues, long: c.N, short: c.M))
    // Nelder–Mead stops at 10⁻⁴; the same steps give the same point up to rounding.
    #expect(isClose(fit.sigma, c.sigma_mp, relative: 1e-9), "\(c.name): σ \(fit.sigma) vs \(c.sigma_mp)")
    #expect(fit.spikes == c.num_spikes && isClose(fit.softRank, c.mp_softrank, relative: 1e-9), "\(c.name): \(fit.spikes) vs \(c.num_spikes), \(fit.softRank) vs \(c.mp_softrank)")
    #expect(isClose(fit.bulkMax / fit.scale, c.bulk_max, relative: 1e-9), "\(c.name): bulk max \(fit.bulkMax / fit.scale) vs \(c.bulk_max)")
  }

  @Test("Rank, entropy and rand_distance", arguments: 0..<9)
  func rankEntropyDistance(index: Int) throws {
    let c = try #require(Self.cases.count > index ? Self.cases[index] : nil)
    let tolerance = WeightWatcher.rankTolerance(lambdaMax: c.eigenvalues.max()!, long: c.N)
    let rank = c.eigenvalues.filter { $0 > tolerance }.count
    #expect(rank == c.matrix_rank, "\(c.name)")
    #expect(isClose(WeightWatcher.entropy(c.eigenvalues, rank: rank), c.entropy, relative: 1e-12), "\(c.name)")
    #expect(isClose(WeightWatcher.randomDistance(c.eigenvalues, c.other), c.rand_distance, relative: 1e-9), "\(c.name)")
  }

  func isClose(_ a: Double, _ b: Double, relative: Double = 1e-12) -> Bool { abs(a - b) <= relative * max(abs(a), abs(b)) }

  @Test("Nelder–Mead in one dimension finds a parabola's minimum to its tolerance")
  func nelderMead() {
    let x = WeightWatcher.nelderMead1D({ ($0 - 3.7) * ($0 - 3.7) + 1 }, start: 1)
    #expect(abs(x - 3.7) < 1e-3)
  }
}
