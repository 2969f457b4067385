import Foundation
import Testing
@testable import SurvivalStats

/// Grouped (grid) data are tied exact data: times rounded up to a grid,
/// t ↦ ⌈t/w⌉·w, fitted from records, give exactly (bit for bit) what the tallies per
/// grid cell give through `SurvivalCounts(gridWidth:events:censored:)`, where cell k
/// holds the times in (k·w, (k+1)·w].
struct GroupedDataTests {
    struct Case: Sendable, CustomStringConvertible {
        let dataset: String
        let width: Double
        var description: String { "\(dataset) width \(width)" }
    }

    static let cases = [
        Case(dataset: "lung", width: 30), Case(dataset: "lung", width: 7), Case(dataset: "veteran", width: 30),
        Case(dataset: "ovarian", width: 91), Case(dataset: "rats", width: 7), Case(dataset: "aml", width: 5),
    ]

    /// Rounded records and the grid tallies of one subset.
    static func both(_ c: Case, subset: String) -> (records: (time: [Double], event: [Bool]), grid: SurvivalCounts) {
        let r = DataSet.named(c.dataset).records(subset)
        let rounded = r.time.map { ($0 / c.width).rounded(.up) * c.width }
        let cells = Int((rounded.max()! / c.width).rounded())
        var events = [Int](repeating: 0, count: cells), censored = [Int](repeating: 0, count: cells)
        for (t, e) in zip(rounded, r.event) {
            let k = Int((t / c.width).rounded()) - 1
            if e { events[k] += 1 } else { censored[k] += 1 }
        }
        return ((rounded, r.event), SurvivalCounts(gridWidth: c.width, events: events, censored: censored))
    }

    @Test("grid counts equal rounded records", arguments: cases)
    func countsAreIdentical(_ c: Case) {
        let (records, grid) = Self.both(c, subset: "all")
        #expect(SurvivalCounts(time: records.time, event: records.event) == grid)
    }

    @Test("KM from grid equals KM from rounded records", arguments: cases)
    func kaplanMeierIsIdentical(_ c: Case) {
        let (records, grid) = Self.both(c, subset: "all")
        for type in ConfidenceType.allCases {
            let a = KaplanMeier.fit(time: records.time, event: records.event, confidenceType: type)
            let b = KaplanMeier.fit(grid, confidenceType: type)
            #expect(a.time == b.time && a.nRisk == b.nRisk && a.survival == b.survival)
            #expect(a.stdErr == b.stdErr && a.cumulativeHazard == b.cumulativeHazard)
            #expect(zip(a.lower, b.lower).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
            #expect(zip(a.upper, b.upper).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
            #expect(a.median == b.median)
            #expect(a.restrictedMean(tau: 4 * c.width) == b.restrictedMean(tau: 4 * c.width))
        }
    }

    @Test("log-rank from grid equals log-rank from rounded records", arguments: cases)
    func logRankIsIdentical(_ c: Case) throws {
        let ds = DataSet.named(c.dataset)
        let levels = Array(Set(ds.table.strings(ds.groupColumn))).sorted()
        var times: [Double] = [], events: [Bool] = [], groups: [Int] = []
        var grids: [SurvivalCounts] = []
        for (g, level) in levels.enumerated() {
            let (records, grid) = Self.both(c, subset: "\(ds.groupColumn)=\(level)")
            times += records.time
            events += records.event
            groups += Array(repeating: g, count: records.time.count)
            grids.append(grid)
        }
        for rho in [0.0, 1.0] {
            let a = try LogRank.test(time: times, event: events, group: groups, rho: rho)
            let b = try LogRank.test(grids, rho: rho)
            #expect(a.observed == b.observed && a.expected == b.expected && a.variance == b.variance)
            #expect(a.chiSquare == b.chiSquare && a.pValue == b.pValue)
        }
    }

    @Test func emptyCellsAreDropped() {
        let g = SurvivalCounts(gridWidth: 0.5, events: [0, 2, 0, 1], censored: [0, 1, 0, 3])
        #expect(g.time == [1.0, 2.0])
        #expect(g.events == [2, 1] && g.censored == [1, 3])
        #expect(g.total == 7)
    }
}
