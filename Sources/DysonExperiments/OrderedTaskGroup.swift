/// Runs `body(0)`, …, `body(count − 1)` in a task group, at most `width` at a time, and returns
/// the results in index order — so an ensemble's records are the same whatever the number of
/// workers. `completed` sees each result as it arrives (progress, checkpoints). No new item starts once an
/// interrupt is requested; the items already running finish, then `Interrupted` is thrown.
func orderedTaskGroup<T: Sendable>(
  count: Int, width: Int, _ body: @escaping @Sendable (Int) async throws -> T,
  completed: (Int, T) throws -> Void = { _, _ in }
) async throws -> [T] {
  try await withThrowingTaskGroup(of: (Int, T).self) { group in
    var results = [T?](repeating: nil, count: count)
    var next = 0
    func launch() throws {
      try Interruption.check()
      let k = next
      group.addTask { (k, try await body(k)) }
      next += 1
    }
    while next < min(max(width, 1), count) { try launch() }
    for try await (k, result) in group {
      results[k] = result
      try completed(k, result)
      if next < count { try launch() }
    }
    return results.map { $0! }
  }
}
