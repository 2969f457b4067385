import Testing
@testable import SurvivalStats

/// Log-rank family against R. For γ = 0 the expected values are
/// `survdiff(Surv(time, status) ~ group [+ strata(s)], rho = rho)` (observed and expected
/// summed over strata); for γ ≠ 0, which `survdiff` lacks, they come from `fh_test` in
/// `Tests/Fixtures/R/make_fixtures.R`, plain R that reproduces `survdiff` to 1e-12 for
/// γ = 0 (checked there). Tolerance: 1e-8 relative (1e-14 absolute below 1e-8).
struct LogRankTests {
    struct Case: Sendable, CustomStringConvertible {
        let row: [String: String]
        var description: String { "\(row["case"]!) rho=\(row["rho"]!) gamma=\(row["gamma"]!)" }
    }

    static let cases: [Case] = Expected.logRank.allRows().map(Case.init)

    static let dataFiles = ["lung": "lung", "veteran": "veteran", "ovarian": "ovarian", "rats": "rats", "aml": "aml"]

    /// Records of the case's data set: time, event, group index (position in R's level
    /// list) and stratum label; lung's records with missing ph.ecog are dropped when it
    /// is the stratum, as R's na.omit does.
    static func records(_ row: [String: String]) -> (time: [Double], event: [Bool], group: [Int], strata: [Int]?) {
        let name = String(row["case"]!.prefix { $0 != "~" })
        let ds = DataSet.named(name)
        let table = ds.table
        let levels = row["groups"]!.split(separator: ";").map(String.init)
        let time = table.numbers(ds.timeColumn), status = table.numbers(ds.statusColumn)
        let group = table.strings(row["group_column"]!)
        let strataColumn = row["strata_column"]!
        let strata = strataColumn.isEmpty ? nil : table.strings(strataColumn)
        var t: [Double] = [], e: [Bool] = [], g: [Int] = [], s: [Int] = []
        var strataLabels: [String: Int] = [:]
        for j in time.indices {
            if let st = strata {
                if st[j].isEmpty || st[j] == "NA" { continue }
                s.append(strataLabels[st[j], default: strataLabels.count])
                if strataLabels[st[j]] == nil { strataLabels[st[j]] = strataLabels.count }
            }
            t.append(time[j])
            e.append(status[j] == ds.eventValue)
            g.append(levels.firstIndex(of: group[j])!)
        }
        return (t, e, g, strata == nil ? nil : s)
    }

    @Test("survdiff / Fleming–Harrington matches R", arguments: cases)
    func matchesR(_ c: Case) throws {
        let r = Self.records(c.row)
        let rho = Expected.number(c.row["rho"]!), gamma = Expected.number(c.row["gamma"]!)
        let result = try LogRank.test(time: r.time, event: r.event, group: r.group, strata: r.strata, rho: rho, gamma: gamma)
        let expectations: [(String, [Double], [Double])] = [
            ("observed", result.observed, Expected.numbers(c.row["observed"]!)),
            ("expected", result.expected, Expected.numbers(c.row["expected"]!)),
            ("variance", result.variance, Expected.numbers(c.row["variance"]!)),
            ("chisq", [result.chiSquare], [Expected.number(c.row["chisq"]!)]),
            ("pvalue", [result.pValue], [Expected.number(c.row["pvalue"]!)]),
        ]
        for (name, mine, theirs) in expectations {
            #expect(mine.count == theirs.count, "\(c) \(name) length")
            for (a, b) in zip(mine, theirs) {
                #expect(Expected.agrees(a, b), "\(c) \(name): \(mine) vs R \(theirs)")
            }
        }
        #expect(result.degreesOfFreedom == Int(c.row["df"]!)!)
    }

