import Foundation

/// The `.safetensors` format (huggingface/safetensors): an 8-byte little-endian header size N, an
/// N-byte JSON object `{"name": {"dtype": "F32", "shape": [16, 64], "data_offsets": [begin, end]},
/// …, "__metadata__": {…}}`, then the data buffer, offsets relative to its start. Reads and writes
/// F16, BF16, F32 and F64; tensors of other dtypes (integers, F8) are reported, not skipped silently.
public enum Safetensors {
  /// Headers above this size are refused, as the reference implementation does (100 MB).
  static let maximumHeaderBytes = 100_000_000

  /// Reads every tensor of a file, in the order of their data offsets.
  public static func read(path: String) throws -> [StoredTensor] {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
      throw FileFormatError(file: path, fault: "cannot read: \(error.localizedDescription)")
    }
    return try decode(data, file: path)
  }

  /// The `__metadata__` strings of a `.safetensors` file (empty when it has none).
  public static func readMetadata(path: String) throws -> [String: String] {
    func fail(_ fault: String) -> FileFormatError { FileFormatError(file: path, fault: fault) }
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw fail("cannot read: \(error.localizedDescription)") }
    guard data.count >= 8 else { throw fail("truncated: not a .safetensors file") }
    let n = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    guard n <= UInt64(maximumHeaderBytes), 8 + Int(n) <= data.count,
          let json = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + Int(n)))) as? [String: Any] else {
      throw fail("header is not a JSON object")
    }
    return (json["__metadata__"] as? [String: String]) ?? [:]
  }

  /// Decodes the bytes of a `.safetensors` file; `file` labels error messages.
  public static func decode(_ data: Data, file: String = "<data>") throws -> [StoredTensor] {
    func fail(_ fault: String) -> FileFormatError { FileFormatError(file: file, fault: fault) }
    let bytes = [UInt8](data)
    guard bytes.count >= 8 else { throw fail("truncated: \(bytes.count) bytes, not a .safetensors file") }
    var n: UInt64 = 0
    for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
    guard n <= UInt64(maximumHeaderBytes) else { throw fail("bad magic: header size \(n) is absurd, not a .safetensors file") }
    let headerLength = Int(n)
    guard 8 + headerLength <= bytes.count else {
      throw fail("truncated header: needs \(headerLength) bytes, \(bytes.count - 8) present")
    }
    guard headerLength >= 2, bytes[8] == UInt8(ascii: "{") else { throw fail("bad magic: header is not a JSON object") }
    let json: Any
    do { json = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLength)])) } catch {
      throw fail("header is not valid JSON")
    }
    guard let entries = json as? [String: Any] else { throw fail("header is not a JSON object") }
    let buffer = 8 + headerLength
    let bufferLength = bytes.count - buffer

    struct Entry { let name: String; let dtype: StoredDType; let shape: [Int]; let begin: Int; let end: Int }
    var parsed: [Entry] = []
    for (name, value) in entries where name != "__metadata__" {
      guard let info = value as? [String: Any] else { throw fail("tensor '\(name)': entry is not an object") }
      guard let dtypeName = info["dtype"] as? String else { throw fail("tensor '\(name)': no dtype") }
      guard let dtype = StoredDType(rawValue: dtypeName) else {
        throw fail("tensor '\(name)': unsupported dtype \(dtypeName) (F16, BF16, F32, F64 only)")
      }
      guard let shapeValues = info["shape"] as? [Any], let shape = integers(shapeValues) else {
        throw fail("tensor '\(name)': shape must be a list of whole numbers")
      }
      guard let offsets = info["data_offsets"] as? [Any], offsets.count == 2, let o = integers(offsets) else {
        throw fail("tensor '\(name)': data_offsets must be [begin, end]")
      }
      guard let count = elementCount(shape), case let (size, false) = count.multipliedReportingOverflow(by: dtype.size) else {
        throw fail("tensor '\(name)': absurd shape \(shape)")
      }
      guard o[0] >= 0, o[0] <= o[1] else { throw fail("tensor '\(name)': data_offsets \(o) are not increasing") }
      guard o[1] <= bufferLength else {
        throw fail("tensor '\(name)': truncated data: offsets end at \(o[1]) but the buffer holds \(bufferLength) bytes")
      }
      guard o[1] - o[0] == size else {
        throw fail("tensor '\(name)': data_offsets span \(o[1] - o[0]) bytes, shape \(shape) of \(dtypeName) needs \(size)")
      }
      parsed.append(Entry(name: name, dtype: dtype, shape: shape, begin: o[0], end: o[1]))
    }
    parsed.sort { ($0.begin, $0.name) < ($1.begin, $1.name) }
    // The format requires the tensors to tile the buffer exactly: no overlap, no hidden bytes.
    var cursor = 0
    for e in parsed {
      guard e.begin == cursor else {
        throw fail(e.begin < cursor ? "tensor '\(e.name)' overlaps the previous tensor" : "\(e.begin - cursor) unreferenced bytes before tensor '\(e.name)'")
      }
      cursor = e.end
    }
    guard cursor == bufferLength else { throw fail("\(bufferLength - cursor) bytes after the last tensor") }

    return bytes.withUnsafeBytes { raw in
      parsed.map { e in
        let slice = UnsafeRawBufferPointer(rebasing: raw[(buffer + e.begin)..<(buffer + e.end)])
        let values = decodeScalars(slice, dtype: e.dtype, order: .little, count: e.shape.reduce(1, *))
        return StoredTensor(name: e.name, shape: e.shape, dtype: e.dtype, values: values)
      }
    }
  }

  /// Encodes tensors (names must be unique) with optional string metadata.
  public static func encode(_ tensors: [StoredTensor], metadata: [String: String] = [:]) throws -> Data {
    var seen = Set<String>()
    for t in tensors where !seen.insert(t.name).inserted {
      throw FileFormatError(file: t.name, fault: "duplicate tensor name")
    }
    var header = "{"
    var parts: [String] = []
    if !metadata.isEmpty {
      let items = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
      parts.append("\"__metadata__\":{\(items.joined(separator: ","))}")
    }
    var offset = 0
    for t in tensors {
      let size = t.values.count * t.dtype.size
      parts.append("\(jsonString(t.name)):{\"dtype\":\"\(t.dtype.rawValue)\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + size)]}")
      offset += size
    }
    header += parts.joined(separator: ",") + "}"
    // Pad with spaces so that the buffer starts 8-byte aligned, as the reference writer does.
    while header.utf8.count % 8 != 0 { header += " " }
    var out: [UInt8] = []
    withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { out.append(contentsOf: $0) }
    out += Array(header.utf8)
    for t in tensors { appendScalars(t.values, dtype: t.dtype, to: &out) }
    return Data(out)
  }

  /// Writes tensors to `path` atomically.
  public static func write(_ tensors: [StoredTensor], metadata: [String: String] = [:], to path: String) throws {
    try AtomicFile.write(try encode(tensors, metadata: metadata), to: path)
  }

  /// Whole numbers from a JSON array; fractions, negatives and non-numbers give nil.
  static func integers(_ values: [Any]) -> [Int]? {
    var out: [Int] = []
    for v in values {
      if let i = v as? Int, i >= 0 { out.append(i); continue }
      guard let d = v as? Double, d >= 0, d == d.rounded(), d < 9.0e15 else { return nil }
      out.append(Int(d))
    }
    return out
  }
}

/// A JSON string literal with the escapes JSON requires.
func jsonString(_ s: String) -> String {
  var out = "\""
  for scalar in s.unicodeScalars {
    switch scalar {
    case "\"": out += "\\\""
    case "\\": out += "\\\\"
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    case let c where c.value < 0x20: out += String(format: "\\u%04x", c.value)
    default: out.unicodeScalars.append(scalar)
    }
  }
  return out + "\""
}
