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
  /// Updates taken by every lane.
  public private(set) var updatesDone = 0
  /// Per lane: the error that ended it (divergence), nil while it is healthy.
  public private(set) var failures: [RBMError?]
  var generators: (Xoshiro256StarStar, Xoshiro256StarStar, Xoshiro256StarStar, Xoshiro256StarStar)
  /// W (N_v × N_h), the chains and the update's scratch, interleaved by lane in the scalar run's layouts.
  var weights: [SIMD4<Double>]
  var buffers: PCDBuffers<SIMD4<Double>>
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
    buffers = PCDBuffers(c)
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

  /// One weight update of every lane: `PCDUpdate` on vectors, each lane drawing from its own generator.
  public mutating func update() {
    let c = configuration
    var lanes = generators
    var transition = KStepTransition<SIMD4<Double>>(visible: 0)   // moved out, not copied: no copy-on-write
    swap(&transition, &self.transition)
    defer { swap(&transition, &self.transition) }
    let nonFinite = buffers.update(
      &weights, step: updatesDone + 1, configuration: c, hiddenBias: hiddenBias, targetMoment: targetMoment, targetFactor: targetFactor, usesGemm: false,
      transition: &transition,
      normals: { Xoshiro256StarStar.fillNormal(UnsafeMutableBufferPointer(start: $0, count: $1), lanes: &lanes) },
      bartlett: { r in
        // Lane k's factor from generator k, interleaved as the vectors are.
        UnsafeMutableRawPointer(r).withMemoryRebound(to: Double.self, capacity: 4 * c.visible * c.visible) { r in
          lanes.0.fillBartlettFactor(r, stride: 4, degrees: c.batch - c.visible, size: c.visible)
          lanes.1.fillBartlettFactor(r + 1, stride: 4, degrees: c.batch - c.visible, size: c.visible)
          lanes.2.fillBartlettFactor(r + 2, stride: 4, degrees: c.batch - c.visible, size: c.visible)
          lanes.3.fillBartlettFactor(r + 3, stride: 4, degrees: c.batch - c.visible, size: c.visible)
        }
      })
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
