/// A tokenised text split into training (first `trainFraction`) and validation (the rest) parts,
/// from which batches of random contiguous windows are drawn (the lecture's `get_batch`).
public struct TextCorpus: Sendable {
  public enum Split: String, Sendable, CaseIterable { case train, validation }

  public let vocabulary: CharacterVocabulary
  public let train: [Int32]
  public let validation: [Int32]

  public init(text: String, trainFraction: Double = 0.9) throws(GPTError) {
    vocabulary = CharacterVocabulary(text: text)
    let tokens = try vocabulary.encode(text)
    let cut = Int(trainFraction * Double(tokens.count))
    train = Array(tokens[..<cut])
    validation = Array(tokens[cut...])
  }

  public func tokens(_ split: Split) -> [Int32] { split == .train ? train : validation }
}
