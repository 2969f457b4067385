// swift-tools-version: 6.1
// Benchmarks for nensim, as a package of their own so that the benchmark machinery
// (ordo-one/benchmark and its malloc interposer) stays out of the main build and of
// CI's `swift test`. Run from this folder:
//
//     swift package --allow-writing-to-package-directory benchmark --target RandomStreams
//
// See README.md here and docs/PERFORMANCE.md.
import PackageDescription

let package = Package(
    name: "nensim-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "nensim", path: ".."),
        // The package was renamed ordo-one/benchmark; both names resolve to the same
        // repository. Only the MallocInterposer trait: the default set also enables
        // RuntimeInterposer, which on Linux with Swift 6.3 pulls in
        // ordo-one/swift-runtime-interposer (ARC counters), a package we do not use.
        .package(
            url: "https://github.com/ordo-one/package-benchmark", from: "1.29.0",
            traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "RandomStreams",
            dependencies: [
                .product(name: "NENSim", package: "nensim"),
                .product(name: "Benchmark", package: "package-benchmark"),
            ],
            path: "RandomStreams",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        .executableTarget(
            name: "Simulation",
            dependencies: [
                .product(name: "NENSim", package: "nensim"),
                .product(name: "Benchmark", package: "package-benchmark"),
            ],
            path: "Simulation",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        // Survival statistics (KM, log-rank, Cox) on a simulated two-arm trial; the data
        // and the pipeline live in a small library shared with the two tools below.
        .target(
            name: "SurvivalBenchmarkData",
            dependencies: [.product(name: "SurvivalStats", package: "nensim")],
            path: "SurvivalBenchmarkData"
        ),
        .executableTarget(
            name: "SurvivalStatistics",
            dependencies: [
                "SurvivalBenchmarkData",
                .product(name: "SurvivalStats", package: "nensim"),
                .product(name: "Benchmark", package: "package-benchmark"),
            ],
            path: "SurvivalStatistics",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        // `survival-data DIR`: the same trials as CSV, for scripts/perf/survival_r.R and survival_numpy.py.
        .executableTarget(name: "survival-data", dependencies: ["SurvivalBenchmarkData"], path: "SurvivalData"),
        // `survival-pipeline`: the Swift side of the side-by-side (median of 3, as the scripts).
        .executableTarget(name: "survival-pipeline", dependencies: ["SurvivalBenchmarkData"], path: "SurvivalPipeline"),
        .executableTarget(
            name: "Economics",
            dependencies: [
                .product(name: "NENSim", package: "nensim"),
                .product(name: "Benchmark", package: "package-benchmark"),
            ],
            path: "Economics",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        .executableTarget(
            name: "Trials",
            dependencies: [
                .product(name: "NENSim", package: "nensim"),
                .product(name: "Benchmark", package: "package-benchmark"),
            ],
            path: "Trials",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
    ]
)
