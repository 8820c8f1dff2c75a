/// Rows × columns of a matrix.
public struct Shape: Hashable, Sendable, Codable, CustomStringConvertible {
  public var rows: Int
  public var columns: Int
  public init(_ rows: Int, _ columns: Int) { self.rows = rows; self.columns = columns }
  public var description: String { "\(rows)×\(columns)" }
}
