import DysonCore

/// The arithmetic the PCD kernels use: `Double` for one run, `SIMD4<Double>` for four in lanes
/// (lane-wise IEEE operations, so a lane computes exactly what the scalar run does).
protocol PCDValue: Sendable {
  static var zero: Self { get }
  init(broadcasting x: Double)
  static func + (a: Self, b: Self) -> Self
  static func - (a: Self, b: Self) -> Self
  static func * (a: Self, b: Self) -> Self
  static func * (a: Double, b: Self) -> Self
  static func / (a: Self, b: Self) -> Self
  static func += (a: inout Self, b: Self)
  static func -= (a: inout Self, b: Self)
  /// √ lane by lane (`squareRootWithoutErrno`: one instruction per vector).
  func squareRootWithoutErrno() -> Self
}

extension Double: PCDValue {
  init(broadcasting x: Double) { self = x }
}

extension SIMD4: PCDValue where Scalar == Double {
  init(broadcasting x: Double) { self.init(repeating: x) }
}

/// out[x] += Σₖ (scale·cₖ)·rows[k·rowStride + x] for x < count, k in order (so each element sums in
/// the same order whatever the value type), four outputs held in registers at a time instead of
/// being stored and reloaded for every term. cₖ = coefficients[k·coefficientStride]. With
/// `lowerTriangular`, a block of outputs x..<x + w takes only the terms k < x + w: the rest of a
/// lower-triangular system's column is zero. With `overwrite`, out[x] starts from zero instead of
/// its old value (the same sums as zeroing `out` first, without the pass over memory).
@inline(__always)
func accumulateRows<Value: PCDValue>(into out: UnsafeMutablePointer<Value>, count: Int, terms: Int,
                                     coefficients: UnsafePointer<Value>, coefficientStride: Int, scale: Double,
                                     rows: UnsafePointer<Value>, rowStride: Int, lowerTriangular: Bool = false,
                                     overwrite: Bool = false) {
  @inline(__always) func start(_ i: Int) -> Value { overwrite ? .zero : out[i] }
  var x = 0
  while x + 4 <= count {
    var a0 = start(x), a1 = start(x + 1), a2 = start(x + 2), a3 = start(x + 3)
    for k in 0..<(lowerTriangular ? min(terms, x + 4) : terms) {
      let ck = scale * coefficients[k * coefficientStride]
      let r = rows + k * rowStride + x
      a0 += ck * r[0]; a1 += ck * r[1]; a2 += ck * r[2]; a3 += ck * r[3]
    }
    out[x] = a0; out[x + 1] = a1; out[x + 2] = a2; out[x + 3] = a3
    x += 4
  }
  // The last one to three outputs together too: one at a time, each would wait on its own chain of
  // dependent additions (N_v = 10 leaves two, for every row of every product).
  switch count - x {
  case 3:
    var a0 = start(x), a1 = start(x + 1), a2 = start(x + 2)
    for k in 0..<(lowerTriangular ? min(terms, x + 3) : terms) {
      let ck = scale * coefficients[k * coefficientStride]
      let r = rows + k * rowStride + x
      a0 += ck * r[0]; a1 += ck * r[1]; a2 += ck * r[2]
    }
    out[x] = a0; out[x + 1] = a1; out[x + 2] = a2
  case 2:
    var a0 = start(x), a1 = start(x + 1)
    for k in 0..<(lowerTriangular ? min(terms, x + 2) : terms) {
      let ck = scale * coefficients[k * coefficientStride]
      let r = rows + k * rowStride + x
      a0 += ck * r[0]; a1 += ck * r[1]
    }
    out[x] = a0; out[x + 1] = a1
  case 1:
    var a0 = start(x)
    for k in 0..<(lowerTriangular ? min(terms, x + 1) : terms) { a0 += (scale * coefficients[k * coefficientStride]) * rows[k * rowStride + x] }
    out[x] = a0
  default:
    break
  }
}
