import Foundation
import Testing

/// `nensim arms` run as a process: stdout, stderr and exit status.
struct ArmsCommandTests {
    static let armIDs = ["ssa", "everolimus", "sunitinib", "prrt", "tace", "rfa", "placebo", "sirt",
                         "stz_5fu", "stz_dox", "captem", "interferon"]

    /// Runs `body` with a temporary directory holding `files`, then removes it.
    func withFiles<T>(_ files: [String: String], _ body: (URL) throws -> T) throws -> T {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, text) in files { try Data(text.utf8).write(to: dir.appendingPathComponent(name)) }
        return try body(dir)
    }

    @Test func tableListsTheTwelveArms() throws {
        let r = try CLI.run(["arms"])
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty)
        let lines = r.stdout.split(separator: "\n")
        for id in Self.armIDs { #expect(lines.contains { $0.hasPrefix(id + " ") }, "\(id) missing from the table") }
        #expect(r.stdout.contains("12 arms"))
        #expect(lines.first?.hasPrefix("ARM") == true)
    }

    @Test func oneArmShowsItsQuotesAndUses() throws {
        let r = try CLI.run(["arms", "prrt"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("疾病无进展生存期（$17\\sim40$ 个月）"))
        #expect(r.stdout.contains("prrt.pfs.median"))
        #expect(r.stdout.contains("17–40 months"))
        #expect(r.stdout.contains("use:"))
        #expect(r.stdout.contains("SSTR positive"))
    }

    @Test func externalFiguresShowTheirCitation() throws {
        let r = try CLI.run(["arms", "ssa"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Caplin ME"))
        #expect(r.stdout.contains("external, calibrates"))
    }

    @Test func aliasesAreAccepted() throws {
        let r = try CLI.run(["arms", "pprt"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("prrt — "))
    }

    @Test func jsonOfTheCatalogueParses() throws {
        let r = try CLI.run(["arms", "--json"])
        #expect(r.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let arms = try #require(object["arms"] as? [[String: Any]])
        #expect(arms.compactMap { $0["id"] as? String } == Self.armIDs)
        #expect(object["schema_version"] as? Int == 1)
        #expect((object["population_figures"] as? [Any])?.isEmpty == false)
    }

    @Test func jsonOfOneArmParses() throws {
        let r = try CLI.run(["arms", "everolimus", "--json"])
        #expect(r.status == 0)
        let arm = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(arm["id"] as? String == "everolimus")
        let figures = try #require(arm["figures"] as? [[String: Any]])
        #expect(figures.contains { $0["id"] as? String == "everolimus.pfs.landmark18" && $0["time"] as? Double == 18 })
    }

    @Test func unknownArmIsAUsageErrorWithASuggestion() throws {
        let r = try CLI.run(["arms", "prtt"])
        #expect(r.status == 64)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "nensim: unknown arm 'prtt' — did you mean 'prrt'?\n")
    }

    @Test(arguments: [
        ("range.json", #"{"schema_version": 1, "arms": [{"id": "prrt", "figures": [{"id": "prrt.pfs.median", "endpoint": "pfs", "kind": "median", "range": [40, 17], "unit": "months", "section": "user", "quote": "", "gloss": "g", "status": "assumption", "calibrates": true, "use": "u"}]}]}"#,
         "nensim: range.json: $.arms[0].figures[0].range: lo 40 > hi 17\n"),
        ("key.json", #"{"schema_version": 1, "arms": [{"id": "prrt", "figurs": []}]}"#,
         "nensim: key.json: $.arms[0].figurs: unknown key (did you mean 'figures'?)\n"),
    ])
    func malformedEvidenceFileIsOneLineAndExit65(name: String, text: String, expected: String) throws {
        try withFiles([name: text]) { dir in
            let r = try CLI.run(["arms", "--evidence", name], currentDirectory: dir)
            #expect(r.status == 65)
            #expect(r.stdout.isEmpty)
            #expect(r.stderr == expected)
        }
    }

    @Test func evidenceFileWithBadSyntaxIsOneLineAndExit65() throws {
        try withFiles(["broken.json": "{\"schema_version\": 1,\n \"arms\": [\n"]) { dir in
            let r = try CLI.run(["arms", "--evidence", "broken.json"], currentDirectory: dir)
            #expect(r.status == 65)
            #expect(r.stdout.isEmpty)
            #expect(r.stderr.hasPrefix("nensim: broken.json: not valid JSON: "))
            #expect(r.stderr.filter { $0 == "\n" }.count == 1 && r.stderr.hasSuffix("\n"))
        }
    }

    @Test func missingEvidenceFileIsExit66() throws {
        let r = try CLI.run(["arms", "--evidence", "/nonexistent/user.json"])
        #expect(r.status == 66)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "nensim: evidence file '/nonexistent/user.json' does not exist\n")
    }

    @Test func evidenceFileAddsAnArmToTheTable() throws {
        let user = #"""
            {"schema_version": 1, "arms": [{"id": "newdrug", "name": "New drug", "class": "targeted",
              "population": {"sites": ["pancreas"], "grades": ["G1"]},
              "figures": [{"id": "newdrug.pfs.median", "endpoint": "pfs", "kind": "median", "value": 12, "unit": "months",
                           "section": "user", "quote": "", "gloss": "assumed", "status": "assumption",
                           "calibrates": true, "use": "median PFS"}]}]}
            """#
        try withFiles(["user.json": user]) { dir in
            let table = try CLI.run(["arms", "--evidence", "user.json"], currentDirectory: dir)
            #expect(table.status == 0)
            #expect(table.stdout.contains("newdrug "))
            #expect(table.stdout.contains("13 arms"))
            let detail = try CLI.run(["arms", "newdrug", "--evidence", "user.json"], currentDirectory: dir)
            #expect(detail.status == 0)
            #expect(detail.stdout.contains("assumption, calibrates"))
        }
    }
}
