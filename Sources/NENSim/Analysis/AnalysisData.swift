import Foundation
import SurvivalStats

/// How the event column is coded: one code for a censored record, one for an event.
///
/// The default (`.standard`) is 0 = censored, 1 = event, and also R's logical values
/// (`TRUE`/`FALSE`, `T`/`F`, `true`/`false`, `True`/`False`, as `read.csv` reads them).
/// R's `Surv()` also guesses 1 = censored, 2 = event when every value is 1 or 2; nensim
/// does not guess (a column of 1s and 2s is as likely a mistake): say
/// `--event-codes 1,2`. A code is compared as a number when both it and the cell are
/// numbers (so `1.0` is `1`), otherwise as text.
public struct EventCoding: Sendable, Equatable, Codable {
    public var censored: String
    public var event: String
    /// Whether R's logical spellings are accepted besides the two codes.
    public var acceptsLogical: Bool

    public init(censored: String, event: String, acceptsLogical: Bool = false) {
        self.censored = censored
        self.event = event
        self.acceptsLogical = acceptsLogical
    }

    /// 0 = censored, 1 = event; TRUE/FALSE accepted.
    public static let standard = EventCoding(censored: "0", event: "1", acceptsLogical: true)

    /// Parses `--event-codes CENSORED,EVENT`, e.g. "1,2".
    /// - Throws: `NensimFailure.usage` unless there are exactly two different, non-empty codes.
    public static func parse(_ text: String) throws -> EventCoding {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw NensimFailure.usage("\(.eventCodes) '\(user: text)': expected two codes CENSORED,EVENT, e.g. 1,2 (R's lung coding)")
        }
        let coding = EventCoding(censored: parts[0], event: parts[1])
        guard !coding.matches(parts[0], parts[1]) else {
            throw NensimFailure.usage("\(.eventCodes) '\(user: text)': the censored and event codes are the same")
        }
        return coding
    }

    /// Words for messages and the report: "0 = censored, 1 = event".
    public var summary: String {
        "\(censored) = censored, \(event) = event" + (acceptsLogical ? "; FALSE/TRUE also accepted" : "")
    }

    /// true = event, false = censored, nil = neither code.
    public func classify(_ cell: String) -> Bool? {
        if matches(cell, event) { return true }
        if matches(cell, censored) { return false }
        if acceptsLogical {
            switch cell {
            case "TRUE", "T", "true", "True": return true
            case "FALSE", "F", "false", "False": return false
            default: break
            }
        }
        return nil
    }

    func matches(_ cell: String, _ code: String) -> Bool {
        if let a = parseNumber(cell), let b = parseNumber(code), !a.isNaN { return a == b }
        return cell == code
    }
}

/// Whether a scalar is one `CharacterSet.whitespaces` holds (tab or a space separator).
@inline(__always) func isBlank(_ c: Unicode.Scalar) -> Bool {
    c == " " || c == "\t" || (c.value >= 128 && c.properties.generalCategory == .spaceSeparator)
}

/// Missing cells, as `read.csv` reads them: empty, or `NA`.
func isMissingCell(_ s: String) -> Bool { s.isEmpty || s == "NA" }

/// A decimal number as R's `read.csv` reads one: optional sign, digits with an optional
/// point, optional exponent; also `Inf`, `-Inf`, `NaN` (and `inf`, `Infinity`). Hex
/// floats and other forms Swift's `Double(_:)` would take are refused.
func parseNumber(_ s: String) -> Double? {
    switch s {
    case "NaN": return .nan
    case "Inf", "+Inf", "inf", "Infinity": return .infinity
    case "-Inf", "-inf", "-Infinity": return -.infinity
    default: break
    }
    let u = Array(s.utf8)
    var k = 0
    if k < u.count, u[k] == UInt8(ascii: "+") || u[k] == UInt8(ascii: "-") { k += 1 }
    var digits = 0
    while k < u.count, u[k] >= 48, u[k] <= 57 { k += 1; digits += 1 }
    if k < u.count, u[k] == UInt8(ascii: ".") {
        k += 1
        while k < u.count, u[k] >= 48, u[k] <= 57 { k += 1; digits += 1 }
    }
    guard digits > 0 else { return nil }
    if k < u.count, u[k] == UInt8(ascii: "e") || u[k] == UInt8(ascii: "E") {
        k += 1
        if k < u.count, u[k] == UInt8(ascii: "+") || u[k] == UInt8(ascii: "-") { k += 1 }
        var expDigits = 0
        while k < u.count, u[k] >= 48, u[k] <= 57 { k += 1; expDigits += 1 }
        guard expDigits > 0 else { return nil }
    }
    guard k == u.count else { return nil }
    return Double(s)
}

