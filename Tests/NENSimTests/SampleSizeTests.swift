import Foundation
import SurvivalStats
import Testing
@testable import NENSim

/// rpact's `getSampleSizeSurvival` for exponential arms (`Tests/Fixtures/R/make_rpact_fixtures.R`,
/// rpact 3.3.4): `getSampleSizeSurvival(design, lambda2 = log(2)/m0, hazardRatio, accrualTime
/// = c(0, A), followUpTime = F, allocationRatioPlanned = r)`, its `maxNumberOfEvents` and
/// `maxNumberOfSubjects`.
@Suite struct SampleSizeTests {
    static let rows: [[String: String]] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/R/out-rpact/samplesize.csv")
        let lines = try! String(contentsOf: url, encoding: .utf8).split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
    }()

    @Test("Schoenfeld events and patients equal rpact's to 1e-6 (relative)", arguments: rows.map { $0["case"]! })
    func schoenfeldMatchesRpact(_ id: String) throws {
        let row = try #require(Self.rows.first { $0["case"] == id })
        func x(_ k: String) -> Double { Double(row[k]!)! }
        let m0 = x("median_control"), hr = x("hazard_ratio")
        let sides = Int(row["sided"]!)!
        let plan: SequentialPlan? = row["design"] == "asOF"
            ? SequentialPlan(informationRates: [0.5, 0.75, 1], sides: sides, spending: .obrienFleming, beta: x("beta")) : nil
        let design = TrialDesign(patients: 2, ratio: AllocationRatio(experimental: Int(row["ratio"]!)!, control: 1),
                                 accrual: x("accrual"), followUp: x("follow_up"), alpha: x("alpha"), sequential: plan)
        let drift = try plan.map { try $0.boundaries(alpha: x("alpha")).drift }
        let s = SchoenfeldSampleSize(experimental: TrialTests.exponential("e", median: m0 / hr),
                                     control: TrialTests.exponential("c", median: m0), design: design, sides: sides,
                                     power: 1 - x("beta"), drift: drift)
        #expect(s.proportionalHazards && s.exponentialArms)
        #expect(abs(s.hazardRatio - hr) <= 1e-12)
        #expect(abs(s.eventsFixed / x("events_fixed") - 1) <= 1e-6, "\(s.eventsFixed) vs \(x("events_fixed"))")
        #expect(abs(s.events / x("events") - 1) <= 1e-6, "\(s.events) vs \(x("events"))")
        #expect(abs(s.patients / x("subjects") - 1) <= 1e-6, "\(s.patients) vs \(x("subjects"))")
    }

    /// Weibull arms of one shape ≠ 1 have proportional hazards but are not rpact's
    /// exponential model: the report says rpact's n would differ instead of claiming it.
    @Test func weibullArmsAreNotCalledRpactsModel() {
        let design = TrialDesign(patients: 2, accrual: 12, followUp: 12, alpha: 0.05)
        let s = SchoenfeldSampleSize(experimental: EngineTests.model(id: "e", median: 12, shape: 1.3),
                                     control: EngineTests.model(id: "c", median: 6, shape: 1.3), design: design, sides: 2,
                                     power: 0.9, drift: nil)
        #expect(s.proportionalHazards && !s.exponentialArms)
    }

    /// The search returns a size whose simulated power reaches the target while one
    /// step below does not, both with MC SEs; exponential arms (HR 0.5) so Schoenfeld's
    /// n is close.
    @Test func searchBracketsTheTargetPower() throws {
        let template = TrialDesign(patients: 2, accrual: 12, followUp: 12, alpha: 0.05)
        let search = try SampleSizeSearch.run(experimental: TrialTests.exponential("e", median: 12),
                                              control: TrialTests.exponential("c", median: 6), template: template, sides: 2,
                                              power: 0.8, replicates: 400, seed: 3, threads: 2, step: 4)
        let chosen = try #require(search.chosen), below = try #require(search.below)
        #expect(chosen.patients - below.patients == 4)
        #expect(try #require(chosen.power.value) >= 0.8)
        #expect(try #require(below.power.value) < 0.8)
        #expect(chosen.power.mcse != nil && below.power.mcse != nil)
        // Schoenfeld's n is approximate, but not far off for exponential arms.
        #expect(abs(Double(chosen.patients) / search.schoenfeld.patients - 1) < 0.25)
    }
}
