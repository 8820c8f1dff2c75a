// Reductions. Sums use eight independent accumulators: faster than one chain, and the
// error bound (√n·ε·Σ|x|) the tests use holds for any summation order.

extension Matrix {
  /// Σ of all elements.
  public func sum() -> Scalar { storage.withUnsafeBufferPointer { pairwiseLanesSum($0) } }

  /// Mean of all elements (NaN for an empty matrix).
  public func mean() -> Scalar { count == 0 ? .nan : sum() / Scalar(count) }

  /// Largest element (nil for an empty matrix). NaN elements are skipped.
  public func max() -> Scalar? { storage.filter { !$0.isNaN }.max() }

  /// Smallest element (nil for an empty matrix). NaN elements are skipped.
  public func min() -> Scalar? { storage.filter { !$0.isNaN }.min() }

  /// Row sums (length `rows`) or column sums (length `columns`).
  public func sum(alongRows: Bool) -> [Scalar] {
    var out = [Scalar](repeating: 0, count: alongRows ? rows : columns)
    storage.withUnsafeBufferPointer { p in
      for i in 0..<rows {
        for j in 0..<columns {
          if alongRows { out[i] += p[i * columns + j] } else { out[j] += p[i * columns + j] }
        }
      }
    }
    return out
  }

  /// The Frobenius norm √(Σ x²), scaled to avoid overflow and underflow.
  public func frobeniusNorm() -> Scalar {
    let scale = storage.reduce(Scalar(0)) { Swift.max($0, abs($1)) }
    guard scale > 0, scale.isFinite else { return scale }
    let s = storage.withUnsafeBufferPointer { p -> Scalar in
      var acc: Scalar = 0
      for x in p { let y = x / scale; acc += y * y }
      return acc
    }
    return scale * s.squareRoot()
  }

  /// max |x| over all elements (the entrywise ∞-norm).
  public func maxAbs() -> Scalar { storage.reduce(Scalar(0)) { Swift.max($0, abs($1)) } }

  /// The trace Σ A_ii of a square matrix.
  public func trace() throws(ShapeError) -> Scalar {
    guard isSquare else { throw .mismatch(operation: "trace", left: shape, right: Shape(columns, rows)) }
    return (0..<rows).reduce(0) { $0 + storage[$1 * columns + $1] }
  }

  /// Whether every element is finite (no NaN, no ±∞).
  public var isFinite: Bool { storage.allSatisfy { $0.isFinite } }
}

/// Σ x with eight interleaved accumulators.
@inlinable func pairwiseLanesSum<Scalar: DysonScalar>(_ p: UnsafeBufferPointer<Scalar>) -> Scalar {
  var acc = SIMD8<Scalar>()
  let n8 = p.count / 8 * 8
  var i = 0
  while i < n8 {
    acc += SIMD8(p[i], p[i + 1], p[i + 2], p[i + 3], p[i + 4], p[i + 5], p[i + 6], p[i + 7])
    i += 8
  }
  var tail: Scalar = 0
  while i < p.count { tail += p[i]; i += 1 }
  return acc.sum() + tail
}
