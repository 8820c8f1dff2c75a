import Foundation

/// Downhill simplex minimisation; returns the best vertex, its value and the iteration count.
func nelderMead(_ start: [Double], maxIterations: Int, _ f: ([Double]) -> Double) -> (point: [Double], value: Double, iterations: Int) {
  let k = start.count
  var simplex = [start]
  for i in 0..<k {
    var v = start
    v[i] += v[i] != 0 ? 0.05 * v[i] : 0.00025
    simplex.append(v)
  }
  var values = simplex.map(f)
  var iterations = 0
  while iterations < maxIterations {
    iterations += 1
    let order = values.indices.sorted { values[$0] < values[$1] }
    simplex = order.map { simplex[$0] }
    values = order.map { values[$0] }
    let spread = abs(values[k] - values[0])
    if spread <= 1e-12 * (abs(values[0]) + 1e-12) { break }
    let centroid = (0..<k).map { d in simplex[0..<k].reduce(0) { $0 + $1[d] } / Double(k) }
    func along(_ t: Double) -> [Double] { (0..<k).map { centroid[$0] + t * (simplex[k][$0] - centroid[$0]) } }
    let reflected = along(-1), fr = f(reflected)
    if fr < values[0] {
      let expanded = along(-2), fe = f(expanded)
      (simplex[k], values[k]) = fe < fr ? (expanded, fe) : (reflected, fr)
    } else if fr < values[k - 1] {
      (simplex[k], values[k]) = (reflected, fr)
    } else {
      let contracted = fr < values[k] ? along(-0.5) : along(0.5)
      let fc = f(contracted)
      if fc < min(fr, values[k]) {
        (simplex[k], values[k]) = (contracted, fc)
      } else {
        for i in 1...k {
          simplex[i] = (0..<k).map { simplex[0][$0] + 0.5 * (simplex[i][$0] - simplex[0][$0]) }
          values[i] = f(simplex[i])
        }
      }
    }
  }
  let i = values.indices.min { values[$0] < values[$1] }!
  return (simplex[i], values[i], iterations)
}
