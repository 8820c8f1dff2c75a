import Foundation

/// A JSON document built in code and printed deterministically: object keys keep their insertion
/// order, numbers print with full round-trip precision, and NaN/±Inf print as null (JSON has no
/// such numbers; a reader must not receive invalid JSON).
public indirect enum JSONValue: Sendable, Equatable {
  /// null.
  case null
  /// true or false.
  case bool(Bool)
  /// A number; NaN and infinities print as null.
  case number(Double)
  /// A whole number, printed without a decimal point.
  case integer(Int)
  /// A string, escaped as JSON requires.
  case string(String)
  /// An array.
  case array([JSONValue])
  /// An object: its keys and values in the order they print.
  case object([(String, JSONValue)])

  public static func == (a: JSONValue, b: JSONValue) -> Bool { a.serialized() == b.serialized() }

  /// Numbers from a Double array.
  public static func numbers(_ values: [Double]) -> JSONValue { .array(values.map { .number($0) }) }

  /// Compact JSON on one line (JSON Lines friendly).
  public func serialized() -> String {
    var out = ""
    write(to: &out)
    return out
  }

  private func write(to out: inout String) {
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .integer(let i): out += String(i)
    case .number(let d): out += d.isFinite ? formatNumber(d) : "null"
    case .string(let s): out += jsonString(s)
    case .array(let items):
      out += "["
      for (i, item) in items.enumerated() {
        if i > 0 { out += "," }
        item.write(to: &out)
      }
      out += "]"
    case .object(let pairs):
      out += "{"
      for (i, (key, value)) in pairs.enumerated() {
        if i > 0 { out += "," }
        out += jsonString(key) + ":"
        value.write(to: &out)
      }
      out += "}"
    }
  }
}

/// Shortest round-tripping decimal; whole numbers keep a ".0"-free integer form.
func formatNumber(_ d: Double) -> String {
  if d == d.rounded(), abs(d) < 1e15 { return String(Int(d)) }
  return "\(d)"
}
