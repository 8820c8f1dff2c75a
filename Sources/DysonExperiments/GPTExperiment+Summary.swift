import DysonIO
import DysonModels
import DysonRMT

extension GPTExperiment {
  /// What summary.json holds: the study's headline numbers under their JSON keys. Numbers that
  /// do not exist (an error from one run, a fit that failed) are nil, written as null.
  public struct Summary: Codable, Sendable, Equatable {
    /// Final losses of one run.
    public struct RunLosses: Codable, Sendable, Equatable {
      /// The run's index.
      public var run: Int
      /// Final training loss (on `finalEvalIters` batches).
      public var trainLoss: Double?
      /// Final validation loss.
      public var validationLoss: Double?
      /// Why the run stopped early, if it did.
      public var failure: String?
      enum CodingKeys: String, CodingKey { case run, trainLoss = "train_loss", validationLoss = "val_loss", failure }
    }

    /// A Marchenko–Pastur fit of head 0 of one layer at one step (`LayerFit`).
    public struct Fit: Codable, Sendable, Equatable {
      /// The layer, from 0.
      public var layer: Int
      /// The training step.
      public var step: Int
      /// σ² and its bootstrap error.
      public var sigma2: Double?, sigma2Error: Double?
      /// A and its bootstrap error.
      public var area: Double?, areaError: Double?
      /// Share of the eigenvalues above the fitted edge x₊.
      public var tailFraction: Double?
      enum CodingKeys: String, CodingKey {
        case layer, step, sigma2, sigma2Error = "sigma2_error", area, areaError = "area_error", tailFraction = "tail_fraction"
      }
    }

    /// ⟨r̃⟩ at one step (`RatioMean`).
    public struct RatioMeanEntry: Codable, Sendable, Equatable {
      /// The training step.
      public var step: Int
      /// ⟨r̃⟩ and its standard error over runs.
      public var mean: Double?, error: Double?
      /// Ratios in ⟨r̃⟩.
      public var count: Int
      /// The same without each spectrum's largest level.
      public var meanWithoutLargest: Double?, errorWithoutLargest: Double?
      enum CodingKeys: String, CodingKey {
        case step, mean, error, count, meanWithoutLargest = "mean_without_largest", errorWithoutLargest = "error_without_largest"
      }
    }

    /// The keys' unfolded spacings at one of the figure's steps (`StepSpacings`).
    public struct StepSpacingEntry: Codable, Sendable, Equatable {
      /// The training step.
      public var step: Int
      /// Spacings pooled.
      public var count: Int
      /// ⟨s²⟩ of all spacings and of the bulk ones (4/π for the surmise).
      public var meanSquare: Double?, bulkMeanSquare: Double?
      /// KS distance and p-value against the surmise.
      public var ksDistance: Double?, ksP: Double?
      enum CodingKeys: String, CodingKey {
        case step, count, meanSquare = "mean_square", bulkMeanSquare = "bulk_mean_square", ksDistance = "ks_distance", ksP = "ks_p"
      }
    }

    /// The queries or values at the last step (`ProjectionSummary`).
    public struct ProjectionEntry: Codable, Sendable, Equatable {
      /// Queries or values.
      public var projection: HeadProjection
      /// Head 0's MP fit per layer.
      public var fits: [Fit]
      /// ⟨s²⟩ of the pooled unfolded spacings.
      public var spacingMeanSquare: Double?
      /// The KS p-value against the surmise.
      public var spacingKSP: Double?
      enum CodingKeys: String, CodingKey {
        case projection, fits = "mp_fits_head0", spacingMeanSquare = "spacing_mean_square", spacingKSP = "spacing_ks_p"
      }
    }

