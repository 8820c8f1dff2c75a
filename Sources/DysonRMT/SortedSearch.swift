/// Binary search in an ascending array: the first index whose element is ≥ v (`lowerBound`) or
/// > v (`upperBound`); `x.count` when there is none.
func lowerBound(_ x: [Double], _ v: Double) -> Int {
  var lo = 0, hi = x.count
  while lo < hi { let m = (lo + hi) / 2; if x[m] < v { lo = m + 1 } else { hi = m } }
  return lo
}

func upperBound(_ x: [Double], _ v: Double) -> Int {
  var lo = 0, hi = x.count
  while lo < hi { let m = (lo + hi) / 2; if x[m] <= v { lo = m + 1 } else { hi = m } }
  return lo
}
