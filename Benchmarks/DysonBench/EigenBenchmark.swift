func eigenSuite(filter: String?) -> [BenchResult] { [] }
