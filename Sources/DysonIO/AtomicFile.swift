import Foundation

/// Writing that never leaves a half-written file: the bytes go to a temporary file in the same
/// directory, which is then renamed over the target (rename is atomic on one file system).
public enum AtomicFile {
  /// Writes `data` to `path`, creating parent directories as needed.
  public static func write(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let directory = url.deletingLastPathComponent()
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    try data.write(to: url, options: .atomic)
  }

  /// Writes UTF-8 text to `path` atomically.
  public static func write(_ text: String, to path: String) throws {
    try write(Data(text.utf8), to: path)
  }
}
