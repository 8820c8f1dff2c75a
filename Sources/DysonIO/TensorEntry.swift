/// One tensor of a checkpoint file, described by its header and read only when asked: the
/// lazy counterpart of `StoredTensor`. Reading decodes the stored elements straight into
/// `Double`s in pieces, so a read holds the decoded tensor and one piece of raw bytes at most.
public struct TensorEntry: Sendable {
  /// The file the tensor is stored in.
  public var file: String { source.path }
  /// The tensor's name in the file.
  public let name: String
  /// The element type as the file names it ("BF16", "I64", "<f4" is given as "F32", …).
  public let dtypeName: String
  /// The element type when it is one Dyson decodes (F16, BF16, F32, F64); nil otherwise.
  public var dtype: StoredDType? { StoredDType(rawValue: dtypeName) }
  /// The dimensions, outermost first.
  public let shape: [Int]
  /// Elements, the product of `shape` (checked against the file when the entry was made).
  public let count: Int

  let source: ReadOnlyFile
  /// Where the elements start in the file.
  let offset: Int
  let order: ByteOrder
  /// Column-major storage (a `.npy` written with `fortran_order: True`).
  let fortranOrder: Bool

  init(source: ReadOnlyFile, name: String, dtypeName: String, shape: [Int], count: Int, offset: Int,
       order: ByteOrder = .little, fortranOrder: Bool = false) {
    self.source = source
    self.name = name
    self.dtypeName = dtypeName
    self.shape = shape
    self.count = count
    self.offset = offset
    self.order = order
    self.fortranOrder = fortranOrder
  }

  /// Reads and decodes the tensor (row-major values).
  public func read() throws(FileFormatError) -> StoredTensor {
    guard let dtype else { throw Safetensors.unsupported(name, dtypeName, file: file) }
    return StoredTensor(name: name, shape: shape, dtype: dtype, values: try readValues())
  }

  /// Reads and decodes the elements, row-major.
  public func readValues() throws(FileFormatError) -> [Double] {
    guard let dtype else { throw Safetensors.unsupported(name, dtypeName, file: file) }
    let pieceElements = Swift.max(1, TensorEntry.pieceBytes / dtype.size)
    var raw = [UInt8](repeating: 0, count: Swift.min(count, pieceElements) * dtype.size)
    var values = [Double](repeating: 0, count: count)
    var done = 0
    while done < count {
      let n = Swift.min(pieceElements, count - done)
      var failure: FileFormatError?
      raw.withUnsafeMutableBytes { buffer in
        do throws(FileFormatError) {
          try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<(n * dtype.size)]), at: offset + done * dtype.size)
        } catch { failure = error }
      }
      if let failure { throw failure }
      raw.withUnsafeBytes { bytes in
        values.withUnsafeMutableBufferPointer { out in
          decodeScalars(UnsafeRawBufferPointer(rebasing: bytes[0..<(n * dtype.size)]), dtype: dtype, order: order,
                        into: UnsafeMutableBufferPointer(rebasing: out[done..<(done + n)]))
        }
      }
      done += n
    }
    return fortranOrder && shape.count > 1 ? fortranToC(values, shape: shape) : values
  }

  /// Raw bytes read per piece (1 MiB).
  static let pieceBytes = 1 << 20
}
