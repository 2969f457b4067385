internal import CKernels
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A comma-separated file held as its bytes, checked once: the header row, and record-
/// aligned pieces of the body that later passes read in parallel (docs/ARCHITECTURE.md,
/// "Command line"; docs/PERFORMANCE.md, "Whole commands").
///
/// No `String` is made per cell: `AnalysisData.extract` converts only the columns it uses,
/// straight from the bytes (`CSVTable.scan`). `records` and `lines` give every cell as
/// text, for small tables (a KM table read back, a published curve).
public struct CSVTable: Sendable, Equatable {
    /// The name the file is reported under in error messages (as the user typed it).
    public let source: String
    /// Column names, from the first row.
    public let header: [String]
    /// The file's bytes (memory-mapped, or a copy of the data parsed).
    let bytes: CSVBytes
    /// Record-aligned pieces of the body, in file order; together they cover it.
    let pieces: [CSVPiece]
    /// Data records (blank lines are not records); −1 while the table is not checked.
    public let recordCount: Int
    /// Whether every record was checked (each has `header.count` fields and parses):
    /// always, but for `CSVReader.read(…, checked: false)`, whose reader checks the
    /// records as it reads them (`AnalysisData.extract`) and calls `checked()` on failure.
    public var isChecked: Bool { recordCount >= 0 }

    /// The table checked: itself if it is; otherwise each piece checked (in parallel) and
    /// counted, or the first bad record's message thrown, exactly as `CSVReader.read` with
    /// the check gives them.
    /// - Complexity: O(bytes).
    public func checked(threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> CSVTable {
        if isChecked { return self }
        let pieces = try CSVReader.check(bytes, pieces, columns: header.count, source: source, threads: threads)
        return CSVTable(source: source, header: header, bytes: bytes, pieces: pieces, recordCount: pieces.reduce(0) { $0 + $1.records })
    }

    /// Data records as text; each has exactly `header.count` fields.
    /// - Complexity: O(bytes), one `String` per cell: for small tables.
    public var records: [[String]] { materialised().records }

    /// Physical line (1-based) on which each record starts; a quoted field with an
    /// embedded newline makes a record span several lines.
    public var lines: [Int] { materialised().lines }

    private func materialised() -> (records: [[String]], lines: [Int]) {
        var records: [[String]] = [], lines: [Int] = []
        records.reserveCapacity(recordCount); lines.reserveCapacity(recordCount)
        var scratch: [UInt8] = []
        scan { record in
            records.append((0..<record.count).map { k in record.withField(k, scratch: &scratch) { String(decoding: $0, as: UTF8.self) } })
            lines.append(record.line)
        }
        return (records, lines)
    }

    /// Calls `body` with every record in file order (serially). The table is checked.
    func scan(_ body: (CSVRecord) throws -> Void) rethrows {
        for piece in pieces {
            try bytes.scan(piece, columns: header.count, body)
            bytes.release(piece.start, piece.end)
        }
    }

    public static func == (a: CSVTable, b: CSVTable) -> Bool {
        a.source == b.source && a.header == b.header && a.records == b.records
    }
}

/// A record of an unchecked piece that does not parse or has the wrong number of fields
/// (the check names it: `CSVTable.checked()`).
struct CSVStructureError: Error {}

/// One record-aligned piece of a CSV body: bytes `start ..< end`, whose first byte is on
/// physical line `line`, holding records `firstRecord ..< firstRecord + records`
/// (`records` −1 and `firstRecord` 0 until checked).
struct CSVPiece: Sendable, Equatable {
    var start: Int
    var end: Int
    var line: Int
    var firstRecord: Int
    var records: Int
    /// Line breaks in the piece when `CSVReader.split` cut it (0 otherwise): its records
    /// are at most this, plus one for a last line without its break.
    var lines = 0
}

/// The fields of one record during a scan, as byte ranges of the file (valid only inside
/// the scan's closure). A quoted field's range is its content between the quotes; its
/// doubled quotes are undone by `withField` into a scratch buffer.
struct CSVRecord {
    let base: UnsafePointer<UInt8>
    /// start, end and whether the content holds doubled quotes, per field.
    let starts: UnsafeMutablePointer<Int>
    let ends: UnsafeMutablePointer<Int>
    let escaped: UnsafeMutablePointer<Bool>
    let count: Int
    /// Physical line on which the record starts.
    let line: Int

