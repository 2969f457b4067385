import Foundation

/// A comma-separated file read into memory: the header row and the records, as text.
public struct CSVTable: Sendable, Equatable {
    /// The name the file is reported under in error messages (as the user typed it).
    public let source: String
    /// Column names, from the first row.
    public let header: [String]
    /// Data records; each has exactly `header.count` fields.
    public let records: [[String]]
    /// Physical line (1-based) on which each record starts; a quoted field with an
    /// embedded newline makes a record span several lines.
    public let lines: [Int]
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
/// Errors are `NensimFailure`s: `.noInput` (66) when the file is missing, a directory
/// or unreadable; `.io` (74) when reading fails part-way; `.data` (65) for malformed
/// content, as `FILE line L, column C: problem`.
public enum CSVReader {
    /// Reads and parses the file at `path`.
    /// - Parameter name: how the file is named in messages (default: `path`).
    /// - Complexity: O(bytes).
    public static func read(path: String, name: String? = nil) throws -> CSVTable {
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
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw NensimFailure.io("\(name): reading failed (\(error.localizedDescription))")
        }
        return try parse(data, source: name)
    }

    /// Parses CSV text held in `data`.
    /// - Complexity: O(bytes).
    public static func parse(_ data: Data, source: String) throws -> CSVTable {
        try data.withUnsafeBytes { raw in
            var parser = Parser(bytes: raw.bindMemory(to: UInt8.self), source: source)
            return try parser.run()
        }
    }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        let source: String
        var i = 0
        var line = 1
        var lineStart = 0

        init(bytes: UnsafeBufferPointer<UInt8>, source: String) {
            self.bytes = bytes
            self.source = source
        }

        static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")

        func failure(_ problem: String, line: Int? = nil, column: Int? = nil) -> NensimFailure {
            .data("\(source) line \(line ?? self.line), column \(column ?? (i - lineStart + 1)): \(problem)")
        }

        /// Consumes a line break at `i` (CRLF, LF or CR), counting the line.
        mutating func consumeLineBreak() {
            if bytes[i] == Self.cr, i + 1 < bytes.count, bytes[i + 1] == Self.lf { i += 1 }
            i += 1
            line += 1
            lineStart = i
        }

        func text(_ start: Int, _ end: Int, line: Int, column: Int) throws -> String {
            let slice = UnsafeBufferPointer(rebasing: bytes[start..<end])
            guard let s = String(validating: slice, as: UTF8.self) else {
                throw failure("the text is not valid UTF-8 (save the file as UTF-8)", line: line, column: column)
            }
            return s
        }

        mutating func run() throws -> CSVTable {
            let n = bytes.count
            if n >= 2, (bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF) {
                throw NensimFailure.data("\(source) is UTF-16 text; save it as UTF-8 CSV")
            }
            if n >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3; lineStart = 3 }
            var header: [String]? = nil
            var records: [[String]] = []
            var lines: [Int] = []
            var fields: [String] = []
            var buffer: [UInt8] = []
            while i < n {
                let recordLine = line
                fields.removeAll(keepingCapacity: true)
                var quotedAny = false
                // One record: fields until a line break or the end.
                while true {
                    let fieldColumn = i - lineStart + 1
                    if i < n && bytes[i] == Self.quote {
                        quotedAny = true
                        let openLine = line
                        i += 1
                        buffer.removeAll(keepingCapacity: true)
                        while true {
                            guard i < n else {
                                throw failure("quoted field opened here is never closed (a missing \")", line: openLine, column: fieldColumn)
                            }
                            let b = bytes[i]
                            if b == Self.quote {
                                if i + 1 < n && bytes[i + 1] == Self.quote { buffer.append(Self.quote); i += 2; continue }
                                i += 1
                                break
                            }
                            if b == Self.lf || b == Self.cr {
                                let start = i
                                consumeLineBreak()
                                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                                continue
                            }
                            buffer.append(b)
                            i += 1
                        }
                        while i < n && (bytes[i] == UInt8(ascii: " ") || bytes[i] == UInt8(ascii: "\t")) { i += 1 }
                        if i < n && bytes[i] != Self.comma && bytes[i] != Self.cr && bytes[i] != Self.lf {
                            throw failure("unexpected text after a closing quote (a quote inside a quoted field is written \"\")")
                        }
                        let s = try buffer.withUnsafeBufferPointer { b -> String in
                            guard let s = String(validating: b, as: UTF8.self) else {
                                throw failure("the text is not valid UTF-8 (save the file as UTF-8)", line: openLine, column: fieldColumn)
                            }
                            return s
                        }
                        fields.append(s)
                    } else {
                        let start = i
                        while i < n {
                            let b = bytes[i]
                            if b == Self.comma || b == Self.cr || b == Self.lf { break }
                            if b == Self.quote {
                                throw failure("a \" inside an unquoted field (enclose the field in quotes and write the quote as \"\")")
                            }
                            i += 1
                        }
                        fields.append(try text(start, i, line: line, column: fieldColumn))
                    }
                    if i < n && bytes[i] == Self.comma { i += 1; continue }
                    if i < n { consumeLineBreak() }
                    break
                }
                if fields.count == 1 && fields[0].isEmpty && !quotedAny { continue } // blank line
                if let header {
                    guard fields.count == header.count else {
                        throw NensimFailure.data("\(source) line \(recordLine): \(fields.count) field\(fields.count == 1 ? "" : "s"), but the header has \(header.count) (an unquoted comma, or a missing field?)")
                    }
                    records.append(fields)
                    lines.append(recordLine)
                } else {
                    header = fields
                }
            }
            guard let header else {
                throw NensimFailure.data("\(source) is empty: expected a header row naming the columns")
            }
            return CSVTable(source: source, header: header, records: records, lines: lines)
        }
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
