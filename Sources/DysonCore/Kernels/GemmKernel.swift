import Foundation

/// Choices the gemm makes once per process.
public enum GemmKernel {
  /// Products of fewer flops stay on one thread: waking a second core costs ~10 µs, the time of
  /// an 8-MFLOP product. Task-local so that tests can force a split on small, fast operands.
  @TaskLocal static var parallelThreshold = 1 << 23

  /// Whether the micro-kernel uses fused multiply-add (see `MultiplyAccumulate`).
  ///
  /// Set by `DYSON_GEMM_FMA=1` or `=0` in the environment. Otherwise a debug build always fuses (its
  /// two kernels run within 1.5× of each other, so a timing could go either way, and two processes
  /// — a job's shards — could then differ in the last bits; fused is the faster of the two there,
  /// as glibc's `fma` uses the instruction). A release build times both kernels on
  /// one tile, alternating, best of 7 each: they differ by 2× (FMA built in: fused wins) to 50×
  /// (baseline build, where FMA is a libm call per lane), so the choice, at a 5× threshold, holds
  /// unless the machine distorts every trial tenfold. Both give results within the same rounding
  /// bound; they are not bit-identical to each other, which is why shards record the choice.
  public static let usesFusedMultiplyAdd: Bool = {
    if let forced = forced("DYSON_GEMM_FMA") { return forced }
    #if DEBUG
    return true
    #else
    var fused = Double.infinity, separate = Double.infinity
    for _ in 0..<7 {
      fused = min(fused, probeSeconds(SIMD8<Float>.self, FusedMultiplyAdd.self))
      separate = min(separate, probeSeconds(SIMD8<Float>.self, SeparateMultiplyAdd.self))
    }
    return fused <= 5 * separate
    #endif
  }()

  /// Whether the FMA kernel's tiles are twice as wide (6 × 32 Float, 6 × 16 Double: `SIMD16<Float>`,
  /// `SIMD8<Double>`, one 512-bit register each in a build for an AVX-512 CPU), so that each
  /// multiply-add instruction does twice the work. Bit for bit the same results either way (the
  /// order of additions depends on k and kc only; the dot-product columns keep the narrower vectors).
  ///
  /// Set by `DYSON_GEMM_WIDE=1` or `=0`. Otherwise off in a debug build, without FMA and on a CPU
  /// without AVX-512 (`Processor`). On an AVX-512 CPU the build decides, and no Swift condition
  /// tells a build's vector width, so one sgemm 96×512·512×256 is timed both ways (best of 7 each,
  /// alternating, ≈ 3 ms). On a Sapphire Rapids core the wide tiles took 0.59–0.66 of the standard
  /// tiles' time in a `-target-cpu native` build and 1.56–1.58 in a build for AVX2 only, where their
  /// 24 accumulators spill (10 processes each, Performance.md); on Zen 4, where they gained 8–19 %
  /// on large products, 0.8–0.9 is expected. The threshold of 1.2 leaves a margin of 30 % on either
  /// side, so every process on a machine makes the same choice; a wrong one would cost speed only.
  /// Task-local so that tests can compare both.
  @TaskLocal static var widensTiles: Bool = {
    if let forced = forced("DYSON_GEMM_WIDE") { return forced }
    #if DEBUG
    return false
    #else
    guard usesFusedMultiplyAdd, Processor.current.hasAVX512 else { return false }
    return wideTileTimeRatio() <= 1.2
    #endif
  }()

  /// The shallowest depth, in bytes of A's row (128 Floats or 64 Doubles at 512), from which the
  /// wide tiles are used. Where 512-bit multiply-adds run at full width they pay from 256 bytes:
  /// on a Sapphire Rapids core sgemm 512×64·64×256 went from 81 to 106–157 GFLOP/s. On Zen 4 (512-bit
  /// operations in two halves) the standard tiles were as fast or faster below 512 bytes (sgemm
  /// 64³ 93 against 84 GFLOP/s), while dgemm at depth 64 gained (512×64·64×256: 48 → 55).
  /// Measured, not derived: Performance.md.
  static let wideTileMinimumDepthBytes = Processor.current.hasFullWidthVectorUnits ? 256 : 512

