import Foundation
import Testing
@testable import DysonIO

@Suite("safetensors: a spec-built file, round trips, malformed headers")
struct SafetensorsTests {
  @Test("The fixture's three tensors read with their names, shapes, dtypes and values")
  func fixtureFile() throws {
    let tensors = try Safetensors.read(path: fixture("mixed.safetensors"))
    #expect(tensors.map(\.name) == ["blocks.0.sa.heads.0.key.weight", "bias", "half"])
    #expect(tensors[0].shape == [2, 3] && tensors[0].dtype == .float32)
    #expect(tensors[0].values == (0..<6).map { Double((Float($0) - 2) / 3) })
    #expect(tensors[1].values == [1.5, -2.25] && tensors[1].dtype == .float64)
    #expect(tensors[2].values == [1, 0.3330078125] && tensors[2].dtype == .float16)
  }

  @Test("Round trip of all four dtypes with metadata")
  func roundTrip() throws {
    let values = (0..<12).map { Double($0) * 0.25 - 1.5 }
    let tensors = StoredDType.allCases.map { StoredTensor(name: "t.\($0.rawValue)", shape: [3, 4], dtype: $0, values: values) }
    let data = try Safetensors.encode(tensors, metadata: ["step": "1000"])
    #expect(try Safetensors.decode(data) == tensors)
    let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    #expect((8 + headerLength) % 8 == 0)
  }

  @Test("Malformed files give a clear error naming the fault")
  func malformed() throws {
    func file(_ header: String, data: Int) -> Data {
      var h = Array(header.utf8)
      while h.count % 8 != 0 { h.append(0x20) }
      var out = Data()
      withUnsafeBytes(of: UInt64(h.count).littleEndian) { out.append(contentsOf: $0) }
      return out + Data(h) + Data(count: data)
    }
    func fault(_ bytes: Data) -> String? {
      do { _ = try Safetensors.decode(bytes, file: "m.safetensors"); return nil } catch let e as FileFormatError {
        return e.fault
      } catch { return "unexpected \(error)" }
    }
    #expect(fault(Data("hello".utf8))?.contains("truncated") == true)
    #expect(fault(Data([0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]) + Data(count: 8))?.contains("bad magic") == true)
    #expect(fault(file("[1, 2]", data: 0))?.contains("bad magic") == true)
    #expect(fault(file("{\"w\": ", data: 0))?.contains("not valid JSON") == true)
    let ok = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}"
    #expect(fault(file(ok, data: 16)) == nil)
    #expect(fault(file(ok, data: 8))?.contains("truncated data") == true)
    #expect(fault(file(ok, data: 24))?.contains("after the last tensor") == true)
    #expect(fault(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,16]}}", data: 16))?.contains("needs 24") == true)
    #expect(fault(file("{\"w\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}", data: 16))?.contains("dtype I64 is not a floating-point type") == true)
    #expect(fault(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,16]}}", data: 16))?.contains("absurd shape") == true)
    #expect(fault(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", data: 12))?.contains("overlaps") == true)
    #expect(fault(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", data: 8))?.contains("whole numbers") == true)
  }

  @Test("JSON values print deterministically, non-finite numbers as null")
  func json() {
    let v = JSONValue.object([("name", .string("a\"b")), ("x", .numbers([1, 0.5, .nan, .infinity])), ("n", .integer(3))])
    #expect(v.serialized() == "{\"name\":\"a\\\"b\",\"x\":[1,0.5,null,null],\"n\":3}")
    let parsed = try? JSONSerialization.jsonObject(with: Data(v.serialized().utf8)) as? [String: Any]
    #expect(parsed?["n"] as? Int == 3)
  }

  @Test("CSV quotes fields that need it")
  func csv() {
    var w = CSVWriter(header: ["name", "value"])
    w.appendRow(["a,b", "say \"hi\""])
    w.appendRow([1.5, .nan])
    #expect(w.text == "name,value\n\"a,b\",\"say \"\"hi\"\"\"\n1.5,nan\n")
  }
}
