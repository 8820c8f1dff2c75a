/// The character-level tokenizer of the lecture: the sorted set of characters (Unicode scalars,
/// ordered by code point as Python's `sorted(set(text))`) of the training text; id = index.
public struct CharacterVocabulary: Sendable, Equatable, Codable {
  /// The characters, ascending by code point; a token id is an index into it.
  public let characters: [Unicode.Scalar]
  private let ids: [Unicode.Scalar: Int32]

  /// The vocabulary of every character in `text`.
  public init(text: String) {
    self.init(characters: Array(Set(text.unicodeScalars)).sorted { $0.value < $1.value })
  }

  /// The vocabulary of `characters`, in the order given (as saved with a model).
  public init(characters: [Unicode.Scalar]) {
    self.characters = characters
    ids = Dictionary(uniqueKeysWithValues: characters.enumerated().map { ($1, Int32($0)) })
  }

  /// The number of distinct characters (the model's `vocabulary`).
  public var count: Int { characters.count }

  /// Token ids of `text`; throws on a character the vocabulary lacks.
  public func encode(_ text: String) throws(GPTError) -> [Int32] {
    var tokens: [Int32] = []
    tokens.reserveCapacity(text.unicodeScalars.count)
    for scalar in text.unicodeScalars {
      guard let id = ids[scalar] else {
        throw .invalidTokens("the character \(scalar.escaped(asASCII: true)) is not in the vocabulary")
      }
      tokens.append(id)
    }
    return tokens
  }

  /// The text of `tokens`; ids outside the vocabulary are skipped.
  public func decode(_ tokens: [Int32]) -> String {
    var text = String.UnicodeScalarView()
    for token in tokens where (0..<Int32(count)).contains(token) { text.append(characters[Int(token)]) }
    return String(text)
  }

  enum CodingKeys: String, CodingKey { case characters }

  public init(from decoder: Decoder) throws {
    let text = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .characters)
    self.init(characters: Array(text.unicodeScalars))
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(String(String.UnicodeScalarView(characters)), forKey: .characters)
  }
}

