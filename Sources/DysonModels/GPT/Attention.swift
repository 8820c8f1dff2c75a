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
// Masked entries (j > i) have p = 0: they are never stored, and the few a score row computes past i are ignored.

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
  /// (∂L/∂a in the backward pass); then two T × T transposes (pᵀ and ∂L/∂aᵀ).
  var scratchCount: Int { (headSize + length) * paddedLength + 2 * length * length }
}

/// Copies one head's rows (keys or values; T rows of head_size at `stride`) into a
/// head_size × padded-T matrix, so that a row of scores is a row times a row-major matrix.
@inline(__always)
func gatherTransposed<Scalar: DysonScalar>(
  _ t: UnsafeMutablePointer<Scalar>, _ rows: UnsafePointer<Scalar>, stride: Int, shape: AttentionShape
) {
  let T = shape.length, Tp = shape.paddedLength
  for d in 0..<shape.headSize {
    let column = t + d * Tp
    for j in 0..<T { column[j] = rows[j * stride + d] }
    for j in T..<Tp { column[j] = 0 }
  }
}

/// out[N, C] ← attention(qkv); saves the probabilities (lower triangle of each T × T) for the backward pass.
@inline(__always)
func attentionForward<Scalar: DysonScalar>(
  _ out: UnsafeMutablePointer<Scalar>, probabilities: UnsafeMutablePointer<Scalar>, scratch: UnsafeMutablePointer<Scalar>,
  _ qkv: UnsafePointer<Scalar>, shape: AttentionShape, scale: Scalar
) {
  let T = shape.length, Tp = shape.paddedLength, hs = shape.headSize, C = shape.width, stride = shape.fusedWidth
  let keysT = scratch, scores = scratch + hs * Tp
  for b in 0..<shape.batch {
    for h in 0..<shape.heads {
      let keys = qkv + b * T * stride + h * hs
      let queries = keys + C, values = keys + 2 * C
      let p = probabilities + (b * shape.heads + h) * T * T
      gatherTransposed(keysT, keys, stride: stride, shape: shape)
      for i in 0..<T {
        // a_ij = s·q_i·k_j for j ≤ i (the chunk's last few j > i are computed and ignored).
        rowTimesMatrix(scores, alpha: scale, queries + i * stride, keysT, ldb: Tp, depth: 0..<hs, columns: paddedToChunks(i + 1))
        var maximum = -Scalar.infinity
        for j in 0...i { maximum = max(maximum, scores[j]) }
        let inverse = 1 / exponentiateShifted(scores, count: i + 1, shift: maximum)
        let row = p + i * T
        for j in 0...i { row[j] = scores[j] * inverse }
        // o_i = Σ_{j≤i} p_ij v_j
        rowTimesMatrix(out + (b * T + i) * C + h * hs, alpha: 1, row, values, ldb: stride, depth: 0..<(i + 1), columns: hs)
      }
    }
  }
}

/// dqkv ← ∂L/∂qkv from dout = ∂L/∂out (every element of dqkv is written).
@inline(__always)
func attentionBackward<Scalar: DysonScalar>(
  dqkv: UnsafeMutablePointer<Scalar>, scratch: UnsafeMutablePointer<Scalar>,
  dout: UnsafePointer<Scalar>, qkv: UnsafePointer<Scalar>, probabilities: UnsafePointer<Scalar>,
  shape: AttentionShape, scale: Scalar
) {
  let T = shape.length, Tp = shape.paddedLength, hs = shape.headSize, C = shape.width, stride = shape.fusedWidth
  let valuesT = scratch, dScores = scratch + hs * Tp
  let pT = dScores + T * Tp, dScoresT = pT + T * T
  for b in 0..<shape.batch {
    for h in 0..<shape.heads {
      let column = b * T * stride + h * hs
      let keys = qkv + column, queries = keys + C, values = keys + 2 * C
      let dKeys = dqkv + column, dQueries = dKeys + C, dValues = dKeys + 2 * C
      let doutHead = dout + b * T * C + h * hs
      let p = probabilities + (b * shape.heads + h) * T * T
      gatherTransposed(valuesT, values, stride: stride, shape: shape)
      for i in 0..<T {
        let row = p + i * T, da = dScores + i * Tp
        // ∂L/∂p_ij = do_i · v_j, then ∂L/∂a_ij = s·p_ij (∂L/∂p_ij − Σ_k p_ik ∂L/∂p_ik).
        rowTimesMatrix(da, alpha: 1, doutHead + i * C, valuesT, ldb: Tp, depth: 0..<hs, columns: paddedToChunks(i + 1))
        var weighted: Scalar = 0
        for j in 0...i { weighted += row[j] * da[j] }
        for j in 0...i {
          da[j] = row[j] * (da[j] - weighted) * scale
          pT[j * T + i] = row[j]
          dScoresT[j * T + i] = da[j]
        }
        // ∂L/∂q_i = Σ_{j≤i} ∂L/∂a_ij k_j
        rowTimesMatrix(dQueries + i * stride, alpha: 1, da, keys, ldb: stride, depth: 0..<(i + 1), columns: hs)
      }
      for j in 0..<T {
        // ∂L/∂k_j = Σ_{i≥j} ∂L/∂a_ij q_i,  ∂L/∂v_j = Σ_{i≥j} p_ij ∂L/∂o_i
        rowTimesMatrix(dKeys + j * stride, alpha: 1, dScoresT + j * T, queries, ldb: stride, depth: j..<T, columns: hs)
        rowTimesMatrix(dValues + j * stride, alpha: 1, pT + j * T, doutHead, ldb: C, depth: j..<T, columns: hs)
      }
    }
  }
}
