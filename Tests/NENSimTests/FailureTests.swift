import Testing
import Foundation
@testable import NENSim

struct FailureTests {
    @Test func suggestsTheClosestArm() {
        #expect(closestMatch(to: "prtt", in: ["prrt", "placebo", "tace", "ssa"]) == "prrt")
        #expect(closestMatch(to: "everolimsu", in: ["everolimus", "sunitinib"]) == "everolimus")
        #expect(closestMatch(to: "zzzzzz", in: ["prrt", "ssa"]) == nil)
    }

    @Test func editDistanceCountsSingleEdits() {
        #expect(editDistance("kitten", "sitting") == 3)
        #expect(editDistance("", "abc") == 3)
        #expect(editDistance("same", "same") == 0)
    }
}

/// The typed error and its message (docs/RELIABILITY.md, "For code that throws").
struct PhraseTests {
    @Test func userTextIsEscapedAndCut() {
        #expect(Phrase.echo("a\nb\tc\\") == "a\\nb\\tc\\\\")
        #expect(Phrase.echo("x\u{7}y") == "x\\u{7}y")
        let long = Phrase.echo(String(repeating: "é", count: 200))
        #expect(long.count == Phrase.echoLimit + 1 && long.hasSuffix("…"))
        let f = NensimFailure.usage("\(.override) '\(user: "p\nq")': bad")
        #expect(f.description == "‹override› 'p\\nq': bad")
    }

    @Test func messagesNameParametersNotFlags() {
        let f = NensimFailure.data("\(.gridWidth) 0: use \(.force) or \(.out)")
        #expect(f.parameters == [.gridWidth, .force, .out])
        #expect(f.message.rendered { "<\($0.rawValue)>" } == "<gridWidth> 0: use <force> or <out>")
        #expect(f.kind == .data && f == NensimFailure.data("\(.gridWidth) 0: use \(.force) or \(.out)"))
        #expect(f != NensimFailure.data("gridWidth 0: use force or out"))
    }

    @Test func trailingCommasAreFoundOutsideStrings() {
        #expect(StrictJSON.trailingComma(in: Data(#"{"a": [1, 2,]}"#.utf8)) == 11)
        #expect(StrictJSON.trailingComma(in: Data("{\"a\": 1,\n }".utf8)) == 7)
        #expect(StrictJSON.trailingComma(in: Data(#"{"a": ",]", "b": [1, 2]}"#.utf8)) == nil)
        #expect(StrictJSON.trailingComma(in: Data(#"{"a\",]": 1}"#.utf8)) == nil)
    }

    @Test func decodingErrorsNameTheKeyAndWhere() throws {
        struct Inner: Decodable { var format: String }
        struct Outer: Decodable { var shard: Inner }
        do {
            _ = try JSONDecoder().decode(Outer.self, from: Data(#"{"shard": {}}"#.utf8))
            Issue.record("decoded")
        } catch {
            #expect(describe(decoding: error) == "missing key 'format' in shard")
        }
        do {
            _ = try JSONDecoder().decode(Outer.self, from: Data(#"{}"#.utf8))
            Issue.record("decoded")
        } catch {
            #expect(describe(decoding: error) == "missing key 'shard' in the top level")
        }
    }

    @Test func cellCountsAreBoundedWhateverTheGrid() {
        #expect(Limits.cells(horizon: 1200, gridWidth: Limits.gridDays.lowerBound / daysPerMonth) != nil)
        #expect(Limits.cells(horizon: 240, gridWidth: 1e-300) == nil)
        #expect(Limits.cells(horizon: 240, gridWidth: 1e-6 / daysPerMonth) == nil)
        #expect(Limits.cells(horizon: .infinity, gridWidth: 1) == nil)
    }
}
