#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A file opened for positioned reads (`pread`): nothing is loaded until asked, any number of
/// tasks may read from it at once (a positioned read has no shared file position), and a read
/// past the end is an error that names the file, never a short buffer.
///
/// This is how Dyson reads checkpoints: a header first, then each selected tensor's bytes, so a
/// reader never holds more of a file than the tensor it decodes.
public final class ReadOnlyFile: @unchecked Sendable {
  // @unchecked: every stored property is immutable after init, and `pread` on one descriptor
  // from several threads is safe (POSIX: it neither uses nor moves the file offset).
  /// The path the file was opened with.
  public let path: String
  /// Bytes in the file when it was opened.
  public let size: Int
  private let descriptor: Int32

  /// Opens `path` for reading. Throws `FileFormatError` with the system's reason ("No such file
  /// or directory", "Permission denied") or "is a directory".
  public init(path: String) throws(FileFormatError) {
    self.path = path
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw FileFormatError(file: path, fault: "cannot open: \(String(cString: strerror(errno)))") }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      let reason = String(cString: strerror(errno))
      close(fd)
      throw FileFormatError(file: path, fault: "cannot read: \(reason)")
    }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      close(fd)
      throw FileFormatError(file: path, fault: (info.st_mode & S_IFMT) == S_IFDIR ? "is a directory, not a file" : "is not a regular file")
    }
    descriptor = fd
    size = Int(info.st_size)
  }

  deinit { close(descriptor) }

  /// Fills `buffer` with the bytes at `offset ..< offset + buffer.count`. Throws if the file
  /// ends before that (it may have been truncated since it was opened) or the read fails.
  public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(FileFormatError) {
    guard offset >= 0, offset <= size, buffer.count <= size - offset else {
      throw FileFormatError(file: path, fault: "truncated: needs bytes \(offset) ..< \(offset + buffer.count), the file has \(size)")
    }
    var done = 0
    while done < buffer.count {
      let n = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
      if n < 0 {
        if errno == EINTR { continue }
        throw FileFormatError(file: path, fault: "cannot read: \(String(cString: strerror(errno)))")
      }
      if n == 0 {
        throw FileFormatError(file: path, fault: "truncated: ends at byte \(offset + done) while reading up to \(offset + buffer.count)")
      }
      done += n
    }
  }

  /// The `count` bytes at `offset`.
  public func bytes(at offset: Int, count: Int) throws(FileFormatError) -> [UInt8] {
    guard count >= 0 else { throw FileFormatError(file: path, fault: "negative read of \(count) bytes") }
    // Checked before allocating: a header's lying length must not cost memory.
    guard offset >= 0, offset <= size, count <= size - offset else {
      throw FileFormatError(file: path, fault: "truncated: needs bytes \(offset) ..< \(offset + count), the file has \(size)")
    }
    var out = [UInt8](repeating: 0, count: count)
    var failure: FileFormatError?
    out.withUnsafeMutableBytes { raw in
      do throws(FileFormatError) { try read(into: raw, at: offset) } catch { failure = error }
    }
    if let failure { throw failure }
    return out
  }

  /// The whole of a file at `path`, refused beyond `limit` bytes before anything is allocated.
  public static func contents(of path: String, limit: Int = 1 << 30) throws(FileFormatError) -> Data {
    let file = try ReadOnlyFile(path: path)
    guard file.size <= limit else { throw FileFormatError(file: path, fault: "\(file.size) bytes, more than the \(limit) this reader takes") }
    return Data(try file.bytes(at: 0, count: file.size))
  }
}
