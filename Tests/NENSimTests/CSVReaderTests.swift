import Foundation
import Testing
@testable import NENSim

struct CSVReaderTests {
    func parse(_ text: String) throws -> CSVTable {
        try CSVReader.parse(Data(text.utf8), source: "t.csv")
    }

    /// The `NensimFailure` that `body` throws (fails the test if none).
    func failure(_ body: () throws -> Void) -> NensimFailure? {
        do { try body() } catch let f as NensimFailure { return f } catch { Issue.record("unexpected \(error)"); return nil }
        Issue.record("no error thrown")
        return nil
    }

    @Test func quotedFieldsHoldCommasQuotesAndLineBreaks() throws {
        let t = try parse("a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\nplain,,\"\"\n")
        #expect(t.header == ["a", "b", "c"])
        #expect(t.records == [["x, y", "say \"hi\"", "two\nlines"], ["plain", "", ""]])
        // The second record starts on line 4: the first spans lines 2–3.
        #expect(t.lines == [2, 4])
    }

    @Test func crlfLoneCrBomAndNoFinalNewline() throws {
        let bom = "\u{FEFF}"
        let t = try parse(bom + "id,v\r\n1,\"a\r\nb\"\r\n2,x\r3,y")
        #expect(t.header == ["id", "v"])
        #expect(t.records == [["1", "a\r\nb"], ["2", "x"], ["3", "y"]])
        #expect(t.lines == [2, 4, 5])
    }

    @Test func blankLinesAreSkippedAsReadCsvDoes() throws {
        let t = try parse("a,b\n\n1,2\n\r\n3,4\n\n")
        #expect(t.records == [["1", "2"], ["3", "4"]])
        #expect(t.lines == [3, 5])
    }

    @Test func spacesAfterAClosingQuoteAreAllowedAndNonAsciiTextKept() throws {
        let t = try parse("grupo,tiempo\n\"Pankreas\"  ,12\nΔ-β,3\n")
        #expect(t.records == [["Pankreas", "12"], ["Δ-β", "3"]])
    }

    @Test func headerOnlyIsATableWithoutRecords() throws {
        let t = try parse("time,status\n")
        #expect(t.header == ["time", "status"] && t.records.isEmpty)
    }

    static let malformed: [(text: String, message: String)] = [
        ("a,b\n1,\"open\n2,3\n", "t.csv line 2, column 3: quoted field opened here is never closed"),
        ("a,b\n1,x\"y\n", "t.csv line 2, column 4: a \" inside an unquoted field"),
        ("a,b\n1,\"x\"y\n", "t.csv line 2, column 6: unexpected text after a closing quote"),
        ("a,b\n1,2\n3\n", "t.csv line 3: 1 field, but the header has 2"),
        ("a,b\n1,2,3\n", "t.csv line 2: 3 fields, but the header has 2"),
        ("", "t.csv is empty: expected a header row"),
        ("\n\n", "t.csv is empty: expected a header row"),
    ]

    @Test(arguments: malformed)
    func malformedTextNamesLineAndColumn(text: String, message: String) {
        let f = failure { _ = try parse(text) }
        #expect(f?.status == .data)
        #expect(f?.description.hasPrefix(message) == true, "\(f?.message ?? "")")
        #expect(f?.message.contains("\n") == false)
    }

    @Test func encodingErrorsAreNamed() {
        var bytes = Array("a,b\n1,".utf8)
        bytes += [0xC3, 0x28]  // invalid UTF-8
        bytes += Array("\n".utf8)
        let bad = failure { _ = try CSVReader.parse(Data(bytes), source: "t.csv") }
        #expect(bad?.message == "t.csv line 2, column 3: the text is not valid UTF-8 (save the file as UTF-8)")
        let utf16 = failure { _ = try CSVReader.parse(Data([0xFF, 0xFE, 0x61, 0x00]), source: "t.csv") }
        #expect(utf16?.message == "t.csv is UTF-16 text; save it as UTF-8 CSV")
    }

    @Test func missingFileAndDirectoryAreNoInput() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = failure { _ = try CSVReader.read(path: dir.appendingPathComponent("none.csv").path, name: "none.csv") }
        #expect(missing == .noInput("none.csv: no such file"))
        let directory = failure { _ = try CSVReader.read(path: dir.path, name: "d") }
        #expect(directory == .noInput("d is a directory, not a CSV file"))
        let file = dir.appendingPathComponent("ok.csv")
        try Data("x\n1\n".utf8).write(to: file)
        #expect(try CSVReader.read(path: file.path).records == [["1"]])
    }

    @Test func writerQuotesOnlyWhatNeedsItAndReadsBack() throws {
        let fields = ["plain", "a,b", "say \"hi\"", "two\nlines", "", "Δ"]
        let line = fields.map(CSVWriter.field).joined(separator: ",")
        #expect(CSVWriter.field("plain") == "plain")
        let t = try parse(fields.indices.map { "c\($0)" }.joined(separator: ",") + "\n" + line + "\n")
        #expect(t.records == [fields])
        #expect(CSVWriter.number(.nan) == "NA" && CSVWriter.number(-.infinity) == "-Inf" && CSVWriter.number(3) == "3")
        #expect(Double(CSVWriter.number(0.1 + 0.2)) == 0.1 + 0.2)
    }

    @Test func numbersAreReadAsReadCsvReadsThem() {
        #expect(parseNumber("12") == 12 && parseNumber("-1.5e3") == -1500 && parseNumber(".5") == 0.5 && parseNumber("5.") == 5)
        #expect(parseNumber("Inf") == .infinity && parseNumber("-Inf") == -.infinity && parseNumber("NaN")!.isNaN)
        for bad in ["", "abc", "1,5", "0x10", "1e", "--1", "1 2", "e5", "."] { #expect(parseNumber(bad) == nil, "\(bad)") }
    }

    @Test func eventCodes() throws {
        let standard = EventCoding.standard
        #expect(standard.classify("1") == true && standard.classify("0") == false && standard.classify("1.0") == true)
        #expect(standard.classify("TRUE") == true && standard.classify("F") == false && standard.classify("2") == nil)
        let lung = try EventCoding.parse("1,2")
        #expect(lung.classify("2") == true && lung.classify("1") == false && lung.classify("0") == nil && lung.classify("TRUE") == nil)
        let words = try EventCoding.parse("alive, dead")
        #expect(words.classify("dead") == true && words.classify("alive") == false)
        for bad in ["1", "1,2,3", ",2", "1,1", "1,1.0"] {
            #expect(throws: NensimFailure.self) { try EventCoding.parse(bad) }
        }
    }

    @Test func groupsAreOrderedAsRFactorLevels() {
        #expect(AnalysisData.factorLevels(["10", "2", "1"]).labels == ["1", "2", "10"])
        #expect(AnalysisData.factorLevels(["b", "B", "a", "10", "9"]).labels == ["10", "9", "B", "a", "b"])
        let merged = AnalysisData.factorLevels(["1.0", "1", "2"])
        #expect(merged.labels == ["1", "2"] && merged.index["1.0"] == 0)
    }
}
