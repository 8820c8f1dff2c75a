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
    .library(name: "DysonIO", targets: ["DysonIO"]),
    .library(name: "DysonPlot", targets: ["DysonPlot"]),
    .library(name: "DysonModels", targets: ["DysonModels"]),
    .library(name: "DysonExperiments", targets: ["DysonExperiments"]),
    .executable(name: "dyson", targets: ["dyson"]),
  ],
  targets: [
    .target(name: "DysonCore"),
    .target(name: "DysonRMT", dependencies: ["DysonCore"]),
    .target(name: "DysonIO"),
    .target(name: "DysonPlot"),
    .target(name: "DysonModels", dependencies: ["DysonCore"]),
    .target(name: "DysonExperiments", dependencies: ["DysonCore", "DysonModels", "DysonRMT", "DysonIO", "DysonPlot"]),
    .executableTarget(name: "dyson", dependencies: ["DysonCore", "DysonRMT", "DysonIO", "DysonPlot", "DysonModels", "DysonExperiments"]),
    .executableTarget(name: "train-rbm", dependencies: ["DysonModels", "DysonRMT"], path: "Examples/TrainRBM"),
    .executableTarget(name: "dyson-bench", dependencies: ["DysonCore", "DysonModels"], path: "Benchmarks/DysonBench"),
    .target(name: "DysonTestSupport", dependencies: ["DysonCore"], path: "Tests/DysonTestSupport"),
    .testTarget(name: "DysonCoreTests", dependencies: ["DysonCore", "DysonTestSupport"]),
    .testTarget(name: "DysonRMTTests", dependencies: ["DysonRMT", "DysonCore", "DysonIO", "DysonTestSupport"], resources: [.copy("Fixtures")]),
    .testTarget(name: "DysonIOTests", dependencies: ["DysonIO"], resources: [.copy("Fixtures")]),
    .testTarget(name: "DysonPlotTests", dependencies: ["DysonPlot"]),
    .testTarget(name: "DysonModelsTests", dependencies: ["DysonModels", "DysonCore", "DysonRMT", "DysonTestSupport"]),
    .testTarget(name: "DysonCLITests", dependencies: ["dyson", "DysonExperiments"]),
    .testTarget(name: "DysonExperimentsTests", dependencies: ["DysonExperiments", "DysonModels", "DysonIO", "DysonCore", "DysonRMT"],
                resources: [.copy("Fixtures")]),
  ],
  swiftLanguageModes: [.v6]
)
