/// A shell-style pattern for tensor names: `*` matches any run of characters (dots included),
/// `?` one character, `[abc]`, `[a-z]` and `[!abc]` one character of (or not of) a set; anything
/// else matches itself. `model.layers.*.self_attn.k_proj.weight` selects every layer's key.
public struct NamePattern: Sendable, Hashable, CustomStringConvertible {
  /// The pattern as written.
  public let description: String
  private let tokens: [Token]

  private enum Token: Sendable, Hashable {
    case literal(Character)
    case any            // ?
    case run            // *
    case set([ClosedRange<Character>], negated: Bool)
  }

  /// Parses a pattern; throws for an unclosed `[`.
  public init(_ pattern: String) throws(NamePatternError) {
    description = pattern
    var tokens: [Token] = []
    let c = Array(pattern)
    var i = 0
    while i < c.count {
      switch c[i] {
      case "*": if tokens.last != .run { tokens.append(.run) }
      case "?": tokens.append(.any)
      case "[":
        var j = i + 1
        let negated = j < c.count && (c[j] == "!" || c[j] == "^")
        if negated { j += 1 }
        var ranges: [ClosedRange<Character>] = []
        var first = true
        while j < c.count && (c[j] != "]" || first) {
          if j + 2 < c.count && c[j + 1] == "-" && c[j + 2] != "]" {
            guard c[j] <= c[j + 2] else { throw NamePatternError(pattern: pattern, fault: "range \(c[j])-\(c[j + 2]) runs backwards") }
            ranges.append(c[j]...c[j + 2])
            j += 3
          } else {
            ranges.append(c[j]...c[j])
            j += 1
          }
          first = false
        }
        guard j < c.count else { throw NamePatternError(pattern: pattern, fault: "'[' at \(i) is never closed") }
        tokens.append(.set(ranges, negated: negated))
        i = j
      default: tokens.append(.literal(c[i]))
      }
      i += 1
    }
    self.tokens = tokens
  }

  /// Whether the pattern has no wildcard (it names one tensor exactly).
  public var isLiteral: Bool { tokens.allSatisfy { if case .literal = $0 { true } else { false } } }

  /// Whether `name` matches the whole pattern.
  public func matches(_ name: String) -> Bool {
    let s = Array(name)
    // Greedy matching with one backtrack point per '*' (the last one seen): linear in practice.
    var t = 0, i = 0
    var starToken = -1, starIndex = 0
    func one(_ token: Token, _ ch: Character) -> Bool {
      switch token {
      case let .literal(l): return l == ch
      case .any: return true
      case .run: return false
      case let .set(ranges, negated): return ranges.contains { $0.contains(ch) } != negated
      }
    }
    while i < s.count {
      if t < tokens.count, tokens[t] == .run {
        starToken = t
        starIndex = i
        t += 1
      } else if t < tokens.count, one(tokens[t], s[i]) {
        t += 1
        i += 1
      } else if starToken >= 0 {
        t = starToken + 1
        starIndex += 1
        i = starIndex
      } else {
        return false
      }
    }
    while t < tokens.count, tokens[t] == .run { t += 1 }
    return t == tokens.count
  }
}

/// A pattern that cannot be parsed.
public struct NamePatternError: Error, CustomStringConvertible, Sendable, Equatable {
  /// The pattern as written.
  public let pattern: String
  /// What is wrong with it.
  public let fault: String
  public var description: String { "pattern '\(pattern)': \(fault)" }
}
