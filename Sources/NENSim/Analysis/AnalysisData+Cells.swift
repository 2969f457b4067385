import Foundation

/// Which columns `AnalysisData.extract` reads and in which role (indices into the header);
/// a class, so the closures of the per-cell loop capture one reference.
final class ExtractionPlan: Sendable {
    let source: String
    let header: [String]
    let time: Int
    let event: Int
    let group: Int?
    let strata: Int?
    let covariates: [Int]
    let isFactor: [Bool]
    let weights: Int?
    let cluster: Int?
    /// The (start, stop] entry column (`--start`), nil for right-censored data.
    let start: Int?
    /// Every used column once, ascending.
    let usedColumns: [Int]
    let coding: EventCodes

    init(source: String, header: [String], time: Int, event: Int, group: Int?, strata: Int?, covariates: [Int], isFactor: [Bool],
         weights: Int?, cluster: Int?, start: Int? = nil, usedColumns: [Int], coding: EventCodes) {
        self.source = source; self.header = header; self.time = time; self.event = event; self.group = group
        self.strata = strata; self.covariates = covariates; self.isFactor = isFactor; self.weights = weights
        self.cluster = cluster; self.start = start; self.usedColumns = usedColumns; self.coding = coding
    }

    /// A copy no other thread holds, arrays included: the extraction retains its plan per
    /// cell, and a reference count shared by the workers bounces between the cores'
    /// caches (it was a fifth of analyze's CPU); each piece reads its own.
    func privateCopy() -> ExtractionPlan {
        ExtractionPlan(source: source, header: header.map { $0 }, time: time, event: event, group: group, strata: strata,
                       covariates: covariates.map { $0 }, isFactor: isFactor.map { $0 }, weights: weights, cluster: cluster,
                       start: start, usedColumns: usedColumns.map { $0 }, coding: coding.privateCopy())
    }
}

/// An `EventCoding` for cells given as bytes: `classify(_: String)`'s results, its two
/// codes parsed once.
struct EventCodes: Sendable {
    let coding: EventCoding
    let eventNumber: Double?
    let censoredNumber: Double?
    let eventBytes: [UInt8]
    let censoredBytes: [UInt8]

    init(_ coding: EventCoding) {
        self.coding = coding
        eventNumber = parseNumber(coding.event); censoredNumber = parseNumber(coding.censored)
        eventBytes = Array(coding.event.utf8); censoredBytes = Array(coding.censored.utf8)
    }

    /// The same codes in buffers of their own (`ExtractionPlan.privateCopy`).
    func privateCopy() -> EventCodes { EventCodes(coding) }

    /// `coding.classify(text of c)`.
    @inline(__always)
    func classify(_ c: UnsafeBufferPointer<UInt8>) -> Bool? {
        let a = CSVCell.number(c)
        // Numeric codes and a numeric cell (the common case): the numbers decide, as
        // `matches` would, without touching the codes' texts.
        if let a, !a.isNaN, let e = eventNumber, let n = censoredNumber {
            return a == e ? true : (a == n ? false : nil)
        }
        if matches(c, a, eventNumber, eventBytes, coding.event) { return true }
        if matches(c, a, censoredNumber, censoredBytes, coding.censored) { return false }
        if coding.acceptsLogical {
            if CSVCell.equals(c, "TRUE") || CSVCell.equals(c, "T") || CSVCell.equals(c, "true") || CSVCell.equals(c, "True") { return true }
            if CSVCell.equals(c, "FALSE") || CSVCell.equals(c, "F") || CSVCell.equals(c, "false") || CSVCell.equals(c, "False") { return false }
        }
        return nil
    }

    /// `EventCoding.matches`: as numbers when both are (and the cell is not NaN), else
    /// as text (by bytes when both are ASCII, by Swift's text equality otherwise).
    @inline(__always)
    private func matches(_ c: UnsafeBufferPointer<UInt8>, _ a: Double?, _ b: Double?, _ codeBytes: [UInt8], _ code: String) -> Bool {
        if let a, let b, !a.isNaN { return a == b }
        if CSVCell.isASCII(c) && codeBytes.allSatisfy({ $0 < 0x80 }) {
            return c.count == codeBytes.count && codeBytes.withUnsafeBufferPointer { memcmp($0.baseAddress!, c.baseAddress!, c.count) == 0 || c.count == 0 }
        }
        return CSVCell.text(c) == code
    }
}

