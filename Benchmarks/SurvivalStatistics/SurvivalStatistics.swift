// Survival statistics on a two-arm trial (Benchmarks/SurvivalBenchmarkData): Kaplan–Meier
// per arm with the medians, the log-rank test, and the Cox model of arm (Efron ties),
// separately and together, at 10⁴, 10⁵ and 10⁶ records per arm (the size is the tag).
//
// The data are generated before `benchmark.startMeasurement()` (exponential times,
// administrative censoring; see `TwoArmTrial`) and are identical to the CSVs that
// `survival-data` writes for the R and numpy scripts in scripts/perf/. One iteration is
// one full analysis; wall clock in milliseconds. Results: docs/PERFORMANCE.md.
import Benchmark
import SurvivalBenchmarkData
import SurvivalStats

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(10),
        maxIterations: 30
    )

    for n in [10_000, 100_000, 1_000_000] {
        let label = n == 10_000 ? "10^4" : n == 100_000 ? "10^5" : "10^6"
        let tags = ["per arm": label]
        Benchmark("Kaplan–Meier + medians", configuration: .init(tags: tags)) { benchmark in
            let data = TwoArmTrial(perArm: n)
            benchmark.startMeasurement()
            let curves = SurvivalPipeline.kaplanMeier(data)
            blackHole(curves.map(\.median))
        }
        Benchmark("log-rank", configuration: .init(tags: tags)) { benchmark in
            let data = TwoArmTrial(perArm: n)
            benchmark.startMeasurement()
            blackHole(try SurvivalPipeline.logRank(data).chiSquare)
        }
        Benchmark("Cox (arm, Efron)", configuration: .init(tags: tags)) { benchmark in
            let data = TwoArmTrial(perArm: n)
            benchmark.startMeasurement()
            blackHole(try SurvivalPipeline.cox(data).coefficients)
        }
        Benchmark("pipeline: KM + log-rank + Cox", configuration: .init(tags: tags)) { benchmark in
            let data = TwoArmTrial(perArm: n)
            benchmark.startMeasurement()
            blackHole(try SurvivalPipeline.run(data))
        }
    }
}
