import Foundation

/// One measured result: a line of the table, or one JSON object with `--json`.
struct BenchResult {
  let suite: String
  let name: String
  let metric: String  // "best" (the headline) or "median"
  let value: Double
  let unit: String
  var note = ""   // e.g. the gemm tile chosen for the case
}

/// Wall times in seconds of `repeats` calls after one untimed warm-up, sorted ascending.
/// Repeats adapt so that one case takes about `budget` seconds in all.
func measure(budget: Double = 0.4, minRepeats: Int = 5, maxRepeats: Int = 2_000, _ body: () -> Void) -> [Double] {
  let warm = seconds(of: body)
  let repeats = max(minRepeats, min(maxRepeats, Int(budget / max(warm, 1e-7))))
  return (0..<repeats).map { _ in seconds(of: body) }.sorted()
}

func seconds(of body: () -> Void) -> Double {
  let d = ContinuousClock().measure(body)
  return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

/// Keeps a value alive so the optimiser cannot delete the work that made it.
@inline(never) func blackHole<T>(_ x: T) { _ = x }