  /// The tiles `Float.gemm` or `Double.gemm` uses for a product with `columns` columns of op(B)
  /// and depth `depth`, in words ("6×32 FMA" is 6 rows by 32 columns with fused multiply-add), for
  /// benchmark tables and logs.
  public static func tile<Scalar: DysonScalar>(_: Scalar.Type, columns: Int, depth: Int) -> String {
    let lanes = 64 / MemoryLayout<Scalar>.stride   // the lanes of the widest (512-bit) vector
    if !usesFusedMultiplyAdd { return "\(gemmTileRows)×\(lanes / 2) no FMA" }
    return usesWideTiles(columns: columns, depthBytes: depth * MemoryLayout<Scalar>.stride, widestLanes: lanes)
      ? "\(gemmTileRows)×\(2 * lanes) FMA" : "\(gemmTileRows)×\(lanes) FMA"
  }

  /// Whether a product is done with the wide tiles: at least two wide panels and enough depth.
  @inline(__always)
  static func usesWideTiles(columns: Int, depthBytes: Int, widestLanes: Int) -> Bool {
    // sizes first: a task-local read is the dearer test
    columns >= 4 * widestLanes && depthBytes >= wideTileMinimumDepthBytes && widensTiles
  }

  /// The wide tiles' time over the standard tiles' for one sgemm 96×512·512×256 (25 MFLOP, about
  /// 200 µs, on one thread), best of 7 each, alternating.
  static func wideTileTimeRatio() -> Double {
    let m = 96, k = 512, n = 256
    let a = [Float](repeating: 0.5, count: m * k), b = [Float](repeating: 0.25, count: k * n)
    var c = [Float](repeating: 0, count: m * n)
    func seconds<V: SIMD & Sendable>(_: V.Type) -> Double where V.Scalar == Float {
      a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
          c.withUnsafeMutableBufferPointer { pc in
            let start = DispatchTime.now().uptimeNanoseconds
            gemmDriver(.normal, .normal, m: m, n: n, k: k, alpha: 1, a: pa, lda: k, b: pb, ldb: n, beta: 0,
                       c: pc, ldc: n, vector: V.self, dot: SIMD8<Float>.self, fma: FusedMultiplyAdd.self)
            return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
          }
        }
      }
    }
    var wide = Double.infinity, standard = Double.infinity
    $parallelThreshold.withValue(Int.max) {
      for _ in 0..<7 {
        wide = min(wide, seconds(SIMD16<Float>.self))
        standard = min(standard, seconds(SIMD8<Float>.self))
      }
    }
    return wide / standard
  }

  /// A choice forced from the environment: "1" true, "0" false, anything else (or unset) nil.
  static func forced(_ variable: String) -> Bool? {
    switch ProcessInfo.processInfo.environment[variable] {
    case "1": true
    case "0": false
    default: nil
    }
  }

  /// This process's choice (`widensTiles`), for benchmark headers and logs.
  public static var usesWideTiles: Bool { widensTiles }

  /// This process's choices in words, for benchmark headers and logs.
  public static var summary: String {
    let processor = Processor.current
    let cpu = processor.modelName.isEmpty ? "CPU not reported" : processor.modelName
    guard usesFusedMultiplyAdd else { return "\(cpu); gemm without FMA (a build for baseline x86-64)" }
    guard widensTiles else { return "\(cpu); gemm with FMA, standard tiles" }
    return "\(cpu); gemm with FMA, wide tiles from depth \(wideTileMinimumDepthBytes) bytes"
      + " (\(processor.hasFullWidthVectorUnits ? "full-width" : "split") 512-bit units)"
  }

  /// One timing of 64 micro-kernel calls at depth 64 with tiles of vector type V (for SIMD8<Float>,
  /// ≈ 0.8 MFLOP, tens of µs).
  static func probeSeconds<V: SIMD, FMA: MultiplyAccumulate>(_: V.Type, _: FMA.Type) -> Double where V.Scalar: DysonScalar {
    let kc = 64, nr = 2 * V.scalarCount
    let a = [V.Scalar](repeating: 0.5, count: gemmTileRows * kc)
    let b = [V.Scalar](repeating: 0.25, count: nr * kc)
    var c = [V.Scalar](repeating: 0, count: gemmTileRows * nr)
    var seconds = 0.0
    a.withUnsafeBufferPointer { pa in
      b.withUnsafeBufferPointer { pb in
        c.withUnsafeMutableBufferPointer { pc in
          let start = DispatchTime.now().uptimeNanoseconds
          for _ in 0..<64 {
            gemmMicroKernel(depth: kc, a: TileOperand(base: pa.baseAddress!, rowStride: 1, depthStride: gemmTileRows),
                            b: pb.baseAddress!, alpha: 1, c: pc.baseAddress!, ldc: nr, rows: gemmTileRows,
                            columns: nr, overwrite: false, vector: V.self, fma: FMA.self)
          }
          seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        }
      }
    }
    return seconds
  }

  /// Whether to pack A into contiguous panels instead of reading it in place (`DYSON_GEMM_PACK_A=1`).
  /// Reading in place measured faster at every benchmark shape (e.g. sgemm 256³: 85 vs 53 GFLOP/s,
  /// 512×64·64×64: 57 vs 44), so packing is only for experiments; edge tiles are always packed.
  static let packsA: Bool = ProcessInfo.processInfo.environment["DYSON_GEMM_PACK_A"] == "1"

  /// Whether a transposed A's strips are copied to a contiguous buffer just before their panels
  /// (`DYSON_GEMM_PACK_STRIPS=1` or `=0` forces it; by default from `stripPackingPanels` panels
  /// per strip). Read in place, a strip takes one line per depth step at A's stride; at a
  /// power-of-two stride (the GPT's 64) those lines share a few L1 sets and are fetched again for
  /// every panel. The copy costs about a tenth of four panels' time, so it pays from eight; below
  /// that the strips stay in place and the panel loop goes outside. Measurements: Performance.md.
  static let packsStrips: Bool? = ProcessInfo.processInfo.environment["DYSON_GEMM_PACK_STRIPS"].map { $0 == "1" }
  static let stripPackingPanels = 8

  /// Whether whole panels of a B that is not transposed are packed by the first strip's kernel as
  /// it reads them (`CopiedPanel`) rather than by a pass before the strips (`DYSON_GEMM_COPY_B=0`
  /// turns it off). In the backward pass's TN products B has 512 rows and each value meets only 64
  /// of A's: the pass read B from L3 with nothing to hide it behind (11 % of the time), the kernel
  /// has FMAs to overlap and an idle store port. Task-local so that tests can compare both paths.
  @TaskLocal static var copiesB: Bool = ProcessInfo.processInfo.environment["DYSON_GEMM_COPY_B"] != "0"

  /// Whether the kernel without FMA (a baseline SSE2 build) reads A as broadcast vectors packed per
  /// strip (`DYSON_GEMM_BROADCAST_A=0` turns it off): there `V(repeating: a[q])` is a load and a
  /// shuffle, and the shuffles compete with the multiplies and adds for the same ports, while a
  /// broadcast vector is an operand the multiply loads itself (24–43 % faster, Performance.md).
  /// Task-local so that tests can compare both paths.
  @TaskLocal static var broadcastsA: Bool = ProcessInfo.processInfo.environment["DYSON_GEMM_BROADCAST_A"] != "0"
}