/// The used columns of one piece of the file, coded (docs/ARCHITECTURE.md, "Command line"):
/// the records as `AnalysisData.extract` takes them one by one, labels numbered within
/// the piece (`CSVLabels`, renumbered when the pieces are joined), or the piece's first
/// bad cell.
struct ExtractedPiece {
    var time: [Double] = [], event: [Bool] = [], z: [Double] = [], weights: [Double] = [], starts: [Double] = []
    var logRankRows: [Bool] = [], coxRows: [Bool] = []
    /// Label numbers per used record (−1: missing); `labels`: group, strata, cluster, then
    /// one per covariate (factors only).
    var group: [Int32] = [], strata: [Int32] = [], cluster: [Int32] = []
    var factors: [[Int32]]
    var labels: [CSVLabels]
    /// Group labels of every record with a group, used or dropped (an emptied group is an error).
    var groupsSeen = Set<Int32>()
    /// The last label put in `groupsSeen` (runs of one label insert once).
    private var lastGroupSeen: Int32 = -1
    /// Whether the plan has covariates (their loops skipped per record otherwise).
    private var hasCovariates = false
    var missing: [Int]
    var dropped = 0
    /// Records read (used or dropped; blank lines are not records).
    var records = 0
    var failure: NensimFailure? = nil
    /// A record of an unchecked piece that does not parse (`CSVStructureError`): the
    /// check of the whole table names it.
    var malformed = false

    init(_ table: CSVTable, _ piece: CSVPiece, _ shared: ExtractionPlan) {
        let plan = shared.privateCopy()
        let p = plan.covariates.count
        hasCovariates = p > 0
        factors = [[Int32]](repeating: [], count: p)
        labels = [CSVLabels](repeating: CSVLabels(), count: 3 + p)
        missing = [Int](repeating: 0, count: plan.header.count)
        // An unchecked piece's records are at most its line breaks + 1 (the columns are
        // reserved once at about their size, not grown by doubling: analyze's peak at 10⁷).
        let expected = piece.records >= 0 ? piece.records : (piece.lines > 0 ? piece.lines + 1 : 0)
        time.reserveCapacity(expected); event.reserveCapacity(expected)
        logRankRows.reserveCapacity(expected); coxRows.reserveCapacity(expected)
        if plan.group != nil { group.reserveCapacity(expected) }
        z.reserveCapacity(expected * p)
        var row = [Double](repeating: 0, count: p)
        var rowLabel = [Int32](repeating: -1, count: p)
        var scratch: [UInt8] = [], trim: [UInt8] = []
        do {
            try table.bytes.scanChecking(piece, columns: plan.header.count) { record in
                self.records += 1
                try self.add(record, plan, &row, &rowLabel, &scratch, &trim)
            }
        } catch is CSVStructureError {
            malformed = true
            failure = .data("\(plan.source): a record does not parse")
        } catch let f as NensimFailure {
            failure = f
        } catch {
            failure = .data("\(plan.source): \(error)")
        }
    }

    /// One record, checked in the order of the columns' roles (time, event, group,
    /// strata, covariates, weights, start, cluster), as the reference loop did.
    @inline(__always)
    private mutating func add(_ record: CSVRecord, _ plan: ExtractionPlan, _ row: inout [Double], _ rowLabel: inout [Int32],
                              _ scratch: inout [UInt8], _ trim: inout [UInt8]) throws {
        func fail(_ index: Int, _ problem: Phrase) -> NensimFailure {
            .data("\(plan.source) line \(record.line), column \(index + 1) (\(plan.header[index])): \(problem)")
        }
        /// The trimmed cell of column `index`.
        func cell<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
            try record.withField(index, scratch: &scratch) { raw in try CSVCell.trimmed(raw, scratch: &trim, body) }
        }
        var isMissing = false        // a column of the curves: the record is not used
        var missingStrata = false, missingCox = false
        var t = 0.0, e = false, timeMissing = false
        var g: Int32 = -1, s: Int32 = -1, k: Int32 = -1

