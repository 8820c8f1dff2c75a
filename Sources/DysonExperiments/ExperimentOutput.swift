import DysonIO
import DysonPlot
import Foundation

/// The folder an experiment writes: `config.json` (everything needed to rerun), `summary.json`
/// (the headline numbers), CSV series, SVG figures and an `index.html` that shows the figures
/// with their captions. Every file is written atomically.
///
/// The folder is claimed for one study by a marker file, `.dyson-study`, before anything runs:
/// rerunning the same study may overwrite it, but another study's folder, or a non-empty folder
/// that is not a Dyson output, is refused unless `force` is set.
public struct ExperimentOutput: Sendable {
  /// The folder.
  public let directory: String
  /// The study that claims it (written in the marker).
  public let study: String
  /// The figures added so far: file name in the folder and caption.
  public private(set) var figures: [(file: String, caption: String)] = []

  /// A sentence put before every figure's caption (e.g. that the run is a quick one).
  public var captionNote: String?

  /// The marker file's name.
  public static let markerName = ".dyson-study"

  /// Claims `directory` for `study`, creating it if needed; throws `OutputFolderError` for a file,
  /// another study's folder, or a foreign non-empty folder (unless `force`).
  public init(directory: String, study: String, force: Bool = false) throws {
    self.directory = directory
    self.study = study
    let manager = FileManager.default
    var isDirectory: ObjCBool = false
    if manager.fileExists(atPath: directory, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else { throw OutputFolderError.notAFolder(directory) }
      let owner = (try? String(contentsOfFile: directory + "/" + Self.markerName, encoding: .utf8))?
        .trimmingCharacters(in: .whitespacesAndNewlines)
      if !force {
        if let owner, owner != study { throw OutputFolderError.otherStudy(directory, owner: owner, study: study) }
        let entries = (try? manager.contentsOfDirectory(atPath: directory)) ?? []
        if owner == nil && !entries.isEmpty { throw OutputFolderError.foreign(directory, entries: entries.count) }
      }
    }
    try AtomicFile.write(study + "\n", to: directory + "/" + Self.markerName)
  }

  /// Writes `json` as one line to `name` in the folder, atomically.
  public func write(json: JSONValue, to name: String) throws {
    try AtomicFile.write(json.serialized() + "\n", to: path(name))
  }

  /// Writes a study's summary as one line of JSON (`JSONValue(encoding:)`: keys in declaration
  /// order, nil as null).
  public func write(summary: some Encodable, to name: String = "summary.json") throws {
    try write(json: JSONValue(encoding: summary), to: name)
  }

  /// Writes `csv` to `name` in the folder, atomically.
  public func write(csv: CSVWriter, to name: String) throws {
    try csv.write(to: path(name))
  }

  /// Writes `figure` as SVG to `name` and lists it, with its caption, for index.html.
  public mutating func add(_ figure: Figure, as name: String) throws {
    var figure = figure
    if let note = captionNote { figure.caption = note + " " + figure.caption }
    do { try figure.write(to: path(name)) } catch { throw FileWriteError(path: path(name), reason: FileWriteError.reason(of: error)) }
    figures.append((name, figure.caption))
  }

  /// A PNG (or other image) shown in `index.html` like a figure.
  public mutating func addImage(_ data: Data, as name: String, caption: String) throws {
    try AtomicFile.write(data, to: path(name))
    figures.append((name, captionNote.map { $0 + " " + caption } ?? caption))
  }

  /// One figure of a report page. An SVG draws its own caption, so the page gives it only as the
  /// image's text alternative; a PNG grid gets it below, and is drawn at a readable width.
  static func figureHTML(source: String, caption: String) -> String {
    if source.hasSuffix(".png") {
      return "<figure><img src=\"\(escapeHTML(source))\" style=\"image-rendering:pixelated;width:460px\" alt=\"\(escapeHTML(caption))\">"
        + "<figcaption>\(escapeHTML(caption))</figcaption></figure>\n"
    }
    return "<figure><img src=\"\(escapeHTML(source))\" style=\"width:100%\" alt=\"\(escapeHTML(caption))\"></figure>\n"
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
    for f in figures { html += Self.figureHTML(source: f.file, caption: f.caption) }
    html += "<p><a href=\"summary.json\">summary.json</a> · <a href=\"config.json\">config.json</a></p>\n</body></html>\n"
    try AtomicFile.write(html, to: path("index.html"))
  }

  /// The path of `name` in the folder.
  public func path(_ name: String) -> String { directory + "/" + name }
}

/// Why an output folder cannot be used.
public enum OutputFolderError: Error, CustomStringConvertible {
  /// The path exists and is a file.
  case notAFolder(String)
  /// The folder belongs to another study (`owner`).
  case otherStudy(String, owner: String, study: String)
  /// The folder holds files no Dyson command wrote.
  case foreign(String, entries: Int)

  public var description: String {
    switch self {
    case .notAFolder(let d): "\(d) exists and is not a folder; choose another --out"
    case .otherStudy(let d, let owner, let study):
      "\(d) holds the output of '\(owner)', not '\(study)'; choose another --out, or pass --force to overwrite it"
    case .foreign(let d, let n):
      "\(d) is not empty (\(n) entries) and is not a Dyson output folder; choose another --out, or pass --force to write into it"
    }
  }
}

func escapeHTML(_ s: String) -> String {
  s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}

/// The number, or nil when it is NaN or infinite: a summary's way to say "no value" (null in JSON).
func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
