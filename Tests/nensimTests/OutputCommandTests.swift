import Foundation
import Testing

/// End to end: the run folder, its files as docs/OUTPUTS.md documents them, summary.json
/// against docs/summary.schema.json, and safe writes (each failure leaves nothing).
@Suite(.serialized)
struct OutputCommandTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let csvFiles = ["arms.csv", "comparisons.csv", "km_pfs.csv", "km_os.csv", "responses.csv", "adverse_events.csv"]

    func withScratch(_ body: (URL) throws -> Void) throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try body(dir)
    }

    func listing(_ url: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
    }

    /// RFC 4180 records (quoted fields with commas, quotes and line breaks).
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = ""
        var quoted = false
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true }
            else if c == "," { row.append(field); field = "" }
            else if c == "\r\n" || c == "\n" { row.append(field); rows.append(row); row = []; field = "" }
            else { field.append(c) }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }

    /// The documented columns of each CSV file: the first column of the table under
    /// "### `file`" in docs/OUTPUTS.md, with `{e}` and `{t}` expanded.
    static func documentedColumns(landmarks: [String]) throws -> [String: [String]] {
        let doc = try String(contentsOf: repository.appendingPathComponent("docs/OUTPUTS.md"), encoding: .utf8)
        var result: [String: [String]] = [:]
        var current: String?
        var names: [String] = []
        func flush() {
            guard let file = current else { return }
            // Expand consecutive {e} rows per endpoint, and {t} rows per landmark within them.
            var out: [String] = [], i = 0
            while i < names.count {
                if names[i].contains("{e}") {
                    var j = i
                    while j < names.count, names[j].contains("{e}") { j += 1 }
                    for e in ["pfs", "os"] {
                        var k = i
                        while k < j {
                            if names[k].contains("{t}") {
                                var m = k
                                while m < j, names[m].contains("{t}") { m += 1 }
                                for t in landmarks { out += names[k..<m].map { $0.replacingOccurrences(of: "{e}", with: e).replacingOccurrences(of: "{t}", with: t) } }
                                k = m
                            } else {
                                out.append(names[k].replacingOccurrences(of: "{e}", with: e)); k += 1
                            }
                        }
                    }
                    i = j
                } else { out.append(names[i]); i += 1 }
            }
            result[file] = out
        }
        for line in doc.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("### `") {
                flush()
                current = String(line.dropFirst(5).prefix { $0 != "`" })
                names = []
            } else if line.hasPrefix("## ") {
                flush(); current = nil
            } else if current != nil, line.hasPrefix("| `") {
                names.append(String(line.dropFirst(3).prefix { $0 != "`" }))
            }
        }
        flush()
        return result
    }

    @Test func theMissionRunWritesTheDocumentedFolder() throws {
        try withScratch { dir in
            let r = try CLI.run(["--arms", "prrt,everolimus,tace", "--n", "3000", "--patients"], currentDirectory: dir)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("Against prrt"))
            // notebooks-out/<arms>-n<N>-seed<S>-<8 hex of the scenario's hash>
            let folders = listing(dir.appendingPathComponent("notebooks-out"))
            #expect(folders.count == 1)
            let name = try #require(folders.first)
            #expect(name.wholeMatch(of: /prrt-everolimus-tace-n3000-seed1-[0-9a-f]{8}/) != nil, "\(name)")
            #expect(r.stderr.contains("wrote 10 files to notebooks-out/\(name)/"))
            let run = dir.appendingPathComponent("notebooks-out/\(name)")
            #expect(listing(run) == (Self.csvFiles + ["patients.csv", "summary.json", "km.svg", "report.html"]).sorted())
            // Another scenario (an override) goes to another folder; the same one again is refused.
            let other = try CLI.run(["--arms", "prrt,everolimus,tace", "--n", "3000", "--set", "prrt.pfs.median=20", "--format", "csv"], currentDirectory: dir)
            #expect(other.status == 0, "\(other.stderr)")
            #expect(listing(dir.appendingPathComponent("notebooks-out")).count == 2)
            let again = try CLI.run(["--arms", "prrt,everolimus,tace", "--n", "3000", "--format", "csv", "--threads", "1"], currentDirectory: dir)
            #expect(again.status == 73 && again.stderr.contains("notebooks-out/\(name) already exists"), "\(again.stderr)")

            let documented = try Self.documentedColumns(landmarks: ["6", "12", "24", "36", "60"])
            for file in Self.csvFiles + ["patients.csv"] {
                let text = try String(contentsOf: run.appendingPathComponent(file), encoding: .utf8)
                #expect(text.hasSuffix("\r\n"), "\(file)")
                let rows = Self.parseCSV(text)
                #expect(rows.first == documented[file], "\(file): \(rows.first ?? []) vs docs \(documented[file] ?? [])")
                for (i, row) in rows.enumerated() { #expect(row.count == rows[0].count, "\(file) row \(i)") }
                // Numeric columns hold numbers or NA, never thousands separators.
                for row in rows.dropFirst() {
                    for cell in row where cell.first?.isNumber == true { #expect(Double(cell) != nil, "\(file): \(cell)") }
                }
            }
            let arms = Self.parseCSV(try String(contentsOf: run.appendingPathComponent("arms.csv"), encoding: .utf8))
            #expect(arms.dropFirst().map { $0[0] } == ["prrt", "everolimus", "tace"])
            let patients = Self.parseCSV(try String(contentsOf: run.appendingPathComponent("patients.csv"), encoding: .utf8))
            #expect(patients.count == 1 + 3 * 3000)
            let comparisons = Self.parseCSV(try String(contentsOf: run.appendingPathComponent("comparisons.csv"), encoding: .utf8))
            #expect(comparisons.count == 1 + 2 * 2)
            let svg = try String(contentsOf: run.appendingPathComponent("km.svg"), encoding: .utf8)
            #expect(svg.contains("Progression-free survival") && svg.contains("Overall survival") && svg.contains("Number at risk"))
        }
    }

    static let schemaRuns: [[String]] = [
        ["--arms", "prrt,everolimus", "--n", "2000"],
        ["--arms", "tace", "--n", "500"],
        ["--arms", "sirt,captem,placebo", "--n", "500", "--population", "liver_metastases=0.5"],
        ["--arms", "ssa,placebo,tace", "--n", "300000", "--accrual", "24", "--follow-up", "12", "--dropout", "0.1", "--format", "json"],
    ]

    @Test(arguments: schemaRuns)
    func summaryValidatesAgainstTheSchema(arguments: [String]) throws {
        let schema = try JSONValue.parse(Data(contentsOf: Self.repository.appendingPathComponent("docs/summary.schema.json")))
        let validator = JSONSchemaValidator(root: schema)
        try withScratch { dir in
            let r = try CLI.run(arguments + ["--out", "run", "-q"], currentDirectory: dir)
            #expect(r.status == 0, "\(r.stderr)")
            // -q leaves only warnings (PRRT's short post-progression median).
            #expect(r.stdout.isEmpty && r.stderr.split(separator: "\n").allSatisfy { $0.hasPrefix("nensim: warning:") }, "\(r.stderr)")
            let summary = try JSONValue.parse(Data(contentsOf: dir.appendingPathComponent("run/summary.json")))
            let errors = validator.validate(summary)
            #expect(errors.isEmpty, "\(errors.prefix(10))")
            // The validator does reject what the schema forbids.
            guard case .object(var top) = summary else { Issue.record("not an object"); return }
            top["extra"] = .number(1)
            top["format_version"] = .number(2)
            #expect(validator.validate(.object(top)).count == 2)
        }
    }

    @Test func sameSeedGivesIdenticalFilesApartFromTimestampAndThreads() throws {
        try withScratch { dir in
            let base = ["--arms", "prrt,everolimus", "--n", "4000", "--seed", "5", "-q"]
            for (t, out) in [(1, "a"), (2, "b")] {
                let r = try CLI.run(base + ["--threads", "\(t)", "--out", out], currentDirectory: dir)
                #expect(r.status == 0, "\(r.stderr)")
            }
            let files = listing(dir.appendingPathComponent("a"))
            #expect(files == listing(dir.appendingPathComponent("b")))
            for file in files where file != "summary.json" {
                let a = try Data(contentsOf: dir.appendingPathComponent("a/\(file)"))
                let b = try Data(contentsOf: dir.appendingPathComponent("b/\(file)"))
                if file == "report.html" {
                    // Its run line holds the time stamp and the command line (with --threads).
                    #expect(ShardCommandTests.withoutRunLine(a) == ShardCommandTests.withoutRunLine(b))
                } else {
                    #expect(a == b, "\(file) differs")
                }
            }
            func stripped(_ folder: String) throws -> JSONValue {
                guard case .object(var top) = try JSONValue.parse(Data(contentsOf: dir.appendingPathComponent("\(folder)/summary.json"))),
                      case .object(var m)? = top["manifest"] else { return .null }
                for key in ["timestamp", "threads", "command_line"] { m[key] = nil }
                top["manifest"] = .object(m)
                return .object(top)
            }
            #expect(try stripped("a") == stripped("b"))
            let r = try CLI.run(base + ["--seed", "6", "--out", "c"], currentDirectory: dir)
            #expect(r.status == 0)
            #expect(try stripped("c")["manifest"]?["scenario_hash"] != stripped("a")["manifest"]?["scenario_hash"])
        }
    }

    static let formatCases: [(String, [String], Bool)] = [
        ("csv", csvFiles, false),
        ("json,svg", ["summary.json", "km.svg"], false),
        ("table,svg", ["km.svg"], true),
        ("table", [], true),
        ("all", csvFiles + ["summary.json", "km.svg", "report.html"], true),
        ("html", ["report.html"], false),
        ("csv,pdf,png", csvFiles + ["km.pdf", "km.png"], false),
    ]

    @Test(arguments: formatCases)
    func formatSelectsTheOutputs(format: String, files: [String], table: Bool) throws {
        try withScratch { dir in
            let r = try CLI.run(["--arms", "prrt", "--n", "200", "--format", format, "--out", "run"], currentDirectory: dir)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(listing(dir.appendingPathComponent("run")) == files.sorted())
            if files.isEmpty { #expect(listing(dir).isEmpty) }
            #expect(r.stdout.contains("Progression-free survival") == table)
        }
    }

    @Test func patientsNeedsExactMode() throws {
        try withScratch { dir in
            let r = try CLI.run(["--arms", "prrt", "--n", "5000", "--exact-limit", "1000", "--patients", "--out", "run"], currentDirectory: dir)
            #expect(r.status == 64)
            #expect(r.stderr.contains("--patients needs individual patient records"))
            #expect(listing(dir).isEmpty)
        }
    }

    @Test func anExistingFolderIsRefusedWithoutForce() throws {
        try withScratch { dir in
            let args = ["--arms", "everolimus", "--n", "300", "--out", "run", "-q"]
            #expect(try CLI.run(args + ["--seed", "1"], currentDirectory: dir).status == 0)
            let before = try Data(contentsOf: dir.appendingPathComponent("run/arms.csv"))
            let again = try CLI.run(args + ["--seed", "2"], currentDirectory: dir)
            #expect(again.status == 73)
            #expect(again.stderr == "nensim: run already exists; use --force to replace it, or --out with another folder to keep both\n")
            #expect(listing(dir) == ["run"])
            #expect(try Data(contentsOf: dir.appendingPathComponent("run/arms.csv")) == before)
            let forced = try CLI.run(args + ["--seed", "2", "--force"], currentDirectory: dir)
            #expect(forced.status == 0, "\(forced.stderr)")
            #expect(listing(dir) == ["run"])
            #expect(try Data(contentsOf: dir.appendingPathComponent("run/arms.csv")) != before)
            // --force never replaces the current directory, even a run folder.
            let here = try CLI.run(args + ["--out", ".", "--force"], currentDirectory: dir.appendingPathComponent("run"))
            #expect(here.status == 73 && here.stderr.contains("it holds the current directory"), "\(here.stderr)")
            #expect(listing(dir.appendingPathComponent("run")).contains("arms.csv"))
        }
    }

    @Test func anUnwritableFolderIsCannotCreateAndLeavesNothing() throws {
        try withScratch { dir in
            try "x".write(to: dir.appendingPathComponent("a-file"), atomically: false, encoding: .utf8)
            for out in ["a-file/run", "/proc/nensim-test-\(UUID().uuidString)/run"] {
                let r = try CLI.run(["--arms", "everolimus", "--n", "300", "--out", out], currentDirectory: dir)
                #expect(r.status == 73, "\(out): \(r.stderr)")
                #expect(r.stdout.isEmpty)
                #expect(r.stderr.hasPrefix("nensim: cannot create") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            }
            #expect(listing(dir) == ["a-file"])
        }
    }

    /// A file-size limit (`ulimit -f`) makes a write fail part-way: exit 74, nothing left.
    @Test func aWriteErrorPartWayIsIOAndLeavesNothing() throws {
        try withScratch { dir in
            let r = try CLI.run(["-c", "ulimit -f 40 && exec \"$0\" \"$@\"", CLI.binary.path,
                                 "--arms", "sunitinib,everolimus", "--n", "20000", "--out", "nested/run"],
                                currentDirectory: dir, executable: URL(fileURLWithPath: "/bin/sh"))
            #expect(r.status == 74, "\(r.stderr)")
            #expect(r.stderr.hasPrefix("nensim: cannot write") && r.stderr.contains("File too large"), "\(r.stderr)")
            #expect(r.stdout.isEmpty)
            #expect(listing(dir).isEmpty)
        }
    }

    static let signals: [(Int32, Int32)] = [(SIGINT, 130), (SIGTERM, 143)]

    /// A long run is stopped while it simulates: the temporary folder (and the parent
    /// folder the run made) disappear and the exit code is 128 + signal.
    @Test(arguments: signals)
    func anInterruptedRunLeavesNothing(signal: Int32, status: Int32) throws {
        try withScratch { dir in
            let made = dir.appendingPathComponent("made")
            let (p, stderr) = try CLI.stop(["--arms", "prrt,everolimus", "--n", "400000000", "--threads", "1", "--out", "made/run"],
                                           in: dir, with: signal) { listing(made).contains(where: { $0.hasPrefix(".run.tmp-") }) }
            #expect(p.terminationReason == .exit)
            #expect(p.terminationStatus == status, "\(stderr)")
            #expect(stderr.contains("partial output removed"))
            #expect(listing(dir).isEmpty, "left behind: \(listing(dir)) \(listing(made))")
        }
    }

    @Test func progressGoesToStderrOnlyWhenAsked() throws {
        try withScratch { dir in
            // Not a terminal: no bar by default, and --quiet prints nothing at all.
            let quiet = try CLI.run(["--arms", "everolimus", "--n", "1000", "-q", "--out", "q"], currentDirectory: dir)
            #expect(quiet.status == 0 && quiet.stdout.isEmpty && quiet.stderr.isEmpty)
            let plain = try CLI.run(["--arms", "prrt", "--n", "1000", "--out", "p"], currentDirectory: dir)
            #expect(!plain.stderr.contains("ETA"))
            // --progress always draws once the run has taken a second.
            let start = Date()
            // The bar shows once a run has lasted a second; make it last longer even on a fast machine.
            let always = try CLI.run(["--arms", "prrt,everolimus", "--n", "4000000", "--threads", "1", "--progress", "always",
                                      "--format", "table"], currentDirectory: dir)
            #expect(always.status == 0, "\(always.stderr)")
            if Date().timeIntervalSince(start) > 2.5 {
                #expect(always.stderr.contains("patients") && always.stderr.contains("ETA"), "\(always.stderr)")
            }
            let never = try CLI.run(["--arms", "everolimus", "--n", "1000", "--progress", "never", "--format", "table"], currentDirectory: dir)
            #expect(never.stderr.isEmpty)
        }
    }
}
