import Testing
@testable import DysonCore
import DysonTestSupport

@Suite("Matrix: construction, access, arithmetic, reductions")
struct MatrixTests {
  @Test func nestedRoundTrip() throws {
    let rows: [[Double]] = [[1, 2, 3], [4, 5, 6]]
    let m = try Matrix(rows)
    #expect(m.shape == Shape(2, 3))
    #expect(m.nested == rows)
    #expect(m[1, 2] == 6)
    #expect(m.row(1) == [4, 5, 6])
    #expect(m.column(1) == [2, 5])
    #expect(m.transposed().nested == [[1, 4], [2, 5], [3, 6]])
    #expect(try m.rows(1..<2).nested == [[4, 5, 6]])
    #expect(try m.reshaped(rows: 3, columns: 2).nested == [[1, 2], [3, 4], [5, 6]])
  }

  @Test func badShapesThrowWithBothNumbers() {
    #expect(throws: ShapeError.elementCount(rows: 2, columns: 2, count: 3)) {
      _ = try Matrix<Float>(rows: 2, columns: 2, elements: [1, 2, 3])
    }
    #expect(throws: ShapeError.raggedRows(row: 1, expected: 2, found: 1)) { _ = try Matrix<Float>([[1, 2], [3]]) }
    #expect(throws: ShapeError.elementCount(rows: 4, columns: 2, count: 6)) {
      _ = try Matrix<Float>(rows: 2, columns: 3).reshaped(rows: 4, columns: 2)
    }
    #expect(throws: ShapeError.mismatch(operation: "add", left: Shape(2, 3), right: Shape(3, 2))) {
      var a = Matrix<Float>(rows: 2, columns: 3)
      try a.add(Matrix(rows: 3, columns: 2))
    }
    #expect(ShapeError.elementCount(rows: 2, columns: 2, count: 3).description == "shape 2×2 needs 4, got 3 elements")
  }

  @Test("Transpose of odd, blocked sizes", arguments: [(1, 1), (33, 65), (64, 3), (0, 5)])
  func transposeInvolution(rows: Int, columns: Int) {
    let m = Matrix<Float>.gaussian(rows: rows, columns: columns, seed: 1)
    let t = m.transposed()
    #expect(t.shape == Shape(columns, rows))
    #expect(t.transposed() == m)
    for i in 0..<rows { for j in 0..<columns where t[j, i] != m[i, j] { Issue.record("(\(i),\(j))"); return } }
  }

  @Test func arithmeticMatchesElementwiseDefinition() throws {
    let a = try Matrix<Double>([[1, -2], [3, 4]]), b = try Matrix<Double>([[0.5, 1], [-1, 2]])
    #expect((a + b).nested == [[1.5, -1], [2, 6]])
    #expect((a - b).nested == [[0.5, -3], [4, 2]])
    #expect((a .* b).nested == [[0.5, -2], [-3, 8]])
    #expect((2 * a).nested == [[2, -4], [6, 8]])
    #expect((a / 2).nested == [[0.5, -1], [1.5, 2]])
    #expect((-a).nested == [[-1, 2], [-3, -4]])
    #expect((a * b).nested == [[2.5, -3], [-2.5, 11]])
    #expect(a.gram().nested == [[10, 10], [10, 20]])
    var c = a
    try c.add(b, scaledBy: -2)
    #expect(c.nested == [[0, -4], [5, 0]])
  }

  @Test func reductions() throws {
    let m = try Matrix<Double>([[3, -4, 1], [0, 2, -7]])
    #expect(m.sum() == -5)
    #expect(m.mean() == -5.0 / 6)
    #expect(m.max() == 3)
    #expect(m.min() == -7)
    #expect(m.maxAbs() == 7)
    #expect(m.sum(alongRows: true) == [0, -5])
    #expect(m.sum(alongRows: false) == [3, -2, -6])
    #expect(isClose(m.frobeniusNorm(), (9 + 16 + 1 + 4 + 49.0).squareRoot(), relative: 1e-15))
    #expect(try Matrix<Double>([[1, 2], [3, 4]]).trace() == 5)
    #expect(Matrix<Double>(rows: 0, columns: 3).mean().isNaN)
  }

  @Test("Sum of many terms within √n·ε·Σ|x| of the Double sum")
  func longSum() {
    let m = Matrix<Float>.gaussian(rows: 1000, columns: 37, seed: 9)
    let exact = m.elements.reduce(0.0) { $0 + Double($1) }
    let magnitude = m.elements.reduce(0.0) { $0 + Double(abs($1)) }
    #expect(abs(Double(m.sum()) - exact) <= Double(m.count).squareRoot() * Double(Float.ulpOfOne) * magnitude)
  }

  @Test func frobeniusNormDoesNotOverflow() throws {
    let big = try Matrix<Float>([[3e30, 4e30]])
    #expect(isClose(big.frobeniusNorm(), 5e30, relative: 1e-6))
    let tiny = try Matrix<Double>([[3e-200, 4e-200]])
    #expect(isClose(tiny.frobeniusNorm(), 5e-200, relative: 1e-15))
  }

  @Test func conversionAndFiniteness() throws {
    let m = try Matrix<Float>([[1.5, -2]])
    #expect(m.converted(to: Double.self).nested == [[1.5, -2]])
    #expect(m.isFinite)
    #expect(!(try Matrix<Float>([[1, .nan]])).isFinite)
  }
}

@Suite("The short side's Gram matrix")
struct ShortSideGramTests {
  /// Shapes on both sides of the 128-wide block columns, tall and wide: the full product to
  /// rounding (k·ε·Σ|aᵢbᵢ| bounds any order of the sum), and exactly symmetric.
  @Test("Equals the full product AᵀA or AAᵀ, exactly symmetric", arguments: [(300, 7), (7, 300), (260, 131), (131, 260), (129, 129), (1, 5), (5, 1)])
  func againstFullProduct(rows: Int, columns: Int) throws {
    let a = Matrix<Double>.gaussian(rows: rows, columns: columns, seed: 3)
    let full = rows >= columns ? try Matrix.product(a, .transposed, a, .normal) : try Matrix.product(a, .normal, a, .transposed)
    let g = a.shortSideGram()
    try #require(g.rows == min(rows, columns) && g.columns == g.rows)
    let absolute = rows >= columns ? a.map(abs).gram() : a.map(abs).transposed().gram()
    let depth = Double(max(rows, columns))
    for i in 0..<g.rows {
      for j in 0..<g.rows {
        #expect(g[i, j] == g[j, i], "(\(i), \(j)) not symmetric")
        #expect(abs(g[i, j] - full[i, j]) <= depth * Double.ulpOfOne * absolute[i, j], "(\(i), \(j)): \(g[i, j]) vs \(full[i, j])")
      }
    }
  }

  @Test("Against the reference sum Σᵣ AᵣᵢAᵣⱼ")
  func againstReference() throws {
    let a = try Matrix<Double>([[1, 2, 0], [3, -1, 4]])   // wide: AAᵀ is 2 × 2
    #expect(a.shortSideGram().nested == [[5, 1], [1, 26]])
    #expect(a.transposed().shortSideGram().nested == [[5, 1], [1, 26]])
  }
}
