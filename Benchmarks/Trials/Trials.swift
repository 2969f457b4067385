// Replicate-trial simulation (issue 6): `nensim trial --arms sunitinib,placebo --n 171
// --replicates 10000` without process start and file writing — simulation of every
// replicate plus its Cox, log-rank and Kaplan–Meier analysis, and the summary.
import Benchmark
import Foundation
import NENSim

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .peakMemoryResident],
        timeUnits: .milliseconds,
        maxDuration: .seconds(5),
        maxIterations: 10
    )
    let calibrator = Calibrator(catalogue: try! EvidenceCatalogue.bundled())
    let sunitinib = try! calibrator.model(for: "sunitinib")
    let placebo = try! calibrator.model(for: "placebo")
    let design = TrialDesign(patients: 171)
    for threads in [1, 2] {
        Benchmark("sunitinib vs placebo, n 171, 10000 replicates, \(threads) thread(s)") { benchmark in
            let request = TrialRequest(experimental: sunitinib, control: placebo, design: design, replicates: 10_000,
                                       seed: 1, threads: threads)
            benchmark.startMeasurement()
            let result = TrialSimulator.run(request)
            blackHole(TrialSummary(result.replicates, alpha: 0.05))
        }
    }
}