/// What `nensim analyze` is asked to do: the columns and the statistical options.
public struct AnalysisOptions: Sendable {
    public var time: String
    public var event: String
    public var group: String?
    public var strata: String?
    public var covariates: [String]
    public var eventCoding: EventCoding
    /// RMST restriction time; nil = the smallest of the groups' last follow-up times.
    public var tau: Double?
    public var landmarks: [Double]
    public var confidenceType: ConfidenceType
    public var confidenceLevel: Double
    public var ties: CoxTies
    /// Fleming–Harrington ρ of the log-rank test (0 = log-rank).
    public var rho: Double
    /// Numeric covariate columns to code as factors (text columns are factors anyway).
    public var factors: [String]
    /// Level order per column (group, strata or a factor covariate); the first level is
    /// the reference of the treatment contrasts. Absent: R's order (sorted).
    public var levels: [String: [String]]
    /// The group level to compare the others with (moved first).
    public var reference: String?
    /// Column of case weights (finite, > 0) for the curves, the log-rank test and Cox.
    public var weights: String?
    /// Column of cluster labels: the Cox model's robust variance (`coxph(…, cluster =)`).
    public var cluster: String?
    /// R's `robust`: nil = R's default (a cluster or non-integer weights).
    public var robust: Bool?

    public init(time: String, event: String, group: String? = nil, strata: String? = nil, covariates: [String] = [],
                eventCoding: EventCoding = .standard, tau: Double? = nil, landmarks: [Double] = [],
                confidenceType: ConfidenceType = .log, confidenceLevel: Double = 0.95, ties: CoxTies = .efron, rho: Double = 0,
                factors: [String] = [], levels: [String: [String]] = [:], reference: String? = nil, weights: String? = nil,
                cluster: String? = nil, robust: Bool? = nil) {
        self.time = time
        self.event = event
        self.group = group
        self.strata = strata
        self.covariates = covariates
        self.eventCoding = eventCoding
        self.tau = tau
        self.landmarks = landmarks
        self.confidenceType = confidenceType
        self.confidenceLevel = confidenceLevel
        self.ties = ties
        self.rho = rho
        self.factors = factors
        self.levels = levels
        self.reference = reference
        self.weights = weights
        self.cluster = cluster
        self.robust = robust
    }
}

/// The records of a CSV file that the analysis uses, checked and coded.
public struct AnalysisData: Sendable {
    /// Follow-up time of each used record (finite, ≥ 0).
    public var time: [Double]
    /// true = event, false = censored.
    public var event: [Bool]
    /// Group of each record, an index into `groupLabels` (all 0 without a group column).
    public var group: [Int]
    /// Group labels in R's factor-level order; `["all"]` without a group column.
    public var groupLabels: [String]
    /// Stratum of each record (index into `strataLabels`), when a strata column is used.
    public var strata: [Int]?
    public var strataLabels: [String]
    /// Covariate values, row-major: record i's at `i*p ..< (i+1)*p`, p = `covariateNames.count`.
    /// A factor covariate is its treatment-coded columns (0/1, one per level after the
    /// first), named as R names them: column name followed by the level (`celltypesmallcell`).
    public var covariates: [Double]
    public var covariateNames: [String]
    /// The levels of each factor covariate, in order (the first is the reference).
    public var factorLevels: [String: [String]] = [:]
    /// Case weight of each used record (`--weights`), nil without weights.
    public var weight: [Double]? = nil
    /// Cluster of each used record (`--cluster`, an index into the sorted labels).
    public var cluster: [Int]? = nil
    /// Data records in the file.
    public var recordsRead: Int
    /// Records not used at all: missing (empty or NA) the time, the event, the group or
    /// the weight — the columns of the curves.
    public var dropped: Int
    /// Per record (of the used ones), whether the log-rank test uses it (strata present)
    /// and whether the Cox model does (complete in every used column: R's complete cases).
    public var logRankRow: [Bool] = []
    public var coxRow: [Bool] = []
    /// Per used column, the number of records where it was missing.
    public var missingByColumn: [String: Int]

