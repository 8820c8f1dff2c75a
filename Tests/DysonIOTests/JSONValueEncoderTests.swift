import Foundation
import Testing
@testable import DysonIO

private struct Inner: Codable, Equatable {
  var name: String
  var values: [Double]
}

private enum Kind: String, Codable { case key, value }

private struct Summary: Codable, Equatable {
  var zeta: Double
  var count: Int
  var flag: Bool
  var kind: Kind
  var missing: Double?
  var present: Int?
  var inner: Inner
  var rows: [[Int]]
  var seed: UInt64
  var small: Float
}

@Suite("JSONValue from Encodable") struct JSONValueEncoderTests {
  @Test("keys in declaration order, nil and NaN as null, every kind of value, and JSONDecoder reads it back")
  func summaryStruct() throws {
    let s = Summary(zeta: 0.1, count: -3, flag: true, kind: .value, missing: nil, present: 7,
                    inner: Inner(name: "a\"b", values: [1.5, 1e-7, 2]), rows: [[1, 2], []], seed: 1337, small: 0.5)
    let json = try JSONValue(encoding: s).serialized()
    #expect(json == #"{"zeta":0.1,"count":-3,"flag":true,"kind":"value","missing":null,"present":7,"inner":{"name":"a\"b","values":[1.5,1e-07,2]},"rows":[[1,2],[]],"seed":1337,"small":0.5}"#)
    #expect(try JSONDecoder().decode(Summary.self, from: Data(json.utf8)) == s)
    // Non-finite numbers: JSON has none; null keeps the document valid.
    var t = s
    t.zeta = .nan
    t.inner.values = [.infinity]
    let tJSON = try JSONValue(encoding: t).serialized()
    #expect(tJSON.hasPrefix(#"{"zeta":null,"#) && tJSON.contains(#""values":[null]"#))
    #expect(try JSONSerialization.jsonObject(with: Data(tJSON.utf8)) is [String: Any])
  }

  @Test("a top-level array and a single value")
  func topLevel() throws {
    #expect(try JSONValue(encoding: [Kind.key, .value]).serialized() == #"["key","value"]"#)
    #expect(try JSONValue(encoding: 42).serialized() == "42")
    #expect(try JSONValue(encoding: Optional<Double>.none).serialized() == "null")
  }
}
