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
// Masked entries (j > i) have p = 0 and never enter, so they are neither computed nor stored.

/// The shape of one attention call: `batch` sequences of `length` tokens, `heads` × `headSize` = C.
struct AttentionShape {
  let batch: Int, length: Int, heads: Int, headSize: Int
  var width: Int { heads * headSize }
  /// Row stride of qkv.
  var fusedWidth: Int { 3 * width }
  /// Elements of the saved probabilities: one T×T matrix (lower triangle used) per sequence and head.
  var probabilityCount: Int { batch * heads * length * length }
}

/// out[N, C] ← attention(qkv); saves the probabilities for the backward pass.
@inline(__always)
func attentionForward<Scalar: DysonScalar>(
  _ out: UnsafeMutablePointer<Scalar>, probabilities: UnsafeMutablePointer<Scalar>,
  _ qkv: UnsafePointer<Scalar>, shape: AttentionShape, scale: Scalar
) {
  let T = shape.length, hs = shape.headSize, C = shape.width, stride = shape.fusedWidth
  for b in 0..<shape.batch {
    for h in 0..<shape.heads {
      let keys = qkv + b * T * stride + h * hs
      let queries = keys + C, values = keys + 2 * C
      let p = probabilities + (b * shape.heads + h) * T * T
      for i in 0..<T {
        let q = queries + i * stride, row = p + i * T
        var maximum = -Scalar.infinity
        for j in 0...i {
          let k = keys + j * stride
          var dot: Scalar = 0
          for d in 0..<hs { dot += q[d] * k[d] }
          row[j] = dot * scale
          maximum = max(maximum, row[j])
        }
        var sum: Scalar = 0
        for j in 0...i {
          row[j] = Scalar.exp(row[j] - maximum)
          sum += row[j]
        }
        let inverse = 1 / sum
        let o = out + (b * T + i) * C + h * hs
        o.update(repeating: 0, count: hs)
        for j in 0...i {
          row[j] *= inverse
          let v = values + j * stride, weight = row[j]
          for d in 0..<hs { o[d] += weight * v[d] }
        }
      }
    }
  }
}

/// dqkv ← ∂L/∂qkv from dout = ∂L/∂out; `scratch` holds one row of ∂L/∂p (T values).
@inline(__always)
func attentionBackward<Scalar: DysonScalar>(
  dqkv: UnsafeMutablePointer<Scalar>, scratch: UnsafeMutablePointer<Scalar>,
  dout: UnsafePointer<Scalar>, qkv: UnsafePointer<Scalar>, probabilities: UnsafePointer<Scalar>,
  shape: AttentionShape, scale: Scalar
) {
  let T = shape.length, hs = shape.headSize, C = shape.width, stride = shape.fusedWidth
  dqkv.update(repeating: 0, count: shape.batch * T * stride)
  for b in 0..<shape.batch {
    for h in 0..<shape.heads {
      let column = b * T * stride + h * hs
      let keys = qkv + column, queries = keys + C, values = keys + 2 * C
      let dKeys = dqkv + column, dQueries = dKeys + C, dValues = dKeys + 2 * C
      let p = probabilities + (b * shape.heads + h) * T * T
      for i in 0..<T {
        let doi = dout + (b * T + i) * C + h * hs, row = p + i * T
        // ∂L/∂p_ij and its p-weighted mean.
        var weighted: Scalar = 0
        for j in 0...i {
          let v = values + j * stride
          var dot: Scalar = 0
          for d in 0..<hs { dot += doi[d] * v[d] }
          scratch[j] = dot
          weighted += row[j] * dot
          let dv = dValues + j * stride, pij = row[j]
          for d in 0..<hs { dv[d] += pij * doi[d] }
        }
        let q = queries + i * stride, dq = dQueries + i * stride
        for j in 0...i {
          let da = row[j] * (scratch[j] - weighted) * scale
          let k = keys + j * stride, dk = dKeys + j * stride
          for d in 0..<hs {
            dq[d] += da * k[d]
            dk[d] += da * q[d]
          }
        }
      }
    }
  }
}
