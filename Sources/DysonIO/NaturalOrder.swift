/// Orders names as a person reads them: runs of digits compare as numbers, so `h.2` comes before
/// `h.10` and `step-900` before `step-1000`. Ties (`07` and `7`) fall back to plain order.
public func naturallyPrecedes(_ a: String, _ b: String) -> Bool {
  let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
  func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 48 && c.value <= 57 }
  var i = 0, j = 0
  while i < x.count && j < y.count {
    if isDigit(x[i]) && isDigit(y[j]) {
      var ie = i, je = j
      while ie < x.count && isDigit(x[ie]) { ie += 1 }
      while je < y.count && isDigit(y[je]) { je += 1 }
      // Compare the runs as numbers: strip leading zeros, then the longer is larger.
      var ia = i, ja = j
      while ia < ie - 1 && x[ia] == "0" { ia += 1 }
      while ja < je - 1 && y[ja] == "0" { ja += 1 }
      if ie - ia != je - ja { return ie - ia < je - ja }
      for k in 0..<(ie - ia) where x[ia + k] != y[ja + k] { return x[ia + k].value < y[ja + k].value }
      i = ie
      j = je
    } else {
      if x[i] != y[j] { return x[i].value < y[j].value }
      i += 1
      j += 1
    }
  }
  if x.count - i != y.count - j { return x.count - i < y.count - j }
  return a < b
}

/// The last run of digits in `name` as a number (`checkpoint-1000` → 1000, `ckpt_001000.npy` →
/// 1000); nil when there is none or it does not fit an Int.
public func lastInteger(in name: String) -> Int? {
  var digits = ""
  var found: String?
  for c in name {
    if c.isASCII && c.isNumber { digits.append(c) } else if !digits.isEmpty { found = digits; digits = "" }
  }
  if !digits.isEmpty { found = digits }
  return found.flatMap { Int($0) }
}
