import Figures
import Foundation
import SurvivalStats
import Testing
@testable import NENSim

/// `trial.svg` (docs/TRIAL.md, "Outputs of sequential trials and designs"): built from
/// the same rows as boundaries.csv, written through the run folder's writer.
struct TrialFigureTests {
    static func report(sequential: Bool) throws -> TrialReport {
        let plan = SequentialPlan(informationRates: [0.5, 0.75, 1], sides: 1, spending: .obrienFleming, futilitySpending: .obrienFleming)
        let request = SequentialTrialTests.request(null: false, replicates: 300, plan: plan, alpha: 0.025)
        if sequential {
            try request.validate()
            return TrialReport(result: TrialSimulator.run(request))
        }
        var fixed = request
        fixed.design.sequential = nil
        try fixed.validate()
        return TrialReport(result: TrialSimulator.run(fixed))
    }

    @Test func theFigureShowsEveryBoundOfBoundariesCSVAndTheStoppingShares() throws {
        let report = try Self.report(sequential: true)
        let rows = try #require(report.boundaryRows())
        let texts = report.figure().drawing().texts
        for r in rows {
            #expect(texts.contains(String(format: "%.3f", r.efficacyZ)))
            #expect(texts.contains(String(format: "%.3f", try #require(r.futilityZ))))
            #expect(texts.contains("\(r.events) events"))
            #expect(texts.contains(String(format: "%.1f", try #require(r.stopUpper.value) * 100)))
        }
        #expect(texts.contains { $0.contains("MaxCombo") || $0.contains("log-rank test") })
        #expect(texts.contains { $0.contains("300 replicates, seed 11") })
        #expect(texts.contains { $0.contains("1-sided α = 0.025") })
    }

    @Test func aFixedDesignShowsTheTwoSidedCriticalValuesAndTheRejectionRate() throws {
        let report = try Self.report(sequential: false)
        let texts = report.figure().drawing().texts
        let crit = String(format: "%.3f", Distributions.normalQuantile(1 - report.design.alpha / 2))
        #expect(texts.contains(crit) && texts.contains("-" + crit), "\(crit) not in \(texts)")
        let power = try #require(report.summary.powerTwoSidedFavourable.value)
        #expect(texts.contains(String(format: "%.1f", power * 100)))
    }

    @Test func writeAddsTrialSVGOnlyWhenAsked() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nensim-trialfig-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var report = try Self.report(sequential: true)
        report.figureFormats = [.svg, .png]
        var folder = try RunFolder.create(at: dir.appendingPathComponent("a").path, force: false, shape: .files)
        _ = try report.write(to: folder)
        let svg = try Data(contentsOf: dir.appendingPathComponent("a/trial.svg"))
        #expect(String(decoding: svg, as: UTF8.self).hasSuffix("</svg>\n"))
        #expect(try Data(contentsOf: dir.appendingPathComponent("a/trial.png")).starts(with: [0x89, 0x50, 0x4E, 0x47]))
        report.figureFormats = []
        folder = try RunFolder.create(at: dir.appendingPathComponent("b").path, force: false, shape: .files)
        _ = try report.write(to: folder)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("b/trial.svg").path))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("b/boundaries.csv").path))
    }
}
