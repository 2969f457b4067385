import Foundation
import Testing
@testable import NENSim

struct CalibrationTests {
    static let catalogue = try! EvidenceCatalogue.bundled()

    func model(_ id: String, _ set: [String] = []) throws -> ArmModel {
        try Calibrator(catalogue: Self.catalogue, overrides: ModelOverrides.parse(set)).model(for: id)
    }

    /// The worked example of docs/MODEL.md: everolimus median = placebo 5 + 6 = 11 and S(18) = 0.35.
    @Test func everolimusReproducesTheWorkedExample() throws {
        let m = try model("everolimus")
        #expect(abs(m.pfs.shape - 0.842951242796126) < 1e-9)
        #expect(abs(m.pfs.scale - 16.99114911648639) < 1e-8)
        #expect(m.parameters.first { $0.name == "pfs.median" }?.figures.count == 2)
    }

    @Test func rangesCalibrateAtTheirCentre() throws {
        let m = try model("prrt")
        #expect(abs(m.pfs.median - (17.0 * 40).squareRoot()) < 1e-9)
        #expect(m.pfs.shape == 1)
        let osMedian = OverallSurvival.quantile(0.5, pfs: m.pfs, ppsRate: m.ppsRate)
        #expect(abs(osMedian - (22.0 * 46).squareRoot()) < 1e-6)
    }

    @Test func everyArmWithAPFSFigureCalibratesAndAssumptionsAreLabelled() throws {
        for id in ["ssa", "everolimus", "sunitinib", "prrt", "tace", "rfa", "placebo"] {
            let m = try model(id)
            #expect(m.pfs.median > 0 && m.ppsRate > 0, "\(id)")
            for p in m.parameters where p.status == .assumption { #expect(!p.rule.isEmpty) }
        }
        let ssa = try model("ssa")
        #expect(ssa.parameters.first { $0.name == "pfs.median" }?.status == .external)
        #expect(ssa.parameters.first { $0.name == "pps.median" }?.status == .external)
        // Without an OS figure the post-progression median is the labelled assumption.
        var c = Self.catalogue
        let i = try #require(c.arms.firstIndex { $0.id == "everolimus" })
        for j in c.arms[i].figures.indices where c.arms[i].figures[j].endpoint == .os { c.arms[i].figures[j].calibrates = false }
        let bare = try Calibrator(catalogue: c).model(for: "everolimus")
        #expect(bare.parameters.first { $0.name == "pps.median" }?.status == .assumption)
        #expect(bare.parameters.first { $0.name == "pps.median" }?.value == ModelAssumption.ppsMedianMonths)
    }

    /// An arm with only a response rate runs: PFS and OS are not modelled (docs/MODEL.md,
    /// "Arms with partial evidence"); a PFS median set on the command line models both.
    @Test func anArmWithoutSurvivalFiguresModelsOnlyItsResponses() throws {
        let m = try model("captem")
        #expect(m.notModelled == ["pfs", "os"])
        #expect(m.basis(of: "pfs").basis == .notModelled && m.basis(of: "os").basis == .notModelled)
        #expect(m.basis(of: "pfs").remedyParameters == ["pfs.median"])
        #expect(m.responseCuts.map(\.category) == ["orr"])
        let set = try model("captem", ["captem.pfs.median=12"])
        #expect(set.notModelled.isEmpty && abs(set.pfs.median - 12) < 1e-9)
        #expect(set.basis(of: "os").basis == .assumption)
    }

    @Test func overridesReplaceFiguresAndAreLabelled() throws {
        let m = try model("prrt", ["prrt.pfs.median=30", "prrt.orr=0.4"])
        #expect(abs(m.pfs.median - 30) < 1e-9)
        #expect(m.parameters.first { $0.name == "pfs.median" }?.status == .override)
        #expect(m.responseCuts.first { $0.category == "orr" }?.probability == 0.4)
    }

    @Test(arguments: [
        ("prrt.pfs.median=-3", NensimFailure.Kind.data),
        ("prrt.orr=1.5", NensimFailure.Kind.data),
        ("prrt.pfs.mediam=3", NensimFailure.Kind.usage),
        ("prrt.pfs.median=abc", NensimFailure.Kind.usage),
        ("prrt", NensimFailure.Kind.usage),
    ])
    func badOverridesAreRejected(assignment: String, status: NensimFailure.Kind) {
        do {
            _ = try model("prrt", [assignment])
            Issue.record("accepted \(assignment)")
        } catch let f as NensimFailure {
            #expect(f.status == status, "\(f.message)")
            #expect(!f.message.contains("\n"))
        } catch { Issue.record("\(error)") }
    }

    @Test func sirtOSFiguresAreReportedAsConflicting() throws {
        let m = try model("sirt", ["sirt.pfs.median=20"])
        #expect((m.osFit?.maxAbsResidual ?? 0) > 0.05)
        #expect(m.notes.contains { $0.contains("conflict") })
    }
}
