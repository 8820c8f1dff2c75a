import DysonCore
import Testing

@Suite("What the gemm reads about the CPU")
struct ProcessorTests {
  // Abridged /proc/cpuinfo blocks as Linux prints them (two processors each, flags cut short).
  static let sapphireRapids = """
    processor\t: 0
    vendor_id\t: GenuineIntel
    cpu family\t: 6
    model\t\t: 143
    model name\t: Intel(R) Xeon(R) Platinum 8488C
    flags\t\t: fpu sse2 avx2 fma avx512f avx512dq avx512bw avx512vl avx512_fp16

    processor\t: 1
    vendor_id\t: GenuineIntel
    cpu family\t: 6
    model name\t: a second block that must not override the first
    flags\t\t: fpu

    """
  static let zen4 = """
    processor\t: 0
    vendor_id\t: AuthenticAMD
    cpu family\t: 25
    model\t\t: 17
    model name\t: AMD EPYC 9R14 96-Core Processor
    flags\t\t: fpu sse2 avx2 fma avx512f avx512bw avx512vl

    """
  static let zen5 = "vendor_id\t: AuthenticAMD\ncpu family\t: 26\nmodel name\t: AMD EPYC 9R45\nflags\t\t: avx2 fma avx512f\n"
  static let haswell = "vendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel name\t: Intel(R) Xeon(R) CPU E5-2680 v3\nflags\t\t: avx avx2 fma\n"
  static let graviton = "processor\t: 0\nBogoMIPS\t: 243.75\nFeatures\t: fp asimd sve\nCPU implementer\t: 0x41\n"

  @Test("The first block's vendor, family, model name and AVX-512 flag")
  func parsesFirstBlock() {
    let intel = Processor(cpuinfo: Self.sapphireRapids)
    #expect(intel == Processor(modelName: "Intel(R) Xeon(R) Platinum 8488C", vendor: "GenuineIntel", family: 6, hasAVX512: true))
    let amd = Processor(cpuinfo: Self.zen4)
    #expect(amd.family == 0x19 && amd.hasAVX512 && amd.modelName == "AMD EPYC 9R14 96-Core Processor")
    #expect(!Processor(cpuinfo: Self.haswell).hasAVX512)
    let arm = Processor(cpuinfo: Self.graviton)
    #expect(arm.vendor.isEmpty && arm.family == 0 && !arm.hasAVX512)
    #expect(Processor(cpuinfo: "") == Processor(modelName: "", vendor: "", family: 0, hasAVX512: false))
  }

  @Test("512-bit units at full width: Intel with AVX-512 and AMD from Zen 5; not Zen 4, not without AVX-512")
  func fullWidthUnits() {
    #expect(Processor(cpuinfo: Self.sapphireRapids).hasFullWidthVectorUnits)
    #expect(!Processor(cpuinfo: Self.zen4).hasFullWidthVectorUnits)
    #expect(Processor(cpuinfo: Self.zen5).hasFullWidthVectorUnits)
    #expect(!Processor(cpuinfo: Self.haswell).hasFullWidthVectorUnits)
    #expect(!Processor(cpuinfo: Self.graviton).hasFullWidthVectorUnits)
  }

  @Test("The tile named for a product follows the sizes: no wide tile below two wide panels or in a debug build")
  func tileNames() {
    // Below 4 × 16 Float columns the wide tiles are never used, whatever the machine.
    let narrow = GemmKernel.tile(Float.self, columns: 63, depth: 4096)
    #expect(narrow == "6×16 FMA" || narrow == "6×8 no FMA")
    let wide = GemmKernel.tile(Double.self, columns: 512, depth: 512)
    #expect(GemmKernel.usesWideTiles ? wide == "6×16 FMA" : (wide == "6×8 FMA" || wide == "6×4 no FMA"))
  }
}
