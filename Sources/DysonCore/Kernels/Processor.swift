import Foundation
#if canImport(Darwin)
import Darwin
#endif

/// What the gemm needs to know about the CPU it runs on, read once from the operating system
/// (`/proc/cpuinfo` on Linux, `sysctl` on macOS): no timing, so every process on a machine reads
/// the same answer. Unknown fields stay empty or false, which selects the conservative kernels.
public struct Processor: Sendable, Equatable {
  /// The model name the operating system reports ("Intel(R) Xeon(R) Processor", "AMD EPYC 9R14").
  public var modelName: String
  /// "GenuineIntel", "AuthenticAMD", or empty (arm64, or not reported).
  public var vendor: String
  /// The x86 family number (0x19 Zen 3/4, 0x1A Zen 5, 6 for Intel's cores); 0 when not x86.
  public var family: Int
  /// Whether the CPU executes AVX-512 Foundation instructions.
  public var hasAVX512: Bool

  /// A processor described by hand (tests, and machines whose description cannot be read).
  public init(modelName: String, vendor: String, family: Int, hasAVX512: Bool) {
    self.modelName = modelName
    self.vendor = vendor
    self.family = family
    self.hasAVX512 = hasAVX512
  }

  /// Whether a 512-bit multiply-add costs what a 256-bit one does, so that twice-wide tiles pay
  /// from shallow depths: Intel's AVX-512 cores and AMD from Zen 5 (family 0x1A) execute them on
  /// 512-bit units; Zen 4 (family 0x19) splits each into two 256-bit halves, where the wide tiles
  /// gain only from their fewer instructions and pay from greater depths (Performance.md).
  public var hasFullWidthVectorUnits: Bool {
    guard hasAVX512 else { return false }
    switch vendor {
    case "GenuineIntel": return true
    case "AuthenticAMD": return family >= 0x1A
    default: return false
    }
  }

  /// The machine this process runs on.
  public static let current: Processor = {
    #if os(Linux)
    guard let handle = FileHandle(forReadingAtPath: "/proc/cpuinfo"),
          let text = String(data: handle.readDataToEndOfFile(), encoding: .utf8) else {
      return Processor(modelName: "", vendor: "", family: 0, hasAVX512: false)
    }
    return Processor(cpuinfo: text)
    #elseif canImport(Darwin)
    return Processor(modelName: sysctlText("machdep.cpu.brand_string") ?? sysctlText("hw.model") ?? "",
                     vendor: sysctlText("machdep.cpu.vendor") ?? "",
                     family: sysctlInteger("machdep.cpu.family") ?? 0,
                     hasAVX512: (sysctlInteger("hw.optional.avx512f") ?? 0) != 0)
    #else
    return Processor(modelName: "", vendor: "", family: 0, hasAVX512: false)
    #endif
  }()

  /// Parses the first processor's block of Linux's `/proc/cpuinfo` (x86 fields; on arm64 the
  /// vendor and flags are absent, so nothing x86 is claimed).
  public init(cpuinfo: String) {
    var fields: [String: String] = [:]
    for line in cpuinfo.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.trimmingCharacters(in: .whitespaces).isEmpty {
        if fields.isEmpty { continue } else { break }   // the first block is enough: cores are alike
      }
      guard let colon = line.firstIndex(of: ":") else { continue }
      let key = line[..<colon].trimmingCharacters(in: .whitespaces)
      let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      if fields[key] == nil { fields[key] = value }
    }
    let flags = Set((fields["flags"] ?? "").split(separator: " ").map(String.init))
    self.init(modelName: fields["model name"] ?? fields["Model"] ?? fields["Hardware"] ?? "",
              vendor: fields["vendor_id"] ?? "",
              family: Int(fields["cpu family"] ?? "") ?? 0,
              hasAVX512: flags.contains("avx512f"))
  }
}

#if canImport(Darwin)
private func sysctlText(_ name: String) -> String? {
  var size = 0
  guard sysctlbyname(name, nil, &size, nil, 0) == 0, size > 0 else { return nil }
  var bytes = [CChar](repeating: 0, count: size)
  guard sysctlbyname(name, &bytes, &size, nil, 0) == 0 else { return nil }
  return String(cString: bytes)
}

private func sysctlInteger(_ name: String) -> Int? {
  var value: Int64 = 0
  var size = MemoryLayout<Int64>.size
  guard sysctlbyname(name, &value, &size, nil, 0) == 0 else { return nil }
  return size == MemoryLayout<Int32>.size ? Int(Int32(truncatingIfNeeded: value)) : Int(value)
}
#endif
