import Foundation
import Testing

/// The repository's own pages: every relative link points at a file of the repository, and no page
/// names a path outside it (a reader's checkout has nothing beside it).
@Suite("Documentation") struct DocumentationTests {
  /// The checkout's root: three levels above this file (Tests/DysonCLITests/…).
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().standardizedFileURL

  /// Every Markdown page of the repository, outside build folders.
  static func pages() -> [URL] {
    let skipped = [".build", ".git", ".swiftpm", "runs"]
    guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isDirectoryKey]) else { return [] }
    var pages: [URL] = []
    for case let url as URL in walker {
      if skipped.contains(where: { url.lastPathComponent.hasPrefix($0) }) {
        walker.skipDescendants()
        continue
      }
      if url.pathExtension == "md" { pages.append(url) }
    }
    return pages.sorted { $0.path < $1.path }
  }

  /// The targets of `[text](target)` and `src="target"` that are not web addresses or anchors.
  static func relativeLinks(in text: String) -> [String] {
    var links: [String] = []
    for pattern in [#"\]\(([^)\s]+)\)"#, #"src="([^"]+)""#] {
      let regex = try! NSRegularExpression(pattern: pattern)
      for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
        let target = String(text[Range(match.range(at: 1), in: text)!])
        if target.hasPrefix("http:") || target.hasPrefix("https:") || target.hasPrefix("mailto:") || target.hasPrefix("#") { continue }
        links.append(target)
      }
    }
    return links
  }

  @Test("every relative link in README, Docs and the other pages resolves to a file inside the repository")
  func linksResolve() throws {
    let pages = Self.pages()
    #expect(pages.count >= 10, "found only \(pages.count) pages under \(Self.root.path)")
    var broken: [String] = []
    for page in pages {
      let text = try String(contentsOf: page, encoding: .utf8)
      for link in Self.relativeLinks(in: text) {
        let path = String(link.split(separator: "#", maxSplits: 1)[0])
        guard !path.isEmpty else { continue }
        let target = page.deletingLastPathComponent().appendingPathComponent(path).standardizedFileURL
        let name = page.path.replacingOccurrences(of: Self.root.path + "/", with: "")
        if !target.path.hasPrefix(Self.root.path + "/") && target.path != Self.root.path {
          broken.append("\(name): \(link) leaves the repository")
        } else if !FileManager.default.fileExists(atPath: target.path) {
          broken.append("\(name): \(link) does not exist")
        }
      }
    }
    #expect(broken.isEmpty, "\(broken.joined(separator: "; "))")
  }

  @Test("no page names a folder beside the checkout (the workspace's shared data or tool library)")
  func noOutsidePaths() throws {
    // Built from parts, so that this file does not itself name the paths it looks for.
    let outsidePaths = ["shared", ".library"].map { "../" + $0 }
    var found: [String] = []
    for page in Self.pages() {
      let text = try String(contentsOf: page, encoding: .utf8)
      for outside in outsidePaths where text.contains(outside) {
        found.append("\(page.lastPathComponent) names \(outside)")
      }
    }
    #expect(found.isEmpty, "\(found.joined(separator: "; "))")
  }

  @Test("the link finder sees links and images and skips web addresses and anchors")
  func linkFinder() {
    let text = #"[a](Docs/A.md) [b](https://x.org) [c](#top) <img src="f.svg"> [d](B.md#part)"#
    #expect(Self.relativeLinks(in: text) == ["Docs/A.md", "B.md#part", "f.svg"])
  }
}
