import DysonCore
import Foundation

/// Hyperparameters of one PCD training run. Defaults are the authors' linear-scaling study
/// (Docs/Science.md §2.3) except `updates`, the number of weight updates, which they ran at 10⁵.
public struct PCDConfiguration: Codable, Sendable, Equatable {
  /// N_v, sites of the target field.
  public var visible = 10
  /// N_h.
  public var hidden = 10
  /// Target mass m² of the lattice free field.
  public var mass2 = 4.0
  /// μ² of the RBM.
  public var mu2 = 9.0
  /// σ_h of the RBM.
  public var sigmaH = 1.0
  /// Standard deviation of the initial W entries.
  public var initialScale = 0.1
  /// Learning rate α.
  public var alpha = 0.1
  /// |B|: persistent chains, and the mini-batch size of a sampled positive phase.
  public var batch = 16
  /// Block-Gibbs steps per update (k).
  public var gibbsSteps = 3
  /// How the chains take their k sweeps: the same law of W whichever.
  public var sampler = Sampler.gram
  /// Weight updates.
  public var updates = 100_000
  /// Momentum β in the authors' form, u ← βu + (1 − β)·gradient, W += αu (0: plain SGD, their scaling study's setting).
  public var momentum = 0.0
  /// L2 penalty λ: the step adds −αλW, outside the momentum average (as the authors' code).
  public var weightDecay = 0.0
  /// Where ⟨φφᵀ⟩_target comes from.
  public var positivePhase = PositivePhase.analytic
  /// How the gradient moves W: the papers' SGD (with `momentum`), or Adam with `adamBeta1`,
  /// `adamBeta2` and `adamEpsilon` (α is then its step size).
  public var optimizer = UpdateRule.sgd
  /// Adam's β₁ (PyTorch's default).
  public var adamBeta1 = 0.9
  /// Adam's β₂ (PyTorch's default).
  public var adamBeta2 = 0.999
  /// Adam's ε (PyTorch's default).
  public var adamEpsilon = 1e-8

  /// The update rules of `optimizer`.
  public enum UpdateRule: String, Codable, Sendable, CaseIterable {
    /// u ← βu + (1 − β)g, W ← W + α(u − λW): the authors' step (plain SGD at β = 0).
    case sgd
    /// m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², W ← W + (α/(1 − β₁ᵗ))·m/(√v/√(1 − β₂ᵗ) + ε) − αλW:
    /// PyTorch's Adam on the ascent direction g = σ_h²DW, with the L2 term outside, as the SGD step.
    case adam
  }

  /// Where the positive phase's ⟨φφᵀ⟩ comes from.
  public enum PositivePhase: String, Codable, Sendable {
    /// K_φ⁻¹ exactly, as the authors' `unsup_fit`: all noise comes from the chains.
    case analytic
    /// A fresh mini-batch of |B| exact field samples each update (data-like noise on both phases).
    case sampled
  }

  /// How the chains take their k sweeps.
  public enum Sampler: String, Codable, Sendable, CaseIterable {
    /// The k sweeps' transition φ ← Mᵏφ + Pm + Lξ drawn at once (`KStepTransition`): N_v normals
    /// per chain instead of k(N_v + N_h), and no hidden states.
    case kstep
    /// The authors' literal sweeps: h|φ, then (φ|h, h|φ) k times.
    case gibbs
    /// `kstep`, and for |B| > N_v the chains' Gram matrix VᵀV drawn instead of the chains
    /// (`KStepTransition.advanceGram`): the gradient sees the chains only through VᵀV, whose law
    /// this keeps, at a cost that no longer grows with |B|. For |B| ≤ N_v it is `kstep`.
    case gram
  }

  /// The authors' settings (the defaults above).
  public init() {}
}
