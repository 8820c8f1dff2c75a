import Foundation
import Testing
@testable import DysonIO

@Suite("gzip, IDX and the MNIST files")
struct IDXTests {
  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

  /// The fixtures' content, made again here from its recipe (Fixtures/README.md).
  static var content: [UInt8] {
    let alphabet = Array("eeeeeeetttttaaaoinshrdlu  \n".utf8)
    var x: UInt64 = 12345
    return (0..<20_000).map { _ in
      x = (1_103_515_245 * x + 12345) % (1 << 31)
      return alphabet[Int((x >> 16) % 27)]
    }
  }

  @Test("zlib's stored, fixed and dynamic blocks decompress to the original bytes", arguments: ["stored", "fixed", "dynamic"])
  func gzipRoundTrip(kind: String) throws {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(Self.fixtures)/\(kind).gz")))
    #expect(try Gzip.decompress(bytes) == Self.content)
    #expect(Gzip.crc32(Self.content) == 2_291_319_940)
    #expect(Gzip.crc32(Array("123456789".utf8)) == 0xCBF4_3926)   // the standard check value
  }

  @Test("Corrupt gzip data is an error that names the fault, never wrong bytes")
  func gzipCorruption() throws {
    let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(Self.fixtures)/dynamic.gz")))
    var flipped = good
    flipped[good.count / 2] ^= 0x10
    #expect(throws: FileFormatError.self) { try Gzip.decompress(flipped) }
    var badCRC = good
    badCRC[good.count - 8] ^= 1
    #expect { try Gzip.decompress(badCRC) } throws: { ($0 as? FileFormatError)?.fault.contains("CRC-32") == true }
    #expect(throws: FileFormatError.self) { try Gzip.decompress(Array(good.prefix(good.count - 20))) }
    #expect(throws: FileFormatError.self) { try Gzip.decompress([0x1F, 0x8C] + Array(good.dropFirst(2))) }
  }

  @Test("IDX: shape and bytes from the plain and the gzip file; bad magic, type and size are refused")
  func idx() throws {
    for name in ["tiny-images.idx", "tiny-images.idx.gz"] {
      let a = try IDXArray.read(path: "\(Self.fixtures)/\(name)")
      #expect(a.shape == [3, 2, 2] && a.bytes == Array(0..<12))
    }
    let header: [UInt8] = [0, 0, 8, 1, 0, 0, 0, 3]
    #expect(try IDXArray.decode(header + [7, 8, 9]).bytes == [7, 8, 9])
    #expect { try IDXArray.decode(header + [7, 8]) } throws: { ($0 as? FileFormatError)?.fault.contains("size mismatch") == true }
    #expect { try IDXArray.decode([1] + header.dropFirst() + [7, 8, 9]) } throws: { ($0 as? FileFormatError)?.fault.contains("bad magic") == true }
    #expect { try IDXArray.decode([0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0]) } throws: { ($0 as? FileFormatError)?.fault.contains("0xd") == true }
    #expect(throws: FileFormatError.self) { try IDXArray.read(path: "\(Self.fixtures)/missing-idx") }
  }

  @Test("The real MNIST training set: 60 000 images of 28×28 and the known digit counts")
  func realMNIST() throws {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("Datasets/mnist").path
    let images = "\(directory)/train-images-idx3-ubyte.gz", labels = "\(directory)/train-labels-idx1-ubyte.gz"
    guard FileManager.default.fileExists(atPath: images), FileManager.default.fileExists(atPath: labels) else {
      print("skipped: \(images) is missing (Datasets/fetch.sh puts it there)")
      return
    }
    let x = try IDXArray.read(path: images), y = try IDXArray.read(path: labels)
    #expect(x.shape == [60000, 28, 28] && y.shape == [60000])
    var counts = [Int](repeating: 0, count: 10)
    for label in y.bytes { counts[Int(label)] += 1 }
    // The published class sizes of the MNIST training set.
    #expect(counts == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])
  }

  @Test("A gzip stream that inflates beyond its trailer's size stops there; a prefix reads a header")
  func gzipBomb() throws {
    // The dynamic.gz fixture inflates to more than 16 bytes: with its trailer lowered to 16, it must stop.
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixture("dynamic.gz"))))
    var lying = bytes
    lying[lying.count - 4] = 16; lying[lying.count - 3] = 0; lying[lying.count - 2] = 0; lying[lying.count - 1] = 0
    do { _ = try Gzip.decompress(lying); Issue.record("inflated beyond its trailer") } catch {
      #expect(error.fault.contains("beyond the 16 bytes"), "\(error)")
    }
    let whole = try Gzip.decompress(bytes)
    #expect(try Gzip.prefix(bytes, count: 10) == Array(whole.prefix(10)))
    #expect(throws: FileFormatError.self) { try Gzip.decompress(bytes, limit: 8) }
  }

}
