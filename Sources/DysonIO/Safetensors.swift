import Foundation

/// The `.safetensors` format (huggingface/safetensors): an 8-byte little-endian header size N, an
/// N-byte JSON object `{"name": {"dtype": "F32", "shape": [16, 64], "data_offsets": [begin, end]},
/// …, "__metadata__": {…}}`, then the data buffer, offsets relative to its start. Reads and writes
/// F16, BF16, F32 and F64. Tensors of the format's other dtypes (integers, booleans, F8) are listed
/// with their header, so the file is still checked and the others read; reading one of them throws.
public enum Safetensors {
  /// Headers above this size are refused, as the reference implementation does (100 MB).
  static let maximumHeaderBytes = 100_000_000

  /// Bytes per element of the format's dtypes; nil for a name it does not define.
  static func elementSize(_ dtype: String) -> Int? {
    switch dtype {
    case "BOOL", "U8", "I8", "F8_E4M3", "F8_E5M2", "F8_E8M0": 1
    case "U16", "I16", "F16", "BF16": 2
    case "U32", "I32", "F32": 4
    case "U64", "I64", "F64": 8
    default: nil
    }
  }

  /// The tensors of a file, from its header alone: nothing else is read until a tensor is.
  /// Ordered by their data offsets.
  public static func entries(path: String) throws(FileFormatError) -> [TensorEntry] {
    try entries(of: ReadOnlyFile(path: path))
  }

  /// The tensors of an open file (see `entries(path:)`).
  public static func entries(of file: ReadOnlyFile) throws(FileFormatError) -> [TensorEntry] {
    let header = try readHeader(file)
    return header.entries.map { e in
      TensorEntry(source: file, name: e.name, dtypeName: e.dtypeName, shape: e.shape, count: e.count,
                  offset: header.bufferStart + e.begin)
    }
  }

  /// Reads every tensor of a file, in the order of their data offsets.
  public static func read(path: String) throws(FileFormatError) -> [StoredTensor] {
    var tensors: [StoredTensor] = []
    for e in try entries(path: path) { tensors.append(try e.read()) }
    return tensors
  }

  /// The `__metadata__` strings of a `.safetensors` file (empty when it has none).
  public static func readMetadata(path: String) throws(FileFormatError) -> [String: String] {
    try readHeader(ReadOnlyFile(path: path)).metadata
  }

  /// Decodes the bytes of a `.safetensors` file held in memory; `file` labels error messages.
  public static func decode(_ data: Data, file: String = "<data>") throws(FileFormatError) -> [StoredTensor] {
    let bytes = [UInt8](data)
    func fail(_ fault: String) -> FileFormatError { FileFormatError(file: file, fault: fault) }
    guard bytes.count >= 8 else { throw fail("truncated: \(bytes.count) bytes, not a .safetensors file") }
    let length = try headerLength(bytes[0..<8], available: bytes.count - 8, file: file)
    let header = try parseHeader(bytes[8..<(8 + length)], bufferLength: bytes.count - 8 - length, file: file)
    var tensors: [StoredTensor] = []
    for e in header.entries {
      guard let dtype = StoredDType(rawValue: e.dtypeName) else { throw unsupported(e.name, e.dtypeName, file: file) }
      let values = bytes.withUnsafeBytes { raw in
        decodeScalars(UnsafeRawBufferPointer(rebasing: raw[(8 + length + e.begin)..<(8 + length + e.end)]), dtype: dtype, order: .little, count: e.count)
      }
      tensors.append(StoredTensor(name: e.name, shape: e.shape, dtype: dtype, values: values))
    }
    return tensors
  }

  static func unsupported(_ name: String, _ dtype: String, file: String) -> FileFormatError {
    FileFormatError(file: file, fault: "tensor '\(name)': dtype \(dtype) is not a floating-point type Dyson reads (F16, BF16, F32, F64)")
  }

  /// One tensor as the header describes it; offsets relative to the data buffer.
  struct HeaderEntry {
    let name: String, dtypeName: String, shape: [Int], count: Int, begin: Int, end: Int
  }

  struct Header {
    let entries: [HeaderEntry]
    let metadata: [String: String]
    let bufferStart: Int
  }

