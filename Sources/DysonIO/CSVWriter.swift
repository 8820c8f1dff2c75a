import Foundation

/// Comma-separated values (RFC 4180): a header row, then one row per record. Fields holding a
/// comma, quote or line break are quoted; numbers print with full round-trip precision.
public struct CSVWriter: Sendable {
  /// The table so far, as text.
  public private(set) var text: String

  /// A table with the given column names and no rows yet.
  public init(header: [String]) {
    text = ""
    appendRow(header)
  }

  /// Appends one row of text fields.
  public mutating func appendRow(_ fields: [String]) {
    text += fields.map(Self.escape).joined(separator: ",") + "\n"
  }

  /// Appends one row of numbers (NaN prints as "nan", as NumPy and pandas read it).
  public mutating func appendRow(_ numbers: [Double]) {
    appendRow(numbers.map { $0.isNaN ? "nan" : formatNumber($0) })
  }

  /// Writes the table atomically.
  public func write(to path: String) throws { try AtomicFile.write(text, to: path) }

  static func escape(_ field: String) -> String {
    guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
    return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
}
