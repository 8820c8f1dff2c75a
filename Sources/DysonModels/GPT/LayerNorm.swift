import DysonCore

// LayerNorm over the last axis (width C), forward and hand-derived backward.
//
// Forward, per row x:  μ = Σx/C,  σ² = Σ(x − μ)²/C (biased, as PyTorch),  r = 1/√(σ² + ε),
//   x̂ = (x − μ)·r,  y = γ ⊙ x̂ + β.
// Backward, with g = γ ⊙ ∂L/∂y:  ∂L/∂γ = Σ_rows ∂L/∂y ⊙ x̂,  ∂L/∂β = Σ_rows ∂L/∂y,
//   ∂L/∂x = r·(g − mean(g) − x̂·mean(g ⊙ x̂))   (differentiate x̂ through μ and r; the two
//   means are the projections that removing the mean and fixing the variance take out).

/// y = LayerNorm(x) row by row; saves μ and r = 1/σ for the backward pass.
@inline(__always)
func layerNormForward<Scalar: DysonScalar>(
  _ y: UnsafeMutablePointer<Scalar>, mean: UnsafeMutablePointer<Scalar>, inverseDeviation: UnsafeMutablePointer<Scalar>,
  _ x: UnsafePointer<Scalar>, weight: UnsafePointer<Scalar>, bias: UnsafePointer<Scalar>,
  rows: Int, width C: Int, epsilon: Scalar
) {
  let inverseWidth = 1 / Scalar(C)
  for i in 0..<rows {
    let xi = x + i * C, yi = y + i * C
    var sum: Scalar = 0
    for j in 0..<C { sum += xi[j] }
    let mu = sum * inverseWidth
    var squares: Scalar = 0
    for j in 0..<C { let d = xi[j] - mu; squares += d * d }
    let r = 1 / (squares * inverseWidth + epsilon).squareRoot()
    for j in 0..<C { yi[j] = (xi[j] - mu) * r * weight[j] + bias[j] }
    mean[i] = mu
    inverseDeviation[i] = r
  }
}

/// dx += ∂L/∂x; dWeight and dBias are overwritten (each LayerNorm is used once per step).
@inline(__always)
func layerNormBackward<Scalar: DysonScalar>(
  dx: UnsafeMutablePointer<Scalar>, dWeight: UnsafeMutablePointer<Scalar>, dBias: UnsafeMutablePointer<Scalar>,
  dy: UnsafePointer<Scalar>, x: UnsafePointer<Scalar>, weight: UnsafePointer<Scalar>,
  mean: UnsafePointer<Scalar>, inverseDeviation: UnsafePointer<Scalar>, rows: Int, width C: Int
) {
  dWeight.update(repeating: 0, count: C)
  dBias.update(repeating: 0, count: C)
  let inverseWidth = 1 / Scalar(C)
  for i in 0..<rows {
    let xi = x + i * C, dyi = dy + i * C, dxi = dx + i * C
    let mu = mean[i], r = inverseDeviation[i]
    var meanG: Scalar = 0, meanGX: Scalar = 0
    for j in 0..<C {
      let xhat = (xi[j] - mu) * r
      let g = weight[j] * dyi[j]
      meanG += g
      meanGX += g * xhat
      dWeight[j] += dyi[j] * xhat
      dBias[j] += dyi[j]
    }
    meanG *= inverseWidth
    meanGX *= inverseWidth
    for j in 0..<C {
      let xhat = (xi[j] - mu) * r
      dxi[j] += r * (weight[j] * dyi[j] - meanG - xhat * meanGX)
    }
  }
}
