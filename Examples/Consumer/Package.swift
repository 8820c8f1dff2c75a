// swift-tools-version:6.0
// A package that uses Dyson as a library, as any other package would: by dependency, no flags.
// .ci/run builds it in release and runs it; it exits non-zero when a number is off.
import PackageDescription

let package = Package(
  name: "Consumer",
  dependencies: [.package(name: "Dyson", path: "../..")],
  targets: [
    .executableTarget(name: "Consumer", dependencies: [
      .product(name: "DysonCore", package: "Dyson"),
      .product(name: "DysonRMT", package: "Dyson"),
      .product(name: "DysonIO", package: "Dyson"),
      .product(name: "DysonModels", package: "Dyson"),
      .product(name: "DysonExperiments", package: "Dyson"),
    ]),
  ],
  swiftLanguageModes: [.v6]
)
