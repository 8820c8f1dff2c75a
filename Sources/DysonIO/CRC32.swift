/// CRC-32 (IEEE 802.3, the reflected polynomial 0xEDB88320: gzip's and zlib's), fed in pieces.
public struct CRC32: Sendable, Equatable {
  private var crc: UInt32 = 0xFFFF_FFFF

  /// A checksum of no bytes yet.
  public init() {}

  /// The table of the byte-at-a-time algorithm, built once.
  private static let table: [UInt32] = (0..<256).map { n in
    var c = UInt32(n)
    for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
  }

  /// Feeds `bytes`; pieces fed one after the other give the checksum of their concatenation.
  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    Self.table.withUnsafeBufferPointer { t in
      var c = crc
      for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
      crc = c
    }
  }

  /// Feeds `bytes`, as the buffer form does.
  public mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

  /// The checksum of everything fed so far.
  public var value: UInt32 { ~crc }

  /// The CRC-32 of `bytes`.
  public static func of(_ bytes: [UInt8]) -> UInt32 {
    var c = CRC32()
    c.update(bytes)
    return c.value
  }
}
