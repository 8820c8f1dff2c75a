import Foundation

/// The IDX format of the MNIST files (yann.lecun.com/exdb/mnist): two zero bytes, a type code
/// (0x08: unsigned bytes — the only one MNIST uses, and the only one read here), the number of
/// dimensions, each size as a big-endian UInt32, then the data in row-major order. Reads the
/// files as distributed (gzip) or decompressed.
public struct IDXArray: Sendable, Equatable {
  /// The dimensions, outermost first (images × rows × columns for MNIST's images).
  public let shape: [Int]
  /// The elements as stored, row-major (unsigned bytes).
  public let bytes: [UInt8]

  /// Reads `path`, decompressing it first when it is gzip (the file's first bytes say so). Throws
  /// `FileFormatError` naming the file on a bad magic, an unsupported type, or a size that
  /// disagrees with the header. Holds the file and the array, never a third copy.
  public static func read(path: String) throws(FileFormatError) -> IDXArray {
    let file = try ReadOnlyFile(path: path)
    var raw = try file.bytes(at: 0, count: file.size)
    if raw.count >= 2, raw[0] == 0x1F, raw[1] == 0x8B {
      // The IDX header inside says how many bytes there are: inflate no more than that.
      let header = try Gzip.prefix(raw, count: 4 + 4 * 255, file: path)
      raw = try Gzip.decompress(raw, file: path, limit: try announcedSize(header, file: path))
    }
    return try decode(raw, file: path)
  }

  /// Size d of the header: a big-endian UInt32 at byte 4 + 4d.
  static func dimension(_ b: [UInt8], _ d: Int) -> Int {
    let o = 4 + 4 * d
    let high = Int(b[o]) << 24 | Int(b[o + 1]) << 16
    return high | Int(b[o + 2]) << 8 | Int(b[o + 3])
  }

  /// The bytes a file with this header holds (header included), from its first bytes.
  static func announcedSize(_ b: [UInt8], file: String) throws(FileFormatError) -> Int {
    func fail(_ fault: String) -> FileFormatError { FileFormatError(file: file, fault: fault) }
    guard b.count >= 4, b[0] == 0, b[1] == 0 else { throw fail("bad magic: not an IDX file") }
    let rank = Int(b[3])
    guard rank >= 1, b.count >= 4 + 4 * rank else { throw fail("truncated header: \(rank) dimensions") }
    let shape = (0..<rank).map { d -> Int in dimension(b, d) }
    guard let count = elementCount(shape), case let (total, false) = count.addingReportingOverflow(4 + 4 * rank) else {
      throw fail("the header's shape \(shape) is absurd")
    }
    return total
  }

  /// Decodes an IDX file's bytes; `file` names it in errors. Throws on a bad magic number, a type other
  /// than unsigned bytes, or a size that does not match the dimensions.
  public static func decode(_ b: consuming [UInt8], file: String = "<data>") throws(FileFormatError) -> IDXArray {
    func fail(_ fault: String) -> FileFormatError { FileFormatError(file: file, fault: fault) }
    guard b.count >= 4, b[0] == 0, b[1] == 0 else { throw fail("bad magic: not an IDX file") }
    guard b[2] == 0x08 else { throw fail("IDX type 0x\(String(b[2], radix: 16)) is not unsigned bytes (0x08)") }
    let rank = Int(b[3])
    guard rank >= 1, b.count >= 4 + 4 * rank else { throw fail("truncated header: \(rank) dimensions") }
    let shape = (0..<rank).map { d -> Int in dimension(b, d) }
    let start = 4 + 4 * rank
    guard let count = elementCount(shape), b.count - start == count else {
      throw fail("size mismatch: the header's shape \(shape) needs \(elementCount(shape).map(String.init) ?? "more than Int.max") bytes, the file has \(b.count - start)")
    }
    var data = b
    data.removeSubrange(0..<start)   // in place: no second buffer
    return IDXArray(shape: shape, bytes: data)
  }
}