    /// Number of records used.
    public var count: Int { time.count }

    /// Checks and codes the used columns of `table`.
    ///
    /// A record with a missing cell (empty or `NA`) in any used column is dropped, as R's
    /// `na.omit`, and counted. Every other cell must be valid, or the whole analysis
    /// stops with an error naming the file, line and column: a time must be a finite
    /// number ≥ 0 (`NaN`, `Inf` and negative times are errors, not missing values), an
    /// event must be one of the two codes, a covariate a finite number. Group and
    /// strata cells are labels (text, trimmed of spaces).
    ///
    /// Groups are ordered as R orders factor levels: numerically if every label is a
    /// number, otherwise by Unicode code points (R sorts text in the locale's collation;
    /// the two agree in the C locale). A group that appears in the file but loses all
    /// its records to missing values is an error.
    ///
    /// - Throws: `NensimFailure.usage` (64) for a column that does not exist (listing the
    ///   columns that do) or one column in two roles; `.data` (65) for a bad cell, a
    ///   duplicated column name, an emptied group, or no usable record.
    /// - Complexity: O(records × used columns), then O(n log n) to order the labels.
    public static func extract(from table: CSVTable, options: AnalysisOptions) throws -> AnalysisData {
        let source = table.source
        func column(_ flag: Parameter, _ name: String) throws -> Int {
            var found = table.header.indices.filter { table.header[$0] == name }
            if found.isEmpty { found = table.header.indices.filter { table.header[$0].trimmingCharacters(in: .whitespaces) == name } }
            if found.count > 1 {
                throw NensimFailure.data("\(source): column '\(user: name)' appears \(found.count) times in the header (columns \(found.map { String($0 + 1) }.joined(separator: ", "))); rename all but one")
            }
            guard let index = found.first else {
                let names = table.header.map { $0.trimmingCharacters(in: .whitespaces) }
                let hint = closestMatch(to: name, in: names).map { " — did you mean '\($0)'?" } ?? ""
                let shown = names.prefix(40).map { "'\($0)'" }.joined(separator: ", ") + (names.count > 40 ? ", … (\(names.count) in all)" : "")
                throw NensimFailure.usage("\(flag) '\(user: name)': no such column in \(source)\(hint); its columns are \(shown)")
            }
            return index
        }
        let timeIndex = try column(.timeColumn, options.time)
        let eventIndex = try column(.eventColumn, options.event)
        let groupIndex = try options.group.map { try column(.groupColumn, $0) }
        let strataIndex = try options.strata.map { try column(.strataColumn, $0) }
        var covariateIndex: [Int] = []
        for c in options.covariates { covariateIndex.append(try column(.covariateColumns, c)) }
        let weightIndex = try options.weights.map { try column(.weightsColumn, $0) }
        let clusterIndex = try options.cluster.map { try column(.clusterColumn, $0) }

        // One column, one role.
        var roles: [(flag: Parameter, index: Int)] = [(.timeColumn, timeIndex), (.eventColumn, eventIndex)]
        if let groupIndex { roles.append((.groupColumn, groupIndex)) }
        if let strataIndex { roles.append((.strataColumn, strataIndex)) }
        roles += covariateIndex.map { (.covariateColumns, $0) }
        if let weightIndex { roles.append((.weightsColumn, weightIndex)) }
        if let clusterIndex { roles.append((.clusterColumn, clusterIndex)) }
        for a in roles.indices {
            for b in roles.indices where b > a && roles[a].index == roles[b].index {
                let name = table.header[roles[a].index]
                throw NensimFailure.usage(roles[a].flag == roles[b].flag
                    ? "\(roles[a].flag): column '\(user: name)' is named twice"
                    : "\(roles[b].flag) '\(user: name)' is also the \(roles[a].flag) column; a column has one role")
            }
        }

        for name in options.factors where !options.covariates.contains(name) {
            throw NensimFailure.usage("\(.factorColumns) '\(name)' is not one of the \(.covariateColumns)")
        }
        let roleNames = Set([options.group, options.strata].compactMap { $0 } + options.covariates)
        for name in options.levels.keys.sorted() where !roleNames.contains(name) {
            throw NensimFailure.usage("\(.levels) \(name)=…: '\(name)' is not the \(.groupColumn), \(.strataColumn) or a \(.covariateColumns) column")
        }

        let p = covariateIndex.count
        let n = table.records.count
        // Factor covariates: named by --factor or --levels, or text (a cell that is not a
        // number, as read.csv makes the column character and coxph a factor).
        var isFactor = options.covariates.map { options.factors.contains($0) || options.levels[$0] != nil }
        for (j, index) in covariateIndex.enumerated() where !isFactor[j] {
            for record in table.records {
                let c = record[index].trimmingCharacters(in: .whitespaces)
                if !isMissingCell(c) && parseNumber(c) == nil { isFactor[j] = true; break }
            }
        }
        var factorText = [[String]](repeating: [], count: p)
        var weights: [Double] = []
        var clusterText: [String] = []
        var logRankRows: [Bool] = [], coxRows: [Bool] = []
        var rowText = [String](repeating: "", count: p)
        var time = [Double](), event = [Bool](), groupText = [String](), strataText = [String](), z = [Double]()
        time.reserveCapacity(n); event.reserveCapacity(n); z.reserveCapacity(n * p)
        if groupIndex != nil { groupText.reserveCapacity(n) }
        var groupsSeen = Set<String>()
        var missing = [Int](repeating: 0, count: table.header.count)
        var dropped = 0
        let usedColumns = roles.map(\.index)
        var row = [Double](repeating: 0, count: p)

        for r in 0..<n {
            let record = table.records[r]
            func fail(_ index: Int, _ problem: Phrase) -> NensimFailure {
                .data("\(source) line \(table.lines[r]), column \(index + 1) (\(table.header[index])): \(problem)")
            }
            func cell(_ index: Int) -> String {
                // Most cells have no surrounding blanks; Foundation's trimming is slow on
                // Linux (it bridges to NSString), so it runs only when one is there.
                let text = record[index]
                guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last,
                      isBlank(first) || isBlank(last) else { return text }
                return text.trimmingCharacters(in: .whitespaces)
            }
            var isMissing = false        // a column of the curves: the record is not used
            var missingStrata = false, missingCox = false
            var t = 0.0, e = false
            var g = "", s = ""

            let tc = cell(timeIndex)
            if isMissingCell(tc) { isMissing = true } else {
                guard let x = parseNumber(tc) else { throw fail(timeIndex, "'\(user: tc)' is not a number (a time is a number ≥ 0; a missing one is empty or NA)") }
                guard !x.isNaN else { throw fail(timeIndex, "time is NaN (leave the cell empty or write NA if it is missing)") }
                guard x.isFinite else { throw fail(timeIndex, "time '\(user: tc)' is not finite") }
                guard x >= 0 else { throw fail(timeIndex, "time \(user: tc) is negative") }
                t = x
            }
            let ec = cell(eventIndex)
            if isMissingCell(ec) { isMissing = true } else {
                guard let flag = options.eventCoding.classify(ec) else {
                    var hint: Phrase = ""
                    if options.eventCoding == .standard, ec == "2" { hint = "; for R's 1 = censored, 2 = event coding use \(.eventCodes) 1,2" }
                    throw fail(eventIndex, "'\(user: ec)' is not an event code (\(options.eventCoding.summary))\(hint)")
                }
                e = flag
            }
            if let groupIndex {
                g = cell(groupIndex)
                if isMissingCell(g) { isMissing = true } else { groupsSeen.insert(g) }
            }
            if let strataIndex {
                s = cell(strataIndex)
                if isMissingCell(s) { missingStrata = true }
            }
            for (j, index) in covariateIndex.enumerated() {
                let c = cell(index)
                if isMissingCell(c) { missingCox = true; row[j] = .nan; rowText[j] = ""; continue }
                if isFactor[j] { rowText[j] = c; continue }
                guard let x = parseNumber(c) else { throw fail(index, "'\(user: c)' is not a number") }
                guard x.isFinite else { throw fail(index, "covariate '\(user: c)' is not a finite number") }
                row[j] = x
            }
            var w = 1.0
            if let weightIndex {
                let c = cell(weightIndex)
                if isMissingCell(c) { isMissing = true } else {
                    guard let x = parseNumber(c), x.isFinite, x > 0 else { throw fail(weightIndex, "weight '\(c)' is not a finite number > 0") }
                    w = x
                }
            }
            var clusterLabel = ""
            if let clusterIndex {
                clusterLabel = cell(clusterIndex)
                if isMissingCell(clusterLabel) { missingCox = true }
            }
            for index in Set(usedColumns) where isMissingCell(cell(index)) { missing[index] += 1 }
            if isMissing {
                dropped += 1
                continue
            }
            logRankRows.append(!missingStrata)
            coxRows.append(!missingStrata && !missingCox)
            time.append(t)
            event.append(e)
            if groupIndex != nil { groupText.append(g) }
            if strataIndex != nil { strataText.append(s) }
            z.append(contentsOf: row)
            for j in 0..<p where isFactor[j] { factorText[j].append(rowText[j]) }
            if weightIndex != nil { weights.append(w) }
            if clusterIndex != nil { clusterText.append(clusterLabel) }
        }

        guard n > 0 else { throw NensimFailure.data("\(source) has a header but no records") }
        guard !time.isEmpty else {
            throw NensimFailure.data("\(source): none of the \(n) records is complete (each misses a value in a used column: \(missingSummary(missing, table.header)))")
        }

        var groupLabels = ["all"]
        var group = [Int](repeating: 0, count: time.count)
        if options.reference != nil && groupIndex == nil { throw NensimFailure.usage("\(.referenceLevel) needs a \(.groupColumn) column") }
        if let groupIndex {
            var levels = try orderedLevels(Array(groupsSeen), column: table.header[groupIndex], given: options.levels[options.group!], source: source)
            if let reference = options.reference {
                guard let at = levels.labels.firstIndex(of: reference) else {
                    throw NensimFailure.usage("\(.referenceLevel) '\(reference)': not a level of \(.groupColumn) \(table.header[groupIndex]) (its levels: \(levels.labels.joined(separator: ", ")))")
                }
                let old = levels.labels
                levels.labels.remove(at: at); levels.labels.insert(reference, at: 0)
                let position = Dictionary(uniqueKeysWithValues: levels.labels.enumerated().map { ($1, $0) })
                levels.index = levels.index.mapValues { position[old[$0]]! }
            }
            groupLabels = levels.labels
            group = groupText.map { levels.index[$0]! }
            var counts = [Int](repeating: 0, count: groupLabels.count)
            for g in group { counts[g] += 1 }
            if let empty = counts.firstIndex(of: 0) {
                throw NensimFailure.data("\(source): group '\(groupLabels[empty])' of column '\(table.header[groupIndex])' has no records left after dropping those with a missing value (\(missingSummary(missing, table.header)))")
            }
        }
        var strata: [Int]? = nil
        var strataLabels: [String] = []
        if let strataIndex {
            let levels = try orderedLevels(Array(Set(strataText.filter { !isMissingCell($0) })), column: table.header[strataIndex],
                                           given: options.levels[options.strata!], source: source)
            strataLabels = levels.labels
            strata = strataText.map { levels.index[$0] ?? -1 }   // −1: missing (not in the log-rank test or Cox)
        }
        var missingByColumn: [String: Int] = [:]
        for index in Set(usedColumns) where missing[index] > 0 { missingByColumn[table.header[index]] = missing[index] }

        // Factor covariates into treatment-coded columns, in the order of --covariates.
        var names: [String] = []
        var factorLevelsByName: [String: [String]] = [:]
        var codes: [[Int]?] = []
        var levelLists: [[String]] = []
        for (j, index) in covariateIndex.enumerated() {
            let name = table.header[index]
            guard isFactor[j] else { names.append(name); codes.append(nil); levelLists.append([]); continue }
            let complete = (0..<time.count).filter { coxRows[$0] }.map { factorText[j][$0] }
            let levels = try orderedLevels(Array(Set(complete)), column: name, given: options.levels[options.covariates[j]], source: source)
            guard levels.labels.count >= 2 else {
                throw NensimFailure.data("\(source): factor column '\(name)' has one level ('\(levels.labels.first ?? "")') in the complete records; a contrast needs two or more")
            }
            factorLevelsByName[name] = levels.labels
            names += levels.labels.dropFirst().map { name + $0 }
            codes.append((0..<time.count).map { coxRows[$0] ? levels.index[factorText[j][$0]]! : 0 })
            levelLists.append(levels.labels)
        }
        if isFactor.contains(true) {
            let q = names.count
            var expanded = [Double](repeating: 0, count: time.count * q)
            for i in 0..<time.count {
                var c = 0
                for j in 0..<p {
                    if !coxRows[i] {
                        // Not in the Cox model: NaN in every column.
                        for k in 0..<max(1, codes[j] == nil ? 1 : levelLists[j].count - 1) { expanded[i * q + c + k] = .nan }
                        c += codes[j] == nil ? 1 : levelLists[j].count - 1
                    } else if let code = codes[j] {
                        if code[i] > 0 { expanded[i * q + c + code[i] - 1] = 1 }
                        c += levelLists[j].count - 1
                    } else {
                        expanded[i * q + c] = z[i * p + j]; c += 1
                    }
                }
            }
            z = expanded
        }
        var data = AnalysisData(time: time, event: event, group: group, groupLabels: groupLabels, strata: strata,
                                strataLabels: strataLabels, covariates: z, covariateNames: names,
                                recordsRead: n, dropped: dropped, missingByColumn: missingByColumn)
        data.factorLevels = factorLevelsByName
        data.logRankRow = logRankRows
        data.coxRow = coxRows
        if weightIndex != nil { data.weight = weights }
        if clusterIndex != nil {
            let levels = factorLevels(Array(Set(clusterText.filter { !isMissingCell($0) })))
            data.cluster = clusterText.map { levels.index[$0] ?? -1 }
        }
        return data
    }

