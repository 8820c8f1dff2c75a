import Foundation

/// The unfolding-free ratio of consecutive spacings, r̃ᵢ = min(sᵢ, sᵢ₊₁)/max(sᵢ, sᵢ₊₁)
/// (Oganesyan & Huse 2007; Atas, Bogomolny, Giraud & Roux, PRL 110, 084101, 2013).
public enum SpacingRatio {
  /// r̃ᵢ of one spectrum (sorted here). Pairs with a zero spacing on both sides are skipped.
  public static func ratios(_ levels: [Double]) -> [Double] {
    let x = levels.filter(\.isFinite).sorted()
    guard x.count >= 3 else { return [] }
    var out: [Double] = []
    out.reserveCapacity(x.count - 2)
    for i in 1..<(x.count - 1) {
      let a = x[i] - x[i - 1], b = x[i + 1] - x[i]
      let big = max(a, b)
      if big > 0 { out.append(min(a, b) / big) }
    }
    return out
  }

  /// ⟨r̃⟩ for large GOE matrices (Atas et al. 2013, Table I, numerics): 0.5307(1).
  public static let goe = 0.5307
  /// ⟨r̃⟩ for large GUE matrices: 0.5996(1).
  public static let gue = 0.5996
  /// ⟨r̃⟩ for large GSE matrices: 0.6744(1).
  public static let gse = 0.6744
  /// Poisson levels: 2 ln 2 − 1 = 0.38629 (exact).
  public static let poisson = 2 * log(2.0) - 1
  /// The 3×3 GOE surmise value 4 − 2√3 = 0.53590 (Atas et al.), 1 % above the large-N value.
  public static let goeSurmise = 4 - 2 * 3.0.squareRoot()
}
