import Foundation
import Testing
@testable import NENSim

/// The invariant checks (docs/ARCHITECTURE.md, "Invariants") that CI compiles in.
struct InvariantTests {
    /// `NENSIM_INVARIANTS=1` in the build's environment compiles the checks in: CI runs
    /// the suite so, and this fails there if the variable stopped reaching the build.
    @Test func theChecksAreCompiledInWhenTheBuildAsks() {
        if ProcessInfo.processInfo.environment["NENSIM_INVARIANTS"] == "1" { #expect(Invariants.compiledIn) }
    }

    /// A tally of a real run holds; one that counts a patient twice, misses one among
    /// the response tiers or has an impossible binary-outcome count is named.
    @Test func aTallyThatMiscountsPatientsIsNamed() throws {
        let request = SimulationRequest(arms: [EngineTests.model()], patientsPerArm: 500, seed: 3, threads: 1)
        let tally = try #require(Engine.run(request).tallies.first)
        #expect(tally.invariantViolations().isEmpty)

        var twice = tally
        twice.pfs.events[0] += 1
        #expect(twice.invariantViolations() == ["PFS events + censored ≠ 500 patients"])
        var tiers = tally
        tiers.responseTiers[0] += 1
        #expect(tiers.invariantViolations() == ["response tiers count 501 of 500 patients"])
        var binary = tally
        binary.binaryOutcomes[0] = 501
        #expect(binary.invariantViolations() == ["a binary outcome outside 0 … 500"])
    }
}
