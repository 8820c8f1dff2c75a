import DysonCore

// LayerNorm over the last axis (width C), forward and hand-derived backward.
//
// Forward, per row x:  μ = Σx/C,  σ² = Σ(x − μ)²/C (biased, as PyTorch),  r = 1/√(σ² + ε),
//   x̂ = (x − μ)·r,  y = γ ⊙ x̂ + β.
// Backward, with g = γ ⊙ ∂L/∂y:  ∂L/∂γ = Σ_rows ∂L/∂y ⊙ x̂,  ∂L/∂β = Σ_rows ∂L/∂y,
//   ∂L/∂x = r·(g − mean(g) − x̂·mean(g ⊙ x̂))   (differentiate x̂ through μ and r; the two
//   means are the projections that removing the mean and fixing the variance take out).
//
// Rows go eight columns at a time, then the remaining columns one by one.

/// y = LayerNorm(x) row by row; saves μ and r = 1/σ for the backward pass.
@inline(__always)
func layerNormForward<Scalar: DysonScalar>(
  _ y: UnsafeMutablePointer<Scalar>, mean: UnsafeMutablePointer<Scalar>, inverseDeviation: UnsafeMutablePointer<Scalar>,
  _ x: UnsafePointer<Scalar>, weight: UnsafePointer<Scalar>, bias: UnsafePointer<Scalar>,
  rows: Int, width C: Int, epsilon: Scalar
) {
  typealias V = SIMD8<Scalar>
  let stride = MemoryLayout<Scalar>.stride, chunked = C / 8 * 8
  let inverseWidth = 1 / Scalar(C)
  let rw = UnsafeRawPointer(weight), rb = UnsafeRawPointer(bias)
  for i in 0..<rows {
    let xi = x + i * C, yi = y + i * C
    let rx = UnsafeRawPointer(xi), ry = UnsafeMutableRawPointer(yi)
    var sums = V()
    for j in Swift.stride(from: 0, to: chunked, by: 8) { sums += rx.loadUnaligned(fromByteOffset: j * stride, as: V.self) }
    var sum = sums.sum()
    for j in chunked..<C { sum += xi[j] }
    let mu = sum * inverseWidth
    let vMu = V(repeating: mu)
    var squares = V()
    for j in Swift.stride(from: 0, to: chunked, by: 8) {
      let d = rx.loadUnaligned(fromByteOffset: j * stride, as: V.self) - vMu
      squares += d * d
    }
    var square = squares.sum()
    for j in chunked..<C { let d = xi[j] - mu; square += d * d }
    let r = 1 / (square * inverseWidth + epsilon).squareRoot()
    let vR = V(repeating: r)
    for j in Swift.stride(from: 0, to: chunked, by: 8) {
      let o = j * stride
      let xhat = (rx.loadUnaligned(fromByteOffset: o, as: V.self) - vMu) * vR
      ry.storeBytes(of: xhat * rw.loadUnaligned(fromByteOffset: o, as: V.self) + rb.loadUnaligned(fromByteOffset: o, as: V.self),
                    toByteOffset: o, as: V.self)
    }
    for j in chunked..<C { yi[j] = (xi[j] - mu) * r * weight[j] + bias[j] }
    mean[i] = mu
    inverseDeviation[i] = r
  }
}

