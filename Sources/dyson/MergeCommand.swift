import DysonExperiments
import Foundation

/// `dyson merge DIR… --out DIR`: joins the shards of one study into the outputs of an unsharded run.
enum MergeCommand {
  static let help = """
  usage: dyson merge SHARD_DIR… --out DIR [--force]

  Joins the folders written by one study run as shards (--shard 1/n … n/n, same settings otherwise)
  and writes the study's outputs to DIR: records, summary.json, figures and index.html identical to
  an unsharded run's except for the timings (the shards' seconds are added up). Sharded studies:
  rbm learn, rbm universality, rbm scaling. See Docs/Cluster.md for SLURM and GNU parallel.

      --out DIR     output folder (required)
      --force       write into DIR even when it holds another command's output
  """

  static func run(_ arguments: [String]) async throws {
    let o = try Options(arguments, valued: ["out"], switches: ["force"], positional: true)
    guard !o.positionals.isEmpty else { throw UsageError(description: "no shard folders; usage: dyson merge SHARD_DIR… --out DIR") }
    guard let directory = o.string("out") else { throw UsageError(description: "dyson merge needs --out DIR") }
    let merged: ShardFile<RBMEnsemble.Run>
    do {
      merged = try ShardFile.merge(try o.positionals.map { try ShardFile<RBMEnsemble.Run>.read(from: $0) })
    } catch let e as ShardError {
      throw RuntimeError(description: "merge: \(e)")
    }
    var output = try ExperimentOutput(directory: directory, study: merged.study, force: o.has("force"))
    do {
      switch merged.study {
      case "rbm-learn":
        let config = try applySettings(RBMLearnExperiment.Config.settings, text: merged.configuration, to: RBMLearnExperiment.Config())
        try RBMCommand.report(try RBMLearnExperiment.result(config, runs: merged.ensembles[0], seconds: merged.seconds), to: &output)
      case "rbm-universality":
        let config = try applySettings(RBMUniversalityExperiment.Config.settings, text: merged.configuration, to: RBMUniversalityExperiment.Config())
        try RBMCommand.report(try RBMUniversalityExperiment.result(config, runs: merged.ensembles[0], seconds: merged.seconds), to: &output)
      case "rbm-scaling":
        let config = try applySettings(RBMScalingExperiment.Config.settings, text: merged.configuration, to: RBMScalingExperiment.Config())
        try RBMCommand.report(try RBMScalingExperiment.result(config, runs: merged.ensembles, seconds: merged.seconds), to: &output)
      default:
        throw RuntimeError(description: "merge: shards of '\(merged.study)', which dyson merge does not know")
      }
    } catch let e as ShardError {
      throw RuntimeError(description: "merge: \(e)")
    }
  }
}
