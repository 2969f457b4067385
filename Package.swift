// swift-tools-version: 6.1
// nensim — outcome simulation and survival statistics for GEP neuroendocrine neoplasms.
// Dependencies point one way: nensim (CLI) → NENSim (domain) → SurvivalStats → CLinearAlgebra.
import PackageDescription

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
        // Vectorisable array kernels of the engine's hot loop (Philox, log, exp).
        .target(name: "CKernels"),
        .target(
            name: "SurvivalStats",
            dependencies: ["CLinearAlgebra"]
        ),
        .target(
            name: "NENSim",
            dependencies: ["SurvivalStats", "CLinearAlgebra", "CKernels"],
            resources: [.embedInCode("Resources/evidence.json")]
        ),
        .executableTarget(
            name: "nensim",
            dependencies: [
                "NENSim", "SurvivalStats",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "SurvivalStatsTests", dependencies: ["SurvivalStats"]),
        .testTarget(name: "NENSimTests", dependencies: ["NENSim", "SurvivalStats", "CKernels"]),
        .testTarget(name: "nensimTests", dependencies: ["nensim", "NENSim"]),
    ]
)
