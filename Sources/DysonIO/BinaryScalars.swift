// Bit-exact conversions between Double and the stored element types, by hand, because `Float16`
// is not available on every platform Swift runs on (macOS on Intel lacks it).

enum ByteOrder { case little, big }

/// IEEE 754 binary16 bits → Double (exact).
func doubleFromHalfBits(_ h: UInt16) -> Double {
  let sign: Double = h & 0x8000 != 0 ? -1 : 1
  let exponent = Int((h >> 10) & 0x1F)
  let fraction = Double(h & 0x3FF)
  switch exponent {
  case 0: return sign * fraction * 0x1p-24                        // zero and subnormals
  case 31: return fraction == 0 ? sign * .infinity : .nan
  default: return sign * (1 + fraction / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
  }
}

/// |value| rounded to nearest even on a binary format with `fractionBits` stored fraction bits
/// and smallest normal exponent `minExponent`, computed in Double (exact: no double rounding).
private func roundedMagnitude(_ value: Double, fractionBits: Int, minExponent: Int) -> Double {
  let a = abs(value)
  guard a != 0 else { return 0 }
  let e = max(Int(a.exponent), minExponent)            // subnormals share the smallest exponent's ulp
  let ulp = Double(sign: .plus, exponent: e - fractionBits, significand: 1)
  return (a / ulp).rounded(.toNearestOrEven) * ulp     // a/ulp and the product are exact powers-of-two scalings
}

/// Double → binary16 bits, rounding to nearest even.
func halfBits(from value: Double) -> UInt16 {
  let sign: UInt16 = value.sign == .minus ? 0x8000 : 0
  if value.isNaN { return 0x7E00 }
  if value.isInfinite { return sign | 0x7C00 }
  let r = roundedMagnitude(value, fractionBits: 10, minExponent: -14)
  if r >= 65536 || r.isInfinite { return sign | 0x7C00 }
  if r < 0x1p-14 { return sign | UInt16(r * 0x1p24) }  // subnormal: units of 2⁻²⁴
  let exponent = Int(r.exponent)
  let fraction = UInt16((r.significand - 1) * 1024)
  return sign | UInt16((exponent + 15) << 10) | fraction
}

/// bfloat16 bits → Double: the upper half of a binary32.
func doubleFromBFloat16Bits(_ b: UInt16) -> Double {
  Double(Float(bitPattern: UInt32(b) << 16))
}

/// Double → bfloat16 bits, rounding to nearest even (the rounded value is a binary32, so its
/// upper half is exact).
func bfloat16Bits(from value: Double) -> UInt16 {
  if value.isNaN { return 0x7FC0 }
  if value.isInfinite { return value < 0 ? 0xFF80 : 0x7F80 }
  let r = roundedMagnitude(value, fractionBits: 7, minExponent: -126)
  let f = Float(value.sign == .minus ? -r : r)          // ±inf when r exceeds the binary32 range
  return UInt16(f.bitPattern >> 16)
}

/// Decodes `count` elements of `dtype` from raw bytes.
func decodeScalars(_ bytes: UnsafeRawBufferPointer, dtype: StoredDType, order: ByteOrder, count: Int) -> [Double] {
  var out = [Double](repeating: 0, count: count)
  out.withUnsafeMutableBufferPointer { decodeScalars(bytes, dtype: dtype, order: order, into: $0) }
  return out
}

/// Decodes `out.count` elements of `dtype` from raw bytes into `out`.
func decodeScalars(_ bytes: UnsafeRawBufferPointer, dtype: StoredDType, order: ByteOrder, into out: UnsafeMutableBufferPointer<Double>) {
  precondition(bytes.count >= out.count * dtype.size, "decodeScalars: \(bytes.count) bytes for \(out.count) × \(dtype)")
  let count = out.count
  func u16(_ i: Int) -> UInt16 {
    let v = bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
    return order == .little ? UInt16(littleEndian: v) : UInt16(bigEndian: v)
  }
  switch dtype {
  case .float16: for i in 0..<count { out[i] = doubleFromHalfBits(u16(i)) }
  case .bfloat16: for i in 0..<count { out[i] = doubleFromBFloat16Bits(u16(i)) }
  case .float32:
    for i in 0..<count {
      let v = bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
      out[i] = Double(Float(bitPattern: order == .little ? UInt32(littleEndian: v) : UInt32(bigEndian: v)))
    }
  case .float64:
    for i in 0..<count {
      let v = bytes.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)
      out[i] = Double(bitPattern: order == .little ? UInt64(littleEndian: v) : UInt64(bigEndian: v))
    }
  }
}

/// Encodes values as little-endian `dtype` bytes, appending to `out`.
func appendScalars(_ values: [Double], dtype: StoredDType, to out: inout [UInt8]) {
  out.reserveCapacity(out.count + values.count * dtype.size)
  func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
  switch dtype {
  case .float16: for v in values { put(halfBits(from: v)) }
  case .bfloat16: for v in values { put(bfloat16Bits(from: v)) }
  case .float32: for v in values { put(Float(v).bitPattern) }
  case .float64: for v in values { put(v.bitPattern) }
  }
}
