/// y = a·x weighted by 1/σ², the fit of the collapse: a = Σwxy/Σwx², its leave-one-out jackknife
/// error over the points, and R² = 1 − Σw(y − ax)²/Σw(y − ȳ_w)² (centred: against the best
/// constant). A fit through the origin is often reported with the uncentred R₀² = 1 − Σw(y −
/// ax)²/Σwy² instead (against y = 0: R's `lm(y ~ 0 + x)`, statsmodels without a constant), which
/// is never smaller; both are kept, the centred one is the headline. `standardError` =
/// 1/√(Σwx²) is the slope's error propagated from the points' own errors: the one to use for a
/// handful of points, where the jackknife over points is itself too noisy (two points that agree
/// by chance give it ≈ 0).
public struct ThroughOriginFit: Sendable {
  /// The points and their one-σ errors (weights 1/σ²; a point with no finite positive error has weight 0).
  public let x: [Double], y: [Double], errors: [Double]
  /// The fitted slope a.
  public let slope: Double
  /// The leave-one-out jackknife error of a over the points.
  public let jackknifeError: Double
  /// 1/√(Σwx²): a's error from the points' own errors.
  public let standardError: Double
  /// The centred R² (against the best constant).
  public let r2: Double
  /// The uncentred R₀² (against y = 0).
  public let r2Uncentred: Double

  /// Fits y = a·x to the points.
  public init(x: [Double], y: [Double], errors: [Double]) {
    self.x = x; self.y = y; self.errors = errors
    let w = errors.map { $0 > 0 && $0.isFinite ? 1 / ($0 * $0) : 0 }
    func slope(_ keep: (Int) -> Bool) -> Double {
      var num = 0.0, den = 0.0
      for i in x.indices where keep(i) { num += w[i] * x[i] * y[i]; den += w[i] * x[i] * x[i] }
      return den > 0 ? num / den : .nan
    }
    let a = slope { _ in true }
    self.slope = a
    let information = zip(w, x).reduce(0) { $0 + $1.0 * $1.1 * $1.1 }
    standardError = information > 0 ? 1 / information.squareRoot() : .nan
    if x.count >= 2 {
      let leaveOut = x.indices.map { j in slope { $0 != j } }
      let m = mean(leaveOut)
      jackknifeError = (Double(x.count - 1) / Double(x.count) * leaveOut.reduce(0) { $0 + ($1 - m) * ($1 - m) }).squareRoot()
    } else {
      jackknifeError = .nan
    }
    let wsum = w.reduce(0, +)
    let ybar = wsum > 0 ? zip(w, y).map(*).reduce(0, +) / wsum : .nan
    var residual = 0.0, total = 0.0, square = 0.0
    for i in x.indices {
      residual += w[i] * (y[i] - a * x[i]) * (y[i] - a * x[i])
      total += w[i] * (y[i] - ybar) * (y[i] - ybar)
      square += w[i] * y[i] * y[i]
    }
    r2 = total > 0 ? 1 - residual / total : .nan
    r2Uncentred = square > 0 ? 1 - residual / square : .nan
  }
}
