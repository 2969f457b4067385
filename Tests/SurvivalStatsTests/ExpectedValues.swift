import Foundation
@testable import SurvivalStats

/// Values R produced (`Tests/Fixtures/R/make_fixtures.R`, R 4.2.2, survival 3.5-3) and
/// the data they were produced from. Test support only.
enum Expected {
    static let curves = try! FixtureTable.load("expected/km_curves.csv")
    static let quantiles = try! FixtureTable.load("expected/km_quantiles.csv")
    static let landmarks = try! FixtureTable.load("expected/km_landmarks.csv")
    static let rmean = try! FixtureTable.load("expected/km_rmean.csv")
    static let logRank = try! FixtureTable.load("expected/logrank.csv")
    static let binomial = try! FixtureTable.load("expected/binomial.csv")

    /// Relative tolerance against R.
    static let relativeTolerance = 1e-8
    /// Absolute tolerance, used only where R's value is within 1e-8 of 0 (e.g. a lower
    /// limit of 1e-17 or a standard error of 0), where a relative test is meaningless.
    static let absoluteTolerance = 1e-14

    /// Agreement with R: equal NaN-ness (R's NA and NaN both read as NaN), equal
    /// infinities, otherwise |a − r| ≤ 1e-8·|r|, or |a − r| ≤ 1e-14 when |r| < 1e-8.
    static func agrees(_ a: Double, _ r: Double) -> Bool {
        if r.isNaN || a.isNaN { return r.isNaN && a.isNaN }
        if r.isInfinite || a.isInfinite { return a == r }
        if Swift.abs(r) < 1e-8 { return Swift.abs(a - r) <= absoluteTolerance }
        return Swift.abs(a - r) <= relativeTolerance * Swift.abs(r)
    }

    static func agrees(_ a: Double?, _ r: Double) -> Bool { agrees(a ?? .nan, r) }

    /// Parses R's `sprintf("%.17g")` output, "NA", "NaN", "Inf", "-Inf".
    static func number(_ s: String) -> Double {
        switch s {
        case "NA", "NaN", "": return .nan
        case "Inf": return .infinity
        case "-Inf": return -.infinity
        default:
            guard let v = Double(s) else { fatalError("not a number: \(s)") }
            return v
        }
    }

    static func numbers(_ s: String) -> [Double] { s.split(separator: ";").map { number(String($0)) } }
}

extension FixtureTable {
    /// Rows whose columns equal the given strings, as dictionaries column → cell.
    func select(_ match: [String: String]) -> [[String: String]] {
        let idx = match.map { (columns.firstIndex(of: $0.key)!, $0.value) }
        return rows.filter { row in idx.allSatisfy { row[$0.0] == $0.1 } }
            .map { Dictionary(uniqueKeysWithValues: zip(columns, $0)) }
    }

    func allRows() -> [[String: String]] { rows.map { Dictionary(uniqueKeysWithValues: zip(columns, $0)) } }
}

/// A survival data set of the fixtures: where time and status live and what counts as an event.
struct DataSet: Sendable {
    let name: String
    let timeColumn: String
    let statusColumn: String
    let eventValue: Double
    let groupColumn: String

    static let all: [DataSet] = [
        DataSet(name: "lung", timeColumn: "time", statusColumn: "status", eventValue: 2, groupColumn: "sex"),
        DataSet(name: "veteran", timeColumn: "time", statusColumn: "status", eventValue: 1, groupColumn: "trt"),
        DataSet(name: "ovarian", timeColumn: "futime", statusColumn: "fustat", eventValue: 1, groupColumn: "rx"),
        DataSet(name: "rats", timeColumn: "time", statusColumn: "status", eventValue: 1, groupColumn: "rx"),
        DataSet(name: "aml", timeColumn: "time", statusColumn: "status", eventValue: 1, groupColumn: "x"),
    ]

    static func named(_ name: String) -> DataSet { all.first { $0.name == name }! }

    var table: FixtureTable { try! FixtureTable.load("data/\(name).csv") }

    /// Records of a subset: "all" or "<groupColumn>=<value as in the CSV>".
    func records(_ subset: String) -> (time: [Double], event: [Bool]) {
        let t = table
        let time = t.numbers(timeColumn), status = t.numbers(statusColumn), group = t.strings(groupColumn)
        var keep = Array(time.indices)
        if subset != "all" {
            let value = String(subset.dropFirst(groupColumn.count + 1))
            keep = keep.filter { group[$0] == value }
        }
        return (keep.map { time[$0] }, keep.map { status[$0] == eventValue })
    }
}

/// One curve of the fixtures: data set, subset, confidence type.
struct CurveCase: Sendable, CustomStringConvertible, Hashable {
    let dataset: String
    let subset: String
    let confType: String
    var description: String { "\(dataset)[\(subset)] \(confType)" }

    var confidenceType: ConfidenceType { ConfidenceType(rawValue: confType)! }
    var match: [String: String] { ["dataset": dataset, "subset": subset, "conf_type": confType] }

    func fit() -> KaplanMeierEstimate {
        let r = DataSet.named(dataset).records(subset)
        return KaplanMeier.fit(time: r.time, event: r.event, confidenceType: confidenceType)
    }

    /// Every (data set, subset, conf.type) in `km_curves.csv`.
    static let all: [CurveCase] = {
        var seen = Set<CurveCase>(), out: [CurveCase] = []
        for row in Expected.curves.allRows() {
            let c = CurveCase(dataset: row["dataset"]!, subset: row["subset"]!, confType: row["conf_type"]!)
            if seen.insert(c).inserted { out.append(c) }
        }
        return out
    }()
}
