import Foundation
import Testing
@testable import DysonPlot
#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite("SVG figures and PNG images")
struct PlotTests {
  func sampleFigure() -> Figure {
    var hist = Panel(title: "(a) histogram", x: Axis("x"), y: Axis("ρ(x)"))
    hist.add(.histogram(edges: [0, 1, 2, 3], heights: [0.2, 0.5, 0.3], color: plotPalette[0], label: "data <&>"))
    hist.add(.line(x: [0, 1.5, 3], y: [0, 0.6, 0], color: plotPalette[1], width: 1.5, dashed: true, label: "theory"))
    var logs = Panel(title: "(b) log axes", x: Axis("L", scale: .log), y: Axis("Σ²", scale: .log))
    logs.add(.points(x: [1, 10, 100], y: [0.5, 5, 50], errors: [0.1, 1, 10], color: plotPalette[2], label: nil))
    logs.add(.band(x: [1, 100], lower: [0.3, 30], upper: [0.7, 70], color: plotPalette[2], label: "±1σ"))
    logs.add(.line(x: [-1, 0, 1, 100], y: [1, 1, 1, 100], color: "black", width: 1, dashed: false, label: nil))
    return Figure(panels: [hist, logs], columns: 2, caption: "A caption long enough to wrap over more than one line of the figure, with symbols α/|B| & ⟨S⟩.")
  }

  @Test("The SVG is well-formed XML with one frame per panel and the escaped legend")
  func wellFormed() throws {
    let svg = sampleFigure().svg()
    #expect(svg.contains("data &lt;&amp;&gt;"))
    #expect(svg.components(separatedBy: "<clipPath").count - 1 == 2)
    #if canImport(FoundationXML) || os(macOS)
    let parser = XMLParser(data: Data(svg.utf8))
    #expect(parser.parse(), "XML error: \(String(describing: parser.parserError))")
    #endif
  }

  @Test("Log axes get decade ticks; linear axes get 1-2-5 steps")
  func ticks() {
    #expect(niceStep(0.23) == 0.2 && niceStep(7) == 5 && niceStep(0.0031) == 0.002)  // 0.0031 → f = 3.1 → 2
    let decades = Axis(scale: .log).ticks(in: 0...3).map(\.1)
    #expect(decades == ["10^0", "10^1", "10^2", "10^3"])
    let linear = Axis().ticks(in: 0...1).map(\.0)
    #expect(linear.count == 6 && abs(linear[1] - 0.2) < 1e-12)
  }

  @Test("CRC-32 and Adler-32 match their published check values")
  func checksums() {
    #expect(PNG.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
    #expect(PNG.crc32(Array("IEND".utf8)) == 0xAE42_6082)
    #expect(PNG.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
  }

  @Test("A PNG decodes back to its pixels (stored deflate blocks, chunk CRCs)")
  func pngRoundTrip() throws {
    let w = 300, h = 250  // > 65 535 bytes of scanlines: several deflate blocks
    let pixels = (0..<(w * h)).map { UInt8(($0 * 7 + $0 / w) % 256) }
    let bytes = [UInt8](PNG.grayscale(width: w, height: h, pixels: pixels))
    #expect(Array(bytes[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    var offset = 8, idat: [UInt8] = [], types: [String] = []
    while offset < bytes.count {
      let n = bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
      let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
      let body = Array(bytes[(offset + 8)..<(offset + 8 + n)])
      let crc = bytes[(offset + 8 + n)..<(offset + 12 + n)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
      #expect(crc == PNG.crc32(Array(type.utf8) + body), "CRC of \(type)")
      if type == "IDAT" { idat += body }
      types.append(type)
      offset += 12 + n
    }
    #expect(types == ["IHDR", "IDAT", "IEND"])
    // Inflate the stored blocks by hand.
    var raw: [UInt8] = [], p = 2, last = false
    while !last {
      last = idat[p] & 1 == 1
      let len = Int(idat[p + 1]) | Int(idat[p + 2]) << 8
      #expect(Int(idat[p + 3]) | Int(idat[p + 4]) << 8 == ~len & 0xFFFF)
      raw += idat[(p + 5)..<(p + 5 + len)]
      p += 5 + len
    }
    #expect(idat[p..<(p + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } == PNG.adler32(raw))
    var decoded: [UInt8] = []
    for y in 0..<h {
      #expect(raw[y * (w + 1)] == 0)
      decoded += raw[(y * (w + 1) + 1)..<((y + 1) * (w + 1))]
    }
    #expect(decoded == pixels)
  }
}