    /// The bytes of field `k` (doubled quotes undone), untrimmed.
    @inline(__always)
    func withField<R>(_ k: Int, scratch: inout [UInt8], _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let raw = UnsafeBufferPointer(start: base + starts[k], count: ends[k] - starts[k])
        guard escaped[k] else { return try body(raw) }
        scratch.removeAll(keepingCapacity: true)
        var i = 0
        while i < raw.count {
            scratch.append(raw[i])
            i += raw[i] == UInt8(ascii: "\"") ? 2 : 1
        }
        return try scratch.withUnsafeBufferPointer(body)
    }
}

/// The bytes of a CSV file: memory-mapped read-only, or an owned copy.
final class CSVBytes: @unchecked Sendable {
    let base: UnsafePointer<UInt8>
    let count: Int
    private let mapped: Bool

    init(copying data: Data) {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: max(data.count, 1))
        data.copyBytes(to: p, count: data.count)
        base = UnsafePointer(p); count = data.count; mapped = false
    }

    /// Maps the open file `fd` of `size` bytes (> 0); nil when it cannot be mapped.
    init?(mapping fd: Int32, size: Int) {
        guard size > 0, let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else { return nil }
        _ = madvise(p, size, MADV_SEQUENTIAL)
        base = UnsafePointer(p.assumingMemoryBound(to: UInt8.self)); count = size; mapped = true
    }

    deinit {
        if mapped { munmap(UnsafeMutableRawPointer(mutating: base), count) } else { base.deallocate() }
    }

    /// Lets the kernel drop the mapped pages wholly inside bytes `start ..< end` once a
    /// pass over them is done, so the resident set holds the pieces being read, not the
    /// whole file (docs/PERFORMANCE.md, "Whole-process timings"). The mapping is private
    /// and never written, so a dropped page is read back from the page cache, unchanged,
    /// if it is touched again (a later pass, a piece beside it on another worker). No-op
    /// for an owned copy.
    func release(_ start: Int, _ end: Int) {
        guard mapped else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let address = Int(bitPattern: base)
        let from = (address + start + page - 1) / page * page, to = (address + end) / page * page
        guard to > from else { return }
        _ = madvise(UnsafeMutableRawPointer(bitPattern: from), to - from, MADV_DONTNEED)
    }

    static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")

    /// Scans the records of `piece` (checked) with `columns` fields each, calling `body`
    /// for every record that is not a blank line.
    func scan(_ piece: CSVPiece, columns: Int, _ body: (CSVRecord) throws -> Void) rethrows {
        precondition(piece.records >= 0, "scan of an unchecked piece")
        try records(piece, columns: columns, malformed: {}, body)
    }

    /// `scan` of a piece checked or not: in an unchecked one (`piece.records` −1), the
    /// first record that does not parse or has another number of fields throws
    /// `CSVStructureError` (its message is the check's: `CSVTable.checked()`).
    func scanChecking(_ piece: CSVPiece, columns: Int, _ body: (CSVRecord) throws -> Void) throws {
        if piece.records >= 0 { return try scan(piece, columns: columns, body) }
        try records(piece, columns: columns, malformed: { throw CSVStructureError() }, body)
    }

