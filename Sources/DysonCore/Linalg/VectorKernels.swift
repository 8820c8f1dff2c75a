// Level-1 kernels on Double for the eigensolvers: stride-1, four SIMD4 accumulators (so the
// adds of a dot product do not wait on each other), written as `acc += x * y` (see GemmMicroKernel).

@inline(__always)
func dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ n: Int) -> Double {
  var a0 = SIMD4<Double>(), a1 = SIMD4<Double>(), a2 = SIMD4<Double>(), a3 = SIMD4<Double>()
  let rx = UnsafeRawPointer(x), ry = UnsafeRawPointer(y)
  var i = 0
  while i + 16 <= n {
    let o = i * 8
    a0 += rx.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self) * ry.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self)
    a1 += rx.loadUnaligned(fromByteOffset: o + 32, as: SIMD4<Double>.self) * ry.loadUnaligned(fromByteOffset: o + 32, as: SIMD4<Double>.self)
    a2 += rx.loadUnaligned(fromByteOffset: o + 64, as: SIMD4<Double>.self) * ry.loadUnaligned(fromByteOffset: o + 64, as: SIMD4<Double>.self)
    a3 += rx.loadUnaligned(fromByteOffset: o + 96, as: SIMD4<Double>.self) * ry.loadUnaligned(fromByteOffset: o + 96, as: SIMD4<Double>.self)
    i += 16
  }
  var s = ((a0 + a1) + (a2 + a3)).sum()
  while i < n { s += x[i] * y[i]; i += 1 }
  return s
}

/// y ← y + alpha·x
@inline(__always)
func axpy(_ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
  let va = SIMD4<Double>(repeating: alpha)
  let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y)
  var i = 0
  while i + 4 <= n {
    let o = i * 8
    ry.storeBytes(of: ry.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self) + va * rx.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self),
                  toByteOffset: o, as: SIMD4<Double>.self)
    i += 4
  }
  while i < n { y[i] += alpha * x[i]; i += 1 }
}

/// y ← y − (a·u + b·v): the row update of a symmetric rank-2 correction.
@inline(__always)
func subtractTwo(_ a: Double, _ u: UnsafePointer<Double>, _ b: Double, _ v: UnsafePointer<Double>,
                 from y: UnsafeMutablePointer<Double>, _ n: Int) {
  let va = SIMD4<Double>(repeating: a), vb = SIMD4<Double>(repeating: b)
  let ru = UnsafeRawPointer(u), rv = UnsafeRawPointer(v), ry = UnsafeMutableRawPointer(y)
  var i = 0
  while i + 4 <= n {
    let o = i * 8
    let t = va * ru.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self) + vb * rv.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self)
    ry.storeBytes(of: ry.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self) - t, toByteOffset: o, as: SIMD4<Double>.self)
    i += 4
  }
  while i < n { y[i] -= a * u[i] + b * v[i]; i += 1 }
}

/// (x, y) ← (c·x − s·y, s·x + c·y): a plane rotation of two rows.
@inline(__always)
func rotate(_ x: UnsafeMutablePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int, c: Double, s: Double) {
  let vc = SIMD4<Double>(repeating: c), vs = SIMD4<Double>(repeating: s)
  let rx = UnsafeMutableRawPointer(x), ry = UnsafeMutableRawPointer(y)
  var i = 0
  while i + 4 <= n {
    let o = i * 8
    let xv = rx.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self)
    let yv = ry.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self)
    rx.storeBytes(of: vc * xv - vs * yv, toByteOffset: o, as: SIMD4<Double>.self)
    ry.storeBytes(of: vs * xv + vc * yv, toByteOffset: o, as: SIMD4<Double>.self)
    i += 4
  }
  while i < n { let xi = x[i], yi = y[i]; x[i] = c * xi - s * yi; y[i] = s * xi + c * yi; i += 1 }
}
