import DysonCore

// relu(x) = max(x, 0);  ∂L/∂x = ∂L/∂y · [x > 0].
// As scalar loops (`max`, `where x <= 0`, or a ternary) Swift 6.3 emits a branch or a scalar
// select per element, and the sign of a pre-activation is a coin flip for the branch predictor
// (perf: the backward's mask loop alone took 1.3 % of a training step); `replacing(with:where:)`
// was slower still. So Float goes eight lanes at a time through the sign bit as an integer.

/// y[i] = relu(x[i]) for i < n; NaN stays NaN (as in PyTorch), −0 becomes +0.
@inline(__always)
func reluForward<Scalar: DysonScalar>(_ y: UnsafeMutablePointer<Scalar>, _ x: UnsafePointer<Scalar>, count n: Int) {
  var i = 0
  if Scalar.self == Float.self {
    typealias Bits = SIMD8<Int32>
    let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y)
    while i + 8 <= n {
      let v = rx.loadUnaligned(fromByteOffset: 4 * i, as: Bits.self)
      // Lanes with the sign bit set (v >> 31 all ones) become +0, unless they hold a NaN
      // (magnitude bits above those of ∞).
      let isNaN = (0x7F80_0000 &- (v & 0x7FFF_FFFF)) &>> 31
      ry.storeBytes(of: v & ~((v &>> 31) & ~isNaN), toByteOffset: 4 * i, as: Bits.self)
      i += 8
    }
  }
  while i < n {
    y[i] = x[i] > 0 || x[i].isNaN ? x[i] : 0
    i += 1
  }
}

/// dy[i] ← 0 where x[i] is not positive: relu's derivative, applied in place. x may be the relu's
/// input or its output: relu(x) > 0 exactly where x > 0 (NaN passes neither).
@inline(__always)
func reluBackward<Scalar: DysonScalar>(_ dy: UnsafeMutablePointer<Scalar>, mask x: UnsafePointer<Scalar>, count n: Int) {
  var i = 0
  if Scalar.self == Float.self {
    typealias Bits = SIMD8<Int32>
    let rx = UnsafeRawPointer(x), rd = UnsafeMutableRawPointer(dy)
    while i + 8 <= n {
      let v = rx.loadUnaligned(fromByteOffset: 4 * i, as: Bits.self)
      let d = rd.loadUnaligned(fromByteOffset: 4 * i, as: Bits.self)
      // x > 0 ⇔ sign clear (~v >> 31 all ones), v ≠ 0 (−v >> 31 all ones; −0.0 = Int32.min fails
      // the first) and not NaN (v below NaN's bits 0x7F800001), so a NaN passes no gradient, as in PyTorch.
      let positive = ~(v &>> 31) & ((0 &- v) &>> 31) & ((v &- 0x7F80_0001) &>> 31)
      rd.storeBytes(of: d & positive, toByteOffset: 4 * i, as: Bits.self)
      i += 8
    }
  }
  while i < n {
    if !(x[i] > 0) { dy[i] = 0 }
    i += 1
  }
}
