// The Swift side of the side-by-side comparison with scripts/perf/survival_r.R and
// scripts/perf/survival_numpy.py: the same data (generated in memory, identical to the
// CSV that `survival-data` writes), each step timed as the scripts time theirs (wall
// clock, median of 3 runs), and the numbers printed as JSON for the comparison.
//
//     swift run -c release --package-path Benchmarks survival-pipeline [n per arm …]
import Foundation
import SurvivalBenchmarkData

/// Wall-clock and CPU (user + system, this process) seconds of `body`.
func seconds(_ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
    func cpuNow() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
    let start = DispatchTime.now().uptimeNanoseconds, cpuStart = cpuNow()
    try body()
    return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, cpuNow() - cpuStart)
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

let sizes = CommandLine.arguments.count > 1 ? CommandLine.arguments.dropFirst().compactMap { Int($0) } : [10_000, 100_000, 1_000_000]
let encoder = JSONEncoder()
encoder.outputFormatting = [.sortedKeys]
for n in sizes {
    let data = TwoArmTrial(perArm: n)
    var km: [(wall: Double, cpu: Double)] = [], lr = km, cox = km
    for _ in 0..<3 {
        km.append(seconds { _ = SurvivalPipeline.kaplanMeier(data).map(\.median) })
        lr.append(try seconds { _ = try SurvivalPipeline.logRank(data) })
        cox.append(try seconds { _ = try SurvivalPipeline.cox(data) })
    }
    let result = try SurvivalPipeline.run(data)
    func times(_ key: String, _ pick: ((wall: Double, cpu: Double)) -> Double) -> String {
        let (a, b, c) = (median(km.map(pick)), median(lr.map(pick)), median(cox.map(pick)))
        return String(format: "\"%@\":{\"km\":%.6f,\"logrank\":%.6f,\"cox\":%.6f,\"total\":%.6f}", key, a, b, c, a + b + c)
    }
    let timing = times("seconds", \.wall) + "," + times("cpu_seconds", \.cpu)
    let numbers = String(decoding: try encoder.encode(result), as: UTF8.self)
    print("{\"tool\":\"swift\",\"per_arm\":\(n),\(timing),\"result\":\(numbers)}")
}
