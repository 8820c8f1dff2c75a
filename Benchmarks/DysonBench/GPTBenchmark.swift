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
