import Foundation
import SurvivalStats
import Testing
@testable import NENSim

/// `nensim analyze` and `nensim trial` compute their two-group statistics with one tie
/// policy (R's time fix, docs/STATISTICS.md "Tied times"), so on the same records they
/// give the same numbers — also when times are days / 30.4375 and equal days arrive a
/// few ulp apart.
struct SurvivalAnalysisAgreementTests {
    /// Two groups; times in whole weeks written as days / 30.4375, every other record
    /// computed as (days − 1)/30.4375 + 1/30.4375 (near ties, not exact ones).
    static func records(n: Int, seed: UInt64) -> (time: [Double], event: [Bool], group: [Int]) {
        var s = RandomStream(seed: seed, arm: 1, replicate: 0, block: 0)
        var t = [Double](), e = [Bool](), g = [Int]()
        let month = 30.4375
        for i in 0..<n {
            let group = i % 2
            let x = (s.nextExponential() * (group == 1 ? 14 : 9) * month / 7).rounded(.up) * 7
            let c = (s.nextExponential() * 24 * month / 7).rounded(.up) * 7
            let days = min(x, c)
            t.append(i % 4 < 2 ? days / month : (days - 1) / month + 1 / month)
            e.append(x <= c); g.append(group)
        }
        return (t, e, g)
    }

    @Test(arguments: [UInt64(11), 12, 13])
    func analyzeAndTheTrialAgreeOnNearTiedTimes(seed: UInt64) throws {
        let d = Self.records(n: 240, seed: seed)
        #expect(Set(d.time).count > Set(TimeFix.fixed(d.time) ?? d.time).count, "the data hold near ties")
        let data = AnalysisData(time: d.time, event: d.event, group: d.group, groupLabels: ["control", "experimental"],
                                strata: nil, strataLabels: [], covariates: [], covariateNames: [],
                                recordsRead: d.time.count, dropped: 0, missingByColumn: [:])
        let options = AnalysisOptions(time: "t", event: "e", group: "arm")
        let report = SurvivalAnalysis.run(data, options: options, input: "test", commandLine: []).report

        let ws = TwoGroupWorkspace(capacity: d.time.count)
        for i in d.time.indices { ws.time[i] = d.time[i]; ws.event[i] = d.event[i]; ws.group[i] = UInt8(d.group[i]) }
        let trial: TwoArmStatistics = ws.analyze(count: d.time.count)

        let lr = try #require(report.logRank)
        #expect(abs(trial.z * trial.z - lr.chiSquare) <= 1e-12 * max(1, lr.chiSquare))
        #expect(abs(trial.observedMinusExpected - (lr.observed[1] - lr.expected[1])) <= 1e-12 * max(1, abs(trial.observedMinusExpected)))
        let cox = try #require(report.cox)
        #expect(abs(trial.logHazardRatio - cox.terms[0].coefficient) <= 1e-12)
        #expect(abs(trial.standardError - cox.terms[0].standardError) <= 1e-12)
        for (g, median) in [(0, trial.medianControl), (1, trial.medianExperimental)] {
            // analyze's printed median (print.survfit) from its curve.
            let km = report.groups[g]
            #expect(km.events == (g == 0 ? trial.eventsControl : trial.eventsExperimental))
            let expected = SurvivalAnalysis.run(data, options: options, input: "test", commandLine: []).curves[g].printedMedian.estimate ?? .nan
            #expect(abs(median - expected) <= 1e-12 * expected || (median.isNaN && expected.isNaN), "group \(g): \(median) vs \(expected)")
        }
    }
}

/// The groups' tables, curves and two-group Cox model are made on several workers (at
/// once when their arrays fit the budget, else one after another): the report and the
/// curves are the same bytes for one thread and for two.
struct SurvivalAnalysisThreadsTests {
    @Test(arguments: [UInt64(21), 22])
    func oneThreadAndTwoGiveTheSameReportAndCurves(seed: UInt64) throws {
        let d = SurvivalAnalysisAgreementTests.records(n: 3_000, seed: seed)
        // Group 1 first, so the Cox model's first level is the second group.
        let group = d.group.map { 1 - $0 }
        let data = AnalysisData(time: d.time, event: d.event, group: group, groupLabels: ["control", "experimental"],
                                strata: nil, strataLabels: [], covariates: [], covariateNames: [],
                                recordsRead: d.time.count, dropped: 0, missingByColumn: [:])
        let options = AnalysisOptions(time: "t", event: "e", group: "arm", landmarks: [6, 12])
        let one = SurvivalAnalysis.run(data, options: options, input: "test", commandLine: [], threads: 1)
        let two = SurvivalAnalysis.run(data, options: options, input: "test", commandLine: [], threads: 2)
        #expect(try one.json() == two.json())
        #expect(one.kaplanMeierCSV == two.kaplanMeierCSV)
        let cox = try #require(two.report.cox)
        #expect(cox.terms.count == 1 && cox.n == d.time.count)
        // The record-level Cox fit of the same data: the same bits.
        let fit = try CoxPH.fit(time: d.time, event: d.event, covariates: group.map(Double.init), columns: 1)
        #expect(cox.terms[0].coefficient == fit.coefficients[0] && cox.terms[0].standardError == fit.standardErrors[0])
        #expect(cox.logLikelihood == fit.logLikelihood && cox.score.statistic == fit.score.statistic)
    }

