import Foundation

/// NumPy's `.npy` format (numpy.lib.format, versions 1.0, 2.0 and 3.0): the magic "\x93NUMPY",
/// a version, a header length (2 bytes in v1, 4 in v2/v3), a Python-literal dict
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }` padded to a multiple of 64 bytes,
/// then the raw data. Reads float16/32/64 in either byte order and either memory order; writes
/// little-endian C order, version 1.0 (or 2.0 when the header does not fit).
public enum Npy {
  static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

  /// Reads a `.npy` file. Throws `FileFormatError` naming the file and the fault.
  public static func read(path: String) throws -> StoredTensor {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
      throw FileFormatError(file: path, fault: "cannot read: \(error.localizedDescription)")
    }
    let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    return try decode(data, name: name, file: path)
  }

  /// Decodes the bytes of a `.npy` file; `file` labels error messages.
  public static func decode(_ data: Data, name: String, file: String = "<data>") throws -> StoredTensor {
    func fail(_ fault: String) -> FileFormatError { FileFormatError(file: file, fault: fault) }
    let bytes = [UInt8](data)
    guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw fail("bad magic: not a .npy file") }
    let major = bytes[6]
    let headerLength: Int, headerStart: Int
    switch major {
    case 1:
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
      headerStart = 10
    case 2, 3:
      guard bytes.count >= 12 else { throw fail("truncated header") }
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
      headerStart = 12
    default:
      throw fail("unsupported .npy version \(major).\(bytes[7])")
    }
    guard headerStart + headerLength <= bytes.count else {
      throw fail("truncated header: needs \(headerLength) bytes, \(bytes.count - headerStart) present")
    }
    let headerBytes = bytes[headerStart..<(headerStart + headerLength)]
    guard let header = String(bytes: headerBytes, encoding: major == 3 ? .utf8 : .isoLatin1) else {
      throw fail("header is not text")
    }
    let fields = try parseHeader(header, fail: fail)

    let (dtype, order) = try dtypeOf(fields.descr, fail: fail)
    guard let count = elementCount(fields.shape) else { throw fail("absurd shape \(fields.shape)") }
    let dataStart = headerStart + headerLength
    let available = bytes.count - dataStart
    let (needed, overflow) = count.multipliedReportingOverflow(by: dtype.size)
    guard !overflow else { throw fail("absurd shape \(fields.shape)") }
    guard available >= needed else { throw fail("truncated data: \(available) of \(needed) bytes for shape \(fields.shape)") }
    guard available == needed else { throw fail("\(available - needed) bytes after the data: the header's shape \(fields.shape) does not match the file") }

    var values = bytes.withUnsafeBytes { raw in
      decodeScalars(UnsafeRawBufferPointer(rebasing: raw[dataStart...]), dtype: dtype, order: order, count: count)
    }
    if fields.fortranOrder && fields.shape.count > 1 { values = fortranToC(values, shape: fields.shape) }
    return StoredTensor(name: name, shape: fields.shape, dtype: dtype, values: values)
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
  static func parseHeader(_ text: String, fail: (String) -> FileFormatError) throws -> Header {
    var s = Substring(text.trimmingCharacters(in: .whitespacesAndNewlines))
    guard s.first == "{", s.last == "}" else { throw fail("header is not a dict: \(text.prefix(80))") }
    s = s.dropFirst().dropLast()
    var descr: String?, fortran: Bool?, shape: [Int]?
    func skipSpaces() { while let c = s.first, c == " " || c == "," || c == "\n" { s.removeFirst() } }
    func quoted() throws -> String {
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

  static func dtypeOf(_ descr: String, fail: (String) -> FileFormatError) throws -> (StoredDType, ByteOrder) {
    guard descr.count == 3, let first = descr.first else { throw fail("unsupported dtype '\(descr)' (float16/32/64 only)") }
    let order: ByteOrder
    switch first {
    case "<", "=": order = .little          // '=' is native; every platform Swift targets here is little-endian
    case ">": order = .big
    case "|": order = .little
    default: throw fail("unsupported dtype '\(descr)'")
    }
    switch descr.dropFirst() {
    case "f2": return (.float16, order)
    case "f4": return (.float32, order)
    case "f8": return (.float64, order)
    default: throw fail("unsupported dtype '\(descr)' (float16/32/64 only)")
    }
  }

  /// Column-major values → row-major values of the same shape.
  static func fortranToC(_ values: [Double], shape: [Int]) -> [Double] {
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
}
