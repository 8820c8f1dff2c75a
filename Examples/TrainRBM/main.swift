// Trains one Gaussian RBM on the 1-D lattice free field and prints how the eigenvalues of
// X = σ_h²WᵀW move from Marchenko–Pastur at initialisation to μ² − κ (the target's spectrum).
// Docs/Tutorial.md walks through it. Run: swift run -c release train-rbm
import DysonModels
import DysonRMT

var config = PCDConfiguration()      // the authors' defaults: N_v = N_h = 10, m² = 4, μ² = 9, α = 0.1, |B| = 16
config.updates = 50_000
let field = try LatticeFreeField(sites: config.visible, mass2: config.mass2)
var pcd = try PersistentContrastiveDivergence(configuration: config, seed: 42, stream: 0)

func show(_ label: String, _ x: [Double]) {
  print(label, x.sorted(by: >).map { String(format: "%6.3f", $0) }.joined(separator: " "))
}
show("t = 0      x:", try pcd.rbm.spectrum())
let s2 = config.sigmaH * config.sigmaH * config.initialScale * config.initialScale  // X = σ_h²WᵀW, W ~ N(0, s²)
let mp = MarchenkoPastur(rows: config.visible, columns: config.hidden, variance: s2)
print(String(format: "Marchenko–Pastur support at t = 0: [%.3f, %.3f]", mp.lowerEdge, mp.upperEdge))
for step in 1...config.updates {
  try pcd.update()                   // k = 3 block-Gibbs steps on 16 persistent chains, one SGD step
  if step % 10_000 == 0 { show("t = \(step) x:".padding(toLength: 13, withPad: " ", startingAt: 0), try pcd.rbm.spectrum()) }
}
show("μ² − κ       :", field.eigenvalues.map { config.mu2 - $0 })

