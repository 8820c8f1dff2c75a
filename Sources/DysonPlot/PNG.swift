import Foundation

/// A minimal PNG writer for 8-bit greyscale images (e.g. grids of generated MNIST digits).
/// The image data is zlib-wrapped with "stored" (uncompressed) deflate blocks: no compressor is
/// needed, and every PNG reader accepts it.
public enum PNG {
  /// PNG bytes for a `width × height` greyscale image; `pixels` row-major, 0 = black, 255 = white.
  public static func grayscale(width: Int, height: Int, pixels: [UInt8]) -> Data {
    precondition(width > 0 && height > 0 && pixels.count == width * height, "PNG: \(pixels.count) pixels for \(width)×\(height)")
    var raw: [UInt8] = []
    raw.reserveCapacity((width + 1) * height)
    for y in 0..<height {
      raw.append(0)  // filter type 0 (none) for each scanline
      raw += pixels[(y * width)..<((y + 1) * width)]
    }
    var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    var ihdr = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
    ihdr += [8, 0, 0, 0, 0]  // bit depth 8, colour type 0 (grey), deflate, filter 0, no interlace
    chunk("IHDR", ihdr, into: &out)
    chunk("IDAT", zlibStored(raw), into: &out)
    chunk("IEND", [], into: &out)
    return Data(out)
  }

  /// A grid of equally sized images with values in [lo, hi] mapped to grey; 1-pixel black gutters.
  public static func grid(images: [[Double]], width: Int, height: Int, columns: Int,
                          range: ClosedRange<Double> = 0...1) -> Data {
    let cols = max(1, min(columns, images.count)), rows = max(1, (images.count + cols - 1) / cols)
    let W = cols * (width + 1) + 1, H = rows * (height + 1) + 1
    var pixels = [UInt8](repeating: 0, count: W * H)
    let span = max(range.upperBound - range.lowerBound, .leastNormalMagnitude)
    for (k, image) in images.enumerated() {
      precondition(image.count == width * height, "PNG.grid: image \(k) has \(image.count) values, not \(width * height)")
      let ox = 1 + (k % cols) * (width + 1), oy = 1 + (k / cols) * (height + 1)
      for y in 0..<height {
        for x in 0..<width {
          let v = image[y * width + x]
          let t = v.isFinite ? min(1, max(0, (v - range.lowerBound) / span)) : 0
          pixels[(oy + y) * W + ox + x] = UInt8((t * 255).rounded())
        }
      }
    }
    return grayscale(width: W, height: H, pixels: pixels)
  }

  static func chunk(_ type: String, _ body: [UInt8], into out: inout [UInt8]) {
    let typeBytes = Array(type.utf8)
    out += bigEndian(UInt32(body.count)) + typeBytes + body
    out += bigEndian(crc32(typeBytes + body))
  }

  /// zlib stream (RFC 1950) of stored deflate blocks (RFC 1951 §3.2.4), at most 65 535 bytes each.
  static func zlibStored(_ data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0x78, 0x01]
    var offset = 0
    repeat {
      let n = min(65535, data.count - offset)
      let last: UInt8 = offset + n == data.count ? 1 : 0
      out += [last, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
      out += data[offset..<(offset + n)]
      offset += n
    } while offset < data.count
    return out + bigEndian(adler32(data))
  }

  /// CRC-32 (ISO-HDLC, polynomial 0xEDB88320 reflected), as PNG chunks require.
  static func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes {
      crc ^= UInt32(b)
      for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
  }

  static func adler32(_ bytes: [UInt8]) -> UInt32 {
    var a: UInt32 = 1, b: UInt32 = 0
    for x in bytes { a = (a + UInt32(x)) % 65521; b = (b + a) % 65521 }
    return b << 16 | a
  }

  static func bigEndian(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
}
