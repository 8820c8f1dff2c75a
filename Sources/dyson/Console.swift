import Foundation
import Synchronization

/// What a study command prints on standard output: its human summary, or with `--json` only the
/// study's summary.json (the same numbers, for scripts and `jq`).
enum Console {
  static let json = Atomic<Bool>(false)
  static var isJSON: Bool { json.load(ordering: .relaxed) }
  /// The commands whose results are a study folder with a summary.json (gpt: train and spectra).
  static func takesJSON(_ command: String, _ rest: [String]) -> Bool {
    switch command {
    case "rbm", "linear", "dbm", "merge", "dynamics": return true
    case "gpt": return ["train", "spectra"].contains(rest.first ?? "")
    default: return false
    }
  }
}

/// A line of the human summary; silent under `--json`, so that standard output is JSON only.
func say(_ line: String) {
  if !Console.isJSON { print(line) }
}

/// The last word of a study command: where its report is, or under `--json` its summary.json.
func finishStudy(_ directory: String) throws {
  guard Console.isJSON else { print("wrote \(directory)/index.html"); return }
  let path = directory + "/summary.json"
  guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
    throw RuntimeError(description: "cannot read \(path) back for --json")
  }
  print(text.trimmingCharacters(in: .whitespacesAndNewlines))
}
