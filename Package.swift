// swift-tools-version:6.0
import PackageDescription

// Targets follow the stages of the data path (README.md, "Layout"):
//   YAML text ──libyaml──▶ nodes with file:line:col        (GridflowYAML)
//             ──load────▶ definitions + diagnostics         (GridflowDefinitions)
//             ──render──▶ diagrams                          (GridflowGraph)
//             ──serve───▶ the `gridflow` command line       (gridflow)
let package = Package(
    name: "gridflow",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "gridflow", targets: ["gridflow"]),
        .library(name: "GridflowDefinitions", targets: ["GridflowDefinitions"]),
        // What the libFuzzer targets in Fuzz/ run; the tests replay its corpus through it.
        .library(name: "GridflowFuzzing", targets: ["GridflowFuzzing"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.25.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .target(name: "GridflowDiagnostics"),
        .target(name: "GridflowYAML", dependencies: ["CYAML", "GridflowDiagnostics"]),
        .target(name: "GridflowExpressions", dependencies: ["GridflowDiagnostics"]),
        .target(
            name: "GridflowDefinitions", dependencies: ["GridflowYAML", "GridflowDiagnostics", "GridflowExpressions"]),
        .target(name: "GridflowGraph", dependencies: ["GridflowDefinitions"]),
        // QR Codes (ISO/IEC 18004) as SVG: the report form's code per org node (`gridflow qr`).
        .target(name: "GridflowQR"),
        .target(
            name: "GridflowFuzzing",
            dependencies: ["GridflowDefinitions", "GridflowExpressions", "GridflowDiagnostics"]),
        .target(
            name: "GridflowRuntime",
            dependencies: [
                "GridflowDefinitions", "GridflowExpressions", "GridflowYAML", "GridflowDiagnostics",
                // SHA-256 of the daemon's bearer tokens (`TokenAuthority`).
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "GridflowStore",
            dependencies: [
                "GridflowRuntime", "GridflowExpressions", .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's own binding calls for the statements every step runs (RawStatement).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        // The shared store: the same `CaseStore` on a PostgreSQL server that several daemons use at once.
        .target(
            name: "GridflowPostgres",
            dependencies: [
                "GridflowRuntime", "GridflowExpressions",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // TLS to the server (`sslmode=require`/`prefer` in the URL).
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The daemon: the HTTP API over the engine, its scheduler, run as one service group; and
        // its pages, server-rendered HTML from Mustache templates (the workflow diagram from GridflowGraph).
        .target(
            name: "GridflowServer",
            dependencies: [
                "GridflowRuntime", "GridflowStore", "GridflowExpressions", "GridflowDefinitions", "GridflowGraph",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "gridflow",
            dependencies: [
                "GridflowServer",
                "GridflowDefinitions",
                "GridflowExpressions",
                "GridflowGraph",
                "GridflowQR",
                "GridflowRuntime",
                "GridflowStore",
                "GridflowPostgres",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "GridflowDiagnosticsTests", dependencies: ["GridflowDiagnostics"]),
        .testTarget(name: "GridflowFuzzingTests", dependencies: ["GridflowFuzzing"]),
        .testTarget(name: "GridflowYAMLTests", dependencies: ["GridflowYAML"]),
        .testTarget(name: "GridflowExpressionsTests", dependencies: ["GridflowExpressions", "GridflowDiagnostics"]),
        .testTarget(name: "GridflowDefinitionsTests", dependencies: ["GridflowDefinitions", "GridflowGraph"]),
        .testTarget(
            name: "GridflowRuntimeTests",
            dependencies: ["GridflowRuntime", "GridflowDefinitions", "GridflowExpressions"]
        ),
        // What several test targets share (temporary files removed at exit).
        .target(name: "GridflowTestSupport", path: "Tests/GridflowTestSupport"),
        .testTarget(
            name: "GridflowStoreTests",
            dependencies: [
                "GridflowTestSupport", "GridflowStore", "GridflowRuntime", "GridflowDefinitions", "GridflowExpressions",
                .product(name: "GRDB", package: "GRDB.swift"),
                // The same store tests on the PostgreSQL store (`StoreKind`).
                "GridflowPostgres", .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "GridflowPostgresTests",
            dependencies: [
                "GridflowPostgres", "GridflowStore", "GridflowRuntime", "GridflowExpressions",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "GridflowServerTests",
            dependencies: ["GridflowServer", "GridflowExpressions", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "GridflowQRTests", dependencies: ["GridflowQR"]),
        .testTarget(
            name: "GridflowCLITests",
            dependencies: [
                "GridflowTestSupport", "gridflow", "GridflowStore", "GridflowPostgres", "GridflowRuntime",
                "GridflowExpressions",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
