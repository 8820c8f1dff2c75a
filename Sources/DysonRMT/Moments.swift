/// Moments of a sample, two-pass for accuracy.
public struct Moments: Sendable, Equatable {
  /// The sample size n.
  public let count: Int
  /// The sample mean x̄.
  public let mean: Double
  /// Central moments ⟨(x − x̄)^k⟩ for k = 2, 3, 4 (population normalisation, 1/n).
  public let m2: Double
  /// ⟨(x − x̄)³⟩.
  public let m3: Double
  /// ⟨(x − x̄)⁴⟩.
  public let m4: Double

  /// The moments of `values` (not empty).
  public init(_ values: [Double]) {
    precondition(!values.isEmpty, "Moments: empty sample")
    let n = Double(values.count)
    let mean = values.reduce(0, +) / n
    var m2 = 0.0, m3 = 0.0, m4 = 0.0
    for v in values {
      let u = v - mean, u2 = u * u
      m2 += u2; m3 += u2 * u; m4 += u2 * u2
    }
    self.count = values.count
    self.mean = mean
    self.m2 = m2 / n
    self.m3 = m3 / n
    self.m4 = m4 / n
  }

  /// Unbiased sample variance (1/(n − 1)).
  public var sampleVariance: Double { count > 1 ? m2 * Double(count) / Double(count - 1) : 0 }
  /// √ of the unbiased sample variance.
  public var standardDeviation: Double { sampleVariance.squareRoot() }
  /// ⟨u³⟩/⟨u²⟩^{3/2}, u = x − x̄.
  public var skewness: Double { m3 / (m2 * m2.squareRoot()) }
  /// Excess kurtosis ⟨u⁴⟩/⟨u²⟩² − 3 (0 for a Gaussian).
  public var excessKurtosis: Double { m4 / (m2 * m2) - 3 }
  /// Binder cumulant U₄ = ⟨u⁴⟩/(3⟨u²⟩²) − 1: 0 for a Gaussian, −4/27 for the two-level density.
  public var binderCumulant: Double { m4 / (3 * m2 * m2) - 1 }
}

/// U₄ of a sample about its mean.
public func binderCumulant(_ values: [Double]) -> Double { Moments(values).binderCumulant }

/// The arithmetic mean; NaN for an empty array.
public func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
