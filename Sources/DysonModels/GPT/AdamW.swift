import DysonCore
import Foundation

/// AdamW (Loshchilov & Hutter), arranged exactly as PyTorch's default single-tensor `torch.optim.AdamW`:
///   θ ← θ·(1 − η·λ)                              (decoupled weight decay, on every parameter)
///   m ← m + (1 − β₁)(g − m),   v ← β₂·v + (1 − β₂)·g²
///   θ ← θ − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
/// which is θ − η·m̂/(√v̂ + ε) with the bias-corrected moments m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ).
public struct AdamWConfiguration: Codable, Sendable, Equatable {
  public var learningRate = 1e-3
  public var beta1 = 0.9
  public var beta2 = 0.999
  public var epsilon = 1e-8
  public var weightDecay = 0.01

  public init() {}
}

/// The optimizer state: both moments and the step count t.
public struct AdamW<Scalar: DysonScalar>: Sendable, Equatable {
  public var configuration: AdamWConfiguration
  public private(set) var step = 0
  public internal(set) var firstMoment: [Scalar]
  public internal(set) var secondMoment: [Scalar]

  public init(_ configuration: AdamWConfiguration, count: Int) {
    self.configuration = configuration
    firstMoment = [Scalar](repeating: 0, count: count)
    secondMoment = [Scalar](repeating: 0, count: count)
  }

  /// Restores a saved state (for resuming a run).
  public init(_ configuration: AdamWConfiguration, step: Int, firstMoment: [Scalar], secondMoment: [Scalar]) {
    precondition(firstMoment.count == secondMoment.count && step >= 0, "AdamW: inconsistent saved state")
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
    let c = configuration
    let decay = Scalar(1 - c.learningRate * c.weightDecay)
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
          let gi = rg.loadUnaligned(fromByteOffset: o, as: W.self)
          var mi = rm.loadUnaligned(fromByteOffset: o, as: W.self)
          var vi = rv.loadUnaligned(fromByteOffset: o, as: W.self)
          var ti = rt.loadUnaligned(fromByteOffset: o, as: W.self) * decay
          mi += oneMinusBeta1 * (gi - mi)
          vi = beta2 * vi + oneMinusBeta2 * gi * gi
          ti -= stepSize * mi / (vi.squareRootWithoutErrno() / correction2 + epsilon)
          rm.storeBytes(of: mi, toByteOffset: o, as: W.self)
          rv.storeBytes(of: vi, toByteOffset: o, as: W.self)
          rt.storeBytes(of: ti, toByteOffset: o, as: W.self)
          i += 8
        }
        while i < count {
          theta[i] *= decay
          m[i] += oneMinusBeta1 * (g[i] - m[i])
          v[i] = beta2 * v[i] + oneMinusBeta2 * g[i] * g[i]
          theta[i] -= stepSize * m[i] / (v[i].squareRootWithoutErrno() / correction2 + epsilon)
          i += 1
        }
      }
    }
  }
}
