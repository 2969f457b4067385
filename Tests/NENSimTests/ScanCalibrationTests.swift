import Foundation
import Testing
@testable import NENSim

/// Scan-aware calibration (docs/MODEL.md, "Scan-aware calibration").
@Suite struct ScanCalibrationTests {
    static let week = 7 / daysPerMonth

    /// The bundled catalogue with placebo's PFS median figure (5 months) changed to
    /// `median` months, observed under `assessment` (nil: as an exact event time); parsed
    /// from JSON, so the field goes through the strict parser.
    static func catalogue(median: Double, assessment: String?, endpoint: String = "pfs") throws -> EvidenceCatalogue {
        let data = Data(PackageResources.evidence_json)
        var doc = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var arms = try #require(doc["arms"] as? [[String: Any]])
        let a = try #require(arms.firstIndex { $0["id"] as? String == "placebo" })
        var figures = try #require(arms[a]["figures"] as? [[String: Any]])
        let f = try #require(figures.firstIndex { $0["id"] as? String == "placebo.\(endpoint).median" })
        figures[f]["value"] = median
        if let assessment { figures[f]["assessment"] = assessment }
        arms[a]["figures"] = figures
        doc["arms"] = arms
        return try EvidenceCatalogue.parse(try JSONSerialization.data(withJSONObject: doc), fileName: "scans.json")
    }

    @Test func scanTimesFollowAScheduleThatChanges() throws {
        let phases = try AssessmentSchedule.parse("8w*6,12w")
        let s = ScanCalibration.scans(through: 13, phases).map { $0 / Self.week }
        #expect(s.count == 7 && zip(s, [8, 16, 24, 32, 40, 48, 60]).allSatisfy { abs($0 - Double($1)) < 1e-9 })
        // A median between scans is read as the nearest scan; its latent median is the middle of that scan's interval.
        let twelve = try AssessmentSchedule.parse("12w")
        let (latent, scan) = ScanCalibration.latentMedian(observed: 11, twelve)
        #expect(abs(scan - 48 * Self.week) < 1e-12 && abs(latent - 42 * Self.week) < 1e-12)
        let early = ScanCalibration.latentMedian(observed: 9.0, twelve) // 36 weeks = 8.28, 48 weeks = 11.04: nearer 36
        #expect(abs(early.scan - 36 * Self.week) < 1e-12 && abs(early.latent - 30 * Self.week) < 1e-12)
        let first = ScanCalibration.latentMedian(observed: 0.5, twelve)
        #expect(abs(first.scan - 12 * Self.week) < 1e-12 && abs(first.latent - 6 * Self.week) < 1e-12)
        // A landmark is the latent S at the last scan at or before it.
        #expect(abs(ScanCalibration.latentLandmarkTime(observed: 13, phases)! - 48 * Self.week) < 1e-12)
        #expect(ScanCalibration.latentLandmarkTime(observed: 1, phases) == nil)
    }

    @Test func theFieldIsParsedStrictly() throws {
        let c = try Self.catalogue(median: 11, assessment: "12w")
        #expect(c.figure(id: "placebo.pfs.median")?.assessment == "12w")
        #expect(c.figure(id: "placebo.pfs.median")?.assessmentPhases == [ScanPhase(interval: 12 * Self.week)])
        for (bad, endpoint, words) in [("12x", "pfs", "is not a scan schedule"), ("8w*0,12w", "pfs", "is not a scan schedule"),
                                       ("12w", "os", "belongs to a PFS, TTP or DFS median or landmark")] {
            let e = #expect(throws: NensimFailure.self) { try Self.catalogue(median: 30, assessment: bad, endpoint: endpoint) }
            let m = e?.message.description ?? ""
            #expect(m.contains("scans.json") && m.contains(".assessment") && m.contains(words) && !m.contains("\n"), "\(m)")
        }
    }

    @Test func calibrationAnchorsTheLatentMedianAndSaysSo() throws {
        let model = try Calibrator(catalogue: try Self.catalogue(median: 11, assessment: "12w")).model(for: "placebo")
        #expect(abs(model.pfsMedian - 42 * Self.week) < 1e-9)
        #expect(model.notes.contains { $0.contains("placebo.pfs.median") && $0.contains("observed under scans 12w") })
        let plain = try Calibrator(catalogue: try Self.catalogue(median: 11, assessment: nil)).model(for: "placebo")
        #expect(abs(plain.pfsMedian - 11) < 1e-9)
    }

    /// `trial --assess 12w` of an arm calibrated with the same schedule reproduces the
    /// figure's median (11 months, read as the 48-week scan) within 4 MC SE; the arm
    /// calibrated as if 11 were an exact event time does not (its KM median sits between
    /// the 48- and 60-week scans, about 1.4 months high: the symptom scans cause).
    @Test func aTrialWithTheSameScansReproducesTheFigure() throws {
        func medians(_ catalogue: EvidenceCatalogue) throws -> MonteCarloEstimate {
            let arm = try Calibrator(catalogue: catalogue).model(for: "placebo")
            let design = TrialDesign(patients: 400, accrual: 12, followUp: 24, assessmentInterval: 12 * Self.week, null: true)
            let outcomes = TrialSimulator.run(TrialRequest(experimental: arm, control: arm, design: design, replicates: 300, seed: 2, threads: 2)).replicates
            #expect(outcomes.allSatisfy { !$0.statistics.medianControl.isNaN && !$0.statistics.medianExperimental.isNaN })
            return .mean(outcomes.flatMap { [$0.statistics.medianControl, $0.statistics.medianExperimental] })
        }
        let scanned = try medians(try Self.catalogue(median: 11, assessment: "12w"))
        #expect(abs(scanned.value! - 11) < 4 * scanned.mcse!, "\(scanned)")
        let exact = try medians(try Self.catalogue(median: 11, assessment: nil))
        #expect(exact.value! - 11 > 4 * exact.mcse!, "\(exact)")
    }
}
