/// A dense row-major matrix with value semantics.
///
/// Storage is one contiguous `[Scalar]`: element (i, j) is `elements[i * columns + j]`.
/// Copies are copy-on-write (a copy is a feature for a checkpoint or a finite-difference probe,
/// and a bug in a step loop). Initialisers that take user data throw `ShapeError`; operators
/// whose operands come from code stop on a broken contract with both shapes in the message.
public struct Matrix<Scalar: DysonScalar>: Sendable, Equatable {
  /// The number of rows.
  public let rows: Int
  /// The number of columns.
  public let columns: Int
  @usableFromInline internal var storage: [Scalar]

  /// A `rows × columns` matrix filled with `value`.
  @inlinable public init(rows: Int, columns: Int, repeating value: Scalar = 0) {
    precondition(rows >= 0 && columns >= 0, "Matrix: negative shape \(rows)×\(columns)")
    self.rows = rows
    self.columns = columns
    self.storage = Array(repeating: value, count: rows * columns)
  }

  /// Wraps row-major `elements`; throws unless there are exactly `rows × columns` of them.
  @inlinable public init(rows: Int, columns: Int, elements: [Scalar]) throws(ShapeError) {
    guard rows >= 0, columns >= 0, elements.count == rows * columns else {
      throw .elementCount(rows: rows, columns: columns, count: elements.count)
    }
    self.rows = rows
    self.columns = columns
    self.storage = elements
  }

  /// Builds a matrix from nested rows (`[[1, 2], [3, 4]]`); throws on ragged rows.
  /// An empty array gives a 0×0 matrix.
  public init(_ nested: [[Scalar]]) throws(ShapeError) {
    let columns = nested.first?.count ?? 0
    for (i, row) in nested.enumerated() where row.count != columns {
      throw .raggedRows(row: i, expected: columns, found: row.count)
    }
    self.rows = nested.count
    self.columns = columns
    self.storage = nested.flatMap { $0 }
  }

  /// A square matrix with `diagonal` on its diagonal.
  public init(diagonal: [Scalar]) {
    self.init(rows: diagonal.count, columns: diagonal.count)
    for (i, d) in diagonal.enumerated() { storage[i * columns + i] = d }
  }

  /// The n×n identity.
  public static func identity(_ n: Int) -> Matrix { Matrix(diagonal: Array(repeating: 1, count: n)) }

  /// Builds a matrix element by element from `f(row, column)`.
  @inlinable public init(rows: Int, columns: Int, _ f: (Int, Int) -> Scalar) {
    self.init(rows: rows, columns: columns)
    storage.withUnsafeMutableBufferPointer { s in
      for i in 0..<rows { for j in 0..<columns { s[i * columns + j] = f(i, j) } }
    }
  }

  /// Rows × columns.
  public var shape: Shape { Shape(rows, columns) }
  /// The number of elements, rows · columns.
  public var count: Int { storage.count }
  /// Whether rows == columns.
  public var isSquare: Bool { rows == columns }

  /// The row-major elements.
  @inlinable public var elements: [Scalar] { storage }

  /// Nested rows, for tests and printing.
  public var nested: [[Scalar]] { (0..<rows).map { row($0) } }

  /// The element at (row, column), both counted from 0; out-of-range indices stop the program.
  @inlinable public subscript(row: Int, column: Int) -> Scalar {
    get {
      precondition(row >= 0 && row < rows && column >= 0 && column < columns,
                   "Matrix[\(row), \(column)] outside \(shape)")
      return storage[row * columns + column]
    }
    set {
      precondition(row >= 0 && row < rows && column >= 0 && column < columns,
                   "Matrix[\(row), \(column)] outside \(shape)")
      storage[row * columns + column] = newValue
    }
  }

  /// Row `i` as an array (a copy).
  public func row(_ i: Int) -> [Scalar] {
    precondition(i >= 0 && i < rows, "row \(i) outside 0..<\(rows)")
    return Array(storage[(i * columns)..<((i + 1) * columns)])
  }

  /// Column `j` as an array (a copy).
  public func column(_ j: Int) -> [Scalar] {
    precondition(j >= 0 && j < columns, "column \(j) outside 0..<\(columns)")
    return (0..<rows).map { storage[$0 * columns + j] }
  }

  /// The contiguous block of rows `range` (a copy: rows are contiguous in row-major storage).
  public func rows(_ range: Range<Int>) throws(ShapeError) -> Matrix {
    guard range.lowerBound >= 0, range.upperBound <= rows else {
      throw .outOfRange(operation: "rows(\(range))", index: range.upperBound, bound: rows + 1)
    }
    return try! Matrix(rows: range.count, columns: columns,
                       elements: Array(storage[(range.lowerBound * columns)..<(range.upperBound * columns)]))
  }

  /// The same elements read as `rows × columns`; throws if the count differs.
  public func reshaped(rows: Int, columns: Int) throws(ShapeError) -> Matrix {
    try Matrix(rows: rows, columns: columns, elements: storage)
  }

  /// Read access to the row-major elements for the duration of `body`.
  @inlinable public func withUnsafeBufferPointer<R, E: Error>(
    _ body: (UnsafeBufferPointer<Scalar>) throws(E) -> R
  ) throws(E) -> R {
    try storage.withUnsafeBufferPointer { (p) throws(E) -> R in try body(p) }
  }

  /// Write access to the row-major elements for the duration of `body` (one uniqueness check).
  @inlinable public mutating func withUnsafeMutableBufferPointer<R, E: Error>(
    _ body: (UnsafeMutableBufferPointer<Scalar>) throws(E) -> R
  ) throws(E) -> R {
    try storage.withUnsafeMutableBufferPointer { (p) throws(E) -> R in try body(p) }
  }

  /// The same matrix in another scalar type (e.g. `Float` weights promoted to `Double`).
  public func converted<T: DysonScalar>(to _: T.Type = T.self) -> Matrix<T> {
    try! Matrix<T>(rows: rows, columns: columns, elements: storage.map { T($0) })
  }
}

extension Matrix: CustomStringConvertible {
  public var description: String {
    let shown = nested.prefix(8).map { row in
      row.prefix(8).map { "\($0)" }.joined(separator: ", ") + (row.count > 8 ? ", …" : "")
    }
    return "Matrix \(shape) [" + shown.joined(separator: "; ") + (rows > 8 ? "; …" : "") + "]"
  }
}
