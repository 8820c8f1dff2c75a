import Foundation

/// A resumable state on disk: a safetensors file whose metadata names what it holds (`kind`), the
/// format of that content (`format`) and the CRC-32 of its data buffer. Reading checks all three
/// before anything is decoded, so a resume never starts from a damaged, foreign or outdated file:
/// it stops with the file named, the reason, and what to do.
public enum CheckpointFile {
  /// The metadata key that names what a checkpoint holds.
  public static let kindKey = "dyson_checkpoint"
  /// The metadata key of the content's format version.
  public static let formatKey = "dyson_format"
  /// The metadata key of the data buffer's CRC-32.
  public static let checksumKey = "dyson_crc32"

  /// Writes `tensors` with `metadata` (atomically), adding the kind, the format and the checksum.
  public static func write(_ tensors: [StoredTensor], kind: String, format: Int, metadata: [String: String] = [:], to path: String) throws {
    var data: [UInt8] = []
    for t in tensors { appendScalars(t.values, dtype: t.dtype, to: &data) }
    var all = metadata
    all[kindKey] = kind
    all[formatKey] = String(format)
    all[checksumKey] = String(CRC32.of(data))
    try Safetensors.write(tensors, metadata: all, to: path)
  }

  /// What a checkpoint holds: its tensors by name, and its metadata.
  public struct Contents: Sendable {
    /// The tensors by name.
    public let tensors: [String: StoredTensor]
    /// The metadata, the kind, format and checksum keys included.
    public let metadata: [String: String]

    /// The tensor `name`, or an error naming the file when it is missing or has another shape.
    public func tensor(_ name: String, shape: [Int]? = nil, file: String) throws -> StoredTensor {
      guard let t = tensors[name] else { throw CheckpointError(file: file, problem: "it has no tensor '\(name)'") }
      if let shape, t.shape != shape { throw CheckpointError(file: file, problem: "its tensor '\(name)' has shape \(t.shape), this run needs \(shape)") }
      return t
    }
  }

  /// Reads a checkpoint of `kind` in `format`, after checking the file against both and its data
  /// against the checksum.
  public static func read(_ path: String, kind: String, format: Int) throws(CheckpointError) -> Contents {
    let file: ReadOnlyFile
    let header: Safetensors.Header
    do {
      file = try ReadOnlyFile(path: path)
      header = try Safetensors.readHeader(file)
    } catch {
      throw CheckpointError(file: path, problem: "it cannot be read as a checkpoint (\(error.fault))")
    }
    let m = header.metadata
    guard m[kindKey] == kind else {
      throw CheckpointError(file: path, problem: m[kindKey].map { "it is a checkpoint of \($0), not of \(kind)" }
        ?? "it is not a checkpoint this version of dyson wrote (an earlier version's, or another file)")
    }
    guard m[formatKey] == String(format) else {
      throw CheckpointError(file: path, problem: "it was written in format \(m[formatKey] ?? "?") by another version of dyson; this one reads format \(format)")
    }
    guard let stored = m[checksumKey].flatMap(UInt32.init) else { throw CheckpointError(file: path, problem: "it has no checksum") }
    // The checksum of the data buffer, read in pieces.
    var crc = CRC32()
    var offset = header.bufferStart
    var piece = [UInt8](repeating: 0, count: 1 << 20)
    while offset < file.size {
      let n = min(piece.count, file.size - offset)
      var failure: FileFormatError?
      piece.withUnsafeMutableBytes { raw in
        let part = UnsafeMutableRawBufferPointer(rebasing: raw[0..<n])
        do throws(FileFormatError) { try file.read(into: part, at: offset) } catch { failure = error }
        crc.update(UnsafeRawBufferPointer(part))
      }
      if let failure { throw CheckpointError(file: path, problem: "it cannot be read: \(failure.fault)") }
      offset += n
    }
    guard crc.value == stored else { throw CheckpointError(file: path, problem: "it is damaged (its data does not match its checksum)") }
    var tensors: [String: StoredTensor] = [:]
    for e in header.entries {
      let entry = TensorEntry(source: file, name: e.name, dtypeName: e.dtypeName, shape: e.shape, count: e.count, offset: header.bufferStart + e.begin)
      do { tensors[e.name] = try entry.read() } catch { throw CheckpointError(file: path, problem: "its tensor '\(e.name)': \(error.fault)") }
    }
    return Contents(tensors: tensors, metadata: m)
  }
}

/// A checkpoint that cannot be resumed from: the file, why, and what to do.
public struct CheckpointError: Error, CustomStringConvertible, Sendable, Equatable {
  /// The checkpoint file.
  public let file: String
  /// What is wrong with it, and what to do.
  public let problem: String

  /// An error about `file`.
  public init(file: String, problem: String) {
    self.file = file
    self.problem = problem
  }

  public var description: String {
    "cannot resume from \(file): \(problem). Start again without --resume, or remove the file"
  }
}
