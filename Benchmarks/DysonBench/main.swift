// dyson-bench [suite…] [--json] [--filter TEXT] [--threads N]
// Suites: matmul, eigen, rbm, gpt. Single-threaded unless --threads says otherwise, so numbers compare
// with a single-threaded peer. Build with -c release; Benchmarks/run.sh records the exact flags.
import DysonCore
import Foundation

struct BenchOptions: Sendable {
  static let suites = ["matmul", "eigen", "rbm", "gpt"]
  var json = false
  var filter: String?
  var threads = 1
  var suites: [String] = []

  static func parse(_ args: [String]) -> BenchOptions {
    var o = BenchOptions()
    var rest = args[...]
    while let arg = rest.popFirst() {
      switch arg {
      case "--json": o.json = true
      case "--filter":
        guard let v = rest.popFirst() else { fail("--filter needs a value") }
        o.filter = v
      case "--threads":
        guard let v = rest.popFirst(), let n = Int(v), n >= 1 else { fail("--threads needs a whole number ≥ 1") }
        o.threads = n
      case "-h", "--help":
        print("usage: dyson-bench [\(suites.joined(separator: "|"))…] [--json] [--filter TEXT] [--threads N]")
        exit(0)
      default:
        guard suites.contains(arg) else { fail("unknown suite or option '\(arg)' (suites: \(suites.joined(separator: ", ")))") }
        o.suites.append(arg)
      }
    }
    if o.suites.isEmpty { o.suites = suites }
    return o
  }
}

func fail(_ message: String) -> Never {
  FileHandle.standardError.write(Data("dyson-bench: \(message)\n".utf8))
  exit(2)
}

let options = BenchOptions.parse(Array(CommandLine.arguments.dropFirst()))

/// Prints results as they come (unbuffered, so a long suite shows progress in a pipe too).
func report(_ results: [BenchResult]) {
  var text = ""
  for r in results {
    if options.json {
      let value = r.value.isFinite ? String(format: "%.6g", r.value) : "null"
      let note = r.note.isEmpty ? "" : #","note":"\#(r.note)""#
      text += #"{"suite":"\#(r.suite)","case":"\#(r.name)","metric":"\#(r.metric)","value":\#(value),"unit":"\#(r.unit)"\#(note)}"# + "\n"
    } else if r.metric == "best" {
      let median = results.first { $0.name == r.name && $0.metric == "median" }?.value ?? .nan
      text += r.suite.padding(toLength: 8, withPad: " ", startingAt: 0) + " "
        + r.name.padding(toLength: 26, withPad: " ", startingAt: 0)
        + String(format: " best %10.3f  median %10.3f  ", r.value, median) + r.unit
        + (r.note.isEmpty ? "" : "  " + r.note) + "\n"
    }
  }
  FileHandle.standardOutput.write(Data(text.utf8))
}

Parallelism.$kernelThreads.withValue(options.threads) {
  if !options.json {
    print("dyson-bench: \(options.threads) thread(s); suites \(options.suites.joined(separator: ", ")); \(GemmKernel.summary)")
  }
  for suite in options.suites {
    switch suite {
    case "matmul": _ = matmulSuite(filter: options.filter)
    case "eigen": _ = eigenSuite(filter: options.filter)
    case "rbm": _ = rbmSuite(filter: options.filter)
    case "gpt": _ = gptSuite(filter: options.filter)
    default: break
    }
  }
}
