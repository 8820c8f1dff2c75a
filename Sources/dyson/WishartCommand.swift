import DysonCore
import DysonIO
import DysonRMT
import Foundation

/// `dyson wishart`: the spectrum of X = WᵀW for Gaussian W against Marchenko–Pastur — what every
/// weight matrix of the studies looks like at initialisation. Defaults: the GPT's key matrices
/// (M = 64, N = 16, σ² = 1/192, the variance of PyTorch's U(±1/8) init).
enum WishartCommand {
  static let help = """
  usage: dyson wishart [--rows M] [--columns N] [--variance S2] [--samples K] [--bins B] [--seed S]
                       [--csv FILE] [--json]

  Samples K matrices W (M×N, entries N(0, S2)), pools the eigenvalues of WᵀW and compares their
  histogram with the Marchenko–Pastur density (edges x± = M·S2·(1 ± √(N/M))²).

    --rows M        rows, the long side (default 64)
    --columns N     columns, N ≤ M (default 16)
    --variance S2   entry variance; fractions allowed (default 1/192)
    --samples K     matrices in the ensemble (default 2000)
    --bins B        histogram bins over [x₋, x₊] widened by 10 % (default 24)
    --seed S        seed; sample k uses stream k, so results do not depend on the core count (default 1)
    --csv FILE      also write the histogram (bin centre, count density, MP density) as CSV
    --json          print one JSON object instead of the table
  """

  static func run(_ arguments: [String]) async throws {
    let o = try Options(arguments, valued: ["rows", "columns", "variance", "samples", "bins", "seed", "csv"], switches: ["json"])
    let m = try o.int("rows", default: 64, range: 1...4096)
    let n = try o.int("columns", default: 16, range: 1...4096)
    guard n <= m else { throw UsageError(description: "--columns (\(n)) must not exceed --rows (\(m)); transpose W instead") }
    let variance = try o.positive("variance", default: 1.0 / 192)
    let samples = try o.int("samples", default: 2000, range: 1...10_000_000)
    let bins = try o.int("bins", default: 24, range: 1...10_000)
    let seed = try o.seed(default: 1)
    let law = MarchenkoPastur(rows: m, columns: n, variance: variance)

    let start = ContinuousClock.now
    let eigenvalues = try await sampleSpectra(rows: m, columns: n, variance: variance, samples: samples, seed: seed)
    let seconds = (ContinuousClock.now - start) / .seconds(1)

    let lo = law.lowerEdge - 0.1 * (law.upperEdge - law.lowerEdge)
    let hi = law.upperEdge + 0.1 * (law.upperEdge - law.lowerEdge)
    let histogram = Histogram(eigenvalues, binning: .count(bins), range: lo...hi)
    let outside = histogram.outside
    let total = Double(eigenvalues.count)
    let centres = histogram.centers
    let densities = histogram.density
    let mean = eigenvalues.reduce(0, +) / total
    let spread = eigenvalues.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / total

    if let path = o.string("csv") {
      var csv = CSVWriter(header: ["x", "density", "marchenko_pastur"])
      for b in 0..<bins { csv.appendRow([centres[b], densities[b], law.density(centres[b])]) }
      do { try csv.write(to: path) } catch { throw RuntimeError(description: "cannot write \(path): \(error.localizedDescription)") }
    }
    if o.has("json") {
      print(#"{"rows":\#(m),"columns":\#(n),"variance":\#(variance),"samples":\#(samples),"seed":\#(seed),"# +
            #""mean":\#(mean),"mean_theory":\#(law.mean),"eigenvalue_variance":\#(spread),"# +
            #""eigenvalue_variance_theory":\#(law.varianceOfEigenvalues),"lower_edge":\#(law.lowerEdge),"# +
            #""upper_edge":\#(law.upperEdge),"min":\#(eigenvalues.min() ?? .nan),"max":\#(eigenvalues.max() ?? .nan),"# +
            #""outside_histogram":\#(outside),"seconds":\#(seconds)}"#)
      return
    }
    print("Eigenvalues of WᵀW, W \(m)×\(n) with N(0, \(format(variance))) entries, \(samples) samples (seed \(seed)), \(format(seconds)) s")
    print("Marchenko–Pastur: r = N/M = \(format(law.ratio)), x₋ = \(format(law.lowerEdge)), x₊ = \(format(law.upperEdge))")
    print("")
    let peak = max(densities.max() ?? 1, (0..<bins).map { law.density(centres[$0]) }.max() ?? 1)
    for b in 0..<bins {
      let bar = String(repeating: "█", count: Int((densities[b] / peak * 50).rounded()))
      let theory = Int((law.density(centres[b]) / peak * 50).rounded())
      var line = bar.padding(toLength: 52, withPad: " ", startingAt: 0)
      if theory > 0 && theory <= 52 {
        var chars = Array(line)
        chars[theory - 1] = "|"
        line = String(chars)
      }
      print(String(format: "%9.4f ", centres[b]) + line + String(format: " %8.3f  MP %8.3f", densities[b], law.density(centres[b])))
    }
    print("")
    print("█ sampled density, | Marchenko–Pastur")
    print("mean      \(format(mean))  (theory Mσ² = \(format(law.mean)))")
    print("variance  \(format(spread))  (theory M²σ⁴r = \(format(law.varianceOfEigenvalues)); finite M adds O(1/M))")
    print("range     [\(format(eigenvalues.min() ?? .nan)), \(format(eigenvalues.max() ?? .nan))]  (edges fluctuate by O(M^(-2/3)))")
  }

  /// Eigenvalues of WᵀW for `samples` independent W, in sample order; sample k uses stream k.
  static func sampleSpectra(rows: Int, columns: Int, variance: Double, samples: Int, seed: UInt64) async throws -> [Double] {
    let workers = min(ProcessInfo.processInfo.activeProcessorCount, samples)
    let sd = variance.squareRoot()
    let chunks = try await withThrowingTaskGroup(of: (Int, [Double]).self) { group in
      for w in 0..<workers {
        group.addTask {
          var out: [Double] = []
          // Each run is small: keep kernels serial, the task group already fills the cores.
          try Parallelism.$kernelThreads.withValue(1) {
            for k in stride(from: w, to: samples, by: workers) {
              var rng = Xoshiro256StarStar(seed: seed, stream: UInt64(k))
              let x = Matrix<Double>.gaussian(rows: rows, columns: columns, standardDeviation: sd, using: &rng)
              out += try eigenvaluesSymmetric(x.gram())
            }
          }
          return (w, out)
        }
      }
      var parts: [(Int, [Double])] = []
      for try await part in group { parts.append(part) }
      return parts
    }
    // Re-interleave into sample order, so the output is the same for any number of workers.
    var result = [Double](repeating: 0, count: samples * columns)
    for (w, values) in chunks {
      for (i, k) in stride(from: w, to: samples, by: workers).enumerated() {
        result.replaceSubrange((k * columns)..<((k + 1) * columns), with: values[(i * columns)..<((i + 1) * columns)])
      }
    }
    return result
  }
}

func format(_ x: Double) -> String { String(format: "%.5g", x) }
