import Foundation

/// The IDX format of the MNIST files (yann.lecun.com/exdb/mnist): two zero bytes, a type code
/// (0x08: unsigned bytes — the only one MNIST uses, and the only one read here), the number of
/// dimensions, each size as a big-endian UInt32, then the data in row-major order. Reads the
/// files as distributed (gzip) or decompressed.
public struct IDXArray: Sendable, Equatable {
  public let shape: [Int]
  public let bytes: [UInt8]

  /// Reads `path`; a name ending in `.gz` is decompressed first. Throws `FileFormatError` naming
  /// the file on a bad magic, an unsupported type, or a size that disagrees with the header.
  public static func read(path: String) throws -> IDXArray {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
      throw FileFormatError(file: path, fault: "cannot read: \(error.localizedDescription)")
    }
    var raw = [UInt8](data)
    if raw.count >= 2, raw[0] == 0x1F, raw[1] == 0x8B { raw = try Gzip.decompress(raw, file: path) }
    return try decode(raw, file: path)
  }

  public static func decode(_ b: [UInt8], file: String = "<data>") throws(FileFormatError) -> IDXArray {
    func fail(_ fault: String) -> FileFormatError { FileFormatError(file: file, fault: fault) }
    guard b.count >= 4, b[0] == 0, b[1] == 0 else { throw fail("bad magic: not an IDX file") }
    guard b[2] == 0x08 else { throw fail("IDX type 0x\(String(b[2], radix: 16)) is not unsigned bytes (0x08)") }
    let rank = Int(b[3])
    guard rank >= 1, b.count >= 4 + 4 * rank else { throw fail("truncated header: \(rank) dimensions") }
    var shape: [Int] = []
    var count = 1
    for d in 0..<rank {
      let o = 4 + 4 * d
      let size = Int(b[o]) << 24 | Int(b[o + 1]) << 16 | Int(b[o + 2]) << 8 | Int(b[o + 3])
      shape.append(size)
      count = count.multipliedReportingOverflow(by: size).overflow ? Int.max : count * size
    }
    let start = 4 + 4 * rank
    guard b.count - start == count else {
      throw fail("size mismatch: the header's shape \(shape) needs \(count) bytes, the file has \(b.count - start)")
    }
    return IDXArray(shape: shape, bytes: Array(b[start...]))
  }
}