        try cell(plan.time) { tc in
            if CSVCell.isMissing(tc) { isMissing = true; timeMissing = true; missing[plan.time] += 1; return }
            guard let x = CSVCell.number(tc) else { throw fail(plan.time, "'\(user: CSVCell.text(tc))' is not a number (a time is a number ≥ 0; a missing one is empty or NA)") }
            guard !x.isNaN else { throw fail(plan.time, "time is NaN (leave the cell empty or write NA if it is missing)") }
            guard x.isFinite else { throw fail(plan.time, "time '\(user: CSVCell.text(tc))' is not finite") }
            guard x >= 0 else { throw fail(plan.time, "time \(user: CSVCell.text(tc)) is negative") }
            t = x
        }
        try cell(plan.event) { ec in
            if CSVCell.isMissing(ec) { isMissing = true; missing[plan.event] += 1; return }
            guard let flag = plan.coding.classify(ec) else {
                let text = CSVCell.text(ec)
                var hint: Phrase = ""
                if plan.coding.coding == .standard, text == "2" { hint = "; for R's 1 = censored, 2 = event coding use \(.eventCodes) 1,2" }
                throw fail(plan.event, "'\(user: text)' is not an event code (\(plan.coding.coding.summary))\(hint)")
            }
            e = flag
        }
        if let index = plan.group {
            cell(index) { c in
                if CSVCell.isMissing(c) { isMissing = true; missing[index] += 1 } else {
                    g = labels[0].id(c)
                    if g != lastGroupSeen { groupsSeen.insert(g); lastGroupSeen = g }
                }
            }
        }
        if let index = plan.strata {
            cell(index) { c in
                if CSVCell.isMissing(c) { missingStrata = true; missing[index] += 1 } else { s = labels[1].id(c) }
            }
        }
        if hasCovariates {
            for (j, index) in plan.covariates.enumerated() {
                try cell(index) { c in
                    if CSVCell.isMissing(c) { missingCox = true; row[j] = .nan; rowLabel[j] = -1; missing[index] += 1; return }
                    if plan.isFactor[j] { rowLabel[j] = labels[3 + j].id(c); return }
                    guard let x = CSVCell.number(c) else { throw fail(index, "'\(user: CSVCell.text(c))' is not a number") }
                    guard x.isFinite else { throw fail(index, "covariate '\(user: CSVCell.text(c))' is not a finite number") }
                    row[j] = x
                }
            }
        }
        var w = 1.0
        if let index = plan.weights {
            try cell(index) { c in
                if CSVCell.isMissing(c) { isMissing = true; missing[index] += 1; return }
                guard let x = CSVCell.number(c), x.isFinite, x > 0 else { throw fail(index, "weight '\(CSVCell.text(c))' is not a finite number > 0") }
                w = x
            }
        }
        var entry = 0.0
        if let index = plan.start {
            try cell(index) { c in
                if CSVCell.isMissing(c) { isMissing = true; missing[index] += 1; return }
                let text = CSVCell.text(c)
                guard let x = CSVCell.number(c), x.isFinite else { throw fail(index, "start '\(user: text)' is not a finite number") }
                guard x >= 0 else { throw fail(index, "start \(user: text) is negative") }
                if !timeMissing, x >= t {
                    throw fail(index, "start \(user: text) is not before the time \(fmt(t)): an interval (start, stop] needs start < stop (R's Surv() makes such a record NA with a warning)")
                }
                entry = x
            }
        }
        if let index = plan.cluster {
            cell(index) { c in
                if CSVCell.isMissing(c) { missingCox = true; missing[index] += 1 } else { k = labels[2].id(c) }
            }
        }
        // `missing` is counted per used column above, each column read once (one role a
        // column); a record that fails stops the piece, so its counts are never used.
        if isMissing {
            dropped += 1
            return
        }
        logRankRows.append(!missingStrata)
        coxRows.append(!missingStrata && !missingCox)
        time.append(t)
        event.append(e)
        if plan.group != nil { group.append(g) }
        if plan.strata != nil { strata.append(s) }
        if hasCovariates {
            z.append(contentsOf: row)
            for j in plan.covariates.indices where plan.isFactor[j] { factors[j].append(rowLabel[j]) }
        }
        if plan.weights != nil { weights.append(w) }
        if plan.cluster != nil { cluster.append(k) }
        if plan.start != nil { starts.append(entry) }
    }
}
