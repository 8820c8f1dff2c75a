// swift-tools-version:6.0
// Dyson: SGD and the spectra of weight matrices, in pure Swift.
// No dependencies and no compiler flags in any target, so another package can depend on the
// libraries. The fast build passes the CPU on the command line instead (see README).
import PackageDescription

let package = Package(
  name: "Dyson",
  products: [
    .library(name: "DysonCore", targets: ["DysonCore"]),
    .library(name: "DysonRMT", targets: ["DysonRMT"]),
    .executable(name: "dyson", targets: ["dyson"]),
  ],
  targets: [
    .target(name: "DysonCore"),
    .target(name: "DysonRMT", dependencies: ["DysonCore"]),
    .executableTarget(name: "dyson", dependencies: ["DysonCore", "DysonRMT"]),
    .executableTarget(name: "dyson-bench", dependencies: ["DysonCore"], path: "Benchmarks/DysonBench"),
    .target(name: "DysonTestSupport", dependencies: ["DysonCore"], path: "Tests/DysonTestSupport"),
    .testTarget(name: "DysonCoreTests", dependencies: ["DysonCore", "DysonTestSupport"]),
    .testTarget(name: "DysonRMTTests", dependencies: ["DysonRMT", "DysonCore", "DysonTestSupport"]),
  ],
  swiftLanguageModes: [.v6]
)
