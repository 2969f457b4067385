// Simulation throughput of the Monte Carlo engine: patient histories (PFS, OS, best
// response, binary outcomes) into the tally. Arms are calibrated from the bundled
// catalogue as `nensim run` does; tally mode (no exact records). One iteration is one
// whole `Engine.run`; patients per second = patients in the run / wall clock.
import Benchmark
import Foundation
import NENSim

let mission = ["ssa", "everolimus", "sunitinib", "prrt", "tace", "rfa"]

func models(_ ids: [String]) -> [ArmModel] {
    let calibrator = Calibrator(catalogue: try! EvidenceCatalogue.bundled())
    return ids.map { try! calibrator.model(for: $0) }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .throughput, .peakMemoryResident],
        timeUnits: .milliseconds,
        maxDuration: .seconds(3),
        maxIterations: 20
    )

    // All six arms of the mission, 10⁶ patients each, on 1 and 2 threads.
    for threads in [1, 2] {
        let n = 1_000_000
        let arms = models(mission)
        Benchmark("six arms × 10⁶ patients, \(threads) thread(s)") { benchmark in
            let request = SimulationRequest(arms: arms, patientsPerArm: n, seed: 1, threads: threads, recordLimit: 0)
            benchmark.startMeasurement()
            blackHole(Engine.run(request))
        }
    }

    // Each arm alone, 10⁶ patients, 1 thread.
    for id in mission {
        let arm = models([id])
        Benchmark("\(id) × 10⁶ patients, 1 thread") { benchmark in
            let request = SimulationRequest(arms: arm, patientsPerArm: 1_000_000, seed: 1, threads: 1, recordLimit: 0)
            benchmark.startMeasurement()
            blackHole(Engine.run(request))
        }
    }

    // A three-line pathway beside its three arms run as arms (1 thread, tally mode): the
    // pathway's patients go through up to three lines (ssa 100 %, prrt ≈ 98 %, everolimus
    // ≈ 81 %), so its cost per patient-line is the one to set beside an arm's per patient.
    let lines = ["ssa", "prrt", "everolimus"]
    let catalogue = try! EvidenceCatalogue.bundled()
    let lineModels = Dictionary(uniqueKeysWithValues: zip(lines, models(lines)))
    let sequence = try! Pathway(ids: lines, models: lineModels, catalogue: catalogue, settings: PathwaySettings())
    Benchmark("pathway ssa>prrt>everolimus × 10⁶ patients, 1 thread") { benchmark in
        let request = PathwayRequest(pathways: [sequence],
                                     simulation: SimulationRequest(arms: [], patientsPerArm: 1_000_000, seed: 1, threads: 1, recordLimit: 0))
        benchmark.startMeasurement()
        blackHole(PathwayEngine.run(request))
    }
    Benchmark("arms ssa, prrt, everolimus × 10⁶ patients, 1 thread") { benchmark in
        let request = SimulationRequest(arms: models(lines), patientsPerArm: 1_000_000, seed: 1, threads: 1, recordLimit: 0)
        benchmark.startMeasurement()
        blackHole(Engine.run(request))
    }

    // The run command's whole pipeline (calibrate, simulate, statistics) for the mission arms.
    Benchmark("run pipeline: six arms × 10⁵ patients, 2 threads") { benchmark in
        for _ in benchmark.scaledIterations {
            let request = SimulationRequest(arms: models(mission), patientsPerArm: 100_000, seed: 1, threads: 2, recordLimit: 0)
            let result = Engine.run(request)
            blackHole(try! Reporter.report(result, reference: "ssa"))
        }
    }
}
