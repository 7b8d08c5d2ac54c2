// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets, built apart from the main package because libFuzzer brings its own `main`:
//   swift build --package-path Fuzz --scratch-path .build-fuzz --sanitize=fuzzer --sanitize=address
// `Fuzz/run` builds and runs them (README.md, "Fuzzing").
let package = Package(
    name: "gridflow-fuzz",
    dependencies: [.package(name: "gridflow", path: "..")],
    targets: [
        .executableTarget(
            name: "FuzzExpressions", dependencies: [.product(name: "GridflowFuzzing", package: "gridflow")]),
        .executableTarget(
            name: "FuzzDefinitions", dependencies: [.product(name: "GridflowFuzzing", package: "gridflow")]),
    ],
    swiftLanguageModes: [.v6]
)
