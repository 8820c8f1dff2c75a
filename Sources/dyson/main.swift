// dyson: the command line of Dyson. Exit codes: 0 success, 1 runtime failure, 2 usage error.
import DysonCore
import DysonExperiments
import Foundation

let version = "0.1.0"

let usage = """
usage: dyson <command> [options]

Commands:
  reproduce   every study below with the papers' settings, one report (--quick: about 2 minutes on 2 cores)
  wishart     eigenvalues of WᵀW for Gaussian W against Marchenko–Pastur (the spectrum at initialisation)
  gallery     the example figures of Docs/figures, on ensembles with known answers
  rbm STUDY   Gaussian RBM: learn (MP → μ² − κ), universality (surmise, U₄), scaling (α/|B| rule), mnist (UV regulator)
  linear STUDY  linear networks: ts (teacher–student with induced noise, ⟨S⟩ against √(α·ns²/|B|)), hidden (fixed Z: two species)
  gpt ACTION  character-level GPT: train, spectra (50 runs: MP fits, spacings, tails), scaling (η/|B| or η/√|B|?), sample, grad
  dbm         Dyson Brownian motion of SGD: two degenerate levels, the linear scaling rule exactly
  spectrum    spectral analysis of a model's matrices: .safetensors / .npy files, sharded checkpoints, folders
  dynamics    the same over training runs: MP fits, tails, ⟨r̃⟩, spacings per step, over an ensemble of seeds
  merge       joins the shards of a study run with --shard i/n (rbm learn, universality, scaling; gpt spectra; dynamics)
  help CMD    the options of a command, with their defaults

Options: --help, --version. Every command takes --help, --quiet (no progress lines) and
--progress-log SECONDS (a whole progress line every SECONDS on standard error, terminal or not:
for logs of runs under nohup);
--json prints a machine-readable result instead of the summary (reproduce, spectrum, wishart, and
the study commands rbm, linear, dbm, merge, gpt train|spectra: the study's summary.json). Ctrl-C stops after the current step. Exit codes: 0 success, 1 runtime failure, 2 usage error.
"""

func printError(_ message: String) {
  FileHandle.standardError.write(Data("error: \(message)\n".utf8))
}

let commands: [String: (help: String, run: ([String]) async throws -> Void)] = [
  "wishart": (WishartCommand.help, WishartCommand.run),
  "spectrum": (SpectrumCommand.help, SpectrumCommand.run),
  "dynamics": (DynamicsCommand.help, DynamicsCommand.run),
  "gallery": (GalleryCommand.help, GalleryCommand.run),
  "rbm": (RBMCommand.help, RBMCommand.run),
  "linear": (LinearCommand.help, LinearCommand.run),
  "gpt": (GPTCommand.help, GPTCommand.run),
  "dbm": (DBMCommand.help, DBMCommand.run),
  "reproduce": (ReproduceCommand.help, ReproduceCommand.run),
  "merge": (MergeCommand.help, MergeCommand.run),
]

/// Ends the process with `code` after the command has printed its own messages.
struct ExitQuietly: Error {
  let code: Int32
}

let arguments = Array(CommandLine.arguments.dropFirst())
Interruption.installSignalHandler()
do {
  switch arguments.first {
  case nil, "-h", "--help":
    print(usage)
  case "--version":
    print("dyson \(version)")
  case "help":
    guard let name = arguments.dropFirst().first else { print(usage); break }
    guard let command = commands[name] else { throw UsageError(description: "no command '\(name)'; commands: \(commands.keys.sorted().joined(separator: ", "))") }
    print(command.help)
  case let name?:
    guard let command = commands[name] else {
      let hint = commands.keys.min { editDistance($0, name) < editDistance($1, name) }.map { " (did you mean '\($0)'?)" } ?? ""
      throw UsageError(description: "unknown command '\(name)'\(hint); see dyson --help")
    }
    var rest = Array(arguments.dropFirst())
    // --quiet silences progress for every command; reproduce also drops its per-study lines.
    if rest.contains("--quiet") {
      Progress.silenced.store(true, ordering: .relaxed)
      if name != "reproduce" { rest.removeAll { $0 == "--quiet" } }
    }
    // --progress-log SECONDS: whole progress lines at that interval, also in pipes and logs.
    if let flag = rest.firstIndex(of: "--progress-log") {
      let value = flag + 1 < rest.count ? rest[flag + 1] : ""
      guard let seconds = Int(value), seconds >= 1 else {
        throw UsageError(description: "--progress-log takes a whole number of seconds ≥ 1, got '\(value)'")
      }
      Progress.logInterval.store(seconds, ordering: .relaxed)
      rest.removeSubrange(flag...(flag + 1))
    }
    // --json: the study commands print their summary.json instead of the human summary.
    if Console.takesJSON(name, rest), rest.contains("--json") {
      Console.json.store(true, ordering: .relaxed)
      rest.removeAll { $0 == "--json" }
    }
    if rest.contains("--help") || rest.contains("-h") { print(command.help) } else { try await command.run(rest) }
  }
} catch let error as ExitQuietly {
  exit(error.code)
} catch is Interrupted {
  printError("interrupted; no file was left half-written. dyson reproduce, rbm learn|universality|scaling|mnist and gpt train|spectra continue with --resume from what they kept; other commands start again")
  exit(130)
} catch let error as UsageError {
  printError(error.description)
  exit(2)
} catch {
  printError("\(error)")
  exit(1)
}