/// dx += ∂L/∂x, row by row (rows are independent: a block of them can go alone).
@inline(__always)
func layerNormBackwardInput<Scalar: DysonScalar>(
  dx: UnsafeMutablePointer<Scalar>, dy: UnsafePointer<Scalar>, x: UnsafePointer<Scalar>, weight: UnsafePointer<Scalar>,
  mean: UnsafePointer<Scalar>, inverseDeviation: UnsafePointer<Scalar>, rows: Int, width C: Int
) {
  typealias V = SIMD8<Scalar>
  let stride = MemoryLayout<Scalar>.stride, chunked = C / 8 * 8
  let inverseWidth = 1 / Scalar(C)
  let rw = UnsafeRawPointer(weight)
  for i in 0..<rows {
    let xi = x + i * C, dyi = dy + i * C, dxi = dx + i * C
    let rx = UnsafeRawPointer(xi), rdy = UnsafeRawPointer(dyi), rdx = UnsafeMutableRawPointer(dxi)
    let mu = mean[i], r = inverseDeviation[i]
    let vMu = V(repeating: mu), vR = V(repeating: r)
    // mean(g) and mean(g ⊙ x̂) with g = γ ⊙ ∂L/∂y
    var sumG = V(), sumGX = V()
    for j in Swift.stride(from: 0, to: chunked, by: 8) {
      let o = j * stride
      let xhat = (rx.loadUnaligned(fromByteOffset: o, as: V.self) - vMu) * vR
      let g = rw.loadUnaligned(fromByteOffset: o, as: V.self) * rdy.loadUnaligned(fromByteOffset: o, as: V.self)
      sumG += g
      sumGX += g * xhat
    }
    var meanG = sumG.sum(), meanGX = sumGX.sum()
    for j in chunked..<C {
      let xhat = (xi[j] - mu) * r
      let g = weight[j] * dyi[j]
      meanG += g
      meanGX += g * xhat
    }
    meanG *= inverseWidth
    meanGX *= inverseWidth
    let vMeanG = V(repeating: meanG), vMeanGX = V(repeating: meanGX)
    for j in Swift.stride(from: 0, to: chunked, by: 8) {
      let o = j * stride
      let xhat = (rx.loadUnaligned(fromByteOffset: o, as: V.self) - vMu) * vR
      let g = rw.loadUnaligned(fromByteOffset: o, as: V.self) * rdy.loadUnaligned(fromByteOffset: o, as: V.self)
      rdx.storeBytes(of: rdx.loadUnaligned(fromByteOffset: o, as: V.self) + vR * (g - vMeanG - xhat * vMeanGX),
                     toByteOffset: o, as: V.self)
    }
    for j in chunked..<C {
      let xhat = (xi[j] - mu) * r
      dxi[j] += r * (weight[j] * dyi[j] - meanG - xhat * meanGX)
    }
  }
}

/// Overwrites dWeight ← Σ_rows ∂L/∂y ⊙ x̂ and dBias ← Σ_rows ∂L/∂y, the rows added in order.
@inline(__always)
func layerNormBackwardParameters<Scalar: DysonScalar>(
  dWeight: UnsafeMutablePointer<Scalar>, dBias: UnsafeMutablePointer<Scalar>, dy: UnsafePointer<Scalar>,
  x: UnsafePointer<Scalar>, mean: UnsafePointer<Scalar>, inverseDeviation: UnsafePointer<Scalar>, rows: Int, width C: Int
) {
  typealias V = SIMD8<Scalar>
  let stride = MemoryLayout<Scalar>.stride, chunked = C / 8 * 8
  dWeight.update(repeating: 0, count: C)
  dBias.update(repeating: 0, count: C)
  let rdw = UnsafeMutableRawPointer(dWeight), rdb = UnsafeMutableRawPointer(dBias)
  for i in 0..<rows {
    let xi = x + i * C, dyi = dy + i * C
    let rx = UnsafeRawPointer(xi), rdy = UnsafeRawPointer(dyi)
    let mu = mean[i], r = inverseDeviation[i]
    let vMu = V(repeating: mu), vR = V(repeating: r)
    for j in Swift.stride(from: 0, to: chunked, by: 8) {
      let o = j * stride
      let xhat = (rx.loadUnaligned(fromByteOffset: o, as: V.self) - vMu) * vR
      let d = rdy.loadUnaligned(fromByteOffset: o, as: V.self)
      rdw.storeBytes(of: rdw.loadUnaligned(fromByteOffset: o, as: V.self) + d * xhat, toByteOffset: o, as: V.self)
      rdb.storeBytes(of: rdb.loadUnaligned(fromByteOffset: o, as: V.self) + d, toByteOffset: o, as: V.self)
    }
    for j in chunked..<C {
      let xhat = (xi[j] - mu) * r
      dWeight[j] += dyi[j] * xhat
      dBias[j] += dyi[j]
    }
  }
}