    /// km.csv's rows formatted in chunks on the workers: the bytes of `kaplanMeierCSV`,
    /// for one thread and two, over more chunks than buffers, with and without thinning.
    @Test func kaplanMeierRowsFormattedOnWorkersAreTheSameBytes() throws {
        let d = SurvivalAnalysisAgreementTests.records(n: 5 * AnalysisResult.formatSlots(threads: 2) * AnalysisResult.formatChunk + 123, seed: 23)
        let continuous = d.time.indices.map { d.time[$0] + Double($0) * 1e-6 }   // many distinct times
        let data = AnalysisData(time: continuous, event: d.event, group: d.group, groupLabels: ["a,1", "b"],
                                strata: nil, strataLabels: [], covariates: [], covariateNames: [],
                                recordsRead: d.time.count, dropped: 0, missingByColumn: [:])
        let result = SurvivalAnalysis.run(data, options: AnalysisOptions(time: "t", event: "e", group: "arm"), input: "test", commandLine: [])
        #expect(result.curves[0].time.count > 2 * AnalysisResult.formatSlots(threads: 2) * AnalysisResult.formatChunk)   // every buffer used more than twice
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("nensim-km-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        for points: Int? in [nil, 500] {
            var written: [Data] = []
            for threads in [1, 2, 3] {
                let path = base.appendingPathComponent("t\(threads)-\(points ?? 0)").path
                let folder = try RunFolder.create(at: path, force: false)
                try folder.write("km.csv") { out in
                    try out.write(AnalysisResult.kaplanMeierHeader)
                    for (g, km) in zip(result.report.groups, result.curves) {
                        try AnalysisResult.writeKaplanMeierRows(label: g.label, km, points: points, to: out, threads: threads)
                    }
                }
                try folder.commit()
                written.append(try Data(contentsOf: URL(fileURLWithPath: path + "/km.csv")))
            }
            #expect(written[0] == written[1] && written[0] == written[2], "points \(String(describing: points))")
            if points == nil { #expect(written[0] == Data(result.kaplanMeierCSV.utf8)) }
            else { #expect(written[0].count < 2 * 600 * 140) }
        }
    }

    /// km.csv written by `KaplanMeierCSVStream` while `run` computes the tests (curves
    /// taken on the workers, concurrently, or in turn on one thread) is the bytes of the
    /// result's `kaplanMeierCSV`, and each group's curve is taken exactly once; curves
    /// taken out of order are written in group order.
    @Test func curvesStreamedDuringTheAnalysisAreTheResultsBytes() throws {
        let d = SurvivalAnalysisAgreementTests.records(n: 3 * AnalysisResult.formatChunk + 77, seed: 29)
        let continuous = d.time.indices.map { d.time[$0] + Double($0) * 1e-6 }
        let group = d.time.indices.map { $0 % 3 }
        let data = AnalysisData(time: continuous, event: d.event, group: group, groupLabels: ["a", "b,2", "c"],
                                strata: nil, strataLabels: [], covariates: [], covariateNames: [],
                                recordsRead: d.time.count, dropped: 0, missingByColumn: [:])
        let two = AnalysisData(time: continuous, event: d.event, group: d.group, groupLabels: ["control", "experimental"],
                               strata: nil, strataLabels: [], covariates: [], covariateNames: [],
                               recordsRead: d.time.count, dropped: 0, missingByColumn: [:])
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("nensim-kmstream-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        func written(_ name: String, _ body: (OutputFile) throws -> Void) throws -> Data {
            let path = base.appendingPathComponent(name).path
            let folder = try RunFolder.create(at: path, force: false)
            try folder.write("km.csv") { out in
                try out.write(AnalysisResult.kaplanMeierHeader)
                try body(out)
            }
            try folder.commit()
            return try Data(contentsOf: URL(fileURLWithPath: path + "/km.csv"))
        }
        let options = AnalysisOptions(time: "t", event: "e", group: "arm", landmarks: [6])
        for (name, data) in [("three", data), ("two", two)] {
            let plain = SurvivalAnalysis.run(data, options: options, input: "test", commandLine: [])
            for threads in [1, 2] {
                let taken = TakenGroups()
                var result: AnalysisResult? = nil
                let file = try written("\(name)-\(threads)") { out in
                    let rows = KaplanMeierCSVStream(out, points: nil, threads: threads)
                    result = SurvivalAnalysis.run(data, options: options, input: "test", commandLine: [], threads: threads,
                                                  curves: Both(rows, taken))
                    try rows.finish()
                }
                #expect(file == Data(plain.kaplanMeierCSV.utf8), "\(name), \(threads) threads")
                #expect(taken.groups.sorted() == Array(data.groupLabels.indices), "\(name), \(threads) threads")
                #expect(try result?.json() == plain.json())
            }
        }
        // Out of order: group 2, then 0, then 1.
        let plain = SurvivalAnalysis.run(data, options: options, input: "test", commandLine: [])
        let file = try written("shuffled") { out in
            let rows = KaplanMeierCSVStream(out, points: nil)
            for g in [2, 0, 1] { rows.take(group: g, label: data.groupLabels[g], curve: plain.curves[g]) }
            try rows.finish()
        }
        #expect(file == Data(plain.kaplanMeierCSV.utf8))
    }
}

/// The groups a `FittedCurveSink` was handed, for the tests.
private final class TakenGroups: FittedCurveSink, @unchecked Sendable {
    // Invariant: `list` only under `lock`.
    private let lock = NSLock()
    private var list: [Int] = []
    var groups: [Int] { lock.withLock { list } }
    func take(group: Int, label: String, curve: KaplanMeierEstimate) { lock.withLock { list.append(group) } }
    func drain() {}
}

/// Hands each curve to two sinks.
private struct Both: FittedCurveSink {
    let first: any FittedCurveSink, second: any FittedCurveSink
    init(_ first: any FittedCurveSink, _ second: any FittedCurveSink) { self.first = first; self.second = second }
    func take(group: Int, label: String, curve: KaplanMeierEstimate) {
        first.take(group: group, label: label, curve: curve)
        second.take(group: group, label: label, curve: curve)
    }
    func drain() { first.drain(); second.drain() }
}
