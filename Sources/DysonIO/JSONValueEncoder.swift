/// Any `Encodable` value as a `JSONValue`, so that a study's summary can be a plain `Codable`
/// struct and still print as every summary prints: keys in declaration order, numbers with full
/// round-trip precision, and a missing value as `null` rather than an absent key. (Foundation's
/// `JSONEncoder` drops nil optionals and throws on NaN; a reader of summary.json expects every
/// key, and a failed run's losses are NaN.)
extension JSONValue {
  /// The JSON of `value`: objects for keyed containers, arrays for unkeyed ones; nil and
  /// non-finite numbers become `null`.
  public init(encoding value: some Encodable) throws {
    let root = JSONValueBox()
    try value.encode(to: TreeEncoder(box: root, codingPath: []))
    self = root.value
  }
}

/// A node of the tree being built. Containers hand out boxes of their children and read them back
/// when asked for the value, so that nested containers can be filled in any order.
private final class JSONValueBox {
  enum Content { case empty, leaf(JSONValue), object([(String, JSONValueBox)]), array([JSONValueBox]) }
  var content = Content.empty

  var value: JSONValue {
    switch content {
    case .empty: .object([])
    case .leaf(let v): v
    case .object(let pairs): .object(pairs.map { ($0.0, $0.1.value) })
    case .array(let items): .array(items.map(\.value))
    }
  }

  /// The box stored under `key` (created, or replaced when the key is encoded again).
  func child(forKey key: String) -> JSONValueBox {
    let box = JSONValueBox()
    var pairs: [(String, JSONValueBox)] = []
    if case .object(let existing) = content { pairs = existing }
    if let i = pairs.firstIndex(where: { $0.0 == key }) { pairs[i].1 = box } else { pairs.append((key, box)) }
    content = .object(pairs)
    return box
  }

  func appendChild() -> JSONValueBox {
    let box = JSONValueBox()
    var items: [JSONValueBox] = []
    if case .array(let existing) = content { items = existing }
    items.append(box)
    content = .array(items)
    return box
  }

  var count: Int { if case .array(let items) = content { items.count } else { 0 } }
}

/// Encodes a leaf or hands the value its own encoder: the primitives every container shares.
private func store(_ value: some Encodable, in box: JSONValueBox, codingPath: [any CodingKey]) throws {
  switch value {
  case let v as Double: box.content = .leaf(.number(v))
  case let v as Float: box.content = .leaf(.number(Double(v)))
  case let v as Int: box.content = .leaf(.integer(v))
  case let v as Int32: box.content = .leaf(.integer(Int(v)))
  case let v as Int64: box.content = .leaf(.integer(Int(v)))
  case let v as UInt64: box.content = .leaf(v <= UInt64(Int.max) ? .integer(Int(v)) : .number(Double(v)))
  case let v as Bool: box.content = .leaf(.bool(v))
  case let v as String: box.content = .leaf(.string(v))
  default: try value.encode(to: TreeEncoder(box: box, codingPath: codingPath))
  }
}

private struct TreeEncoder: Encoder {
  let box: JSONValueBox
  let codingPath: [any CodingKey]
  var userInfo: [CodingUserInfoKey: Any] { [:] }

  func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
    if case .object = box.content {} else { box.content = .object([]) }
    return KeyedEncodingContainer(KeyedContainer<Key>(box: box, codingPath: codingPath))
  }

  func unkeyedContainer() -> any UnkeyedEncodingContainer {
    if case .array = box.content {} else { box.content = .array([]) }
    return UnkeyedContainer(box: box, codingPath: codingPath)
  }

  func singleValueContainer() -> any SingleValueEncodingContainer { SingleValueContainer(box: box, codingPath: codingPath) }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
  let box: JSONValueBox
  let codingPath: [any CodingKey]

  mutating func encodeNil(forKey key: Key) throws { box.child(forKey: key.stringValue).content = .leaf(.null) }
  mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
    try store(value, in: box.child(forKey: key.stringValue), codingPath: codingPath + [key])
  }
  // A nil optional is written as null: the key stays in the document.
  mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws { try encodeIfPresent(value, key) }
  mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try encodeIfPresent(value as Bool?, key) }
  mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try encodeIfPresent(value as String?, key) }
  mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try encodeIfPresent(value as Double?, key) }
  mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try encodeIfPresent(value as Float?, key) }
  mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try encodeIfPresent(value as Int?, key) }
  mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try encodeIfPresent(value as Int32?, key) }
  mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try encodeIfPresent(value as Int64?, key) }
  mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try encodeIfPresent(value as UInt64?, key) }
  // The one body of every overload: an overload calling the generic requirement would call itself.
  private mutating func encodeIfPresent<T: Encodable>(_ value: T?, _ key: Key) throws {
    if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
  }

  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
    TreeEncoder(box: box.child(forKey: key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
  }
  mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
    TreeEncoder(box: box.child(forKey: key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
  }
  mutating func superEncoder() -> any Encoder { TreeEncoder(box: box.child(forKey: "super"), codingPath: codingPath) }
  mutating func superEncoder(forKey key: Key) -> any Encoder { TreeEncoder(box: box.child(forKey: key.stringValue), codingPath: codingPath + [key]) }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
  let box: JSONValueBox
  let codingPath: [any CodingKey]
  var count: Int { box.count }

  mutating func encodeNil() throws { box.appendChild().content = .leaf(.null) }
  mutating func encode<T: Encodable>(_ value: T) throws { try store(value, in: box.appendChild(), codingPath: codingPath) }
  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
    TreeEncoder(box: box.appendChild(), codingPath: codingPath).container(keyedBy: keyType)
  }
  mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
    TreeEncoder(box: box.appendChild(), codingPath: codingPath).unkeyedContainer()
  }
  mutating func superEncoder() -> any Encoder { TreeEncoder(box: box.appendChild(), codingPath: codingPath) }
}

private struct SingleValueContainer: SingleValueEncodingContainer {
  let box: JSONValueBox
  let codingPath: [any CodingKey]

  mutating func encodeNil() throws { box.content = .leaf(.null) }
  mutating func encode<T: Encodable>(_ value: T) throws { try store(value, in: box, codingPath: codingPath) }
}