    /// "gpt".
    public var experiment = "gpt"
    /// Parameters of the model.
    public var parameters: Int
    /// Optimizer steps per run.
    public var iterations: Int
    /// Each run's final losses.
    public var runs: [RunLosses]
    /// Head 0's key fits per layer and recorded step.
    public var keyFits: [Fit]
    /// σ² of the key entries at initialisation in theory (`initialVariance`).
    public var sigma2Theory: Double
    /// ⟨r̃⟩ at the first and the last recorded step.
    public var spacingRatioMeans: [RatioMeanEntry]
    /// ⟨r̃⟩ of GOE levels and of Poisson levels, for comparison.
    public var spacingRatioGOE: Double, spacingRatioPoisson: Double
    /// The keys' unfolded spacings at the last step: ⟨s²⟩ and the KS test against the surmise.
    public var spacingMeanSquare: Double?, spacingKSDistance: Double?, spacingKSP: Double?
    /// ⟨s²⟩ with each run's spectra scaled by their median first.
    public var runScaledSpacingMeanSquare: Double?
    /// The same without each spectrum's end spacings.
    public var bulkSpacingMeanSquare: Double?, bulkSpacingKSDistance: Double?, bulkSpacingKSP: Double?
    /// The power-law tail of the pooled final key eigenvalues.
    public var tailAlpha: Double?, tailAlphaError: Double?, tailXMin: Double?, tailCount: Int?, tailKSDistance: Double?
    /// At each of the figure's steps that was recorded.
    public var spacingsByStep: [StepSpacingEntry]
    /// Queries and values, analysed as the keys.
    public var queryAndValue: [ProjectionEntry]
    /// Wall-clock time of the study.
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
      case experiment, parameters, iterations, runs, keyFits = "mp_fits_head0_key", sigma2Theory = "sigma2_at_initialisation_theory"
      case spacingRatioMeans = "spacing_ratio_means", spacingRatioGOE = "spacing_ratio_goe", spacingRatioPoisson = "spacing_ratio_poisson"
      case spacingMeanSquare = "spacing_mean_square", spacingKSDistance = "spacing_ks_distance", spacingKSP = "spacing_ks_p"
      case runScaledSpacingMeanSquare = "run_scaled_spacing_mean_square"
      case bulkSpacingMeanSquare = "bulk_spacing_mean_square", bulkSpacingKSDistance = "bulk_spacing_ks_distance", bulkSpacingKSP = "bulk_spacing_ks_p"
      case tailAlpha = "tail_power_law_alpha", tailAlphaError = "tail_power_law_alpha_error", tailXMin = "tail_power_law_x_min"
      case tailCount = "tail_power_law_count", tailKSDistance = "tail_power_law_ks_distance"
      case spacingsByStep = "spacings_by_step", queryAndValue = "query_value_at_last_step", seconds
    }
  }

  /// The summary of a result (what `write` puts in summary.json).
  public static func summary(_ r: Result) -> Summary {
    func meanSquareOrNil(_ s: [Double]) -> Double? { s.isEmpty ? nil : finite(meanSquare(s)) }
    func fit(_ f: LayerFit) -> Summary.Fit {
      Summary.Fit(layer: f.layer, step: f.step, sigma2: finite(f.variance), sigma2Error: finite(f.varianceError),
                  area: finite(f.area), areaError: finite(f.areaError), tailFraction: finite(f.tailFraction))
    }
    return Summary(
      parameters: r.parameterCount, iterations: r.config.iterations,
      runs: r.runs.enumerated().map { k, run in
        Summary.RunLosses(run: k, trainLoss: finite(run.finalTrain), validationLoss: finite(run.finalValidation), failure: run.failure)
      },
      keyFits: r.fits.map(fit), sigma2Theory: initialVariance(r.config.training.model),
      spacingRatioMeans: r.ratioMeans.map { m in
        Summary.RatioMeanEntry(step: m.step, mean: finite(m.mean), error: finite(m.error), count: m.count,
                               meanWithoutLargest: finite(m.meanWithoutLargest), errorWithoutLargest: finite(m.errorWithoutLargest))
      },
      spacingRatioGOE: SpacingRatio.goe, spacingRatioPoisson: SpacingRatio.poisson,
      spacingMeanSquare: meanSquareOrNil(r.spacings), spacingKSDistance: r.spacingKS.flatMap { finite($0.distance) },
      spacingKSP: r.spacingKS.flatMap { finite($0.pValue) },
      runScaledSpacingMeanSquare: meanSquareOrNil(r.runScaledSpacings),
      bulkSpacingMeanSquare: meanSquareOrNil(r.bulkSpacings), bulkSpacingKSDistance: r.bulkSpacingKS.flatMap { finite($0.distance) },
      bulkSpacingKSP: r.bulkSpacingKS.flatMap { finite($0.pValue) },
      tailAlpha: r.tail.flatMap { finite($0.alpha) }, tailAlphaError: r.tail.flatMap { finite($0.alphaError) },
      tailXMin: r.tail.flatMap { finite($0.xMin) }, tailCount: r.tail?.tailCount, tailKSDistance: r.tail.flatMap { finite($0.distance) },
      spacingsByStep: r.spacingsByStep.map { s in
        Summary.StepSpacingEntry(step: s.step, count: s.all.count, meanSquare: finite(meanSquare(s.all)), bulkMeanSquare: meanSquareOrNil(s.bulk),
                                 ksDistance: s.ks.flatMap { finite($0.distance) }, ksP: s.ks.flatMap { finite($0.pValue) })
      },
      queryAndValue: r.projections.map { p in
        Summary.ProjectionEntry(projection: p.projection, fits: p.fits.map(fit), spacingMeanSquare: meanSquareOrNil(p.spacings),
                                spacingKSP: p.ks.flatMap { finite($0.pValue) })
      },
      seconds: r.seconds)
  }
}
