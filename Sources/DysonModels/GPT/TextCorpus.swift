/// A tokenised text split into training (first `trainFraction`) and validation (the rest) parts,
/// from which batches of random contiguous windows are drawn (the lecture's `get_batch`).
public struct TextCorpus: Sendable {
  /// The part of the text a batch is drawn from.
  public enum Split: String, Sendable, CaseIterable { case train, validation }

  /// The characters of the whole text.
  public let vocabulary: CharacterVocabulary
  /// The first `trainFraction` of the tokens.
  public let train: [Int32]
  /// The rest.
  public let validation: [Int32]

  /// Tokenises `text` and splits it after the first `trainFraction` of its characters.
  public init(text: String, trainFraction: Double = 0.9) throws(GPTError) {
    vocabulary = CharacterVocabulary(text: text)
    let tokens = try vocabulary.encode(text)
    let cut = Int(trainFraction * Double(tokens.count))
    train = Array(tokens[..<cut])
    validation = Array(tokens[cut...])
  }

  /// The tokens of `split`.
  public func tokens(_ split: Split) -> [Int32] { split == .train ? train : validation }
}
