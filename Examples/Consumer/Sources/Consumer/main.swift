// Dyson from another package: train a Gaussian RBM, write and read a safetensors file, analyse
// its matrix as `dyson spectrum` does, and run a study — each a library call, each checked
// against theory.
import DysonCore
import DysonExperiments
import DysonIO
import DysonModels
import DysonRMT
import Foundation

var failures: [String] = []
@MainActor func check(_ ok: Bool, _ message: String) {
  print((ok ? "ok   " : "FAIL ") + message)
  if !ok { failures.append(message) }
}

// 1. The RBM learns the lattice free field: x_s → μ² − κ_s. SGD keeps x fluctuating about its
// target (the linear scaling rule), so the check uses x averaged over the last half of the run.
var config = PCDConfiguration()
config.updates = 20_000
let field = try LatticeFreeField(sites: config.visible, mass2: config.mass2)
var pcd = try PersistentContrastiveDivergence(configuration: config, seed: 7, stream: 0)
var average = [Double](repeating: 0, count: config.hidden)
var samples = 0
for step in 1...config.updates {
  try pcd.update()
  if step > config.updates / 2 && step % 100 == 0 {
    for (i, x) in try pcd.rbm.spectrum().sorted(by: >).enumerated() { average[i] += x }
    samples += 1
  }
}
average = average.map { $0 / Double(samples) }
let target = field.eigenvalues.map { config.mu2 - $0 }.sorted(by: >)
// One run's modes keep wandering at α = 0.1, |B| = 16 (by ≈ 0.2 here, even averaged over time).
let gaps = zip(average, target).map { abs($0 - $1) }
let worst = gaps.max()!, mean = gaps.reduce(0, +) / Double(gaps.count)
check(worst < 0.5 && mean < 0.2, String(format: "RBM, x averaged over updates %d–%d: gap to μ² − κ mean %.3f, largest %.3f (top mode %.3f vs %.3f)",
                                         config.updates / 2, config.updates, mean, worst, average[0], target[0]))

// 2. A 400 × 100 Gaussian matrix through a safetensors file and back, bit for bit in F32.
let rows = 400, columns = 100
var rng = Xoshiro256StarStar(seed: 1)
let values = (0..<(rows * columns)).map { _ in Double(Float(rng.normal())) }
let path = FileManager.default.temporaryDirectory.appendingPathComponent("dyson-consumer-\(getpid()).safetensors").path
defer { try? FileManager.default.removeItem(atPath: path) }
try Safetensors.write([StoredTensor(name: "layer.weight", shape: [rows, columns], dtype: .float32, values: values)], to: path)
let back = try Safetensors.read(path: path)
check(back.count == 1 && back[0].values == values, "safetensors round trip: \(back.first?.shape ?? []) \(back.first?.dtype.rawValue ?? "?")")

// 3. Its spectrum: Marchenko–Pastur with σ² = 1 at aspect ratio 100/400.
let report = try await CheckpointSpectra.analyse([path], progress: false)
for line in report.tableLines() { print(line) }
if let fit = report.spectra.first?.spectrum.marchenkoPastur {
  check(abs(fit.variance - 1) < 0.1, String(format: "Marchenko–Pastur fit σ² = %.3f ± %.3f (truth 1)", fit.variance, fit.varianceError))
} else {
  check(false, "no Marchenko–Pastur fit in the report (\(report.failures))")
}

// 4. A whole study through the library, read from its Summary (what summary.json holds): Dyson
// Brownian motion of two degenerate levels, whose ⟨S⟩ collapses on √(α/|B|·g̃²/Ω) with slope → √π.
let dbm = DBMExperiment.summary(try await DBMExperiment.run(.quick))
if let slope = dbm.collapse.aFit, let error = dbm.collapse.aFitError {
  check(abs(slope / Double.pi.squareRoot() - 1) < 0.05,
        String(format: "dbm study: collapse slope %.4f ± %.4f (continuum √π = %.4f), R² = %.4f over %d configurations",
               slope, error, Double.pi.squareRoot(), dbm.collapse.r2 ?? .nan, dbm.configurations.count))
} else {
  check(false, "dbm study: no collapse fit")
}

if !failures.isEmpty { exit(1) }
