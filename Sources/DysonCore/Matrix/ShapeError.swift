/// A shape that does not fit an operation, with both shapes in the message.
public enum ShapeError: Error, Equatable, CustomStringConvertible {
  /// `elements.count` is not `rows × columns`, or a size is negative.
  case elementCount(rows: Int, columns: Int, count: Int)
  /// Nested rows of different lengths (`row` is the first that differs).
  case raggedRows(row: Int, expected: Int, found: Int)
  /// Two operands whose shapes do not agree for `operation`.
  case mismatch(operation: String, left: Shape, right: Shape)
  /// An index outside the matrix.
  case outOfRange(operation: String, index: Int, bound: Int)

  public var description: String {
    switch self {
    case let .elementCount(r, c, n):
      "shape \(r)×\(c) needs \(r >= 0 && c >= 0 ? String(r * c) : "non-negative sizes"), got \(n) elements"
    case let .raggedRows(row, expected, found):
      "ragged rows: row \(row) has \(found) elements, row 0 has \(expected)"
    case let .mismatch(op, l, r): "\(op): shapes \(l) and \(r) do not agree"
    case let .outOfRange(op, i, bound): "\(op): index \(i) outside 0..<\(bound)"
    }
  }
}

