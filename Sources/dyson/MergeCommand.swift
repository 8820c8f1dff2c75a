import DysonExperiments
import DysonIO
import Foundation

/// `dyson merge DIR… --out DIR`: joins the shards of one study into the outputs of an unsharded run.
enum MergeCommand {
  static let help = """
  usage: dyson merge SHARD_DIR… --out DIR [--force] [--json]

  Joins the folders written by one study run as shards (--shard 1/n … n/n, same settings otherwise)
  and writes the study's outputs to DIR: records, summary.json, figures and index.html identical to
  an unsharded run's except for the timings (the shards' seconds are added up). Sharded studies:
  rbm learn, rbm universality, rbm scaling, gpt spectra, gpt scaling, dynamics. See Docs/Cluster.md for SLURM and
  GNU parallel.

      --out DIR     output folder (required)
      --force       write into DIR even when it holds another command's output
      --json        print the merged study's summary.json instead of the summary
  """

  static func run(_ arguments: [String]) async throws {
    let o = try Options(arguments, valued: ["out"], switches: ["force"], positional: true)
    guard !o.positionals.isEmpty else { throw UsageError(description: "no shard folders; usage: dyson merge SHARD_DIR… --out DIR") }
    guard let directory = o.string("out") else { throw UsageError(description: "dyson merge needs --out DIR") }
    // The first shard's study decides the kind of records to read.
    struct Header: Decodable { let study: String }
    guard let data = try? ReadOnlyFile.contents(of: o.positionals[0] + "/" + ShardFile<RBMEnsemble.Run>.fileName),
          let header = try? JSONDecoder().decode(Header.self, from: data) else {
      throw RuntimeError(description: "merge: \(o.positionals[0])/shard.json is missing or unreadable (was this folder written with --shard?)")
    }
    do {
      if header.study == "dynamics" {
        let merged = try ShardFile.merge(try o.positionals.map { try ShardFile<DynamicsStudy.ShardRecord>.read(from: $0) })
        var output = try ExperimentOutput(directory: directory, study: merged.study, force: o.has("force"))
        let config = try applySettings(DynamicsStudy.Config.settings, text: merged.configuration, to: DynamicsStudy.Config())
        try DynamicsCommand.report(try DynamicsStudy.result(config, records: merged.ensembles[0], seconds: merged.seconds), to: &output)
        return
      }
      if header.study == "gpt-spectra" {
        let merged = try ShardFile.merge(try o.positionals.map { try ShardFile<GPTExperiment.ShardRecord>.read(from: $0) })
        var output = try ExperimentOutput(directory: directory, study: merged.study, force: o.has("force"))
        let config = try applySettings(GPTExperiment.Config.settings, text: merged.configuration, to: GPTExperiment.Config())
        let result = try await StudyOptions.asUsage { try GPTExperiment.result(config, records: merged.ensembles[0], seconds: merged.seconds) }
        try GPTCommand.report(result, name: "gpt spectra", to: &output)
        return
      }
      if header.study == "gpt-scaling" {
        let merged = try ShardFile.merge(try o.positionals.map { try ShardFile<GPTExperiment.ShardRecord>.read(from: $0) })
        var output = try ExperimentOutput(directory: directory, study: merged.study, force: o.has("force"))
        let config = try applySettings(GPTScalingExperiment.Config.settings, text: merged.configuration, to: GPTScalingExperiment.Config())
        let result = try await StudyOptions.asUsage { try GPTScalingExperiment.result(config, records: merged.ensembles, seconds: merged.seconds) }
        try GPTCommand.reportScaling(result, to: &output)
        return
      }
      let merged = try ShardFile.merge(try o.positionals.map { try ShardFile<RBMEnsemble.Run>.read(from: $0) })
      var output = try ExperimentOutput(directory: directory, study: merged.study, force: o.has("force"))
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
