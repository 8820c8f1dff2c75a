import DysonCore
import Foundation

/// The GPT's optimizers, each arranged exactly as PyTorch's default single-tensor loop, with η the
/// learning rate, λ the weight decay and g the gradient:
///
/// - `adamw` (Loshchilov & Hutter, `torch.optim.AdamW`; the lecture's):
///     θ ← θ·(1 − ηλ)                                  (decoupled weight decay)
///     m ← m + (1 − β₁)(g − m),   v ← β₂·v + (1 − β₂)·g²
///     θ ← θ − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
///   which is θ − η·m̂/(√v̂ + ε) with the bias-corrected moments m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ).
/// - `adam` (`torch.optim.Adam`): the same with the decay added to the gradient instead,
///   g ← g + λθ, and no decoupled factor.
/// - `sgd` (`torch.optim.SGD`): g ← g + λθ, θ ← θ − ηg.
/// - `momentum` (`torch.optim.SGD(momentum: μ)`, no dampening): g ← g + λθ, b ← μb + g (b = g at
///   the first step, which μ·0 + g equals), θ ← θ − ηb.
///
/// Adam's update has the size η whatever the gradient's scale, SGD's is proportional to it: the
/// two sides of the linear scaling rule's question for adaptive optimisers.
public struct OptimizerConfiguration: Codable, Sendable, Equatable {
  /// Which update rule (the forms above).
  public enum Method: String, Codable, Sendable, CaseIterable {
    /// AdamW (the lecture's), Adam, plain SGD, SGD with momentum: PyTorch's forms above.
    case adamw, adam, sgd, momentum
  }

  /// The update rule.
  public var method = Method.adamw
  /// The learning rate η.
  public var learningRate = 1e-3
  /// β₁ of Adam's first moment.
  public var beta1 = 0.9
  /// β₂ of Adam's second moment.
  public var beta2 = 0.999
  /// ε added to √v̂ in Adam's denominator.
  public var epsilon = 1e-8
  /// λ: decoupled for AdamW, added to the gradient for the others (PyTorch's forms).
  public var weightDecay = 0.01
  /// μ of `momentum`.
  public var momentum = 0.9

  /// AdamW with PyTorch's defaults (η = 10⁻³, β = (0.9, 0.999), ε = 10⁻⁸, λ = 0.01).
  public init() {}

  /// Nil when every value is in range, else what is wrong.
  public var problem: String? {
    guard learningRate >= 0, learningRate.isFinite else { return "the learning rate must be finite and ≥ 0 (got \(learningRate))" }
    guard weightDecay >= 0, weightDecay.isFinite else { return "the weight decay must be finite and ≥ 0 (got \(weightDecay))" }
    switch method {
    case .adamw, .adam:
      guard (0..<1).contains(beta1), (0..<1).contains(beta2), epsilon > 0 else {
        return "\(method.rawValue) needs 0 ≤ β₁, β₂ < 1 and ε > 0 (got β₁ \(beta1), β₂ \(beta2), ε \(epsilon))"
      }
    case .momentum:
      guard (0..<1).contains(momentum) else { return "momentum needs 0 ≤ μ < 1 (got \(momentum))" }
    case .sgd:
      break
    }
    return nil
  }

  /// The hyperparameters in words, for messages.
  public var summary: String {
    switch method {
    case .adamw, .adam: "\(method.rawValue), lr \(learningRate), weight decay \(weightDecay), β (\(beta1), \(beta2))"
    case .sgd: "sgd, lr \(learningRate), weight decay \(weightDecay)"
    case .momentum: "sgd with momentum \(momentum), lr \(learningRate), weight decay \(weightDecay)"
    }
  }
}

/// The name the configuration had when AdamW was the only optimizer.
public typealias AdamWConfiguration = OptimizerConfiguration

/// The optimizer state: the first moment (or SGD's momentum buffer), the second moment (Adam's
/// only) and the step count t.
public struct Optimizer<Scalar: DysonScalar>: Sendable, Equatable {
  /// The update rule and its hyperparameters.
  public var configuration: OptimizerConfiguration
  /// Steps taken (t).
  public private(set) var step = 0
  /// Adam's first moment m, or SGD's momentum buffer b.
  public internal(set) var firstMoment: [Scalar]
  /// Adam's second moment v (zeros for SGD).
  public internal(set) var secondMoment: [Scalar]

  /// A fresh state (zero moments, step 0) for `count` parameters.
  public init(_ configuration: OptimizerConfiguration, count: Int) {
    self.configuration = configuration
    firstMoment = [Scalar](repeating: 0, count: count)
    secondMoment = [Scalar](repeating: 0, count: count)
  }

  /// Restores a saved state (for resuming a run).
  public init(_ configuration: OptimizerConfiguration, step: Int, firstMoment: [Scalar], secondMoment: [Scalar]) {
    precondition(firstMoment.count == secondMoment.count && step >= 0, "Optimizer: inconsistent saved state")
    self.configuration = configuration
    self.step = step
    self.firstMoment = firstMoment
    self.secondMoment = secondMoment
  }

