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
  /// Row length of the transposed keys or values and of a score row: T in whole SIMD8 chunks.
  var paddedLength: Int { paddedToChunks(length) }
  /// Scratch: one head's transposed keys (or values), head_size × padded T, and one score row.
  var scratchCount: Int { (headSize + 1) * paddedLength }
}

/// Copies one head's rows (keys or values; T rows of head_size at `stride`) into a
/// head_size × padded-T matrix, so that a whole row of scores is a sum of SIMD axpys.
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

/// out[N, C] ← attention(qkv); saves the probabilities for the backward pass.
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
        // a_ij for all j ≤ i (and a few masked ones, ignored) as Σ_d (s·q_id) kᵀ_d.
        let q = queries + i * stride, chunks = paddedToChunks(i + 1)
        scores.update(repeating: 0, count: chunks)
        for d in 0..<hs { addScaled(scores, q[d] * scale, keysT + d * Tp, count: chunks) }
        var maximum = -Scalar.infinity
        for j in 0...i { maximum = max(maximum, scores[j]) }
        var sum: Scalar = 0
        let row = p + i * T
        for j in 0...i {
          row[j] = Scalar.exp(scores[j] - maximum)
          sum += row[j]
        }
        let inverse = 1 / sum
        let o = out + (b * T + i) * C + h * hs
        o.update(repeating: 0, count: hs)
        for j in 0...i {
          row[j] *= inverse
          addScaled(o, row[j], values + j * stride, count: hs)
        }
      }
    }
  }
}

/// dqkv ← ∂L/∂qkv from dout = ∂L/∂out.
@inline(__always)
func attentionBackward<Scalar: DysonScalar>(
  dqkv: UnsafeMutablePointer<Scalar>, scratch: UnsafeMutablePointer<Scalar>,
  dout: UnsafePointer<Scalar>, qkv: UnsafePointer<Scalar>, probabilities: UnsafePointer<Scalar>,
  shape: AttentionShape, scale: Scalar
) {
  let T = shape.length, Tp = shape.paddedLength, hs = shape.headSize, C = shape.width, stride = shape.fusedWidth
  let valuesT = scratch, dp = scratch + hs * Tp
  dqkv.update(repeating: 0, count: shape.batch * T * stride)
  for b in 0..<shape.batch {
    for h in 0..<shape.heads {
      let column = b * T * stride + h * hs
      let keys = qkv + column, queries = keys + C, values = keys + 2 * C
      let dKeys = dqkv + column, dQueries = dKeys + C, dValues = dKeys + 2 * C
      let p = probabilities + (b * shape.heads + h) * T * T
      gatherTransposed(valuesT, values, stride: stride, shape: shape)
      for i in 0..<T {
        let doi = dout + (b * T + i) * C + h * hs, row = p + i * T, chunks = paddedToChunks(i + 1)
        // ∂L/∂p_ij = Σ_d (∂L/∂o_id) vᵀ_d, and its p-weighted mean.
        dp.update(repeating: 0, count: chunks)
        for d in 0..<hs { addScaled(dp, doi[d], valuesT + d * Tp, count: chunks) }
        var weighted: Scalar = 0
        for j in 0...i { weighted += row[j] * dp[j] }
        let q = queries + i * stride, dq = dQueries + i * stride
        for j in 0...i {
          addScaled(dValues + j * stride, row[j], doi, count: hs)
          let da = row[j] * (dp[j] - weighted) * scale
          addScaled(dq, da, keys + j * stride, count: hs)
          addScaled(dKeys + j * stride, da, q, count: hs)
        }
      }
    }
  }
}
