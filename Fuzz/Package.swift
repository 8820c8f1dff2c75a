// swift-tools-version:6.0
// Fuzz harnesses for Dyson's readers of untrusted bytes (libFuzzer, built into the Swift
// toolchain). Not part of the Dyson package: Fuzz/run.sh builds this package with
// -sanitize=fuzzer,address and runs each harness on its corpus (Fuzz/README.md).
import PackageDescription

let package = Package(
  name: "DysonFuzz",
  dependencies: [.package(name: "Dyson", path: "..")],
  targets: [
    .executableTarget(
      name: "dyson-fuzz",
      dependencies: [
        .product(name: "DysonCore", package: "Dyson"), .product(name: "DysonIO", package: "Dyson"),
        .product(name: "DysonRMT", package: "Dyson"), .product(name: "DysonModels", package: "Dyson"),
        .product(name: "DysonExperiments", package: "Dyson"),
      ],
      path: "Sources/DysonFuzz"),
  ],
  swiftLanguageModes: [.v6]
)
