import DysonCore
import DysonIO
import DysonModels
import Foundation

/// GPT parameters as safetensors under PyTorch's names (DESIGN.md), so a checkpoint can move
/// between Dyson and PyTorch. The vocabulary and the settings that shapes cannot tell
/// (score scale, LayerNorm ε) travel in the metadata.
public enum GPTWeights {
  /// One F32 tensor per PyTorch parameter.
  public static func tensors<Scalar>(_ model: GPT<Scalar>, values: [Scalar]? = nil, dtype: StoredDType = .float32) -> [StoredTensor] {
    let flat = values ?? model.parameters
    return model.layout.tensors.map { t in
      StoredTensor(name: t.name, shape: t.shape, dtype: dtype, values: flat[t.offset..<(t.offset + t.count)].map { Double($0) })
    }
  }

  /// The metadata saved with the weights: the model's sizes and choices, and the vocabulary when given,
  /// so that `dyson gpt sample` rebuilds the model from the file alone.
  public static func metadata(_ configuration: GPTConfiguration, vocabulary: CharacterVocabulary?) -> [String: String] {
    var m = ["format": "pt", "attention_scale": configuration.attentionScale.rawValue,
             "layer_norm_epsilon": "\(configuration.layerNormEpsilon)"]
    if let vocabulary, let data = try? JSONEncoder().encode(vocabulary), let text = String(data: data, encoding: .utf8) {
      m["vocabulary"] = text
    }
    return m
  }

  /// Writes `model`'s parameters (atomically, via Safetensors.write).
  public static func write(_ model: GPT<Float>, vocabulary: CharacterVocabulary?, to path: String) throws {
    try Safetensors.write(tensors(model), metadata: metadata(model.configuration, vocabulary: vocabulary), to: path)
  }

  /// The configuration that the tensors' names and shapes imply (sizes only; score scale and ε
  /// from `metadata` when present), and the flat parameter vector in Dyson's layout.
  public static func read(path: String) throws -> (configuration: GPTConfiguration, parameters: [Double], vocabulary: CharacterVocabulary?) {
    let tensors = try Safetensors.read(path: path)
    let metadata = (try? Safetensors.readMetadata(path: path)) ?? [:]
    let byName = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    func shape(_ name: String) throws -> [Int] {
      guard let t = byName[name] else { throw FileFormatError(file: path, fault: "no tensor '\(name)': not a Dyson/lecture GPT checkpoint") }
      return t.shape
    }
    var c = GPTConfiguration()
    /// Dimension `index` of a tensor that must have `rank` dimensions.
    func dimension(_ name: String, rank: Int, _ index: Int) throws -> Int {
      let s = try shape(name)
      guard s.count == rank else { throw FileFormatError(file: path, fault: "'\(name)' has shape \(s), expected \(rank) dimensions") }
      return s[index]
    }
    (c.vocabulary, c.embedding) = (try dimension("token_embedding_table.weight", rank: 2, 0), try dimension("token_embedding_table.weight", rank: 2, 1))
    c.block = try dimension("position_embedding_table.weight", rank: 2, 0)
    c.layers = Set(tensors.compactMap { t -> Int? in
      guard t.name.hasPrefix("blocks."), let part = t.name.split(separator: ".").dropFirst().first else { return nil }
      return Int(part)
    }).count
    c.heads = tensors.filter { $0.name.hasPrefix("blocks.0.sa.heads.") && $0.name.hasSuffix(".key.weight") }.count
    c.hiddenWidth = try dimension("blocks.0.ffwd.net.0.weight", rank: 2, 0)
    if let s = metadata["attention_scale"], let scale = GPTConfiguration.AttentionScale(rawValue: s) { c.attentionScale = scale }
    if let e = metadata["layer_norm_epsilon"].flatMap(Double.init) { c.layerNormEpsilon = e }
    do { try c.validate() } catch { throw FileFormatError(file: path, fault: "\(error)") }
    // The sizes the names imply must be the file's: checked before the layout is allocated.
    let stored = tensors.reduce(0) { $0 + $1.values.count }
    guard c.checkedParameterCount == stored else {
      throw FileFormatError(file: path, fault: "its tensors hold \(stored) values; the model their names and shapes describe has \(c.checkedParameterCount.map(String.init) ?? "too many")")
    }
    let layout = GPTLayout(c)
    var parameters = [Double](repeating: .nan, count: layout.count)
    for t in layout.tensors {
      guard let stored = byName[t.name] else { throw FileFormatError(file: path, fault: "missing tensor '\(t.name)'") }
      guard stored.shape == t.shape else {
        throw FileFormatError(file: path, fault: "'\(t.name)' has shape \(stored.shape), expected \(t.shape)")
      }
      for (i, v) in stored.values.enumerated() { parameters[t.offset + i] = v }
    }
    let extra = Set(byName.keys).subtracting(layout.tensors.map(\.name))
    guard extra.isEmpty else { throw FileFormatError(file: path, fault: "unexpected tensors: \(extra.sorted().prefix(5).joined(separator: ", "))") }
    guard parameters.allSatisfy(\.isFinite) else { throw FileFormatError(file: path, fault: "non-finite parameter values") }
    let vocabulary = metadata["vocabulary"].flatMap { try? JSONDecoder().decode(CharacterVocabulary.self, from: Data($0.utf8)) }
    return (c, parameters, vocabulary)
  }
}
