/// Which per-head projection of the attention a spectrum belongs to.
public enum HeadProjection: String, Sendable, CaseIterable, Codable {
  /// K, Q and V: the keys, queries and values of a head.
  case key, query, value
  /// Position in the fused [keys | queries | values] attention weight.
  var slot: Int { switch self { case .key: 0; case .query: 1; case .value: 2 } }
}
