/// A file that cannot be read as what it claims to be. The message names the file and the fault,
/// so a command can print it as is.
public struct FileFormatError: Error, CustomStringConvertible, Sendable, Equatable {
  /// The file's path, or a label such as "<data>" for in-memory input.
  public let file: String
  /// What is wrong, in words: "bad magic", "truncated data: 12 of 48 bytes", …
  public let fault: String

  /// An error about `file`: `fault` says what is wrong, in one line.
  public init(file: String, fault: String) {
    self.file = file
    self.fault = fault
  }

  public var description: String { "\(file): \(fault)" }
}
