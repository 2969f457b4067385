import Foundation
import Testing

/// Every JSON example in docs/ is checked against what nensim reads or writes: the
/// evidence overlay of docs/EVIDENCE-SCHEMA.md runs, and each header shown in
/// docs/TALLY-FORMAT.md has exactly the keys of a real shard file's header (its elided
/// parts, written `…`, are only skipped, never trusted).
@Suite struct DocumentedJSONExamplesTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The ```json blocks of a document in docs/, in order.
    static func examples(_ doc: String) throws -> [String] {
        let text = try String(contentsOf: repository.appendingPathComponent("docs/\(doc)"), encoding: .utf8)
        var blocks: [String] = [], current: [Substring]? = nil
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces) == "```json" { current = []; continue }
            if current != nil, line.trimmingCharacters(in: .whitespaces) == "```" { blocks.append(current!.joined(separator: "\n")); current = nil; continue }
            current?.append(line)
        }
        #expect(current == nil, "\(doc): an unclosed ```json block")
        return blocks
    }

    /// An example with its elisions removed: `{ … }` / `{…}` an empty object, `, …` in an
    /// array dropped (a `…` inside a string stays a string).
    static func parsed(_ example: String) throws -> [String: Any] {
        var s = example.replacingOccurrences(of: "{ … }", with: "{}").replacingOccurrences(of: "{…}", with: "{}")
        s = s.replacingOccurrences(of: ", …]", with: "]")
        if s.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("\"") { s = "{" + s + "}" }
        let object = try JSONSerialization.jsonObject(with: Data(s.utf8))
        return try #require(object as? [String: Any], "not an object: \(example.prefix(60))")
    }

    /// The example's keys equal the real object's, recursively where the example shows
    /// an object's content (an elided `{…}` is not compared).
    static func expectSameKeys(_ example: [String: Any], _ real: [String: Any], _ path: String) {
        #expect(Set(example.keys) == Set(real.keys), "\(path): the docs show \(example.keys.sorted()), a real file has \(real.keys.sorted())")
        for (key, value) in example {
            if let inner = value as? [String: Any], !inner.isEmpty, let realInner = real[key] as? [String: Any] {
                expectSameKeys(inner, realInner, path + "." + key)
            }
        }
    }

    /// The header line (the second) of a shard file.
    static func header(_ url: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: url)
        let lines = data.split(separator: UInt8(ascii: "\n"), maxSplits: 2, omittingEmptySubsequences: false)
        return try #require(try JSONSerialization.jsonObject(with: Data(lines[1])) as? [String: Any])
    }

    @Test func theEvidenceSchemaExamplesRun() throws {
        let blocks = try Self.examples("EVIDENCE-SCHEMA.md")
        #expect(!blocks.isEmpty)
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (i, block) in blocks.enumerated() {
            let file = dir.appendingPathComponent("example\(i).json")
            try block.write(to: file, atomically: true, encoding: .utf8)
            let r = try CLI.run(["--evidence", file.path, "--arms", "prrt", "--n", "200", "--format", "table", "-q"])
            #expect(r.status == 0, "EVIDENCE-SCHEMA.md example \(i + 1): \(r.stderr)")
        }
    }

    @Test func theTallyFormatHeadersAreThoseOfRealShards() throws {
        let blocks = try Self.examples("TALLY-FORMAT.md")
        try #require(blocks.count == 3, "TALLY-FORMAT.md has \(blocks.count) JSON examples; this test knows three")
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func shard(_ arguments: [String], _ name: String) throws -> [String: Any] {
            let r = try CLI.run(arguments + ["--shard", "1/3", "--out", name, "-q"], currentDirectory: dir)
            #expect(r.status == 0, "\(arguments.prefix(3)): \(r.stderr)")
            return try Self.header(dir.appendingPathComponent(name))
        }
        let run = try shard(["--arms", "prrt,everolimus,sunitinib", "--n", "300"], "run.nstally")
        let psa = try shard(["--arms", "prrt", "--n", "300", "--psa", "9"], "psa.nstally")
        let trial = try shard(["trial", "--arms", "sunitinib,placebo", "--n", "40", "--replicates", "50"], "trial.nstally")
        Self.expectSameKeys(try Self.parsed(blocks[0]), run, "run header")
        Self.expectSameKeys(try Self.parsed(blocks[1]), ["psa": try #require(psa["psa"] as? [String: Any])], "psa section")
        Self.expectSameKeys(try Self.parsed(blocks[2]), trial, "trial header")
        for (example, real) in [(blocks[0], run), (blocks[2], trial)] {
            let shown = try Self.parsed(example)
            #expect(shown["format"] as? String == real["format"] as? String)
            #expect(shown["format_version"] as? Int == real["format_version"] as? Int)
        }
    }
}