    /// The records of `piece`; a record that does not parse or has another number of
    /// fields than `columns` calls `malformed` (and is skipped if it returns).
    private func records(_ piece: CSVPiece, columns: Int, malformed: () throws -> Void,
                         _ body: (CSVRecord) throws -> Void) rethrows {
        let starts = UnsafeMutablePointer<Int>.allocate(capacity: columns + 1)
        let ends = UnsafeMutablePointer<Int>.allocate(capacity: columns + 1)
        let escaped = UnsafeMutablePointer<Bool>.allocate(capacity: columns + 1)
        defer { starts.deallocate(); ends.deallocate(); escaped.deallocate() }
        var scanner = CSVScanner(base: base, end: piece.end, at: piece.start, line: piece.line, source: "")
        while scanner.i < piece.end {
            let line = scanner.line
            var fields = (try? scanner.record(starts: starts, ends: ends, escaped: escaped, capacity: columns + 1)) ?? -1
            if fields != 0 && fields != columns { try malformed(); fields = 0 }
            if fields == 0 { continue }   // a blank line
            try body(CSVRecord(base: base, starts: starts, ends: ends, escaped: escaped, count: fields, line: line))
        }
    }
}

/// The RFC 4180 state machine over bytes `i ..< end`: one record per call.
struct CSVScanner {
    let base: UnsafePointer<UInt8>
    let end: Int
    var i: Int
    var line: Int
    var lineStart: Int
    let source: String

    init(base: UnsafePointer<UInt8>, end: Int, at start: Int, line: Int, source: String) {
        self.base = base; self.end = end; self.i = start; self.line = line; self.lineStart = start; self.source = source
    }

    func failure(_ problem: String, line: Int? = nil, column: Int? = nil) -> NensimFailure {
        .data("\(source) line \(line ?? self.line), column \(column ?? (i - lineStart + 1)): \(problem)")
    }

    /// Consumes a line break at `i` (CRLF, LF or CR), counting the line.
    @inline(__always)
    mutating func consumeLineBreak() {
        if base[i] == CSVBytes.cr, i + 1 < end, base[i + 1] == CSVBytes.lf { i += 1 }
        i += 1
        line += 1
        lineStart = i
    }

    func checkUTF8(_ start: Int, _ stop: Int, line: Int, column: Int) throws {
        guard String(validating: UnsafeBufferPointer(start: base + start, count: stop - start), as: UTF8.self) != nil else {
            throw failure("the text is not valid UTF-8 (save the file as UTF-8)", line: line, column: column)
        }
    }

    /// Reads one record from `i`: its fields' content ranges into `starts`/`ends`/
    /// `escaped` (at most `capacity`; further fields are counted, not stored), and
    /// returns the number of fields, 0 for a blank line.
    /// - Throws: the reader's `.data` errors (quotes, UTF-8), as `FILE line L, column C: …`.
    @inline(__always)
    mutating func record(starts: UnsafeMutablePointer<Int>, ends: UnsafeMutablePointer<Int>,
                         escaped: UnsafeMutablePointer<Bool>, capacity: Int) throws -> Int {
        let n = end, bytes = base
        var fields = 0
        var quotedAny = false, emptyOnly = true
        while true {
            let fieldColumn = i - lineStart + 1
            var start = i, stop = i, doubled = false
            if i < n && bytes[i] == CSVBytes.quote {
                quotedAny = true
                let openLine = line
                i += 1
                start = i
                var high: UInt8 = 0
                while true {
                    guard i < n else {
                        throw failure("quoted field opened here is never closed (a missing \")", line: openLine, column: fieldColumn)
                    }
                    let b = bytes[i]
                    if b == CSVBytes.quote {
                        if i + 1 < n && bytes[i + 1] == CSVBytes.quote { doubled = true; i += 2; continue }
                        stop = i
                        i += 1
                        break
                    }
                    if b == CSVBytes.lf || b == CSVBytes.cr { consumeLineBreak(); continue }
                    high |= b
                    i += 1
                }
                while i < n && (bytes[i] == UInt8(ascii: " ") || bytes[i] == UInt8(ascii: "\t")) { i += 1 }
                if i < n && bytes[i] != CSVBytes.comma && bytes[i] != CSVBytes.cr && bytes[i] != CSVBytes.lf {
                    throw failure("unexpected text after a closing quote (a quote inside a quoted field is written \"\")")
                }
                if high >= 0x80 { try checkUTF8(start, stop, line: openLine, column: fieldColumn) }
                emptyOnly = false
            } else {
                var high: UInt8 = 0
                while i < n {
                    let b = bytes[i]
                    if b == CSVBytes.comma || b == CSVBytes.cr || b == CSVBytes.lf { break }
                    if b == CSVBytes.quote {
                        throw failure("a \" inside an unquoted field (enclose the field in quotes and write the quote as \"\")")
                    }
                    high |= b
                    i += 1
                }
                stop = i
                if high >= 0x80 { try checkUTF8(start, stop, line: line, column: fieldColumn) }
                if stop > start { emptyOnly = false }
            }
            if fields < capacity { starts[fields] = start; ends[fields] = stop; escaped[fields] = doubled }
            fields += 1
            if i < n && bytes[i] == CSVBytes.comma { i += 1; emptyOnly = false; continue }
            if i < n { consumeLineBreak() }
            break
        }
        if fields == 1 && emptyOnly && !quotedAny { return 0 }   // blank line
        return fields
    }
}

