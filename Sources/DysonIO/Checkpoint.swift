import Foundation

/// A model's weights on disk, found from one path and read lazily: only the headers are read
/// here, each tensor when its `TensorEntry` is.
///
/// A path can be
/// - a `.safetensors` or `.npy` file;
/// - a sharded checkpoint's index (`model.safetensors.index.json`, Hugging Face's layout): the
///   tensors of its weight map, each from the shard the map names;
/// - a directory: its index when it has one, else every `*.safetensors` file in it, else every
///   `*.npy` file, in natural order (`model-2-of-10` before `model-10-of-10`).
///
/// A Python pickle (PyTorch's `.pt`, `.pth`, `.bin`, Lightning's `.ckpt`, or any file that starts
/// like one) is refused and never loaded: unpickling runs code from the file. The message says how
/// to convert it to safetensors.
public enum Checkpoint {
  /// Names that end a sharded checkpoint's index.
  static let indexSuffix = ".safetensors.index.json"
  static let pickleExtensions: Set<String> = ["pt", "pth", "bin", "ckpt", "pkl", "pickle"]

  /// The tensors at `path` (see the type's documentation), in the order of their files and, in a
  /// file, of their data.
  public static func tensors(at path: String) throws(FileFormatError) -> [TensorEntry] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw FileFormatError(file: path, fault: "no such file or directory")
    }
    if isDirectory.boolValue { return try directory(path) }
    if path.hasSuffix(indexSuffix) || path.hasSuffix(".index.json") { return try index(path) }
    let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
    if pickleExtensions.contains(ext) { throw pickle(path) }
    let file = try ReadOnlyFile(path: path)
    if try looksLikePickle(file) { throw pickle(path) }
    switch ext {
    case "safetensors": return try Safetensors.entries(of: file)
    case "npy": return [try Npy.entry(path: path)]
    default:
      throw FileFormatError(file: path, fault: "unknown format (expected .safetensors, .npy, a *.safetensors.index.json or a directory of them)")
    }
  }

  /// A directory's index, else its safetensors files, else its npy files.
  static func directory(_ path: String) throws(FileFormatError) -> [TensorEntry] {
    let names: [String]
    do { names = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
      throw FileFormatError(file: path, fault: "cannot list the directory: \(FileWriteError.reason(of: error))")
    }
    func join(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
    let sorted = names.filter { !$0.hasPrefix(".") }.sorted(by: naturallyPrecedes)
    let indexes = sorted.filter { $0.hasSuffix(indexSuffix) }
    if indexes.count > 1 {
      throw FileFormatError(file: path, fault: "has \(indexes.count) indexes (\(indexes.joined(separator: ", "))): name the one to read")
    }
    if let index = indexes.first { return try self.index(join(index)) }
    let safetensors = sorted.filter { $0.lowercased().hasSuffix(".safetensors") }
    let files = safetensors.isEmpty ? sorted.filter { $0.lowercased().hasSuffix(".npy") } : safetensors
    if files.isEmpty {
      let pickles = sorted.filter { pickleExtensions.contains(URL(fileURLWithPath: $0).pathExtension.lowercased()) }
      if let first = pickles.first { throw pickle(join(first)) }
      throw FileFormatError(file: path, fault: "holds no .safetensors, .npy or *.safetensors.index.json file")
    }
    var entries: [TensorEntry] = []
    var seen: [String: String] = [:]
    for name in files {
      for entry in try tensors(at: join(name)) {
        if let earlier = seen[entry.name] {
          throw FileFormatError(file: path, fault: "tensor '\(entry.name)' is in both \(earlier) and \(name): which one is the model's?")
        }
        seen[entry.name] = name
        entries.append(entry)
      }
    }
    return entries
  }

  /// The tensors of a sharded checkpoint's index: `{"weight_map": {"tensor": "shard.safetensors", …}}`.
  static func index(_ path: String) throws(FileFormatError) -> [TensorEntry] {
    func fail(_ fault: String) -> FileFormatError { FileFormatError(file: path, fault: fault) }
    let file = try ReadOnlyFile(path: path)
    guard file.size <= 1 << 30 else { throw fail("\(file.size) bytes is too large for an index") }
    let bytes = try file.bytes(at: 0, count: file.size)
    let json: Any
    do { json = try JSONSerialization.jsonObject(with: Data(bytes)) } catch { throw fail("is not valid JSON") }
    guard let object = json as? [String: Any], let map = object["weight_map"] as? [String: Any] else {
      throw fail("has no \"weight_map\" object (a sharded checkpoint's index maps each tensor to its shard)")
    }
    var shardOf: [String: String] = [:]
    for (tensor, value) in map {
      guard let shard = value as? String, !shard.isEmpty else { throw fail("weight_map['\(tensor)'] is not a file name") }
      guard !shard.split(separator: "/").contains("..") && !shard.hasPrefix("/") else { throw fail("weight_map['\(tensor)'] points outside the index's directory: \(shard)") }
      shardOf[tensor] = shard
    }
    guard !shardOf.isEmpty else { throw fail("weight_map is empty") }
    let folder = (path as NSString).deletingLastPathComponent
    var entries: [TensorEntry] = []
    for shard in Set(shardOf.values).sorted(by: naturallyPrecedes) {
      let shardPath = (folder as NSString).appendingPathComponent(shard)
      guard FileManager.default.fileExists(atPath: shardPath) else {
        throw fail("names shard \(shard), which is missing (looked for \(shardPath))")
      }
      let inShard = try tensors(at: shardPath)
      let wanted = Set(shardOf.filter { $0.value == shard }.keys)
      let present = Set(inShard.map(\.name))
      if let missing = wanted.subtracting(present).sorted(by: naturallyPrecedes).first {
        throw fail("maps tensor '\(missing)' to \(shard), which does not hold it")
      }
      entries += inShard.filter { wanted.contains($0.name) }
    }
    return entries
  }

  /// Whether the file starts like a pickle (protocol 2–5: 0x80 then the version) or a zip archive
  /// (PyTorch's `torch.save` format since 1.6).
  static func looksLikePickle(_ file: ReadOnlyFile) throws(FileFormatError) -> Bool {
    guard file.size >= 4 else { return false }
    let head = try file.bytes(at: 0, count: 4)
    if head[0] == 0x80 && (2...5).contains(head[1]) { return true }
    return head == [0x50, 0x4B, 0x03, 0x04]
  }

  static func pickle(_ path: String) -> FileFormatError {
    let name = URL(fileURLWithPath: path).lastPathComponent
    let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    return FileFormatError(file: path, fault: """
      is a Python pickle (PyTorch or Lightning), which Dyson never loads: unpickling runs code from the file. \
      Convert it once to safetensors: python -c "import torch, safetensors.torch as st; \
      d = torch.load('\(name)', map_location='cpu', weights_only=True); d = d.get('state_dict', d); \
      st.save_file({k: v.contiguous() for k, v in d.items() if torch.is_tensor(v)}, '\(stem).safetensors')"
      """)
  }
}
