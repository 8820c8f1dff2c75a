import Foundation

/// NumPy's `.npy` format (numpy.lib.format, versions 1.0, 2.0 and 3.0): the magic "\x93NUMPY",
/// a version, a header length (2 bytes in v1, 4 in v2/v3), a Python-literal dict
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }` padded to a multiple of 64 bytes,
/// then the raw data. Reads float16/32/64 in either byte order and either memory order; writes
/// little-endian C order, version 1.0 (or 2.0 when the header does not fit).
public enum Npy {
  static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

  /// The tensor of a `.npy` file, from its header alone (its data is read when the entry is).
  /// Named after the file, without its extension.
  public static func entry(path: String) throws(FileFormatError) -> TensorEntry {
    let file = try ReadOnlyFile(path: path)
    let layout = try readLayout(file)
    guard let dtype = layout.storedType else {
      throw FileFormatError(file: path, fault: "unsupported dtype '\(layout.descr)' (float16/32/64 only)")
    }
    return TensorEntry(source: file, name: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent,
                       dtypeName: dtype.type.rawValue, shape: layout.shape, count: layout.count, offset: layout.dataStart,
                       order: dtype.order, fortranOrder: layout.fortranOrder)
  }

  /// Reads a `.npy` file of float16/32/64. Throws `FileFormatError` naming the file and the fault.
  public static func read(path: String) throws(FileFormatError) -> StoredTensor {
    try entry(path: path).read()
  }

  /// Decodes the bytes of a `.npy` file held in memory; `file` labels error messages.
  public static func decode(_ data: Data, name: String, file: String = "<data>") throws(FileFormatError) -> StoredTensor {
    let bytes = [UInt8](data)
    let layout = try parseLayout(bytes.prefix(12), fileSize: bytes.count, file: file) { (offset, count) throws(FileFormatError) in
      Array(bytes[offset..<(offset + count)])
    }
    guard let dtype = layout.storedType else {
      throw FileFormatError(file: file, fault: "unsupported dtype '\(layout.descr)' (float16/32/64 only)")
    }
    var values = bytes.withUnsafeBytes { raw in
      decodeScalars(UnsafeRawBufferPointer(rebasing: raw[layout.dataStart...]), dtype: dtype.type, order: dtype.order, count: layout.count)
    }
    if layout.fortranOrder && layout.shape.count > 1 { values = fortranToC(values, shape: layout.shape) }
    return StoredTensor(name: name, shape: layout.shape, dtype: dtype.type, values: values)
  }

  /// What a `.npy` header says, checked against the file's size.
  struct Layout {
    let descr: String
    let fortranOrder: Bool
    let shape: [Int]
    let count: Int
    /// Bytes per element, from the descr (`<f4` → 4).
    let width: Int
    let dataStart: Int

    /// The float type and byte order of the descr; nil for any other dtype.
    var storedType: (type: StoredDType, order: ByteOrder)? {
      guard let order = byteOrder(descr) else { return nil }
      switch descr.dropFirst() {
      case "f2": return (.float16, order)
      case "f4": return (.float32, order)
      case "f8": return (.float64, order)
      default: return nil
      }
    }
  }

  /// Byte order of a descr: '<' and '=' little (every platform Swift targets here is little-endian),
  /// '>' big, '|' not applicable (one-byte types).
  static func byteOrder(_ descr: String) -> ByteOrder? {
    switch descr.first {
    case "<", "=", "|": .little
    case ">": .big
    default: nil
    }
  }

  /// Reads the magic, version and header of an open file.
  static func readLayout(_ file: ReadOnlyFile) throws(FileFormatError) -> Layout {
    let prefix = try file.bytes(at: 0, count: Swift.min(12, file.size))
    return try parseLayout(prefix[...], fileSize: file.size, file: file.path) { (offset, count) throws(FileFormatError) in
      try file.bytes(at: offset, count: count)
    }
  }

  /// Parses the layout from the file's first (up to) 12 bytes, reading the header with `bytes`.
  static func parseLayout(
    _ prefix: ArraySlice<UInt8>, fileSize: Int, file: String, bytes: (Int, Int) throws(FileFormatError) -> [UInt8]
  ) throws(FileFormatError) -> Layout {
    func fail(_ fault: String) -> FileFormatError { FileFormatError(file: file, fault: fault) }
    let p = Array(prefix)
    guard p.count >= 10, Array(p[0..<6]) == magic else { throw fail("bad magic: not a .npy file") }
    let major = p[6]
    let headerLength: Int, headerStart: Int
    switch major {
    case 1:
      headerLength = Int(p[8]) | Int(p[9]) << 8
      headerStart = 10
    case 2, 3:
      guard p.count >= 12 else { throw fail("truncated header") }
      headerLength = Int(p[8]) | Int(p[9]) << 8 | Int(p[10]) << 16 | Int(p[11]) << 24
      headerStart = 12
    default:
      throw fail("unsupported .npy version \(major).\(p[7]) (1.0, 2.0 and 3.0 are defined)")
    }
    guard headerLength <= fileSize - headerStart else {
      throw fail("truncated header: needs \(headerLength) bytes, \(fileSize - headerStart) present")
    }
    let headerBytes = try bytes(headerStart, headerLength)
    guard let header = String(bytes: headerBytes, encoding: major == 3 ? .utf8 : .isoLatin1) else {
      throw fail("header is not text")
    }
    let fields = try parseHeader(header, fail: fail)
    guard let width = Int(fields.descr.dropFirst(2)), width > 0, fields.descr.count >= 3, byteOrder(fields.descr) != nil else {
      throw fail("unsupported dtype '\(fields.descr)'")
    }
    guard let count = elementCount(fields.shape), case let (needed, false) = count.multipliedReportingOverflow(by: width) else {
      throw fail("absurd shape \(fields.shape)")
    }
    let dataStart = headerStart + headerLength
    let available = fileSize - dataStart
    guard available >= needed else { throw fail("truncated data: \(available) of \(needed) bytes for shape \(fields.shape)") }
    guard available == needed else { throw fail("\(available - needed) bytes after the data: the header's shape \(fields.shape) does not match the file") }
    return Layout(descr: fields.descr, fortranOrder: fields.fortranOrder, shape: fields.shape, count: count, width: width, dataStart: dataStart)
  }

  /// Encodes a tensor as `.npy` bytes (little-endian, C order). BF16 has no NumPy dtype: write it as F32.
  public static func encode(_ tensor: StoredTensor) throws -> Data {
    let descr: String
    switch tensor.dtype {
    case .float16: descr = "<f2"
    case .float32: descr = "<f4"
    case .float64: descr = "<f8"
    case .bfloat16: throw FileFormatError(file: tensor.name, fault: "NumPy has no bfloat16 dtype; write F32 instead")
    }
    let shapeText = tensor.shape.count == 1 ? "(\(tensor.shape[0]),)" : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
    var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
    // Pad with spaces and a final newline so that the data starts on a 64-byte boundary.
    let prefixV1 = 10
    var version: UInt8 = 1
    var total = prefixV1 + header.utf8.count + 1
    if (total + 63) / 64 * 64 - prefixV1 > 65535 { version = 2; total += 2 }
    let prefix = version == 1 ? 10 : 12
    let padded = (total + 63) / 64 * 64
    header += String(repeating: " ", count: padded - total) + "\n"
    var out = magic + [version, 0]
    let length = header.utf8.count
    if version == 1 {
      out += [UInt8(length & 0xFF), UInt8(length >> 8)]
    } else {
      out += [UInt8(length & 0xFF), UInt8((length >> 8) & 0xFF), UInt8((length >> 16) & 0xFF), UInt8(length >> 24)]
    }
    out += Array(header.utf8)
    precondition(out.count == prefix + length && out.count % 64 == 0)
    appendScalars(tensor.values, dtype: tensor.dtype, to: &out)
    return Data(out)
  }

  /// Writes a tensor to `path` atomically.
  public static func write(_ tensor: StoredTensor, to path: String) throws {
    try AtomicFile.write(try encode(tensor), to: path)
  }

  struct Header { var descr: String; var fortranOrder: Bool; var shape: [Int] }

  /// Parses the dict literal: exactly the keys descr, fortran_order and shape, in any order.
  static func parseHeader(_ text: String, fail: (String) -> FileFormatError) throws(FileFormatError) -> Header {
    var s = Substring(text.trimmingCharacters(in: .whitespacesAndNewlines))
    guard s.first == "{", s.last == "}" else { throw fail("header is not a dict: \(text.prefix(80))") }
    s = s.dropFirst().dropLast()
    var descr: String?, fortran: Bool?, shape: [Int]?
    func skipSpaces() { while let c = s.first, c == " " || c == "," || c == "\n" { s.removeFirst() } }
    func quoted() throws(FileFormatError) -> String {
      guard let q = s.first, q == "'" || q == "\"" else { throw fail("malformed header near '\(s.prefix(20))'") }
      s.removeFirst()
      guard let end = s.firstIndex(of: q) else { throw fail("unterminated string in header") }
      defer { s = s[s.index(after: end)...] }
      return String(s[..<end])
    }
    while true {
      skipSpaces()
      if s.isEmpty { break }
      let key = try quoted()
      skipSpaces()
      guard s.first == ":" else { throw fail("malformed header: ':' expected after '\(key)'") }
      s.removeFirst()
      skipSpaces()
      switch key {
      case "descr":
        descr = try quoted()
      case "fortran_order":
        if s.hasPrefix("True") { fortran = true; s = s.dropFirst(4) }
        else if s.hasPrefix("False") { fortran = false; s = s.dropFirst(5) }
        else { throw fail("fortran_order must be True or False") }
      case "shape":
        guard s.first == "(", let close = s.firstIndex(of: ")") else { throw fail("shape must be a tuple") }
        let inner = s[s.index(after: s.startIndex)..<close]
        s = s[s.index(after: close)...]
        var dims: [Int] = []
        for part in inner.split(separator: ",") {
          let t = part.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "L", with: "")
          if t.isEmpty { continue }
          guard let d = Int(t), d >= 0 else { throw fail("bad dimension '\(t)' in shape") }
          dims.append(d)
        }
        shape = dims
      default:
        throw fail("unexpected header key '\(key)'")
      }
    }
    guard let d = descr, let f = fortran, let sh = shape else { throw fail("header lacks descr, fortran_order or shape") }
    return Header(descr: d, fortranOrder: f, shape: sh)
  }
}

/// Column-major values → row-major values of the same shape.
func fortranToC(_ values: [Double], shape: [Int]) -> [Double] {
  let rank = shape.count
  var fStrides = [Int](repeating: 1, count: rank)
  for d in 1..<rank { fStrides[d] = fStrides[d - 1] * shape[d - 1] }
  var out = [Double](repeating: 0, count: values.count)
  var index = [Int](repeating: 0, count: rank)
  for c in 0..<values.count {
    var f = 0
    for d in 0..<rank { f += index[d] * fStrides[d] }
    out[c] = values[f]
    var d = rank - 1
    while d >= 0 { index[d] += 1; if index[d] < shape[d] { break }; index[d] = 0; d -= 1 }
  }
  return out
}