  /// Reads and checks the header of an open file against its size.
  static func readHeader(_ file: ReadOnlyFile) throws(FileFormatError) -> Header {
    guard file.size >= 8 else { throw FileFormatError(file: file.path, fault: "truncated: \(file.size) bytes, not a .safetensors file") }
    let prefix = try file.bytes(at: 0, count: 8)
    let length = try headerLength(prefix[0..<8], available: file.size - 8, file: file.path)
    let json = try file.bytes(at: 8, count: length)
    let header = try parseHeader(json[0..<length], bufferLength: file.size - 8 - length, file: file.path)
    return Header(entries: header.entries, metadata: header.metadata, bufferStart: 8 + length)
  }

  /// The header size from the first eight bytes, checked against the bytes that follow them.
  static func headerLength(_ prefix: ArraySlice<UInt8>, available: Int, file: String) throws(FileFormatError) -> Int {
    var n: UInt64 = 0
    for (i, byte) in prefix.enumerated() { n |= UInt64(byte) << (8 * UInt64(i)) }
    guard n <= UInt64(maximumHeaderBytes) else {
      throw FileFormatError(file: file, fault: "bad magic: header size \(n) is absurd, not a .safetensors file")
    }
    guard Int(n) <= available else {
      throw FileFormatError(file: file, fault: "truncated header: needs \(n) bytes, \(available) present")
    }
    return Int(n)
  }

  /// Parses and checks the JSON header: every entry well formed, sizes that match shapes and
  /// dtypes, and tensors that tile the `bufferLength`-byte data buffer exactly.
  static func parseHeader(_ bytes: ArraySlice<UInt8>, bufferLength: Int, file: String) throws(FileFormatError)
    -> (entries: [HeaderEntry], metadata: [String: String]) {
    func fail(_ fault: String) -> FileFormatError { FileFormatError(file: file, fault: fault) }
    guard bytes.count >= 2, bytes.first == UInt8(ascii: "{") else { throw fail("bad magic: header is not a JSON object") }
    let json: Any
    do { json = try JSONSerialization.jsonObject(with: Data(bytes)) } catch {
      throw fail("header is not valid JSON")
    }
    guard let object = json as? [String: Any] else { throw fail("header is not a JSON object") }
    var metadata: [String: String] = [:]
    if let m = object["__metadata__"] {
      guard let strings = m as? [String: String] else { throw fail("__metadata__ must map strings to strings") }
      metadata = strings
    }
    var parsed: [HeaderEntry] = []
    for (name, value) in object where name != "__metadata__" {
      guard let info = value as? [String: Any] else { throw fail("tensor '\(name)': entry is not an object") }
      guard let dtype = info["dtype"] as? String else { throw fail("tensor '\(name)': no dtype") }
      guard let shapeValues = info["shape"] as? [Any], let shape = integers(shapeValues) else {
        throw fail("tensor '\(name)': shape must be a list of whole numbers")
      }
      guard let offsets = info["data_offsets"] as? [Any], offsets.count == 2, let o = integers(offsets) else {
        throw fail("tensor '\(name)': data_offsets must be [begin, end]")
      }
      guard let size = elementSize(dtype) else { throw fail("tensor '\(name)': unknown dtype \(dtype)") }
      guard let count = elementCount(shape), case let (bytes, false) = count.multipliedReportingOverflow(by: size) else {
        throw fail("tensor '\(name)': absurd shape \(shape)")
      }
      guard o[0] <= o[1] else { throw fail("tensor '\(name)': data_offsets \(o) are not increasing") }
      guard o[1] <= bufferLength else {
        throw fail("tensor '\(name)': truncated data: offsets end at \(o[1]) but the buffer holds \(bufferLength) bytes")
      }
      guard o[1] - o[0] == bytes else {
        throw fail("tensor '\(name)': data_offsets span \(o[1] - o[0]) bytes, shape \(shape) of \(dtype) needs \(bytes)")
      }
      parsed.append(HeaderEntry(name: name, dtypeName: dtype, shape: shape, count: count, begin: o[0], end: o[1]))
    }
    parsed.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
    // The format requires the tensors to tile the buffer exactly: no overlap, no hidden bytes.
    var cursor = 0
    for e in parsed {
      guard e.begin == cursor else {
        throw fail(e.begin < cursor ? "tensor '\(e.name)' overlaps the previous tensor" : "\(e.begin - cursor) unreferenced bytes before tensor '\(e.name)'")
      }
      cursor = e.end
    }
    guard cursor == bufferLength else { throw fail("\(bufferLength - cursor) bytes after the last tensor") }
    return (parsed, metadata)
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
