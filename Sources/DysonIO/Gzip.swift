/// gzip (RFC 1952) around DEFLATE (RFC 1951), decompression only: enough to read the MNIST files
/// as they are distributed, with no zlib. Stored, fixed-Huffman and dynamic-Huffman blocks; the
/// CRC-32 and length in the trailer are checked, so a corrupt file is an error, never bad data.
public enum Gzip {
  /// The decompressed bytes of a gzip member. `file` labels error messages. The output is bounded
  /// before it is produced: by the size the trailer announces (members of 4 GiB and more, whose
  /// trailer holds the size modulo 2³², are refused) and by `limit`, so that a few bytes of a
  /// "gzip bomb" cannot ask for gigabytes.
  public static func decompress(_ bytes: [UInt8], file: String = "<data>", limit: Int = 1 << 31) throws(FileFormatError) -> [UInt8] {
    func fail(_ fault: String) -> FileFormatError { FileFormatError(file: file, fault: fault) }
    let p = try dataStart(bytes, fail: fail)
    let t = bytes.count - 8
    let size = Int(UInt32(bytes[t + 4]) | UInt32(bytes[t + 5]) << 8 | UInt32(bytes[t + 6]) << 16 | UInt32(bytes[t + 7]) << 24)
    guard size <= limit else { throw fail("the trailer announces \(size) bytes, more than the \(limit) this reader takes") }
    var inflater = Inflater(bytes, start: p, end: t, limit: size)
    let out: [UInt8]
    do { out = try inflater.run() } catch { throw fail("corrupt deflate data: \(error.reason)") }
    let crc = UInt32(bytes[t]) | UInt32(bytes[t + 1]) << 8 | UInt32(bytes[t + 2]) << 16 | UInt32(bytes[t + 3]) << 24
    guard size == out.count else { throw fail("length \(out.count) differs from the trailer's \(size)") }
    guard crc == crc32(out) else { throw fail("CRC-32 mismatch: the data is corrupt") }
    return out
  }

  /// The first `count` decompressed bytes (fewer when the data ends first), without the trailer's
  /// checks: to read a header inside the stream before deciding how much to inflate.
  public static func prefix(_ bytes: [UInt8], count: Int, file: String = "<data>") throws(FileFormatError) -> [UInt8] {
    func fail(_ fault: String) -> FileFormatError { FileFormatError(file: file, fault: fault) }
    let p = try dataStart(bytes, fail: fail)
    // The output stops at the first piece (a literal, a copy of ≤ 258 bytes, a stored block of
    // ≤ 65 535) that would pass the limit: 65 536 bytes beyond `count` leave the first `count` whole.
    var inflater = Inflater(bytes, start: p, end: bytes.count - 8, limit: count + 65_536, stopsAtLimit: true)
    do throws(InflateError) { return Array(try inflater.run().prefix(count)) } catch { throw fail("corrupt deflate data: \(error.reason)") }
  }

  /// Where the deflate data begins, after the header and its optional fields.
  static func dataStart(_ bytes: [UInt8], fail: (String) -> FileFormatError) throws(FileFormatError) -> Int {
    guard bytes.count >= 18, bytes[0] == 0x1F, bytes[1] == 0x8B else { throw fail("bad magic: not a gzip file") }
    guard bytes[2] == 8 else { throw fail("gzip compression method \(bytes[2]), only 8 (deflate) exists") }
    let flags = bytes[3]
    var p = 10
    if flags & 0x04 != 0 {   // FEXTRA: a length-prefixed field
      guard p + 2 <= bytes.count else { throw fail("truncated gzip header") }
      p += 2 + (Int(bytes[p]) | Int(bytes[p + 1]) << 8)
    }
    for flag: UInt8 in [0x08, 0x10] where flags & flag != 0 {   // FNAME, FCOMMENT: zero-terminated
      while p < bytes.count, bytes[p] != 0 { p += 1 }
      p += 1
    }
    if flags & 0x02 != 0 { p += 2 }   // FHCRC
    guard p + 8 <= bytes.count else { throw fail("truncated gzip header") }
    return p
  }

  /// CRC-32 of `bytes` (see `CRC32`).
  public static func crc32(_ bytes: [UInt8]) -> UInt32 { CRC32.of(bytes) }
}

struct InflateError: Error { let reason: String }

/// A DEFLATE decoder: bits are read least significant first; Huffman codes are canonical and
/// decoded by walking code lengths (counts per length, symbols in code order), as in zlib's puff.
struct Inflater {
  let bytes: [UInt8]
  let end: Int
  var position: Int
  var bitBuffer: UInt64 = 0
  var bitCount = 0
  var out: [UInt8] = []
  /// Bytes the output may hold: more is an error raised before the bytes are made, or with
  /// `stopsAtLimit` the end of a prefix.
  let limit: Int
  let stopsAtLimit: Bool

  init(_ bytes: [UInt8], start: Int, end: Int, limit: Int, stopsAtLimit: Bool = false) {
    self.bytes = bytes
    self.position = start
    self.end = end
    self.limit = limit
    self.stopsAtLimit = stopsAtLimit
    // DEFLATE expands at most 1032-fold: a lying limit reserves no more than the data can fill.
    out.reserveCapacity(min(limit, 1032 * max(0, end - start) + 64))
  }

  static let prefixComplete = "prefix complete"

  /// Room for `n` more bytes, or the error that ends the output.
  func room(_ n: Int) throws(InflateError) {
    guard n <= limit - out.count else {
      throw InflateError(reason: stopsAtLimit ? Self.prefixComplete : "inflates beyond the \(limit) bytes the trailer announces")
    }
  }