  /// One update of `parameters` with `gradient`.
  public mutating func update(_ parameters: inout [Scalar], gradient: [Scalar]) {
    precondition(parameters.count == firstMoment.count && gradient.count == firstMoment.count, "AdamW: size mismatch")
    gradient.withUnsafeBufferPointer { g in
      parameters.withUnsafeMutableBufferPointer { update($0.baseAddress!, gradient: g.baseAddress!) }
    }
  }

  /// One update on raw buffers of `firstMoment.count` values.
  @inline(__always)
  mutating func update(_ theta: UnsafeMutablePointer<Scalar>, gradient g: UnsafePointer<Scalar>) {
    step += 1
    switch configuration.method {
    case .adamw, .adam: adamUpdate(theta, gradient: g)
    case .sgd, .momentum: sgdUpdate(theta, gradient: g)
    }
  }

  /// θ ← θ − ηb with b = g + λθ (sgd) or b ← μb + g + λθ (momentum), b kept in `firstMoment`.
  @inline(__always)
  mutating func sgdUpdate(_ theta: UnsafeMutablePointer<Scalar>, gradient g: UnsafePointer<Scalar>) {
    let c = configuration
    let rate = Scalar(c.learningRate), decay = Scalar(c.weightDecay)
    let mu = Scalar(c.method == .momentum ? c.momentum : 0)
    let count = firstMoment.count
    firstMoment.withUnsafeMutableBufferPointer { bBuffer in
      let b = bBuffer.baseAddress!
      for i in 0..<count {
        var d = g[i]
        if decay != 0 { d += decay * theta[i] }
        if mu != 0 {
          b[i] = mu * b[i] + d
          d = b[i]
        }
        theta[i] -= rate * d
      }
    }
  }

  /// Adam and AdamW: the same loop, the decay decoupled (AdamW) or added to the gradient (Adam).
  @inline(__always)
  mutating func adamUpdate(_ theta: UnsafeMutablePointer<Scalar>, gradient g: UnsafePointer<Scalar>) {
    let c = configuration
    let decoupled = c.method == .adamw
    let decay = Scalar(decoupled ? 1 - c.learningRate * c.weightDecay : 1)
    let coupled = Scalar(decoupled ? 0 : c.weightDecay)
    let beta2 = Scalar(c.beta2)
    let oneMinusBeta1 = Scalar(1 - c.beta1), oneMinusBeta2 = Scalar(1 - c.beta2)
    let stepSize = Scalar(c.learningRate / (1 - pow(c.beta1, Double(step))))
    let correction2 = Scalar((1 - pow(c.beta2, Double(step))).squareRoot())
    let epsilon = Scalar(c.epsilon)
    let count = firstMoment.count
    firstMoment.withUnsafeMutableBufferPointer { mBuffer in
      secondMoment.withUnsafeMutableBufferPointer { vBuffer in
        let m = mBuffer.baseAddress!, v = vBuffer.baseAddress!
        // Eight at a time, then the rest one by one: each lane does the scalar loop's IEEE operations.
        typealias W = SIMD8<Scalar>
        let stride = MemoryLayout<Scalar>.stride
        let rt = UnsafeMutableRawPointer(theta), rg = UnsafeRawPointer(g)
        let rm = UnsafeMutableRawPointer(m), rv = UnsafeMutableRawPointer(v)
        var i = 0
        while i + 8 <= count {
          let o = i * stride
          var gi = rg.loadUnaligned(fromByteOffset: o, as: W.self)
          var mi = rm.loadUnaligned(fromByteOffset: o, as: W.self)
          var vi = rv.loadUnaligned(fromByteOffset: o, as: W.self)
          var ti = rt.loadUnaligned(fromByteOffset: o, as: W.self)
          if coupled != 0 { gi += coupled * ti }
          ti *= decay
          mi += oneMinusBeta1 * (gi - mi)
          vi = beta2 * vi + oneMinusBeta2 * gi * gi
          ti -= stepSize * mi / (vi.squareRootWithoutErrno() / correction2 + epsilon)
          rm.storeBytes(of: mi, toByteOffset: o, as: W.self)
          rv.storeBytes(of: vi, toByteOffset: o, as: W.self)
          rt.storeBytes(of: ti, toByteOffset: o, as: W.self)
          i += 8
        }
        while i < count {
          let gi = coupled != 0 ? g[i] + coupled * theta[i] : g[i]
          theta[i] *= decay
          m[i] += oneMinusBeta1 * (gi - m[i])
          v[i] = beta2 * v[i] + oneMinusBeta2 * gi * gi
          theta[i] -= stepSize * m[i] / (v[i].squareRootWithoutErrno() / correction2 + epsilon)
          i += 1
        }
      }
    }
  }
}

/// The name the optimizer had when AdamW was the only one.
public typealias AdamW<Scalar: DysonScalar> = Optimizer<Scalar>
