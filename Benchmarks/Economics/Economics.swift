// Health economics throughput (docs/ECONOMICS.md, docs/PERFORMANCE.md "Health economics"):
// patient histories with costs, QALYs and life-years accrued (the bundled example inputs,
// data/economics-example.json), against the same simulation without them; and the PSA
// of `run --psa 1000 --economics` for two arms × 10⁴ patients: every draw simulated with
// costs and reported, then the CE plane, CEAC and EVPI. Setup (calibration, the PSA
// draws) happens before `benchmark.startMeasurement()`.
import Benchmark
import Foundation
import NENSim

let mission = ["ssa", "everolimus", "sunitinib", "prrt", "tace", "rfa"]
let catalogue = try! EvidenceCatalogue.bundled()
let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("data/economics-example.json").path

func models(_ ids: [String]) -> [ArmModel] {
    let calibrator = Calibrator(catalogue: catalogue)
    return ids.map { try! calibrator.model(for: $0) }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .throughput, .peakMemoryResident],
        timeUnits: .milliseconds,
        maxDuration: .seconds(4),
        maxIterations: 20
    )
    let inputs = try! EconomicInputs.load(path: example)

    // The six mission arms × 10⁶ patients, with and without costs, on 1 and 2 threads.
    for threads in [1, 2] {
        for costs in [false, true] {
            let arms = models(mission)
            Benchmark("six arms × 10⁶ patients, \(costs ? "with costs" : "no costs"), \(threads) thread(s)") { benchmark in
                var request = SimulationRequest(arms: arms, patientsPerArm: 1_000_000, seed: 1, threads: threads, recordLimit: 0)
                if costs { request.economics = inputs }
                benchmark.startMeasurement()
                blackHole(Engine.run(request))
            }
        }
    }

    // `run --psa 1000 --economics` of prrt and everolimus, 10⁴ patients per arm (2 × 10⁷
    // histories): the base run, 1000 draws each simulated with costs and reported, and
    // the economic report with the CEAC and EVPI.
    let psaArms = ["prrt", "everolimus"]
    let draws = try! PSA.sample(catalogue: catalogue, arms: psaArms, K: 1000, seed: 1)
    for threads in [2] {
        Benchmark("PSA 1000 draws × 2 arms × 10⁴ patients with costs, \(threads) threads",
                  configuration: .init(maxDuration: .seconds(20), maxIterations: 5)) { benchmark in
            var request = SimulationRequest(arms: models(psaArms), patientsPerArm: 10_000, seed: 1, threads: threads, recordLimit: 0)
            request.economics = inputs
            benchmark.startMeasurement()
            let result = Engine.run(request)
            let base = try! Reporter.report(result, reference: "prrt", tau: nil)
            let psa = try! RunPSA.run(base: base, draws: draws, request: request, reference: "prrt", tau: nil)
            blackHole(psa.psa)
            blackHole(EconomicsScenario(inputs: inputs).report(result, reference: "prrt", psaDraws: psa.economics))
        }
        // The same draws' simulations alone (no per-draw statistics report): the economics' share.
        Benchmark("PSA 1000 draws × 2 arms × 10⁴ patients, simulation with costs only, \(threads) threads",
                  configuration: .init(maxDuration: .seconds(20), maxIterations: 5)) { benchmark in
            var request = SimulationRequest(arms: models(psaArms), patientsPerArm: 10_000, seed: 1, threads: threads, recordLimit: 0)
            request.economics = inputs
            benchmark.startMeasurement()
            for d in draws {
                var r = request
                r.arms = d.arms
                blackHole(Engine.run(r))
            }
        }
    }
}
