import Foundation

extension Npy {
  /// Reads a `.npy` of int32 or int64 (either byte order, C order), such as a batch of token ids.
  /// Returns the shape and the values; throws `FileFormatError` for any other dtype or layout.
  public static func readIntegers(path: String) throws(FileFormatError) -> (shape: [Int], values: [Int64]) {
    let file = try ReadOnlyFile(path: path)
    let layout = try readLayout(file)
    func fail(_ fault: String) -> FileFormatError { FileFormatError(file: path, fault: fault) }
    guard layout.descr.dropFirst() == "i8" || layout.descr.dropFirst() == "i4", let order = byteOrder(layout.descr) else {
      throw fail("dtype '\(layout.descr)' is not int32 or int64")
    }
    guard !layout.fortranOrder || layout.shape.count <= 1 else { throw fail("Fortran order is not supported for integers") }
    let width = layout.width
    let bytes = try file.bytes(at: layout.dataStart, count: layout.count * width)   // the layout checked this size
    var values = [Int64](repeating: 0, count: layout.count)
    for i in 0..<layout.count {
      var v: UInt64 = 0
      for b in 0..<width {
        let byte = UInt64(bytes[i * width + (order == .big ? width - 1 - b : b)])
        v |= byte << (8 * UInt64(b))
      }
      values[i] = width == 8 ? Int64(bitPattern: v) : Int64(Int32(truncatingIfNeeded: v))
    }
    return (layout.shape, values)
  }
}
