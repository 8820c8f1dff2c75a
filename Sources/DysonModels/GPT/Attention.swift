import DysonCore

// Causal multi-head self-attention on the fused projections qkv = LN(x)·W_attnᵀ, one row per
// token, laid out [keys | queries | values] with head h in columns h·hs..<(h+1)·hs of each part.
//
// Forward, per sequence and head (i, j positions, j ≤ i, s = score scale):
//   a_ij = s·q_i·k_j,   p_ij = exp(a_ij − max_j a_ij) / Σ_j exp(…),   o_i = Σ_{j≤i} p_ij v_j.
// Backward, from ∂L/∂o_i:
//   ∂L/∂p_ij = ∂L/∂o_i · v_j,   ∂L/∂v_j = Σ_{i≥j} p_ij ∂L/∂o_i,
//   ∂L/∂a_ij = p_ij (∂L/∂p_ij − Σ_k p_ik ∂L/∂p_ik)        (softmax Jacobian diag(p) − p pᵀ),
//   ∂L/∂q_i = s Σ_j ∂L/∂a_ij k_j,   ∂L/∂k_j = s Σ_i ∂L/∂a_ij q_i.
// Masked entries (j > i) have p = 0. The products go four rows at a time, so inside a block of
// four the masked p and ∂L/∂a are stored as zeros; scores computed past i are ignored.

/// The shape of one attention call: `batch` sequences of `length` tokens, `heads` × `headSize` = C.
struct AttentionShape {
  let batch: Int, length: Int, heads: Int, headSize: Int
  var width: Int { heads * headSize }
  /// Row stride of qkv.
  var fusedWidth: Int { 3 * width }
  /// Elements of the saved probabilities: one T×T matrix (lower triangle used) per sequence and head.
  var probabilityCount: Int { batch * heads * length * length }
  /// Row length of the transposed keys or values and of score rows: T in whole SIMD8 chunks.
  var paddedLength: Int { paddedToChunks(length) }
  /// Scratch: one head's transposed keys (or values), head_size × padded T; then T score rows
  /// (∂L/∂a in the backward pass).
  var scratchCount: Int { (headSize + length) * paddedLength }
}

/// Copies one head's rows (keys or values; T rows of head_size at `stride`) into a
/// head_size × padded-T matrix, so that a row of scores is a row times a row-major matrix.
@inline(__always)
func gatherTransposed<Scalar: DysonScalar>(
  _ t: UnsafeMutablePointer<Scalar>, _ rows: UnsafePointer<Scalar>, stride: Int, shape: AttentionShape
) {
  let T = shape.length, Tp = shape.paddedLength, hs = shape.headSize
  // Whole 8 × 8 blocks by vector shuffles; what is left element by element.
  let blockRows = T / 8 * 8, blockColumns = hs % 8 == 0 ? hs : 0
  for j0 in Swift.stride(from: 0, to: blockRows, by: 8) {
    for d0 in Swift.stride(from: 0, to: blockColumns, by: 8) {
      transpose8x8(from: rows + j0 * stride + d0, stride: stride, to: t + d0 * Tp + j0, stride: Tp)
    }
  }
  for d in 0..<hs {
    let column = t + d * Tp
    for j in (d < blockColumns ? blockRows : 0)..<T { column[j] = rows[j * stride + d] }
    for j in T..<Tp { column[j] = 0 }
  }
}

/// to[c·toStride + r] = from[r·fromStride + c] for r, c < 8. Three rounds of "even lanes, then
/// odd lanes" over the eight rows: each round rotates the six bits of (row, lane) by one, and
/// three rotations swap row and lane.
@inline(__always)
func transpose8x8<Scalar: DysonScalar>(
  from: UnsafePointer<Scalar>, stride fromStride: Int, to: UnsafeMutablePointer<Scalar>, stride toStride: Int
) {
  typealias V = SIMD8<Scalar>
  @inline(__always) func load(_ r: Int) -> V { UnsafeRawPointer(from + r * fromStride).loadUnaligned(as: V.self) }
  @inline(__always) func unzip(_ x: (V, V, V, V, V, V, V, V)) -> (V, V, V, V, V, V, V, V) {
    (V(lowHalf: x.0.evenHalf, highHalf: x.1.evenHalf), V(lowHalf: x.2.evenHalf, highHalf: x.3.evenHalf),
     V(lowHalf: x.4.evenHalf, highHalf: x.5.evenHalf), V(lowHalf: x.6.evenHalf, highHalf: x.7.evenHalf),
     V(lowHalf: x.0.oddHalf, highHalf: x.1.oddHalf), V(lowHalf: x.2.oddHalf, highHalf: x.3.oddHalf),
     V(lowHalf: x.4.oddHalf, highHalf: x.5.oddHalf), V(lowHalf: x.6.oddHalf, highHalf: x.7.oddHalf))
  }
  let y = unzip(unzip(unzip((load(0), load(1), load(2), load(3), load(4), load(5), load(6), load(7)))))
  @inline(__always) func store(_ v: V, _ c: Int) { UnsafeMutableRawPointer(to + c * toStride).storeBytes(of: v, as: V.self) }
  store(y.0, 0); store(y.1, 1); store(y.2, 2); store(y.3, 3); store(y.4, 4); store(y.5, 5); store(y.6, 6); store(y.7, 7)
}

