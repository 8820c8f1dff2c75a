import Foundation
import Testing
@testable import DysonIO

func fixture(_ name: String) -> String {
  Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures")!.path
}

/// a = arange(12).reshape(3, 4)/7, the fixtures' matrix, computed here independently.
let sevenths = (0..<12).map { Double($0) / 7 }

@Suite("npy: files written by NumPy, round trips, and every malformed file")
struct NpyTests {
  @Test("Float64 and Float32, C and Fortran order, both byte orders, v1–v3 headers read exactly")
  func numpyFixtures() throws {
    let f8 = try Npy.read(path: fixture("c_f8.npy"))
    #expect(f8.shape == [3, 4] && f8.dtype == .float64 && f8.values == sevenths)
    let f4 = try Npy.read(path: fixture("c_f4.npy"))
    #expect(f4.dtype == .float32 && f4.values == sevenths.map { Double(Float($0)) })
    let fortran = try Npy.read(path: fixture("fortran_f4.npy"))
    #expect(fortran.shape == [3, 4] && fortran.values == f4.values)
    #expect(try Npy.read(path: fixture("big_endian_f8.npy")).values == sevenths)
    #expect(try Npy.read(path: fixture("v2_f4.npy")).values == f4.values)
    #expect(try Npy.read(path: fixture("v3_f8.npy")).values == sevenths)
    let rank3 = try Npy.read(path: fixture("rank3_f8.npy"))
    #expect(rank3.shape == [2, 3, 4] && rank3.values == (0..<24).map { Double($0) - 11.5 })
    let scalar = try Npy.read(path: fixture("scalar_f8.npy"))
    #expect(scalar.shape == [] && scalar.values == [3.25])
  }

  @Test("float16 decodes to NumPy's own float64 conversion, bit for bit")
  func halfAgainstNumpy() throws {
    let half = try Npy.read(path: fixture("f2.npy"))
    let reference = try Npy.read(path: fixture("f2_as_f8.npy"))
    #expect(half.values.map(\.bitPattern) == reference.values.map(\.bitPattern))
  }

  @Test("Round trips keep shape and values for F16, F32, F64", arguments: [StoredDType.float16, .float32, .float64])
  func roundTrip(dtype: StoredDType) throws {
    let values = (0..<30).map { Double($0) * 0.375 - 4 }  // exact in every dtype
    let t = StoredTensor(name: "w", shape: [5, 6], dtype: dtype, values: values)
    let data = try Npy.encode(t)
    #expect(data.count % 64 == (values.count * dtype.size) % 64)  // header padded to 64 bytes
    let back = try Npy.decode(data, name: "w")
    #expect(back == t)
  }

  @Test("Malformed files give a clear error naming the fault")
  func malformed() throws {
    let good = try Npy.encode(StoredTensor(name: "w", shape: [2, 2], dtype: .float64, values: [1, 2, 3, 4]))
    func fault(_ bytes: Data) -> String? {
      do { _ = try Npy.decode(bytes, name: "x", file: "x.npy"); return nil } catch let e as FileFormatError {
        #expect(e.file == "x.npy")
        return e.fault
      } catch { return "unexpected \(error)" }
    }
    #expect(fault(Data("not numpy at all".utf8))?.contains("bad magic") == true)
    #expect(fault(good.prefix(good.count - 8))?.contains("truncated data") == true)
    #expect(fault(good.prefix(40))?.contains("truncated header") == true)
    #expect(fault(good + Data([0, 0, 0, 0, 0, 0, 0, 0]))?.contains("does not match") == true)
    func withHeader(_ h: String) -> Data {
      var header = h
      while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
      header += "\n"
      let n = header.utf8.count
      return Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(n & 0xFF), UInt8(n >> 8)]) + Data(header.utf8) + Data(count: 32)
    }
    #expect(fault(withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"))?.contains("truncated data") == true)
    #expect(fault(withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999, 99999999999, 99999999999), }"))?.contains("absurd shape") == true)
    #expect(fault(withHeader("{'descr': '<i8', 'fortran_order': False, 'shape': (4,), }"))?.contains("unsupported dtype") == true)
    #expect(fault(withHeader("{'descr': '<f8', 'shape': (4,), }"))?.contains("lacks") == true)
    #expect(fault(withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (-4,), }"))?.contains("bad dimension") == true)
    var badVersion = good
    badVersion[6] = 9
    #expect(fault(badVersion)?.contains("version") == true)
    #expect(throws: FileFormatError.self) { try Npy.read(path: fixture("int64.npy")) }
    #expect(throws: FileFormatError.self) { try Npy.read(path: "/nonexistent/w.npy") }
  }
}

@Suite("Half and bfloat16 conversions")
struct HalfPrecisionTests {
  @Test("Every finite F16 and BF16 bit pattern survives decode → encode")
  func exhaustive() {
    for bits in 0...UInt16.max {
      let h = doubleFromHalfBits(bits)
      if !h.isNaN { #expect(halfBits(from: h) == bits, "F16 \(bits)") }
      let b = doubleFromBFloat16Bits(bits)
      if !b.isNaN { #expect(bfloat16Bits(from: b) == bits, "BF16 \(bits)") }
    }
  }

  @Test("Rounding to F16 is to nearest, ties to even, straight from Double")
  func rounding() {
    // 1 + 2⁻¹¹ is halfway between 1 and 1 + 2⁻¹⁰: ties to even → 1.
    #expect(halfBits(from: 1 + 0x1p-11) == 0x3C00)
    // Just above halfway must round up, even though Float(x) would already sit on the tie.
    #expect(halfBits(from: 1 + 0x1p-11 + 0x1p-40) == 0x3C01)
    #expect(halfBits(from: 65520) == 0x7C00)          // rounds to +inf
    #expect(halfBits(from: 65519.99) == 0x7BFF)       // 65504
    #expect(halfBits(from: 0x1p-25) == 0)             // halfway to the smallest subnormal → 0
    #expect(halfBits(from: -0x1p-24) == 0x8001)
    #expect(bfloat16Bits(from: 1 + 0x1p-8) == 0x3F80) // tie → even
    #expect(bfloat16Bits(from: 1 + 0x1p-8 + 0x1p-30) == 0x3F81)
  }
}

@Suite("Npy integers") struct NpyIntegerTests {
  @Test("int64 little-endian and int32 big-endian token files read with their shapes and signs")
  func integers() throws {
    let a = try Npy.readIntegers(path: fixture("int64.npy"))
    #expect(a.shape == [6] && a.values == [0, 1, 2, 3, 4, 5])
    let b = try Npy.readIntegers(path: fixture("big_endian_i4.npy"))
    #expect(b.shape == [2, 2] && b.values == [7, 8, 9, -1])
    #expect(throws: FileFormatError.self) { try Npy.readIntegers(path: fixture("c_f8.npy")) }
  }
}
