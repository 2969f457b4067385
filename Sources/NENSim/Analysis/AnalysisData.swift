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
    /// Column of interval starts: (start, time] counting-process records (`Surv(start, time, event)`).
    public var start: String? = nil
    /// The proportional-hazards test (`cox.zph`) with this time transform; nil = not run.
    public var phTest: ZPHTransform? = nil
    /// Two-group tests of each group against the first (Fleming–Harrington, MaxCombo,
    /// Magirr–Burman, RMST; `TrialTest.twoGroup`).
    public var tests: [TrialTest] = []

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
    /// Follow-up time of each used record (finite, ≥ 0); with `start`, the interval's stop.
    public var time: [Double]
    /// Start of each used record's interval (start, time] (`--start`), finite, ≥ 0 and
    /// < time; nil for right-censored data.
    public var start: [Double]? = nil
    /// true = event, false = censored.
    public var event: [Bool]
    /// Group of each record, an index into `groupLabels` (all 0 without a group column),
    /// one byte a record up to 256 groups (`LevelCodes`).
    public var group: LevelCodes
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
    /// and whether the Cox model does (complete in every used column: R's complete cases);
    /// empty when every record is used by it (not held: 10 MB at 10⁷ records).
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
    /// The cells are read from the file's bytes (`CSVCell`, `ExtractedPiece`), the file's
    /// pieces on `threads` workers; the result and the first error are those of taking
    /// the records one by one, for any number of threads.
    /// - Complexity: O(records × used columns), then O(n log n) to order the labels.
    public static func extract(from table: CSVTable, options: AnalysisOptions,
                               threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> AnalysisData {
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
        let startIndex = try options.start.map { try column(.startColumn, $0) }

        // One column, one role.
        var roles: [(flag: Parameter, index: Int)] = [(.timeColumn, timeIndex), (.eventColumn, eventIndex)]
        if let startIndex { roles.append((.startColumn, startIndex)) }
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
        // A table read unchecked (`CSVReader.read(…, checked: false)`) is checked here as
        // its pieces are read; the scan of the covariates below needs it checked first.
        var table = table
        // Factor covariates: named by --factor or --levels, or text (a cell that is not a
        // number, as read.csv makes the column character and coxph a factor).
        var isFactor = options.covariates.map { options.factors.contains($0) || options.levels[$0] != nil }
        let undecided = covariateIndex.indices.filter { !isFactor[$0] }
        if !undecided.isEmpty {
            table = try table.checked(threads: threads)
            var scratch: [UInt8] = [], trim: [UInt8] = []
            table.scan { record in
                for j in undecided where !isFactor[j] {
                    record.withField(covariateIndex[j], scratch: &scratch) { raw in
                        CSVCell.trimmed(raw, scratch: &trim) { c in
                            if !CSVCell.isMissing(c) && CSVCell.number(c) == nil { isFactor[j] = true }
                        }
                    }
                }
            }
        }
        let plan = ExtractionPlan(source: source, header: table.header, time: timeIndex, event: eventIndex,
                                  group: groupIndex, strata: strataIndex, covariates: covariateIndex, isFactor: isFactor,
                                  weights: weightIndex, cluster: clusterIndex, start: startIndex,
                                  usedColumns: Array(Set(roles.map(\.index))).sorted(), coding: EventCodes(options.eventCoding))
        // The file's pieces coded on their own (in parallel), then joined in file order;
        // the first piece with a bad cell has the first bad cell of the file.
        let pieces = table.pieces
        let slots = WorkerSlots<ExtractedPiece?>(count: pieces.count, initial: nil)
        let read = table
        _ = BlockDriver.run(items: .all(pieces.count), threads: threads, makeWorker: { _ in () }) { _, item, _ in
            slots.store(ExtractedPiece(read, pieces[item], plan), at: item)
            read.bytes.release(pieces[item].start, pieces[item].end)
            return 0
        }
        if let failure = slots.slots.first(where: { $0!.failure != nil })??.failure {
            // As if the file had been checked first: a malformed record anywhere is the
            // error (the check's message), else the first bad cell.
            if !table.isChecked { _ = try table.checked(threads: threads) }
            throw failure
        }
        let n = table.isChecked ? table.recordCount : slots.slots.reduce(0) { $0 + $1!.records }
        let used = slots.slots.reduce(0) { $0 + $1!.time.count }

        var time = [Double](), event = [Bool](), z = [Double](), weights = [Double](), starts = [Double]()
        var logRankRows: [Bool] = [], coxRows: [Bool] = []
        time.reserveCapacity(used); event.reserveCapacity(used); z.reserveCapacity(used * p)
        logRankRows.reserveCapacity(used); coxRows.reserveCapacity(used)
        if weightIndex != nil { weights.reserveCapacity(used) }
        if startIndex != nil { starts.reserveCapacity(used) }
        var missing = [Int](repeating: 0, count: table.header.count)
        var dropped = 0
        // Labels numbered over the whole file by first appearance (group, strata, cluster, factors).
        var labels = [CSVLabels](repeating: CSVLabels(), count: 3 + p)
        var groupIDs = [Int32](), strataIDs = [Int32](), clusterIDs = [Int32](), factorIDs = [[Int32]](repeating: [], count: p)
        var groupsSeenIDs = Set<Int32>()
        if groupIndex != nil { groupIDs.reserveCapacity(used) }
        if strataIndex != nil { strataIDs.reserveCapacity(used) }
        if clusterIndex != nil { clusterIDs.reserveCapacity(used) }
        for item in slots.slots.indices {
            // Each piece's arrays freed once joined: the columns are held once, not twice.
            let part = slots.slots[item]!
            slots.slots[item] = nil
            time += part.time; event += part.event; z += part.z; weights += part.weights; starts += part.starts
            logRankRows += part.logRankRows; coxRows += part.coxRows
            for k in missing.indices { missing[k] += part.missing[k] }
            dropped += part.dropped
            func renumber(_ c: Int, _ ids: [Int32], into out: inout [Int32]) -> [Int32] {
                let map = part.labels[c].texts.map { labels[c].textID($0) }
                out.reserveCapacity(out.count + ids.count)
                for id in ids { out.append(id < 0 ? -1 : map[Int(id)]) }
                return map
            }
            let groupMap = renumber(0, part.group, into: &groupIDs)
            for id in part.groupsSeen { groupsSeenIDs.insert(groupMap[Int(id)]) }
            _ = renumber(1, part.strata, into: &strataIDs)
            _ = renumber(2, part.cluster, into: &clusterIDs)
            for j in 0..<p where isFactor[j] { _ = renumber(3 + j, part.factors[j], into: &factorIDs[j]) }
        }
        let usedColumns = plan.usedColumns
        let groupsSeen = groupsSeenIDs.map { labels[0].texts[Int($0)] }
        /// The labels of column role `c` among `ids` (−1, missing, left out).
        func distinct(_ c: Int, _ ids: [Int32]) -> [String] {
            var seen = [Bool](repeating: false, count: labels[c].texts.count)
            for id in ids where id >= 0 { seen[Int(id)] = true }
            return labels[c].texts.indices.filter { seen[$0] }.map { labels[c].texts[$0] }
        }
        /// Each label number's level in `index` (−1: missing or not a level).
        func levelOf(_ c: Int, _ index: [String: Int]) -> [Int] { labels[c].texts.map { index[$0] ?? -1 } }

        guard n > 0 else { throw NensimFailure.data("\(source) has a header but no records") }
        guard !time.isEmpty else {
            throw NensimFailure.data("\(source): none of the \(n) records is complete (each misses a value in a used column: \(missingSummary(missing, table.header)))")
        }

        var groupLabels = ["all"]
        var group: LevelCodes? = nil
        if options.reference != nil && groupIndex == nil { throw NensimFailure.usage("\(.referenceLevel) needs a \(.groupColumn) column") }
        if let groupIndex {
            var levels = try orderedLevels(Array(groupsSeen), column: table.header[groupIndex], given: options.levels[options.group!], source: source)
            guard levels.labels.count <= Limits.groupLevels else {
                throw NensimFailure.usage("\(.groupColumn) '\(user: table.header[groupIndex])' has \(levels.labels.count) levels; comparing groups is limited to \(Limits.groupLevels) (the log-rank and Cox cost grows with the square of the levels): is it an identifier column?")
            }
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
            let level = levelOf(0, levels.index)
            var counts = [Int](repeating: 0, count: groupLabels.count)
            group = groupIDs.withUnsafeBufferPointer { ids in
                level.withUnsafeBufferPointer { level in
                    LevelCodes(count: ids.count, levels: groupLabels.count) { i in
                        let g = level[Int(ids[i])]
                        counts[g] += 1
                        return g
                    }
                }
            }
            groupIDs = []
            if let empty = counts.firstIndex(of: 0) {
                throw NensimFailure.data("\(source): group '\(groupLabels[empty])' of column '\(table.header[groupIndex])' has no records left after dropping those with a missing value (\(missingSummary(missing, table.header)))")
            }
        }
        var strata: [Int]? = nil
        var strataLabels: [String] = []
        if let strataIndex {
            let levels = try orderedLevels(distinct(1, strataIDs), column: table.header[strataIndex],
                                           given: options.levels[options.strata!], source: source)
            strataLabels = levels.labels
            let level = levelOf(1, levels.index)
            strata = strataIDs.map { $0 < 0 ? -1 : level[Int($0)] }   // −1: missing (not in the log-rank test or Cox)
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
            let levels = try orderedLevels(distinct(3 + j, (0..<time.count).filter { coxRows[$0] }.map { factorIDs[j][$0] }), column: name, given: options.levels[options.covariates[j]], source: source)
            guard levels.labels.count >= 2 else {
                throw NensimFailure.data("\(source): factor column '\(name)' has one level ('\(levels.labels.first ?? "")') in the complete records; a contrast needs two or more")
            }
            factorLevelsByName[name] = levels.labels
            names += levels.labels.dropFirst().map { name + $0 }
            let level = levelOf(3 + j, levels.index)
            codes.append((0..<time.count).map { coxRows[$0] ? level[Int(factorIDs[j][$0])] : 0 })
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
        var data = AnalysisData(time: time, event: event, group: group ?? LevelCodes(zeros: time.count), groupLabels: groupLabels, strata: strata,
                                strataLabels: strataLabels, covariates: z, covariateNames: names,
                                recordsRead: n, dropped: dropped, missingByColumn: missingByColumn)
        data.factorLevels = factorLevelsByName
        data.logRankRow = logRankRows.contains(false) ? logRankRows : []
        data.coxRow = coxRows.contains(false) ? coxRows : []
        if weightIndex != nil { data.weight = weights }
        if startIndex != nil { data.start = starts }
        if clusterIndex != nil {
            let levels = factorLevels(distinct(2, clusterIDs))
            let level = levelOf(2, levels.index)
            data.cluster = clusterIDs.map { $0 < 0 ? -1 : level[Int($0)] }
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

extension AnalysisData {
    /// The records as given, groups as `[Int]` (indices into `groupLabels`).
    public init(time: [Double], event: [Bool], group: [Int], groupLabels: [String], strata: [Int]?, strataLabels: [String],
                covariates: [Double], covariateNames: [String], recordsRead: Int, dropped: Int, missingByColumn: [String: Int]) {
        self.init(time: time, event: event, group: LevelCodes(group, levels: max(1, groupLabels.count)), groupLabels: groupLabels,
                  strata: strata, strataLabels: strataLabels, covariates: covariates, covariateNames: covariateNames,
                  recordsRead: recordsRead, dropped: dropped, missingByColumn: missingByColumn)
    }
}
