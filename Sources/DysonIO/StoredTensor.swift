/// Element types of tensors in `.npy` and `.safetensors` files.
public enum StoredDType: String, Sendable, Hashable, CaseIterable {
  /// IEEE half, bfloat16, single and double precision, under their safetensors names.
  case float16 = "F16", bfloat16 = "BF16", float32 = "F32", float64 = "F64"

  /// Bytes per element.
  public var size: Int {
    switch self {
    case .float16, .bfloat16: 2
    case .float32: 4
    case .float64: 8
    }
  }

  /// `value` as this type stores it (rounded to nearest even), back as a Double.
  public func rounded(_ value: Double) -> Double {
    switch self {
    case .float16: doubleFromHalfBits(halfBits(from: value))
    case .bfloat16: doubleFromBFloat16Bits(bfloat16Bits(from: value))
    case .float32: Double(Float(value))
    case .float64: value
    }
  }
}

/// A named n-dimensional array read from or written to a file. Values are held as `Double`,
/// which represents every F16, BF16, F32 and F64 value exactly, in row-major (C) order.
public struct StoredTensor: Sendable, Equatable {
  /// The tensor's name in the file.
  public var name: String
  /// The dimensions, outermost first.
  public var shape: [Int]
  /// The element type in the file (reading) or to use when writing.
  public var dtype: StoredDType
  /// Row-major values; `values.count == shape.reduce(1, *)`.
  public var values: [Double]

  /// A tensor to store; `values` holds the elements row-major, as `Double`s, and is rounded to `dtype` when written.
  public init(name: String, shape: [Int], dtype: StoredDType, values: [Double]) {
    precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == values.count,
                 "StoredTensor \(name): shape \(shape) does not hold \(values.count) values")
    self.name = name
    self.shape = shape
    self.dtype = dtype
    self.values = values
  }
}

/// Checked element count of a shape read from a file: a lying header must not make us allocate
/// terabytes or overflow `Int`. Returns nil when a dimension is negative or the product overflows.
func elementCount(_ shape: [Int]) -> Int? {
  var count = 1
  for d in shape {
    guard d >= 0 else { return nil }
    let (product, overflow) = count.multipliedReportingOverflow(by: d)
    guard !overflow else { return nil }
    count = product
  }
  return count
}
