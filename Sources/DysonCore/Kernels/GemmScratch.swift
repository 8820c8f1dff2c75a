import Synchronization

/// Reusable, 64-byte aligned scratch memory for the packed panels of gemm.
///
/// Allocating the panels on every call cost up to a third of a small product's time: a 256 KiB
/// block is above glibc's mmap threshold, so each call mapped fresh pages and faulted them in
/// (sgemm TN 64×512·512×256 varied between 58 and 76 GFLOP/s from run to run). A small pool keeps
/// the pages warm; each thread of a split gemm takes its own buffer, so no memory is shared.
enum GemmScratch {
  private struct Buffer: @unchecked Sendable {  // owned by exactly one holder at a time
    let base: UnsafeMutableRawPointer
    let bytes: Int
  }

  /// Idle buffers; at most `capacity` are kept (one per concurrent gemm strip is the steady state).
  private static let pool = Mutex<[Buffer]>([])
  private static let capacity = 8

  /// Runs `body` with at least `bytes` of scratch, returning the memory to the pool afterwards.
  static func withBuffer<R>(bytes: Int, _ body: (UnsafeMutableRawPointer) throws -> R) rethrows -> R {
    let buffer = pool.withLock { idle -> Buffer? in
      guard let index = idle.lastIndex(where: { $0.bytes >= bytes }) else { return nil }
      return idle.remove(at: index)
    } ?? Buffer(base: .allocate(byteCount: max(bytes, 4096), alignment: 64), bytes: max(bytes, 4096))
    defer {
      let surplus = pool.withLock { idle -> Buffer? in
        idle.append(buffer)
        guard idle.count > capacity else { return nil }
        // Drop the smallest: the large ones are the expensive ones to fault in again.
        let smallest = idle.indices.min { idle[$0].bytes < idle[$1].bytes }!
        return idle.remove(at: smallest)
      }
      surplus?.base.deallocate()
    }
    return try body(buffer.base)
  }
}
