import Foundation
import Synchronization
import Testing
@testable import NENSim

/// A sink that records what a computation reports (docs/ARCHITECTURE.md, "Progress").
final class RecordingSink: ProgressSink {
    struct Phase: Equatable { var phase: ProgressPhase; var total: Int; var done: Int }
    private let phases = Mutex<[Phase]>([])

    func begin(_ phase: ProgressPhase, total: Int) { phases.withLock { $0.append(Phase(phase: phase, total: total, done: 0)) } }
    func advance(_ count: Int) { phases.withLock { $0[$0.count - 1].done += count } }
    var recorded: [Phase] { phases.withLock { $0 } }
}

struct ProgressTests {
    /// Two arms against a reference: four KM fits and two comparisons, every one reported.
    @Test func runStatisticsReportEveryStepTheyAnnounce() throws {
        let request = SimulationRequest(arms: [EngineTests.model(id: "a", median: 20), EngineTests.model(id: "b", median: 8)],
                                        patientsPerArm: 500, seed: 1)
        let sink = RecordingSink()
        _ = try Reporter.report(Engine.run(request), reference: "a", progress: sink)
        #expect(sink.recorded == [.init(phase: .statistics, total: 6, done: 6)])
        let alone = RecordingSink()
        _ = try Reporter.report(Engine.run(request), reference: nil, progress: alone)
        #expect(alone.recorded == [.init(phase: .statistics, total: 4, done: 4)])
    }

    /// Two pathways of two lines: (3 endpoints + 2 lines) each and 3 comparisons.
    @Test func pathwayStatisticsReportEveryStepTheyAnnounce() throws {
        let a = EngineTests.model(id: "a", median: 20), b = EngineTests.model(id: "b", median: 8)
        let request = PathwayRequest(pathways: [PathwayTests.pathway([a, b]), PathwayTests.pathway([b, a])],
                                     simulation: SimulationRequest(arms: [], patientsPerArm: 500, seed: 1))
        let sink = RecordingSink()
        sink.begin(.simulating, total: 1_000)
        _ = try PathwayReporter.report(PathwayEngine.run(request, progress: sink.callback), progress: sink)
        #expect(sink.recorded == [.init(phase: .simulating, total: 1_000, done: 1_000), .init(phase: .statistics, total: 13, done: 13)])
    }

    /// The engines' per-block callback adds up to every patient simulated.
    @Test func engineCallbackCountsEveryPatient() {
        let request = SimulationRequest(arms: [EngineTests.model(id: "a")], patientsPerArm: 3_000, seed: 2)
        let sink = RecordingSink()
        sink.begin(.simulating, total: 3_000)
        _ = Engine.run(request, progress: sink.callback)
        #expect(sink.recorded == [.init(phase: .simulating, total: 3_000, done: 3_000)])
    }
}