/// out[N, C] ← attention(qkv) for the rows of `sequences`; saves the probabilities (lower triangle
/// of each T × T) for the backward pass. Sequences are independent: disjoint ranges can run at once,
/// each with its own scratch.
@inline(__always)
func attentionForward<Scalar: DysonScalar>(
  _ out: UnsafeMutablePointer<Scalar>, probabilities: UnsafeMutablePointer<Scalar>, scratch: UnsafeMutablePointer<Scalar>,
  _ qkv: UnsafePointer<Scalar>, shape: AttentionShape, sequences: Range<Int>, scale: Scalar
) {
  let T = shape.length, Tp = shape.paddedLength, hs = shape.headSize, C = shape.width, stride = shape.fusedWidth
  let keysT = scratch, scores = scratch + hs * Tp
  for b in sequences {
    for h in 0..<shape.heads {
      let keys = qkv + b * T * stride + h * hs
      let queries = keys + C, values = keys + 2 * C
      let p = probabilities + (b * shape.heads + h) * T * T
      gatherTransposed(keysT, keys, stride: stride, shape: shape)
      // Blocks of four query rows; row i of a block i0..<last needs keys and values j < last.
      for i0 in Swift.stride(from: 0, to: T, by: 4) {
        let last = min(i0 + 4, T)
        // a_ij = s·q_i·k_j for j < last, rounded up to whole chunks (entries j > i are ignored).
        rowBlockTimesMatrix(scores + i0 * Tp, ldc: Tp, alpha: scale, queries + i0 * stride, lda: stride, keysT, ldb: Tp,
                            rows: last - i0, depth: 0..<hs, columns: paddedToChunks(last))
        for i in i0..<last {
          let a = scores + i * Tp
          var maximum = -Scalar.infinity
          for j in 0...i { maximum = max(maximum, a[j]) }
          let inverse = 1 / exponentiateShifted(a, count: i + 1, shift: maximum)
          let row = p + i * T
          for j in 0...i { row[j] = a[j] * inverse }
          for j in (i + 1)..<last { row[j] = 0 }  // masked: p_ij = 0 inside the block's product
        }
        // o_i = Σ_{j≤i} p_ij v_j
        rowBlockTimesMatrix(out + (b * T + i0) * C + h * hs, ldc: C, alpha: 1, p + i0 * T, lda: T, values, ldb: stride,
                            rows: last - i0, depth: 0..<last, columns: hs)
      }
    }
  }
}

/// dqkv ← ∂L/∂qkv from dout = ∂L/∂out for the rows of `sequences` (each of their elements is written).
@inline(__always)
func attentionBackward<Scalar: DysonScalar>(
  dqkv: UnsafeMutablePointer<Scalar>, scratch: UnsafeMutablePointer<Scalar>,
  dout: UnsafePointer<Scalar>, qkv: UnsafePointer<Scalar>, probabilities: UnsafePointer<Scalar>,
  shape: AttentionShape, sequences: Range<Int>, scale: Scalar
) {
  let T = shape.length, Tp = shape.paddedLength, hs = shape.headSize, C = shape.width, stride = shape.fusedWidth
  let valuesT = scratch, dScores = scratch + hs * Tp
  for b in sequences {
    for h in 0..<shape.heads {
      let column = b * T * stride + h * hs
      let keys = qkv + column, queries = keys + C, values = keys + 2 * C
      let dKeys = dqkv + column, dQueries = dKeys + C, dValues = dKeys + 2 * C
      let doutHead = dout + b * T * C + h * hs
      let p = probabilities + (b * shape.heads + h) * T * T
      gatherTransposed(valuesT, values, stride: stride, shape: shape)
      for i0 in Swift.stride(from: 0, to: T, by: 4) {
        let last = min(i0 + 4, T)
        // ∂L/∂p_ij = do_i · v_j, then ∂L/∂a_ij = s·p_ij (∂L/∂p_ij − Σ_k p_ik ∂L/∂p_ik).
        rowBlockTimesMatrix(dScores + i0 * Tp, ldc: Tp, alpha: 1, doutHead + i0 * C, lda: C, valuesT, ldb: Tp,
                            rows: last - i0, depth: 0..<hs, columns: paddedToChunks(last))
        for i in i0..<last {
          let row = p + i * T, da = dScores + i * Tp
          var weighted: Scalar = 0
          for j in 0...i { weighted += row[j] * da[j] }
          for j in 0...i { da[j] = row[j] * (da[j] - weighted) * scale }
          for j in (i + 1)..<last { da[j] = 0 }  // masked, inside the block's products
        }
        // ∂L/∂q_i = Σ_{j≤i} ∂L/∂a_ij k_j
        rowBlockTimesMatrix(dQueries + i0 * stride, ldc: stride, alpha: 1, dScores + i0 * Tp, lda: Tp, keys, ldb: stride,
                            rows: last - i0, depth: 0..<last, columns: hs)
      }
      // Columns of ∂L/∂a and p, read in place: entries i < j inside a block are the zeros written above.
      for j0 in Swift.stride(from: 0, to: T, by: 4) {
        let last = min(j0 + 4, T)
        // ∂L/∂k_j = Σ_{i≥j} ∂L/∂a_ij q_i,  ∂L/∂v_j = Σ_{i≥j} p_ij ∂L/∂o_i
        rowBlockTimesMatrix(dKeys + j0 * stride, ldc: stride, alpha: 1, dScores + j0, lda: Tp, transposedA: true, queries, ldb: stride,
                            rows: last - j0, depth: j0..<T, columns: hs)
        rowBlockTimesMatrix(dValues + j0 * stride, ldc: stride, alpha: 1, p + j0, lda: T, transposedA: true, doutHead, ldb: C,
                            rows: last - j0, depth: j0..<T, columns: hs)
      }
    }
  }
}
