import Testing
import DysonCore
@testable import DysonModels

@Suite("Linear teacher–student with induced noise")
struct TeacherStudentTests {
  @Test("2×2 singular values in closed form equal the SVD's")
  func singularValues() throws {
    var rng = Xoshiro256StarStar(seed: 2)
    for _ in 0..<50 {
      let m = SIMD4(rng.normal(), rng.normal(), rng.normal(), rng.normal())
      let (a, b) = TeacherStudentRun.singularValues(m)
      let svd = try SingularValueDecomposition(Matrix(rows: 2, columns: 2, elements: [m.x, m.y, m.z, m.w])).singularValues.sorted()
      #expect(abs(a - svd[0]) < 1e-12 && abs(b - svd[1]) < 1e-12)
    }
  }

  @Test("Without induced noise the student converges to the teacher; the loss is the direct average")
  func noiselessConvergence() throws {
    var c = TeacherStudentConfiguration()
    c.noise = 0
    c.batchesPerEpoch = 100
    c.epochs = 20
    let data = TeacherStudentData(c, seed: 3)
    let run = try TeacherStudentRun(c, data: data, seed: 3, stream: 0)
    #expect(abs(run.singularValues.0 - 2) < 1e-9 && abs(run.singularValues.1 - 2) < 1e-9)
    #expect(run.finalLoss < 1e-18)
    // The full-data moment is the mean of the batch moments.
    let mean = data.batchMoments.reduce(SIMD4<Double>.zero, +) / Double(data.batchMoments.count)
    #expect(abs(mean.x - data.moment[0]) < 1e-12 && abs(mean.y - data.moment[1]) < 1e-12 && abs(mean.z - data.moment[2]) < 1e-12)
  }

  @Test("Stationary spread: ⟨S⟩/σ_pred = √(2π/(2 − α)) from the linearised theory (within 4 standard errors)", arguments: [0.1, 0.4])
  func stationarySpacing(alpha: Double) throws {
    var c = TeacherStudentConfiguration()
    c.alpha = alpha
    c.batchesPerEpoch = 200
    c.epochs = 5
    // A data set per student: with one shared data set (the authors' procedure) the last batches'
    // moments Σ_j are common to all students and shift the spread of the whole ensemble by a few
    // per cent (quenched disorder); the theory is the average over data sets.
    let spacings = try (0..<3000).map { k -> Double in
      let r = try TeacherStudentRun(c, data: TeacherStudentData(c, seed: 1000 + UInt64(k)), seed: 11, stream: UInt64(k))
      return r.singularValues.1 - r.singularValues.0
    }
    let mean = spacings.reduce(0, +) / Double(spacings.count)
    let sd = (spacings.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(spacings.count - 1)).squareRoot()
    let ratio = mean / c.predictedSigma, theory = (2 * Double.pi / (2 - alpha)).squareRoot()
    let error = sd / Double(spacings.count).squareRoot() / c.predictedSigma
    print("teacher–student α = \(alpha): ⟨S⟩/σ_pred = \(ratio) ± \(error), theory \(theory)")
    #expect(abs(ratio - theory) < 4 * error)
    // Rayleigh: ⟨S²⟩/⟨S⟩² = 4/π.
    let second = spacings.reduce(0) { $0 + $1 * $1 } / Double(spacings.count)
    #expect(abs(second / (mean * mean) - 4 / Double.pi) < 0.05)
  }

  @Test("A learning rate that blows up names the update, α, |B| and ns")
  func divergence() {
    var c = TeacherStudentConfiguration()
    c.alpha = 3   // |1 − α| > 1: the error grows every update
    let data = TeacherStudentData(c, seed: 1)
    #expect { try TeacherStudentRun(c, data: data, seed: 1, stream: 0) } throws: { "\($0)".contains("alpha = 3.0") && "\($0)".contains("at update") }
  }
}
