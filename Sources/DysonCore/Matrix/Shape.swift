/// Rows × columns of a matrix.
public struct Shape: Hashable, Sendable, Codable, CustomStringConvertible {
  /// The number of rows.
  public var rows: Int
  /// The number of columns.
  public var columns: Int
  /// The shape rows × columns.
  public init(_ rows: Int, _ columns: Int) { self.rows = rows; self.columns = columns }
  public var description: String { "\(rows)×\(columns)" }
}
