import DysonCore
import DysonModels

/// One training step of the lecture GPT (`gpt-train-step`, ms): a batch of 16 × 32 tokens,
/// forward, hand-written backward and AdamW, single-threaded, on a synthetic text with the
/// 65-symbol vocabulary (the step's cost does not depend on the characters). Also the forward
/// pass alone (`gpt-forward`), as a loss estimate costs it.
func gptSuite(filter: String?) -> [BenchResult] {
  var results: [BenchResult] = []
  // A deterministic pseudo-text over 65 symbols, long enough for random windows.
  var rng = Xoshiro256StarStar(seed: 7)
  let symbols = Array("\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".unicodeScalars)
  precondition(symbols.count == 65)
  var text = String.UnicodeScalarView()
  for _ in 0..<200_000 { text.append(symbols[Int(rng.next() % 65)]) }
  let corpus = try! TextCorpus(text: String(text))
  let trainer = try! GPTTrainer(GPTTrainer.Settings(), corpus: corpus, seed: 1)
  if filter.map({ "gpt-train-step".contains($0) }) ?? true {
    var loss = 0.0
    let t = measure(budget: 2.0, minRepeats: 20) { loss = try! trainer.trainStep() }
    precondition(loss.isFinite && loss < 4.6, "gpt-train-step: loss \(loss)")
    let r = [BenchResult(suite: "gpt", name: "gpt-train-step", metric: "best", value: t[0] * 1e3, unit: "ms"),
             BenchResult(suite: "gpt", name: "gpt-train-step", metric: "median", value: t[t.count / 2] * 1e3, unit: "ms")]
    report(r)
    results += r
    // The step against its FLOP bound at this core's own sgemm peak, measured now.
    let flops = trainingStepFlops(trainer.settings.model, batch: trainer.settings.batch)
    let peak = sgemmPeak()
    let bound = flops / peak * 1e3
    let note = String(format: "%.0f MFLOP at sgemm 512³ %.1f GFLOP/s; step %.2f× the bound", flops / 1e6, peak / 1e9, t[0] * 1e3 / bound)
    let b = BenchResult(suite: "gpt", name: "gpt-train-step-bound", metric: "best", value: bound, unit: "ms", note: note)
    report([b, BenchResult(suite: "gpt", name: "gpt-train-step-bound", metric: "median", value: bound, unit: "ms", note: note)])
    results.append(b)
  }
  if filter.map({ "gpt-forward".contains($0) }) ?? true {
    var loss = 0.0
    let t = measure(budget: 1.0, minRepeats: 20) { loss = trainer.estimateLoss(.train, batches: 1) }
    precondition(loss.isFinite, "gpt-forward: loss \(loss)")
    let r = [BenchResult(suite: "gpt", name: "gpt-forward", metric: "best", value: t[0] * 1e3, unit: "ms"),
             BenchResult(suite: "gpt", name: "gpt-forward", metric: "median", value: t[t.count / 2] * 1e3, unit: "ms")]
    report(r)
    results += r
  }
  return results
}

/// Multiply-add FLOPs of one training step: the forward pass's products — every linear layer
/// 2·N·in·out over the N = B·T tokens, and per layer the attention's Q·Kᵀ and P·V at 2·B·H·T²·hs
/// each (the full T × T, as a dense kernel computes it) — three times over, since the backward
/// pass does two products the size of each forward one (∂X and ∂W; ∂P, ∂V and ∂Q, ∂K).
/// Element-wise work (norms, softmax, AdamW) is not counted: the bound is the FMA units' alone.
func trainingStepFlops(_ m: GPTConfiguration, batch: Int) -> Double {
  let tokens = Double(batch * m.block), C = Double(m.embedding), H = Double(m.hiddenWidth)
  let perLayerWeights = C * 3 * C + C * C + C * H + H * C
  let linear = 2 * tokens * (Double(m.layers) * perLayerWeights + C * Double(m.vocabulary))
  let attention = Double(m.layers) * 2 * (2 * Double(batch * m.heads) * Double(m.block * m.block) * Double(m.headSize))
  return 3 * (linear + attention)
}

/// The best sgemm 512³ rate of this process, in FLOP/s (about 0.3 s).
func sgemmPeak() -> Double {
  let a = Matrix<Float>.gaussian(rows: 512, columns: 512, seed: 1), b = Matrix<Float>.gaussian(rows: 512, columns: 512, seed: 2)
  var c = Matrix<Float>(rows: 512, columns: 512)
  let t = measure(budget: 0.3) { try! Matrix.multiply(a, .normal, b, .normal, into: &c); blackHole(c) }
  return 2 * 512 * 512 * 512 / t[0]
}
