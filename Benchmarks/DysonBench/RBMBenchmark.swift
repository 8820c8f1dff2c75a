import DysonCore
import DysonModels

/// One PCD update of the Gaussian RBM (`pcd-update-NvxNh-bB`, µs per update): k = 3 block-Gibbs
/// sweeps of |B| chains and the weight update, as in the authors' code. The case checks that
/// training stays finite and K positive definite before it counts.
func rbmSuite(filter: String?) -> [BenchResult] {
  var results: [BenchResult] = []
  // The sampler behind every Gibbs sweep: ns per N(0, 1) value, ziggurat, bit-reproducible.
  if filter.map({ "normal-fill-ns".contains($0) }) ?? true {
    var rng = Xoshiro256StarStar(seed: 1)
    var buffer = [Double](repeating: 0, count: 4096)
    let t = measure(budget: 0.4) { buffer.withUnsafeMutableBufferPointer { rng.fillNormal($0) } }
    let mean = buffer.reduce(0, +) / 4096
    precondition(abs(mean) < 0.1, "normals: mean \(mean)")
    let r = [BenchResult(suite: "rbm", name: "normal-fill-ns", metric: "best", value: t[0] / 4096 * 1e9, unit: "ns"),
             BenchResult(suite: "rbm", name: "normal-fill-ns", metric: "median", value: t[t.count / 2] / 4096 * 1e9, unit: "ns")]
    report(r)
    results += r
  }
  // The ensemble kernel's sampler: four streams, one per lane; ns per N(0, 1) value.
  if filter.map({ "normal-lanes-ns".contains($0) }) ?? true {
    var lanes = (Xoshiro256StarStar(seed: 1, stream: 0), Xoshiro256StarStar(seed: 1, stream: 1),
                 Xoshiro256StarStar(seed: 1, stream: 2), Xoshiro256StarStar(seed: 1, stream: 3))
    var buffer = [SIMD4<Double>](repeating: .zero, count: 1024)
    let t = measure(budget: 0.4) { buffer.withUnsafeMutableBufferPointer { Xoshiro256StarStar.fillNormal($0, lanes: &lanes) } }
    let mean = buffer.reduce(.zero, +).sum() / 4096
    precondition(abs(mean) < 0.1, "normals: mean \(mean)")
    let r = [BenchResult(suite: "rbm", name: "normal-lanes-ns", metric: "best", value: t[0] / 4096 * 1e9, unit: "ns"),
             BenchResult(suite: "rbm", name: "normal-lanes-ns", metric: "median", value: t[t.count / 2] / 4096 * 1e9, unit: "ns")]
    report(r)
    results += r
  }
  // `pcd-update` is the authors' Gibbs sweeps (what the numpy peer does); `pcd-kstep` the default
  // sampler, the same Markov kernel drawn in one step.
  for (n, batch, sampler) in [(10, 16, PCDConfiguration.Sampler.gibbs), (10, 64, .gibbs), (100, 64, .gibbs),
                              (10, 16, .kstep), (10, 64, .kstep), (100, 64, .kstep), (10, 16, .gram), (10, 64, .gram)] {
    let name = "pcd-\(sampler == .gibbs ? "update" : sampler.rawValue)-\(n)x\(n)-b\(batch)"
    if let f = filter, !name.contains(f) { continue }
    var c = PCDConfiguration()
    c.visible = n; c.hidden = n; c.batch = batch; c.sampler = sampler
    var pcd = try! PersistentContrastiveDivergence(configuration: c, seed: 1)
    let updates = 200
    let t = measure(budget: 0.6, minRepeats: 5) { for _ in 0..<updates { try! pcd.update() } }
    try! pcd.rbm.checkPositiveDefinite()
    let r = [BenchResult(suite: "rbm", name: name, metric: "best", value: t[0] / Double(updates) * 1e6, unit: "us"),
             BenchResult(suite: "rbm", name: name, metric: "median", value: t[t.count / 2] / Double(updates) * 1e6, unit: "us")]
    report(r)
    results += r
  }
  // The ensemble kernel: four runs per vector; µs per run-update (one update of one run). The
  // `gram` cases are the batch sizes of `dyson rbm scaling` (at |B| ≤ N_v, `gram` is `kstep`).
  for (n, batch, sampler) in [(10, 16, PCDConfiguration.Sampler.gibbs), (10, 64, .gibbs), (10, 16, .kstep), (10, 64, .kstep),
                              (10, 4, .gram), (10, 8, .gram), (10, 16, .gram), (10, 32, .gram), (10, 64, .gram)] {
    let name = "pcd-lanes-\(sampler == .gibbs ? "" : sampler.rawValue + "-")\(n)x\(n)-b\(batch)"
    if let f = filter, !name.contains(f) { continue }
    var c = PCDConfiguration()
    c.visible = n; c.hidden = n; c.batch = batch; c.sampler = sampler
    var pcd = try! VectorizedPCD(configuration: c, seed: 1, streams: [0, 1, 2, 3])
    let updates = 200
    let t = measure(budget: 0.6, minRepeats: 5) { for _ in 0..<updates { pcd.update() } }
    precondition(pcd.failures.allSatisfy { $0 == nil }, "lanes diverged")
    let perRun = Double(updates * VectorizedPCD.width)
    let r = [BenchResult(suite: "rbm", name: name, metric: "best", value: t[0] / perRun * 1e6, unit: "us"),
             BenchResult(suite: "rbm", name: name, metric: "median", value: t[t.count / 2] / perRun * 1e6, unit: "us")]
    report(r)
    results += r
  }
  return results
}
