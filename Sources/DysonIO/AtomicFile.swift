import Foundation

/// Writing that never leaves a half-written file: the bytes go to a temporary file in the same
/// directory, which is then renamed over the target (rename is atomic on one file system).
public enum AtomicFile {
  /// Writes `data` to `path`, creating parent directories as needed. A failure (unwritable folder,
  /// full disk) throws `FileWriteError` naming the path; the target keeps its old content.
  public static func write(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let directory = url.deletingLastPathComponent()
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      try data.write(to: url, options: .atomic)
    } catch {
      throw FileWriteError(path: path, reason: FileWriteError.reason(of: error))
    }
  }

  /// Writes UTF-8 text to `path` atomically.
  public static func write(_ text: String, to path: String) throws {
    try write(Data(text.utf8), to: path)
  }
}

/// A file or folder that could not be written, with the system's reason (e.g. "No space left on device").
public struct FileWriteError: Error, CustomStringConvertible {
  /// The file that could not be written.
  public let path: String
  /// What the system said (strerror), or what Dyson found wrong.
  public let reason: String

  /// A write error for `path` with `reason`.
  public init(path: String, reason: String) {
    self.path = path
    self.reason = reason
  }

  public var description: String { "cannot write \(path): \(reason)" }

  /// The POSIX reason under Foundation's wrapper, which alone says only "couldn't be completed".
  public static func reason(of error: Error) -> String {
    let ns = error as NSError
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
      return String(cString: strerror(Int32(underlying.code)))
    }
    if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
    return ns.localizedDescription
  }
}
