import Foundation
import Testing
@testable import NENSim

/// Basis, plausibility guards and partial evidence (docs/MODEL.md, "Basis of a statistic",
/// "Plausibility guards", "Arms with partial evidence").
struct HonestOutcomesTests {
    static let catalogue = try! EvidenceCatalogue.bundled()

    func model(_ id: String, _ set: [String] = [], population: String? = nil) throws -> ArmModel {
        try Calibrator(catalogue: Self.catalogue, overrides: ModelOverrides.parse(set),
                       population: population.map(PopulationSpec.parse) ?? PopulationSpec()).model(for: id)
    }

    @Test func basisOfAStatisticIsTheWeakestOfItsParameters() {
        #expect(Basis.of([.source, .source]) == .source)
        #expect(Basis.of([.source, .external]) == .mixed)
        #expect(Basis.of([.external, .assumption]) == .assumption)
        #expect(Basis.of([]) == .notModelled)
        #expect(Basis.comparison(.source, .source) == .source)
        #expect(Basis.comparison(.source, .external) == .mixed)
        #expect(Basis.comparison(.mixed, .assumption) == .assumption)
    }

    /// The mission command: everolimus OS rests on RADIANT-3's final OS, cited.
    @Test func everolimusOSIsExternalWithItsCitation() throws {
        let e = try model("everolimus"), p = try model("prrt")
        #expect(e.basis(of: "pfs").basis == .source)
        let os = e.basis(of: "os")
        #expect(os.basis == .mixed && os.assumptions.isEmpty)
        #expect(os.citations.count == 1 && os.citations[0].contains("RADIANT-3"))
        #expect(Reporter.comparisonBasis(e, p, endpoint: "os").basis == .mixed)
        // SSA: CLARINET PFS and PROMID OS are two trials, said as such.
        #expect(try model("ssa").basis(of: "os").studySets?.contains("2 different trials") == true)
        #expect(os.studySets == nil)
    }

    @Test func anArmWithoutOSFiguresRestsOnTheAssumptionAndSaysWhatFixesIt() throws {
        let m = try model("captem", ["captem.pfs.median=12"]), ref = try model("everolimus")
        let os = m.basis(of: "os")
        #expect(os.basis == .assumption && os.assumptions == ["pps.median"])
        #expect(os.remedyParameters == ["os.median", "pps.median"] && os.remedyEvidence?.contains("OS") == true)
        let c = Reporter.comparisonBasis(m, ref, endpoint: "os")
        #expect(c.basis == .assumption && c.note.contains("captem assumption (pps.median)"))
        #expect(try model("captem", ["captem.pfs.median=12", "captem.pps.median=20"]).basis(of: "os").basis == .override)
    }

    @Test func prrtPostProgressionBelowTheFloorIsNamed() throws {
        let f = try #require(try model("prrt").findings.first { $0.kind == .shortPostProgression })
        #expect(f.parameter == "pps.median" && abs(f.value! - 3.706) < 0.01 && f.refusedWhenStrict)
        #expect(f.message.contains("prrt pps.median") && f.message.contains("below the plausibility floor"))
        // An override that leaves days of post-progression survival.
        let set = try #require(try model("prrt", ["prrt.pfs.median=31.5"]).findings.first { $0.kind == .shortPostProgression })
        #expect(set.value! < 0.25 && set.message.contains("days"))
        // Arms whose figures give a plausible post-progression survival have none.
        for id in ["everolimus", "sunitinib", "placebo", "ssa", "tace"] {
            #expect(try model(id).findings.isEmpty, "\(id)")
        }
    }

    @Test func transportBeyondTheStatedMultipleIsNamed() throws {
        let m = try model("everolimus", population: "liver_metastases=0.3")
        let f = try #require(m.findings.first { $0.kind == .transportedMedian && $0.parameter == "os.median" })
        #expect(f.value! > PlausibilityRule.maximumTransportMultiple * 44)
        #expect(try model("everolimus", population: "liver_metastases=0.9").findings.isEmpty)
    }

    @Test func populationKeysThatChangeNothingAreSaid() throws {
        let outside = try #require(try model("ssa", population: "grade=G3,ki67=40,sstr=negative").findings.first)
        #expect(outside.kind == .populationIgnored && outside.outsideEvidence && outside.refusedWhenStrict)
        #expect(outside.message.contains("ignored") && outside.message.contains("not G3"))
        let covered = try #require(try model("ssa", population: "site=midgut").findings.first)
        #expect(!covered.outsideEvidence && !covered.refusedWhenStrict)
    }

    /// The ends of every range the review quotes are valid `--set` values.
    @Test(arguments: [
        ("prrt", "pfs.median", 17.0), ("prrt", "pfs.median", 40.0), ("prrt", "os.median", 22.0), ("prrt", "os.median", 46.0),
        ("tace", "orr", 0.35), ("tace", "orr", 0.74), ("captem", "orr", 0.35), ("captem", "orr", 0.4),
        ("rfa", "symptomatic_marked", 0.7), ("rfa", "symptomatic_marked", 0.8), ("sunitinib", "orr", 0), ("sunitinib", "orr", 0.1),
    ])
    func rangeEndsAreValidOverrides(arm: String, parameter: String, value: Double) throws {
        let m = try model(arm, ["\(arm).\(parameter)=\(value)"])
        if parameter == "pfs.median" { #expect(abs(m.pfs.median - value) < 1e-9) }
        if parameter == "os.median" { #expect(abs(m.osMedian - value) < 1e-6 * value) }
    }

    @Test func aValueThatCannotHoldWithAnotherFigureSaysWhichGivesWay() throws {
        let top = try model("prrt", ["prrt.pfs.median=40"])
        let f = try #require(top.findings.first { $0.kind == .figureNotHonoured })
        #expect(f.message.contains("prrt.os.median 22–46") && f.remedyParameters == ["os.median", "pps.median"])
        #expect(abs(log(2) / top.ppsRate - log(2) / (try model("prrt")).ppsRate) < 1e-9)
        let bottom = try model("prrt", ["prrt.os.median=22"])
        let g = try #require(bottom.findings.first { $0.kind == .figureNotHonoured })
        #expect(g.message.contains("prrt.pfs.median") && bottom.pfs.median < 22)
    }

    @Test func anArmWithOnlyOSFiguresModelsOS() throws {
        let m = try model("sirt")
        #expect(m.notModelled == ["pfs"])
        #expect(m.basis(of: "os").basis == .source && m.basis(of: "pfs").basis == .notModelled)
        #expect(m.osMedian > 24 && m.osMedian < 70)   // between the conflicting figures' fits
        let r = try Reporter.report(Engine.run(SimulationRequest(arms: [m, try model("tace")], patientsPerArm: 400, seed: 3)),
                                    reference: "tace")
        #expect(r.arms[0].pfs.basis?.basis == .notModelled && r.arms[0].pfs.events == 0 && r.arms[0].pfs.median.estimate.isNaN)
        #expect(r.comparisons.map(\.endpoint) == ["os"])
    }
}
