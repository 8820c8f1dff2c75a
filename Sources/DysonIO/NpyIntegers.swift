import Foundation

extension Npy {
  /// Reads a `.npy` of int32 or int64 (either byte order, C order), such as a batch of token ids.
  /// Returns the shape and the values; throws `FileFormatError` for any other dtype or layout.
  public static func readIntegers(path: String) throws -> (shape: [Int], values: [Int64]) {
    func fail(_ fault: String) -> FileFormatError { FileFormatError(file: path, fault: fault) }
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
      throw fail("cannot read: \(error.localizedDescription)")
    }
    let bytes = [UInt8](data)
    guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw fail("bad magic: not a .npy file") }
    let headerStart = bytes[6] == 1 ? 10 : 12
    guard bytes.count >= headerStart else { throw fail("truncated header") }
    let headerLength = bytes[6] == 1 ? Int(bytes[8]) | Int(bytes[9]) << 8
      : Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
    guard headerStart + headerLength <= bytes.count,
          let header = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: .isoLatin1) else {
      throw fail("truncated or unreadable header")
    }
    let fields = try parseHeader(header, fail: fail)
    let width: Int, bigEndian: Bool
    switch fields.descr {
    case "<i8", "=i8": (width, bigEndian) = (8, false)
    case ">i8": (width, bigEndian) = (8, true)
    case "<i4", "=i4": (width, bigEndian) = (4, false)
    case ">i4": (width, bigEndian) = (4, true)
    default: throw fail("dtype '\(fields.descr)' is not int32 or int64")
    }
    guard !fields.fortranOrder || fields.shape.count <= 1 else { throw fail("Fortran order is not supported for integers") }
    guard let count = elementCount(fields.shape) else { throw fail("absurd shape \(fields.shape)") }
    let start = headerStart + headerLength
    guard bytes.count - start == count * width else {
      throw fail("\(bytes.count - start) data bytes for shape \(fields.shape) of \(width)-byte integers (expected \(count * width))")
    }
    var values = [Int64](repeating: 0, count: count)
    for i in 0..<count {
      var v: UInt64 = 0
      for b in 0..<width {
        let byte = UInt64(bytes[start + i * width + (bigEndian ? width - 1 - b : b)])
        v |= byte << (8 * UInt64(b))
      }
      values[i] = width == 8 ? Int64(bitPattern: v) : Int64(Int32(truncatingIfNeeded: v))
    }
    return (fields.shape, values)
  }
}
