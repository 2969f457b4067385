import Foundation
import Testing
@testable import NENSim
#if canImport(Glibc)
import Glibc
#endif

/// The byte-level ingest (`CSVReader` pieces, `CSVCell`, `ExtractedPiece`) against the
/// text forms it replaced: numbers bit for bit as `strtod` and `parseNumber(_: String)`,
/// every CSV of the test fixtures, and pieces read in parallel as one serial reading.
struct CSVIngestTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func csvFiles() -> [String] {
        let e = FileManager.default.enumerator(atPath: fixtures.path)
        var out: [String] = []
        while let f = e?.nextObject() as? String { if f.hasSuffix(".csv") { out.append(f) } }
        return out.sorted()
    }

    static func number(_ s: String) -> Double? {
        Array(s.utf8).withUnsafeBufferPointer { CSVCell.number($0) }
    }

    /// Hard cases for a decimal reader: long mantissas, exact and near midpoints between
    /// doubles, subnormals, the ends of the range, signed zeros, forms R writes.
    static let hard: [String] = [
        "0", "-0", "+0.0", "-0.000e12", "1e5", ".5", "5.", "-.5e-1", "00000000000000000000000001.5", "1E+22", "1e23",
        "0.1", "0.2", "0.30000000000000004", "3.141592653589793", "2.718281828459045235360287", "123456789012345678901234567890",
        "9007199254740992", "9007199254740993", "9007199254740994", "9007199254740995", "18014398509481985",
        "9007199254740993e-5", "9007199254740993e5", "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124", "1.00000000000000011102230246251565404236316680908203126",
        "2.2250738585072011e-308", "2.2250738585072014e-308", "4.9406564584124654e-324", "2.4703282292062327e-324",
        "2.4703282292062328e-324", "1e-400", "1.7976931348623157e308", "1.7976931348623158e308", "1e309",
        "12.345678901234567", "0.000012345678901234567", "1234567890123456789", "12345678901234567890", "99999999999999999999e-20",
        "7.038531e-26", "8.0e-323", "1e0000000000000000000000005", "1e-0000000000000000000000005", "4.35679e-306",
    ]

    @Test func numbersAreStrtodsBitsOnHardCases() {
        for s in Self.hard {
            let expected = strtod(s, nil)
            let got = Self.number(s)
            #expect(got?.bitPattern == expected.bitPattern, "\(s): \(String(describing: got)) vs strtod \(expected)")
            #expect(got?.bitPattern == parseNumber(s)?.bitPattern, "\(s) vs parseNumber")
        }
    }

    /// Random decimals in the forms the fast paths take (up to 19 digits, powers of ten
    /// up to ±27) and around them, against strtod.
    @Test func randomDecimalsAreStrtodsBits() {
        var g = IngestRandom(seed: 18)
        for _ in 0..<20_000 {
            let digits = 1 + Int(g.next() % 22)
            var mantissa = ""
            for k in 0..<digits { mantissa += String(k == 0 ? 1 + g.next() % 9 : g.next() % 10) }
            let point = Int(g.next() % UInt64(digits + 1))
            let body = String(mantissa.prefix(point)) + "." + String(mantissa.dropFirst(point))
            let exponent = Int(g.next() % 61) - 30
            let s = (g.next() % 2 == 0 ? "-" : "") + body + (g.next() % 3 == 0 ? "" : "e\(exponent)")
            let expected = strtod(s, nil)
            #expect(Self.number(s)?.bitPattern == expected.bitPattern, "\(s)")
        }
    }

    @Test func wordsAndBadSyntaxAsParseNumber() {
        for s in ["NaN", "Inf", "+Inf", "inf", "Infinity", "-Inf", "-inf", "-Infinity", "+NaN", "nan", "INF", "", "abc", "1,5",
                  "0x10", "1e", "--1", "1 2", "e5", ".", "+", "-", "1e+", "1.2.3", "١٢", "1e5x"] {
            let a = Self.number(s), b = parseNumber(s)
            #expect(a?.bitPattern == b?.bitPattern || (a?.isNaN == true && b?.isNaN == true), "\(s)")
            #expect((a == nil) == (b == nil), "\(s)")
        }
    }

    @Test func everyFixtureCellReadsAsItsText() throws {
        var cells = 0
        for f in Self.csvFiles() {
            let table = try CSVReader.read(path: Self.fixtures.appendingPathComponent(f).path, threads: 1)
            var scratch: [UInt8] = [], trim: [UInt8] = []
            var k = 0
            let records = table.records
            table.scan { record in
                for c in 0..<record.count {
                    let text = records[k][c].trimmingCharacters(in: .whitespaces)
                    let (bytes, missing, value) = record.withField(c, scratch: &scratch) { raw in
                        CSVCell.trimmed(raw, scratch: &trim) { (Array($0), CSVCell.isMissing($0), CSVCell.number($0)) }
                    }
                    #expect(bytes == Array(text.utf8), "\(f) record \(k) column \(c)")
                    #expect(missing == isMissingCell(text))
                    let reference = parseNumber(text)
                    #expect(value?.bitPattern == reference?.bitPattern || (value?.isNaN == true && reference?.isNaN == true), "\(f): '\(text)'")
                    cells += 1
                }
                k += 1
            }
        }
        #expect(cells > 10_000)
    }

    /// A file with every feature the reader handles: BOM, CRLF and lone CR, quoted
    /// fields with commas, doubled quotes and line breaks, blank lines, NA, spaces.
    static func awkward(records: Int) -> String {
        var s = "\u{FEFF}arm,time,status,note\r\n"
        var g = IngestRandom(seed: 3)
        for i in 0..<records {
            let arm = ["a", "\"b, c\"", " d ", "Δ"][Int(g.next() % 4)]
            let time = i % 97 == 0 ? "NA" : String(Double(g.next() % 100_000) / 7)
            let note = ["", "\"say \"\"hi\"\"\"", "\"two\nlines\"", "x", "\"three\r\nlines\r\n\""][Int(g.next() % 5)]
            s += "\(arm),\(time),\(g.next() % 2),\(note)" + ["\r\n", "\n", "\r"][Int(g.next() % 3)]
            if i % 50 == 0 { s += "\n" }
        }
        return s
    }

    @Test(arguments: [1, 2, 4])
    func piecesInParallelReadAsOneSerialPass(threads: Int) throws {
        let data = Data(Self.awkward(records: 3000).utf8)
        let serial = try CSVReader.parse(data, source: "t.csv")
        #expect(serial.pieces.count == 1 && serial.recordCount == 3000)
        let parallel = try CSVReader.parse(CSVBytes(copying: data), source: "t.csv", threads: threads, pieceBytes: 512)
        if threads > 1 { #expect(parallel.pieces.count > threads) }
        #expect(parallel.records == serial.records && parallel.lines == serial.lines && parallel.header == serial.header)
        let options = AnalysisOptions(time: "time", event: "status", group: "arm")
        let a = try AnalysisData.extract(from: serial, options: options, threads: 1)
        let b = try AnalysisData.extract(from: parallel, options: options, threads: threads)
        #expect(a.time.map(\.bitPattern) == b.time.map(\.bitPattern) && a.event == b.event && a.group == b.group)
        #expect(a.groupLabels == b.groupLabels && a.groupLabels == ["a", "b, c", "d", "Δ"])
        #expect(a.dropped == b.dropped && a.dropped > 0 && a.missingByColumn == b.missingByColumn)
    }

    @Test(arguments: CSVReaderTests.malformed.filter { !$0.text.isEmpty && $0.text != "\n\n" })
    func malformedLateInTheFileGivesTheSerialMessage(text: String, message: String) throws {
        // The bad record after 2000 good ones (the header of `text` replaced by theirs).
        var s = "a,b\n"
        for i in 0..<2000 { s += "\(i),\"q\"\n" }
        let body = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)[1]
        s += body
        let serial = Result { try CSVReader.parse(Data(s.utf8), source: "t.csv") }
        let parallel = Result { try CSVReader.parse(CSVBytes(copying: Data(s.utf8)), source: "t.csv", threads: 4, pieceBytes: 256) }
        guard case .failure(let e1 as NensimFailure) = serial, case .failure(let e2 as NensimFailure) = parallel else {
            Issue.record("both readings must fail"); return
        }
        #expect(e1 == e2)
        #expect(e1.description.hasPrefix("t.csv line 20"))
    }

    @Test func theFirstBadCellIsFoundWhateverThePieces() throws {
        var s = "time,status\n"
        for i in 0..<5000 { s += "\(i),\(i == 3100 || i == 4500 ? "7" : "1")\n" }
        let options = AnalysisOptions(time: "time", event: "status")
        var messages: [String] = []
        for threads in [1, 2, 4] {
            let table = try CSVReader.parse(CSVBytes(copying: Data(s.utf8)), source: "t.csv", threads: threads, pieceBytes: 300)
            do { _ = try AnalysisData.extract(from: table, options: options, threads: threads); Issue.record("no error") } catch let f as NensimFailure {
                messages.append(f.description)
            }
        }
        #expect(Set(messages).count == 1 && messages[0].hasPrefix("t.csv line 3102, column 2 (status): '7' is not an event code"))
    }

    /// Read unchecked (`checked: false`), the records are checked by the extraction as
    /// it reads them: the same data, bit for bit, and the same record count.
    @Test(arguments: [1, 2, 4])
    func anUncheckedTableExtractsAsACheckedOne(threads: Int) throws {
        let data = Data(Self.awkward(records: 3000).utf8)
        let options = AnalysisOptions(time: "time", event: "status", group: "arm")
        let checked = try CSVReader.parse(CSVBytes(copying: data), source: "t.csv", threads: threads, pieceBytes: 512)
        let unchecked = try CSVReader.parse(CSVBytes(copying: data), source: "t.csv", threads: threads, pieceBytes: 512, checked: false)
        #expect(checked.isChecked && !unchecked.isChecked && unchecked.recordCount == -1)
        #expect(try unchecked.checked(threads: threads).recordCount == checked.recordCount)
        let a = try AnalysisData.extract(from: checked, options: options, threads: threads)
        let b = try AnalysisData.extract(from: unchecked, options: options, threads: threads)
        #expect(a.time.map(\.bitPattern) == b.time.map(\.bitPattern) && a.event == b.event && a.group == b.group)
        #expect(a.recordsRead == b.recordsRead && a.recordsRead == 3000 && a.dropped == b.dropped && a.missingByColumn == b.missingByColumn)
    }

    /// Errors of an unchecked table are those of a checked one: a malformed record
    /// anywhere in the file (its serial message) before any bad cell, even one earlier;
    /// otherwise the first bad cell.
    @Test(arguments: [1, 2, 4])
    func anUncheckedTableFailsAsACheckedOne(threads: Int) throws {
        var cellFirst = "time,status\n"
        for i in 0..<4000 { cellFirst += i == 3999 ? "1,2,3\n" : "\(i),\(i == 700 ? "7" : "1")\n" }
        var cellOnly = "time,status\n"
        for i in 0..<4000 { cellOnly += "\(i),\(i == 2500 ? "x" : "1")\n" }
        let options = AnalysisOptions(time: "time", event: "status")
        for text in [cellFirst, cellOnly] {
            func message(_ checked: Bool) -> String {
                do {
                    let table = try CSVReader.parse(CSVBytes(copying: Data(text.utf8)), source: "t.csv", threads: threads,
                                                    pieceBytes: 300, checked: checked)
                    _ = try AnalysisData.extract(from: table, options: options, threads: threads)
                    return "no error"
                } catch {
                    return "\(error)"
                }
            }
            let expected = message(true)
            #expect(message(false) == expected)
            #expect(expected.hasPrefix(text == cellFirst ? "t.csv line 4001: 3 fields" : "t.csv line 2502, column 2"), "\(expected)")
        }
    }
}

/// SplitMix64, for the generated cases.
private struct IngestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