  mutating func bits(_ n: Int) throws(InflateError) -> Int {
    while bitCount < n {
      guard position < end else { throw InflateError(reason: "unexpected end of data") }
      bitBuffer |= UInt64(bytes[position]) << UInt64(bitCount)
      position += 1
      bitCount += 8
    }
    let v = Int(bitBuffer & ((1 << UInt64(n)) - 1))
    bitBuffer >>= UInt64(n)
    bitCount -= n
    return v
  }

  /// A canonical Huffman code: how many codes of each length, and the symbols in code order.
  struct Code {
    var counts = [Int](repeating: 0, count: 16)
    var symbols: [Int] = []
    init(lengths: [Int]) throws(InflateError) {
      for l in lengths { counts[l] += 1 }
      counts[0] = 0
      var left = 1
      for l in 1..<16 {
        left = 2 * left - counts[l]
        guard left >= 0 else { throw InflateError(reason: "over-subscribed Huffman code") }
      }
      var offsets = [Int](repeating: 0, count: 16)
      for l in 1..<15 { offsets[l + 1] = offsets[l] + counts[l] }
      symbols = [Int](repeating: 0, count: lengths.count)
      for (symbol, l) in lengths.enumerated() where l != 0 { symbols[offsets[l]] = symbol; offsets[l] += 1 }
    }
  }

  mutating func decode(_ h: Code) throws(InflateError) -> Int {
    var code = 0, first = 0, index = 0
    for l in 1..<16 {
      code |= try bits(1)
      let count = h.counts[l]
      if code - count < first { return h.symbols[index + (code - first)] }
      index += count
      first = (first + count) << 1
      code <<= 1
    }
    throw InflateError(reason: "invalid Huffman code")
  }

  static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
  static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
  static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
                             4097, 6145, 8193, 12289, 16385, 24577]
  static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

  mutating func run() throws(InflateError) -> [UInt8] {
    do {
      return try blocks()
    } catch where stopsAtLimit && error.reason == Self.prefixComplete {
      return out   // a prefix ends at the last whole piece within the limit
    }
  }

  mutating func blocks() throws(InflateError) -> [UInt8] {
    var last = false
    while !last {
      last = try bits(1) == 1
      switch try bits(2) {
      case 0: try storedBlock()
      case 1:
        let lengths = [Int](repeating: 8, count: 144) + [Int](repeating: 9, count: 112) + [Int](repeating: 7, count: 24) + [Int](repeating: 8, count: 8)
        try codes(try Code(lengths: lengths), try Code(lengths: [Int](repeating: 5, count: 30)))
      case 2: try dynamicBlock()
      default: throw InflateError(reason: "reserved block type 3")
      }
    }
    return out
  }

  mutating func storedBlock() throws(InflateError) {
    bitBuffer = 0; bitCount = 0   // to the byte boundary
    guard position + 4 <= end else { throw InflateError(reason: "truncated stored block") }
    let length = Int(bytes[position]) | Int(bytes[position + 1]) << 8
    let complement = Int(bytes[position + 2]) | Int(bytes[position + 3]) << 8
    guard length == ~complement & 0xFFFF else { throw InflateError(reason: "stored block length check failed") }
    position += 4
    guard position + length <= end else { throw InflateError(reason: "truncated stored block") }
    try room(length)
    out.append(contentsOf: bytes[position..<(position + length)])
    position += length
  }

  mutating func dynamicBlock() throws(InflateError) {
    let literalCount = try bits(5) + 257, distanceCount = try bits(5) + 1, codeCount = try bits(4) + 4
    guard literalCount <= 286, distanceCount <= 30 else { throw InflateError(reason: "too many codes") }
    let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
    var codeLengths = [Int](repeating: 0, count: 19)
    for k in 0..<codeCount { codeLengths[order[k]] = try bits(3) }
    let lengthCode = try Code(lengths: codeLengths)
    var lengths: [Int] = []
    while lengths.count < literalCount + distanceCount {
      let symbol = try decode(lengthCode)
      switch symbol {
      case 0..<16: lengths.append(symbol)
      case 16:
        guard let previous = lengths.last else { throw InflateError(reason: "repeat with no previous length") }
        lengths += [Int](repeating: previous, count: 3 + (try bits(2)))
      case 17: lengths += [Int](repeating: 0, count: 3 + (try bits(3)))
      default: lengths += [Int](repeating: 0, count: 11 + (try bits(7)))
      }
    }
    guard lengths.count == literalCount + distanceCount else { throw InflateError(reason: "code lengths overrun") }
    guard lengths[256] != 0 else { throw InflateError(reason: "no end-of-block code") }
    try codes(try Code(lengths: Array(lengths[0..<literalCount])), try Code(lengths: Array(lengths[literalCount...])))
  }

  mutating func codes(_ literal: Code, _ distance: Code) throws(InflateError) {
    while true {
      let symbol = try decode(literal)
      if symbol < 256 { try room(1); out.append(UInt8(symbol)); continue }
      if symbol == 256 { return }
      let l = symbol - 257
      guard l < 29 else { throw InflateError(reason: "invalid length symbol \(symbol)") }
      let length = Self.lengthBase[l] + (try bits(Self.lengthExtra[l]))
      let d = try decode(distance)
      guard d < 30 else { throw InflateError(reason: "invalid distance symbol \(d)") }
      let back = Self.distanceBase[d] + (try bits(Self.distanceExtra[d]))
      guard back <= out.count else { throw InflateError(reason: "distance \(back) reaches before the start") }
      try room(length)
      try room(length)
      let from = out.count - back
      for k in 0..<length { out.append(out[from + k]) }   // may overlap its own output: byte by byte
    }
  }
}
