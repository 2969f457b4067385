// Writes the benchmark's two-arm trials as CSV for the R and numpy scripts:
//
//     swift run -c release --package-path Benchmarks survival-data DIR [n per arm …]
//
// writes DIR/survival_<n>.csv (default n = 10000, 100000, 1000000).
import Foundation
import SurvivalBenchmarkData

let arguments = CommandLine.arguments.dropFirst()
guard let dir = arguments.first else {
    FileHandle.standardError.write(Data("usage: survival-data DIR [n per arm …]\n".utf8))
    exit(64)
}
let sizes = arguments.count > 1 ? arguments.dropFirst().compactMap { Int($0) } : [10_000, 100_000, 1_000_000]
try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
for n in sizes {
    let path = (dir as NSString).appendingPathComponent("survival_\(n).csv")
    try Data(TwoArmTrial(perArm: n).csv().utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    print("wrote \(path) (\(2 * n) records)")
}
