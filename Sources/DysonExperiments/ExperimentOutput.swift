import DysonIO
import DysonPlot
import Foundation

/// The folder an experiment writes: `config.json` (everything needed to rerun), `summary.json`
/// (the headline numbers), CSV series, SVG figures and an `index.html` that shows the figures
/// with their captions. Every file is written atomically.
public struct ExperimentOutput: Sendable {
  public let directory: String
  private var figures: [(file: String, caption: String)] = []

  public init(directory: String) throws {
    self.directory = directory
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  }

  public func write(json: JSONValue, to name: String) throws {
    try AtomicFile.write(json.serialized() + "\n", to: path(name))
  }

  public func write(csv: CSVWriter, to name: String) throws {
    try csv.write(to: path(name))
  }

  public mutating func add(_ figure: Figure, as name: String) throws {
    try figure.write(to: path(name))
    figures.append((name, figure.caption))
  }

  /// A PNG (or other image) shown in `index.html` like a figure.
  public mutating func addImage(_ data: Data, as name: String, caption: String) throws {
    try AtomicFile.write(data, to: path(name))
    figures.append((name, caption))
  }

  /// `index.html`: the title, a line of context, and each figure with its caption.
  public func writeIndex(title: String, summary: String) throws {
    var html = """
    <!doctype html>
    <html lang="en"><head><meta charset="utf-8"><title>\(escapeHTML(title))</title>
    <style>body{font-family:Georgia,serif;max-width:1100px;margin:2em auto;padding:0 1em}figure{margin:2em 0}figcaption{font-size:0.95em;color:#333}</style>
    </head><body>
    <h1>\(escapeHTML(title))</h1>
    <p>\(escapeHTML(summary))</p>

    """
    for f in figures {
      let pixelated = f.file.hasSuffix(".png") ? " style=\"image-rendering:pixelated;width:460px\"" : ""
      html += "<figure><img src=\"\(escapeHTML(f.file))\"\(pixelated) alt=\"\(escapeHTML(f.file))\"><figcaption>\(escapeHTML(f.caption))</figcaption></figure>\n"
    }
    html += "<p><a href=\"summary.json\">summary.json</a> · <a href=\"config.json\">config.json</a></p>\n</body></html>\n"
    try AtomicFile.write(html, to: path("index.html"))
  }

  public func path(_ name: String) -> String { directory + "/" + name }
}

func escapeHTML(_ s: String) -> String {
  s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
