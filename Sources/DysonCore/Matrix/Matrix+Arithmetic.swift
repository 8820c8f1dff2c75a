// Elementwise arithmetic. The checked forms throw `ShapeError`; the operators stop with both
// shapes in the message, because their operands come from code, not from a user's file.

extension Matrix {
  @inlinable func checkSameShape(_ other: Matrix, _ operation: String) throws(ShapeError) {
    guard rows == other.rows, columns == other.columns else {
      throw .mismatch(operation: operation, left: shape, right: other.shape)
    }
  }

  /// self ← self + alpha · x, elementwise (the shape of residual and optimiser updates).
  @inlinable public mutating func add(_ x: Matrix, scaledBy alpha: Scalar = 1) throws(ShapeError) {
    try checkSameShape(x, "add")
    x.storage.withUnsafeBufferPointer { src in
      storage.withUnsafeMutableBufferPointer { dst in
        for i in 0..<dst.count { dst[i] += alpha * src[i] }
      }
    }
  }

  /// Applies `f` to every element.
  @inlinable public func map(_ f: (Scalar) -> Scalar) -> Matrix {
    var result = self
    result.storage.withUnsafeMutableBufferPointer { p in
      for i in 0..<p.count { p[i] = f(p[i]) }
    }
    return result
  }

  /// Combines two same-shaped matrices element by element.
  @inlinable public func zipMap(_ other: Matrix, _ f: (Scalar, Scalar) -> Scalar) throws(ShapeError) -> Matrix {
    try checkSameShape(other, "zipMap")
    var result = self
    other.storage.withUnsafeBufferPointer { q in
      result.storage.withUnsafeMutableBufferPointer { p in
        for i in 0..<p.count { p[i] = f(p[i], q[i]) }
      }
    }
    return result
  }

  @inlinable static func checked(_ op: String, _ f: () throws(ShapeError) -> Matrix) -> Matrix {
    do { return try f() } catch { preconditionFailure("\(op): \(error)") }
  }

  /// Elementwise sum; the shapes must agree.
  @inlinable public static func + (l: Matrix, r: Matrix) -> Matrix {
    checked("+") { () throws(ShapeError) in var s = l; try s.add(r); return s }
  }
  /// Elementwise difference; the shapes must agree.
  @inlinable public static func - (l: Matrix, r: Matrix) -> Matrix {
    checked("-") { () throws(ShapeError) in var s = l; try s.add(r, scaledBy: -1); return s }
  }
  /// Elementwise (Hadamard) product; `*` is the matrix product.
  @inlinable public static func .* (l: Matrix, r: Matrix) -> Matrix {
    checked(".*") { () throws(ShapeError) in try l.zipMap(r, *) }
  }
  /// Every element times `s`.
  @inlinable public static func * (s: Scalar, m: Matrix) -> Matrix { m.map { s * $0 } }
  /// Every element times `s`.
  @inlinable public static func * (m: Matrix, s: Scalar) -> Matrix { m.map { $0 * s } }
  /// Every element divided by `s`.
  @inlinable public static func / (m: Matrix, s: Scalar) -> Matrix { m.map { $0 / s } }
  @inlinable public static prefix func - (m: Matrix) -> Matrix { m.map { -$0 } }
  /// Adds `r` elementwise; the shapes must agree.
  @inlinable public static func += (l: inout Matrix, r: Matrix) { l = l + r }
  /// Subtracts `r` elementwise; the shapes must agree.
  @inlinable public static func -= (l: inout Matrix, r: Matrix) { l = l - r }
}

infix operator .* : MultiplicationPrecedence