    /// The levels of a column: the order given (`--levels`; every value seen must be in
    /// it, and a given level may be absent from the data only if it is not the first), or
    /// R's order (`factorLevels`).
    static func orderedLevels(_ seen: [String], column: String, given: [String]?, source: String) throws -> (labels: [String], index: [String: Int]) {
        guard let given else { return factorLevels(seen) }
        guard Set(given).count == given.count else {
            throw NensimFailure.usage("\(.levels) \(column)=\(given.joined(separator: ",")): a level is named twice")
        }
        let present = Set(seen)
        if let stray = seen.sorted().first(where: { !given.contains($0) }) {
            throw NensimFailure.data("\(source): column '\(column)' has the value '\(stray)', which \(.levels) \(column)=\(given.joined(separator: ",")) does not list")
        }
        let labels = given.filter { present.contains($0) }
        return (labels, Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) }))
    }

    /// "ph.ecog: 1, meal.cal: 47" for the columns with missing cells.
    static func missingSummary(_ missing: [Int], _ header: [String]) -> String {
        let parts = header.indices.filter { missing[$0] > 0 }.map { "\(header[$0]): \(missing[$0]) missing" }
        return parts.isEmpty ? "none missing" : parts.joined(separator: ", ")
    }

    /// R's factor levels of `labels`: numeric order when all are numbers (labels with the
    /// same value, e.g. "1" and "1.0", are one level named by the first in text order),
    /// else code-point order. Returns the level names and each label's level index.
    static func factorLevels(_ labels: [String]) -> (labels: [String], index: [String: Int]) {
        let values = labels.map(parseNumber)
        if !labels.isEmpty, values.allSatisfy({ $0 != nil && !$0!.isNaN }) {
            let pairs = zip(labels, values.map { $0! }).sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
            var names: [String] = [], index: [String: Int] = [:]
            var last: Double? = nil
            for (label, value) in pairs {
                if value != last { names.append(label); last = value }
                index[label] = names.count - 1
            }
            return (names, index)
        }
        let names = labels.sorted { Array($0.unicodeScalars.map(\.value)).lexicographicallyPrecedes($1.unicodeScalars.map(\.value)) }
        return (names, Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) }))
    }
}