    /// The counts API gives the same as the records API (unstratified cases).
    @Test("counts per group give the records result", arguments: cases.filter { $0.row["strata_column"]!.isEmpty })
    func countsAPIAgrees(_ c: Case) throws {
        let r = Self.records(c.row)
        let rho = Expected.number(c.row["rho"]!), gamma = Expected.number(c.row["gamma"]!)
        let k = r.group.max()! + 1
        let groups = (0..<k).map { g in
            let idx = r.group.indices.filter { r.group[$0] == g }
            return SurvivalCounts(time: idx.map { r.time[$0] }, event: idx.map { r.event[$0] })
        }
        let a = try LogRank.test(groups, rho: rho, gamma: gamma)
        let b = try LogRank.test(time: r.time, event: r.event, group: r.group, rho: rho, gamma: gamma)
        #expect(a.chiSquare == b.chiSquare && a.observed == b.observed && a.variance == b.variance)
    }

    /// Hand-worked: group A dies at 1 and 3, group B dies at 2 and is censored at 4.
    /// t=1: n=4 (2,2), d=1 → E_A = 1/2, V = 1·1·3/3 · (1/2)(1/2) = 1/4.
    /// t=2: n=3 (1,2), d=1 → E_A = 1/3, V += 1·2/2 · (1/3)(2/3) = 2/9.
    /// t=3: n=2 (1,1), d=1 → E_A = 1/2, V += 1·1/1 · (1/2)(1/2) = 1/4.
    /// O_A = 2, E_A = 4/3, V = 13/18, χ² = (2/3)²/(13/18) = 8/13.
    @Test func handWorkedTwoGroups() throws {
        let r = try LogRank.test(time: [1, 3, 2, 4], event: [true, true, true, false], group: [0, 0, 1, 1])
        #expect(r.observed == [2, 1])
        #expect(Swift.abs(r.expected[0] - 4.0 / 3) < 1e-15)
        #expect(Swift.abs(r.variance[0] - 13.0 / 18) < 1e-15)
        #expect(Swift.abs(r.variance[1] + 13.0 / 18) < 1e-15)
        #expect(Swift.abs(r.chiSquare - 8.0 / 13) < 1e-14)
        #expect(r.degreesOfFreedom == 1)
    }

    /// Peto–Peto (ρ = 1) weights are the pooled KM just before each time:
    /// 1, 3/4, 3/4·2/3 = 1/2 for the example above.
    @Test func petoWeightsAreTheLeftContinuousPooledKM() throws {
        let r = try LogRank.test(time: [1, 3, 2, 4], event: [true, true, true, false], group: [0, 0, 1, 1], rho: 1)
        #expect(Swift.abs(r.observed[0] - (1 + 0.5)) < 1e-15)
        #expect(Swift.abs(r.expected[0] - (0.5 + 0.75 / 3 + 0.25)) < 1e-15)
        // γ = 1 alone: weights 1 − S(t−) = 0, 1/4, 1/2.
        let g = try LogRank.test(time: [1, 3, 2, 4], event: [true, true, true, false], group: [0, 0, 1, 1], gamma: 1)
        #expect(Swift.abs(g.observed[0] - 0.5) < 1e-15)
        #expect(Swift.abs(g.expected[0] - (0.25 / 3 + 0.25)) < 1e-15)
    }

    @Test func fewerThanTwoGroupsIsAnError() {
        #expect(throws: LogRankError.fewerThanTwoGroups(1)) { try LogRank.test([SurvivalCounts(time: [1], event: [true])]) }
        #expect(throws: LogRankError.self) { try LogRank.test(time: [1, 2], event: [true], group: [0, 1]) }
    }

    /// No events at all: nothing to test, χ² = 0, p = 1 (R: chisq 0).
    @Test func noEventsGiveZero() throws {
        let r = try LogRank.test(time: [1, 2, 3], event: [false, false, false], group: [0, 1, 1])
        #expect(r.chiSquare == 0 && r.pValue == 1 && r.degreesOfFreedom == 0)
    }

    /// Groups with different time grids are merged; an empty group is allowed.
    @Test func emptyGroupIsDroppedFromTheDegreesOfFreedom() throws {
        let a = SurvivalCounts(time: [1, 3], events: [1, 1], censored: [0, 0])
        let b = SurvivalCounts(time: [2, 4], events: [1, 0], censored: [0, 1])
        let r = try LogRank.test([a, b, .empty])
        #expect(r.degreesOfFreedom == 1)
        #expect(Swift.abs(r.chiSquare - 8.0 / 13) < 1e-14)
    }
}
