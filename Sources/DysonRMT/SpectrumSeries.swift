/// The spectra of an ensemble of training runs: for every run, recorded step and group, the
/// eigenvalues of each of the group's matrices. A group is what the papers pool: the key matrices
/// of one layer's heads, say, or a single matrix. Every run has the same steps and groups.
///
/// The input of `SpectralDynamics.analyse`, whether the spectra were recorded during training (the
/// GPT study) or read from checkpoints (`dyson dynamics`).
public struct SpectrumSeries: Sendable, Codable, Equatable {
  /// A group of matrices whose eigenvalues are pooled: each matrix is M × N (N ≤ M), and its
  /// spectrum has N eigenvalues (of WᵀW), or N = M of a symmetric matrix.
  public struct Group: Sendable, Codable, Hashable {
    /// How the group is named in results ("layer 0 key", "blocks.0.attn.c_attn").
    public let name: String
    /// The long side M of each matrix (for the Marchenko–Pastur law).
    public let rows: Int
    /// The short side N: eigenvalues per matrix.
    public let columns: Int
    /// Matrices in the group.
    public let matrices: Int

    /// A group of `matrices` matrices of `rows` × `columns`.
    public init(name: String, rows: Int, columns: Int, matrices: Int) {
      self.name = name
      self.rows = rows
      self.columns = columns
      self.matrices = matrices
    }
  }

  /// The recorded training steps, ascending.
  public let steps: [Int]
  /// The groups, in the order of the analysis.
  public let groups: [Group]
  /// values[run][step][group][matrix]: ascending eigenvalues.
  private(set) var values: [[[[[Double]]]]]
  /// The same for each matrix with its entries shuffled, when recorded.
  private(set) var shuffled: [[[[[Double]]]]]?

  /// Checks that every run has every step and group with the group's matrices, each of N
  /// eigenvalues; throws a message naming the first that does not.
  public init(steps: [Int], groups: [Group], values: [[[[[Double]]]]], shuffled: [[[[[Double]]]]]? = nil) throws(SpectrumSeriesError) {
    self.steps = steps
    self.groups = groups
    self.values = values
    self.shuffled = shuffled
    try check(values, "")
    if let shuffled {
      guard shuffled.count == values.count else { throw SpectrumSeriesError("\(shuffled.count) runs of shuffled spectra for \(values.count) runs") }
      try check(shuffled, "shuffled ")
    }
  }

  private func check(_ v: [[[[[Double]]]]], _ kind: String) throws(SpectrumSeriesError) {
    for (r, run) in v.enumerated() {
      guard run.count == steps.count else { throw SpectrumSeriesError("run \(r) has \(kind)spectra at \(run.count) steps, not \(steps.count)") }
      for (s, step) in run.enumerated() {
        guard step.count == groups.count else { throw SpectrumSeriesError("run \(r), step \(steps[s]): \(step.count) groups, not \(groups.count)") }
        for (g, matrices) in step.enumerated() {
          let group = groups[g]
          guard matrices.count == group.matrices, matrices.allSatisfy({ $0.count == group.columns }) else {
            throw SpectrumSeriesError("run \(r), step \(steps[s]), group \(group.name): \(kind)spectra of \(matrices.map(\.count)) eigenvalues, not \(group.matrices) × \(group.columns)")
          }
        }
      }
    }
  }

  /// The number of runs.
  public var runs: Int { values.count }
  /// Whether the spectra of the shuffled matrices were recorded too.
  public var hasShuffled: Bool { shuffled != nil }

  /// The spectra of `group` at the `step`-th recorded step of `run`, one per matrix.
  public func spectra(run: Int, step: Int, group: Int) -> [[Double]] { values[run][step][group] }

  /// The shuffled counterparts, or nil when not recorded.
  public func shuffledSpectra(run: Int, step: Int, group: Int) -> [[Double]]? { shuffled?[run][step][group] }

  /// The runs in `range`: a shard's part, or the runs that did not fail.
  public func runs(_ indices: [Int]) -> SpectrumSeries {
    // Every run already passed the checks.
    try! SpectrumSeries(steps: steps, groups: groups, values: indices.map { values[$0] }, shuffled: shuffled.map { s in indices.map { s[$0] } })
  }

  /// The series of several shards' runs, in the order given; their steps and groups must agree.
  public static func joining(_ parts: [SpectrumSeries]) throws(SpectrumSeriesError) -> SpectrumSeries {
    guard let first = parts.first else { throw SpectrumSeriesError("no runs to join") }
    for p in parts where p.steps != first.steps || p.groups != first.groups {
      throw SpectrumSeriesError("the parts were recorded at different steps or for different groups")
    }
    let withShuffled = parts.allSatisfy(\.hasShuffled)
    return try SpectrumSeries(steps: first.steps, groups: first.groups, values: parts.flatMap(\.values),
                              shuffled: withShuffled ? parts.flatMap { $0.shuffled! } : nil)
  }
}

/// A series whose shapes do not agree.
public struct SpectrumSeriesError: Error, CustomStringConvertible, Sendable {
  /// What does not agree, in one line.
  public let description: String
  /// An error saying `description`.
  public init(_ description: String) { self.description = description }
}