/// An RFC 4180 reader: fields separated by commas, records by CRLF, LF or a lone CR;
/// a field in double quotes may hold commas, line breaks and doubled quotes (`""` is
/// one `"`). A UTF-8 byte-order mark is skipped. The first record is the header.
///
/// Stricter than R's `read.csv` where leniency hides mistakes, and said so:
/// - every record must have as many fields as the header (R's `fill = TRUE` pads short
///   rows with NA; here it is an error naming the line);
/// - a `"` inside an unquoted field, or text after a closing quote other than spaces
///   and tabs, is an error naming line and column;
/// - the text must be UTF-8 (UTF-16 is recognised by its byte-order mark and refused).
/// As `read.csv` (`blank.lines.skip = TRUE`), empty lines are skipped.
///
/// The file is memory-mapped and checked in pieces on all cores: the body is cut at
/// line breaks outside quotes (found from the parity of the quotes before them), each
/// piece checked on its own; if any piece fails, the whole body is checked again in one
/// piece, so a malformed file gets exactly the message a serial reading gives.
///
/// Errors are `NensimFailure`s: `.noInput` (66) when the file is missing, a directory
/// or unreadable; `.io` (74) when reading fails part-way; `.data` (65) for malformed
/// content, as `FILE line L, column C: problem`.
public enum CSVReader {
    /// Reads and checks the file at `path`.
    /// - Parameters:
    ///   - name: how the file is named in messages (default: `path`).
    ///   - threads: pieces checked at once (default: the active processors).
    /// - Complexity: O(bytes).
    ///   - checked: false to leave the records unchecked (`CSVTable.isChecked`) for a
    ///     reader that checks them as it reads them; the header is read and checked.
    public static func read(path: String, name: String? = nil, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                            checked: Bool = true) throws -> CSVTable {
        let name = name ?? path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw NensimFailure.noInput("\(name): no such file")
        }
        guard !isDirectory.boolValue else {
            throw NensimFailure.noInput("\(name) is a directory, not a CSV file")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw NensimFailure.noInput("\(name): cannot be read (permission denied)")
        }
        let fd = open(path, O_RDONLY)
        if fd >= 0 {
            defer { close(fd) }
            var info = stat()
            if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, let bytes = CSVBytes(mapping: fd, size: Int(info.st_size)) {
                return try parse(bytes, source: name, threads: threads, checked: checked)
            }
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw NensimFailure.io("\(name): reading failed (\(error.localizedDescription))")
        }
        return try parse(CSVBytes(copying: data), source: name, threads: threads, checked: checked)
    }

    /// Parses CSV text held in `data`.
    /// - Complexity: O(bytes).
    public static func parse(_ data: Data, source: String, threads: Int = 1) throws -> CSVTable {
        try parse(CSVBytes(copying: data), source: source, threads: threads)
    }

    /// The smallest piece worth a worker of its own.
    static let pieceBytes = 1 << 20

    static func parse(_ bytes: CSVBytes, source: String, threads: Int, pieceBytes: Int = CSVReader.pieceBytes,
                      checked: Bool = true) throws -> CSVTable {
        let n = bytes.count, base = bytes.base
        if n >= 2, (base[0] == 0xFF && base[1] == 0xFE) || (base[0] == 0xFE && base[1] == 0xFF) {
            throw NensimFailure.data("\(source) is UTF-16 text; save it as UTF-8 CSV")
        }
        let bom = n >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF ? 3 : 0
        // The header: the first record that is not a blank line.
        var scanner = CSVScanner(base: base, end: n, at: bom, line: 1, source: source)
        var header: [String]? = nil
        var starts = [Int](repeating: 0, count: 1), ends = starts, escaped = [false]
        while scanner.i < n {
            var capacity = starts.count
            var fields = 0
            while true {
                let save = scanner
                fields = try starts.withUnsafeMutableBufferPointer { s in
                    try ends.withUnsafeMutableBufferPointer { e in
                        try escaped.withUnsafeMutableBufferPointer { q in
                            try scanner.record(starts: s.baseAddress!, ends: e.baseAddress!, escaped: q.baseAddress!, capacity: capacity)
                        }
                    }
                }
                if fields <= capacity { break }
                scanner = save
                capacity = fields
                starts = [Int](repeating: 0, count: fields); ends = starts; escaped = [Bool](repeating: false, count: fields)
            }
            if fields == 0 { continue }
            var scratch: [UInt8] = []
            header = starts.withUnsafeMutableBufferPointer { s in
                ends.withUnsafeMutableBufferPointer { e in
                    escaped.withUnsafeMutableBufferPointer { q in
                        let record = CSVRecord(base: base, starts: s.baseAddress!, ends: e.baseAddress!, escaped: q.baseAddress!, count: fields, line: 0)
                        return (0..<fields).map { k in record.withField(k, scratch: &scratch) { String(decoding: $0, as: UTF8.self) } }
                    }
                }
            }
            break
        }
        guard let header else {
            throw NensimFailure.data("\(source) is empty: expected a header row naming the columns")
        }
        let body = CSVPiece(start: scanner.i, end: n, line: scanner.line, firstRecord: 0, records: 0)
        var pieces = split(bytes, body, count: threads <= 1 ? 1 : max(1, min(4 * threads, (n - body.start) / pieceBytes)))
        for k in pieces.indices { pieces[k].records = -1 }
        let table = CSVTable(source: source, header: header, bytes: bytes, pieces: pieces, recordCount: -1)
        return checked ? try table.checked(threads: threads) : table
    }

    /// Checks the records of `piece`: returns how many there are (blank lines excluded).
    static func checkPiece(_ bytes: CSVBytes, _ piece: CSVPiece, columns: Int, source: String) throws -> Int {
        var scanner = CSVScanner(base: bytes.base, end: piece.end, at: piece.start, line: piece.line, source: source)
        let starts = UnsafeMutablePointer<Int>.allocate(capacity: columns + 1)
        let ends = UnsafeMutablePointer<Int>.allocate(capacity: columns + 1)
        let escaped = UnsafeMutablePointer<Bool>.allocate(capacity: columns + 1)
        defer { starts.deallocate(); ends.deallocate(); escaped.deallocate() }
        var records = 0
        while scanner.i < piece.end {
            let line = scanner.line
            let fields = try scanner.record(starts: starts, ends: ends, escaped: escaped, capacity: columns + 1)
            if fields == 0 { continue }
            guard fields == columns else {
                throw NensimFailure.data("\(source) line \(line): \(fields) field\(fields == 1 ? "" : "s"), but the header has \(columns) (an unquoted comma, or a missing field?)")
            }
            records += 1
        }
        return records
    }

    /// Each piece checked on its own (in parallel) and counted; if any fails, the whole
    /// body in one piece, which throws the serial message (the first bad record's).
    static func check(_ bytes: CSVBytes, _ pieces: [CSVPiece], columns: Int, source: String, threads: Int) throws -> [CSVPiece] {
        let counts = BlockDriver.map(pieces.count, threads: threads) { item -> Int? in
            defer { bytes.release(pieces[item].start, pieces[item].end) }
            return try? checkPiece(bytes, pieces[item], columns: columns, source: source)
        }
        var checked = pieces
        if counts.contains(where: { $0 == nil }) {
            var body = pieces[0]
            body.end = pieces[pieces.count - 1].end
            body.firstRecord = 0
            body.records = try checkPiece(bytes, body, columns: columns, source: source)
            return [body]
        }
        var first = 0
        for k in checked.indices { checked[k].firstRecord = first; checked[k].records = counts[k]!; first += counts[k]! }
        return checked
    }

    /// Cuts `body` into about `count` pieces at line breaks outside quotes: region
    /// boundaries moved forward to the next LF (or lone CR) with an even number of
    /// quotes before it, each piece's first line counted from the breaks before it.
    static func split(_ bytes: CSVBytes, _ body: CSVPiece, count: Int) -> [CSVPiece] {
        let size = body.end - body.start
        guard count > 1, size > 0 else { return [body] }
        let base = bytes.base
        // Per region: quotes and line breaks (CRLF counted once, at its LF).
        let regions = count
        let bounds = (0...regions).map { body.start + size * $0 / regions }
        let counts = WorkerSlots<(quotes: Int, breaks: Int)>(count: regions, initial: (0, 0))
        _ = BlockDriver.run(items: .all(regions), threads: regions, makeWorker: { _ in () }) { _, r, _ in
            let base = bytes.base
            // Quotes, LFs and CRs counted by a vectorised C loop; a CR followed by an LF
            // is one break, counted at its LF, so the CRs before an LF are taken off.
            let end = bounds[r + 1]
            var c: (UInt64, UInt64, UInt64) = (0, 0, 0)
            withUnsafeMutableBytes(of: &c) { nensim_count_csv_bytes(base + bounds[r], end - bounds[r], $0.baseAddress!.assumingMemoryBound(to: UInt64.self)) }
            let quotes = Int(c.0), crs = Int(c.2)
            var breaks = Int(c.1) + crs
            if crs > 0 {
                for k in bounds[r]..<end where base[k] == CSVBytes.cr && k + 1 < body.end && base[k + 1] == CSVBytes.lf { breaks -= 1 }
            }
            counts.store((quotes, breaks), at: r)
            bytes.release(bounds[r], bounds[r + 1])
            return 0
        }
        var pieces: [CSVPiece] = []
        var start = body.start, line = body.line
        var quotesBefore = 0, breaksBefore = 0   // up to bounds[r]
        for r in 0..<regions {
            if r > 0 {
                // Walk from bounds[r] to the first line break outside quotes.
                var i = bounds[r], parity = quotesBefore & 1, breaks = breaksBefore
                var cut = -1
                while i < body.end {
                    let b = base[i]
                    if b == CSVBytes.quote { parity ^= 1 }
                    else if b == CSVBytes.lf || (b == CSVBytes.cr && (i + 1 >= body.end || base[i + 1] != CSVBytes.lf)) {
                        breaks += 1
                        if parity == 0 { cut = i + 1; break }
                    }
                    i += 1
                }
                if cut > start && cut < body.end {
                    // line of `cut` = body.line + breaks in body.start ..< cut
                    let cutLine = body.line + breaks
                    pieces.append(CSVPiece(start: start, end: cut, line: line, firstRecord: 0, records: 0, lines: cutLine - line))
                    start = cut; line = cutLine
                }
            }
            quotesBefore += counts.slots[r].quotes
            breaksBefore += counts.slots[r].breaks
        }
        pieces.append(CSVPiece(start: start, end: body.end, line: line, firstRecord: 0, records: 0,
                               lines: body.line + breaksBefore - line))
        return pieces
    }
}

/// Writes CSV text: a field is quoted when it holds a comma, quote, CR or LF (quotes
/// doubled), as RFC 4180 and R's `write.csv` read it back.
public enum CSVWriter {
    public static func field(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A number with full precision (shortest text that reads back to the same
    /// double); "NA" for NaN and "Inf"/"-Inf", as R writes them.
    public static func number(_ x: Double) -> String {
        if x.isNaN { return "NA" }
        if x.isInfinite { return x > 0 ? "Inf" : "-Inf" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }
}
