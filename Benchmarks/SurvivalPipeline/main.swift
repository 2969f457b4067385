// The Swift side of the side-by-side comparison with scripts/perf/survival_r.R and
// scripts/perf/survival_numpy.py: the same data (generated in memory, identical to the
// CSV that `survival-data` writes), each step timed as the scripts time theirs (wall
// clock, median of 3 runs), and the numbers printed as JSON for the comparison.
//
//     swift run -c release --package-path Benchmarks survival-pipeline [n per arm …]
import Foundation
import SurvivalBenchmarkData

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

let sizes = CommandLine.arguments.count > 1 ? CommandLine.arguments.dropFirst().compactMap { Int($0) } : [10_000, 100_000, 1_000_000]
let encoder = JSONEncoder()
encoder.outputFormatting = [.sortedKeys]
for n in sizes {
    let data = TwoArmTrial(perArm: n)
    var km: [Double] = [], lr: [Double] = [], cox: [Double] = []
    for _ in 0..<3 {
        km.append(seconds { _ = SurvivalPipeline.kaplanMeier(data).map(\.median) })
        lr.append(try seconds { _ = try SurvivalPipeline.logRank(data) })
        cox.append(try seconds { _ = try SurvivalPipeline.cox(data) })
    }
    let result = try SurvivalPipeline.run(data)
    let timing = String(format: "\"seconds\":{\"km\":%.6f,\"logrank\":%.6f,\"cox\":%.6f,\"total\":%.6f}",
                        median(km), median(lr), median(cox), median(km) + median(lr) + median(cox))
    let numbers = String(decoding: try encoder.encode(result), as: UTF8.self)
    print("{\"tool\":\"swift\",\"per_arm\":\(n),\(timing),\"result\":\(numbers)}")
}
