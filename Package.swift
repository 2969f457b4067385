// swift-tools-version: 6.1
// nensim — outcome simulation and survival statistics for GEP neuroendocrine neoplasms.
// Dependencies point one way: nensim (CLI) → NENSim (domain) → Figures → SurvivalStats → CLinearAlgebra.
import Foundation
import PackageDescription

// Internal invariant checks (docs/ARCHITECTURE.md, "Invariants": tallies count every
// patient once, Kaplan–Meier never rises, Cox blocks well-formed) are compiled in when
// NENSIM_INVARIANTS=1 is in the environment of the build (CI runs the tests so,
// .ci/run) or with `-Xswiftc -DNENSIM_INVARIANTS`.
let invariants: [SwiftSetting] = ProcessInfo.processInfo.environment["NENSIM_INVARIANTS"] == "1"
    ? [.define("NENSIM_INVARIANTS")] : []

let package = Package(
    name: "nensim",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "nensim", targets: ["nensim"]),
        .library(name: "NENSim", targets: ["NENSim"]),
        .library(name: "SurvivalStats", targets: ["SurvivalStats"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLinearAlgebra",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        // Cairo 2D drawing (SVG, PDF and PNG surfaces) for every figure.
        .systemLibrary(
            name: "CCairo",
            pkgConfig: "cairo",
            providers: [.apt(["libcairo2-dev"])]
        ),
        // Vectorisable array kernels of the engine's hot loop (Philox, log, exp).
        .target(name: "CKernels"),
        .target(
            name: "SurvivalStats",
            dependencies: ["CLinearAlgebra", "CKernels"],
            swiftSettings: invariants
        ),
        // One drawing API over Cairo, and the figures drawn with it (no NEN knowledge).
        .target(
            name: "Figures",
            dependencies: ["CCairo", "SurvivalStats"]
        ),
        .target(
            name: "NENSim",
            dependencies: ["SurvivalStats", "Figures", "CLinearAlgebra", "CKernels"],
            resources: [.embedInCode("Resources/evidence.json")],
            swiftSettings: invariants
        ),
        .executableTarget(
            name: "nensim",
            dependencies: [
                "NENSim", "SurvivalStats", "Figures", "CKernels",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "SurvivalStatsTests", dependencies: ["SurvivalStats"]),
        .testTarget(name: "FiguresTests", dependencies: ["Figures", "SurvivalStats"]),
        .testTarget(name: "NENSimTests", dependencies: ["NENSim", "SurvivalStats", "Figures", "CKernels"]),
        .testTarget(name: "nensimTests", dependencies: ["nensim", "NENSim", "SurvivalStats"]),
    ]
)
