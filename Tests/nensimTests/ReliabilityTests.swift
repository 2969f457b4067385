import Foundation
import NENSim
import Testing

/// The contract of docs/RELIABILITY.md, held by running the built binary where the
/// behaviour is the process's: a full stdout, a file-size limit, a signal mid-run, a
/// shard with a valid checksum whose numbers overflow, a design with no events.
@Suite(.serialized) struct ReliabilityTests {
    /// Everything in `url`, hidden entries included, sorted.
    static func listing(_ url: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
    }

    static func withScratch(_ body: (URL) throws -> Void) throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "t,e,g\n1,1,a\n2,0,a\n3,1,b\n4,1,b\n5,0,a\n".write(to: dir.appendingPathComponent("d.csv"), atomically: true, encoding: .utf8)
        try body(dir)
    }

    static let lung = FitCommandTests.lung
    static let economics = EconomicsCommandTests.repository.appendingPathComponent("data/economics-example.json").path

    /// `withScratch` with a digitised curve and its at-risk table for `reconstruct`, and
    /// two run shards for `merge`, made before `body` runs; `body` sees them listed.
    static func withInputs(_ body: (URL, [String]) throws -> Void) throws {
        try withScratch { dir in
            try ReconstructCommandTests.curve.write(to: dir.appendingPathComponent("curve.csv"), atomically: true, encoding: .utf8)
            try ReconstructCommandTests.risk.write(to: dir.appendingPathComponent("risk.csv"), atomically: true, encoding: .utf8)
            for i in 1...2 {
                let r = try CLI.run(["--arms", "prrt,everolimus", "--n", "600", "--shard", "\(i)/2", "--out", "s\(i).nstally", "-q"], currentDirectory: dir)
                #expect(r.status == 0, "shard \(i): \(r.stderr)")
            }
            try body(dir, listing(dir))
        }
    }

    /// Runs the binary under `/bin/sh -c PREFIX exec nensim ARGS SUFFIX` in `dir`.
    static func shell(_ prefix: String, _ arguments: [String], _ suffix: String = "", in dir: URL) throws -> CLIResult {
        try CLI.run(["-c", "\(prefix) exec \"$0\" \"$@\" \(suffix)", CLI.binary.path] + arguments,
                    currentDirectory: dir, executable: URL(fileURLWithPath: "/bin/sh"))
    }

    static let writers: [[String]] = [
        ["arms"],
        ["--arms", "prrt", "--n", "300", "--out", "made/run"],
        ["--arms", "prrt", "--n", "300", "--format", "table"],
        ["--pathways", "ssa>prrt", "--n", "300", "--out", "made/paths"],
        ["analyze", "d.csv", "--time", "t", "--event", "e", "--group", "g", "--out", "made/an"],
        ["trial", "--arms", "sunitinib,placebo", "--n", "40", "--replicates", "20", "--out", "made/trial"],
        ["validate", "prrt", "--n", "1000"],
        ["fit", lung, "--time", "time", "--event", "status", "--event-codes", "1,2", "--out", "made/fit"],
        ["reconstruct", "curve.csv", "--at-risk", "risk.csv", "--out", "made/rec"],
        ["design", "--arms", "sunitinib,placebo", "--power", "0.8", "--replicates", "100", "--out", "made/design"],
        ["--arms", "prrt", "--n", "300", "--psa", "5", "--out", "made/psa"],
        ["--arms", "prrt,everolimus", "--n", "300", "--economics", economics, "--out", "made/econ"],
        ["trial", "--arms", "sunitinib,placebo", "--n", "100", "--events", "40", "--looks", "0.5,1", "--replicates", "50", "--out", "made/seq"],
        ["merge", "s1.nstally", "s2.nstally", "--out", "made/merged"],
    ]

    /// stdout on a full device: exit 74, one line, and no folder (the report is printed
    /// before the folder is committed). Today's `arms > /dev/full` trapped on a `try!`.
    @Test(arguments: writers)
    func aFullStdoutIsExit74AndLeavesNothing(arguments: [String]) throws {
        try Self.withInputs { dir, inputs in
            let r = try Self.shell("", arguments, "> /dev/full", in: dir)
            #expect(r.status == 74, "\(arguments): \(r.stderr)")
            #expect(Self.withoutWarnings(r.stderr) == "nensim: cannot write the report to standard output (No space left on device)\n", "\(r.stderr)")
            #expect(Self.listing(dir) == inputs, "\(arguments) left \(Self.listing(dir))")
        }
    }

    static let limited: [[String]] = [
        ["analyze", "d.csv", "--time", "t", "--event", "e", "--out", "made/an"],
        ["trial", "--arms", "sunitinib,placebo", "--n", "60", "--replicates", "200", "--out", "made/trial"],
        ["--arms", "prrt,everolimus", "--n", "3000", "--shard", "1/2", "--out", "made/s.nstally"],
        ["--pathways", "ssa>prrt", "--n", "3000", "--out", "made/paths"],
        ["fit", lung, "--time", "time", "--event", "status", "--event-codes", "1,2", "--out", "made/fit"],
        ["reconstruct", "curve.csv", "--at-risk", "risk.csv", "--out", "made/rec"],
        ["design", "--arms", "sunitinib,placebo", "--power", "0.8", "--replicates", "100", "--out", "made/design"],
        ["--arms", "prrt,everolimus", "--n", "300", "--psa", "4", "--economics", economics, "--out", "made/psa"],
        ["--arms", "prrt,everolimus", "--n", "300", "--psa", "4", "--shard", "1/2", "--out", "made/p.nstally"],
        ["trial", "--arms", "sunitinib,placebo", "--n", "100", "--replicates", "50", "--shard", "1/2", "--out", "made/t.nstally"],
        ["merge", "s1.nstally", "s2.nstally", "--out", "made/merged"],
    ]

    /// A file-size limit (`ulimit -f 1`, 512 bytes) fails the write cleanly: exit 74,
    /// one line, nothing left — no temporaries in the folder or the current directory.
    @Test(arguments: limited)
    func aFileSizeLimitIsExit74AndLeavesNothing(arguments: [String]) throws {
        try Self.withInputs { dir, inputs in
            let r = try Self.shell("ulimit -f 1 &&", arguments, in: dir)
            #expect(r.status == 74, "\(arguments): \(r.stderr)")
            let failure = Self.withoutWarnings(r.stderr)
            #expect(failure.contains("File too large") && failure.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(Self.listing(dir) == inputs, "\(arguments) left \(Self.listing(dir))")
        }
    }

    /// km.csv large enough that its rows reach the file from the writer thread (chunks
    /// of 4096 rows, each above the output buffer) fails there cleanly under a file-size
    /// limit: exit 74, one line naming the file, nothing left.
    @Test func aFailedWriteOnTheKaplanMeierWriterThreadIsExit74AndLeavesNothing() throws {
        try Self.withScratch { dir in
            var csv = "t,e,g\n"
            for i in 0..<30_000 { csv += "\(Double(i) * 0.37 + Double(i % 97) * 1e-3),\(i % 3 == 0 ? 0 : 1),\(i % 2 == 0 ? "a" : "b")\n" }
            try csv.write(to: dir.appendingPathComponent("big.csv"), atomically: true, encoding: .utf8)
            let inputs = Self.listing(dir)
            let r = try Self.shell("ulimit -f 400 &&", ["analyze", "big.csv", "--time", "t", "--event", "e", "--group", "g", "--out", "made/an"], in: dir)
            #expect(r.status == 74, "\(r.stderr)")
            let failure = Self.withoutWarnings(r.stderr)
            #expect(failure.contains("km.csv") && failure.contains("File too large") && failure.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(Self.listing(dir) == inputs, "left \(Self.listing(dir))")
        }
    }

    static let stops: [(Int32, Int32)] = [(SIGTERM, 143), (SIGHUP, 129), (SIGINT, 130)]

    /// A trial stopped while it simulates: its temporary folder and the parent it made
    /// go, and the exit code is 128 + signal (trial had no handler before).
    @Test(arguments: stops)
    func aStoppedTrialLeavesNothing(signal: Int32, status: Int32) throws {
        try Self.withScratch { dir in
            let made = dir.appendingPathComponent("made")
            let (p, stderr) = try CLI.stop(["trial", "--arms", "sunitinib,placebo", "--n", "2000", "--replicates", "100000000",
                                            "--threads", "1", "--out", "made/trial"], in: dir, with: signal) {
                Self.listing(made).contains(where: { $0.hasPrefix(".trial.tmp-") })
            }
            #expect(p.terminationReason == .exit && p.terminationStatus == status, "\(stderr)")
            #expect(stderr.contains("partial output removed") && stderr.split(separator: "\n").count == 1, "\(stderr)")
            #expect(Self.listing(dir) == ["d.csv"], "left behind: \(Self.listing(dir)) \(Self.listing(made))")
        }
    }

    static let longRunning: [[String]] = [
        ["design", "--arms", "sunitinib,placebo", "--power", "0.9", "--replicates", "100000", "--threads", "1", "--out", "made/design"],
        ["--arms", "prrt,everolimus", "--n", "20000", "--psa", "100000", "--threads", "1", "--out", "made/psa", "-q"],
        ["--arms", "prrt,everolimus", "--n", "20000", "--psa", "100000", "--threads", "1", "--shard", "1/2", "--out", "made/p.nstally", "-q"],
        ["--pathways", "ssa>prrt>everolimus", "--n", "1000000000", "--threads", "1", "--out", "made/paths", "-q"],
    ]

    /// Every other long-running command stopped by SIGINT mid-run: exit 130, one line,
    /// nothing left — whether it is still computing or already writing.
    @Test(arguments: longRunning)
    func aStoppedCommandLeavesNothing(arguments: [String]) throws {
        try Self.withScratch { dir in
            let start = Date()
            let (p, stderr) = try CLI.stop(arguments, in: dir, with: SIGINT) { Date().timeIntervalSince(start) > 1.5 }
            #expect(p.terminationReason == .exit && p.terminationStatus == 130, "\(arguments.prefix(3)): \(stderr)")
            #expect(stderr.hasPrefix("nensim: interrupted") && stderr.split(separator: "\n").count == 1, "\(stderr)")
            #expect(Self.listing(dir) == ["d.csv"], "left behind: \(Self.listing(dir))")
        }
    }

    /// A huge label (10⁶ characters here) is cut in every printed table, not padded into
    /// every line; the CSV keeps it whole.
    @Test func aHugeGroupLabelDoesNotWidenTheReport() throws {
        try Self.withScratch { dir in
            let label = String(repeating: "x", count: 1_000_000)
            try "t,e,g\n1,1,\(label)\n2,0,b\n3,1,b\n4,1,\(label)\n".write(to: dir.appendingPathComponent("wide.csv"), atomically: true, encoding: .utf8)
            let r = try CLI.run(["analyze", "wide.csv", "--time", "t", "--event", "e", "--group", "g", "--out", "o"], currentDirectory: dir)
            #expect(r.status == 0, "\(r.stderr)")
            let widest = r.stdout.split(separator: "\n").map(\.count).max() ?? 0
            #expect(widest < 400, "a report line of \(widest) characters")
            #expect(r.stdout.contains(String(repeating: "x", count: 59) + "…"))
            let km = try String(contentsOf: dir.appendingPathComponent("o/km.csv"), encoding: .utf8)
            #expect(km.contains(label))
        }
    }

    /// A shard whose counts are huge but whose checksum is valid (an edit, not an
    /// accident): refused with one line naming the file and the field, exit 65, nothing
    /// written. Before, merge trapped on the overflowing sum.
    @Test func anOverflowingShardWithAValidChecksumIsRefused() throws {
        try Self.withScratch { dir in
            #expect(try CLI.run(["--arms", "prrt", "--n", "300", "--shard", "1/1", "--out", "s.nstally"], currentDirectory: dir).status == 0)
            let url = dir.appendingPathComponent("s.nstally")
            var bytes = [UInt8](try Data(contentsOf: url))
            let first = bytes.firstIndex(of: 0x0A)!
            let second = bytes[(first + 1)...].firstIndex(of: 0x0A)!
            let header = try JSONSerialization.jsonObject(with: Data(bytes[(first + 1)..<second])) as! [String: Any]
            let layout = header["layout"] as! [String: Any]
            let tiers = (layout["response_tiers"] as! [Int])[0], binaries = (layout["binary_outcomes"] as! [Int])[0]
            // The first two PFS event cells of arm 0 become 2^62 each: their sum overflows Int64.
            let cell = second + 1 + 8 * (1 + tiers + binaries)
            for k in 0..<16 { bytes[cell + k] = k % 8 == 7 ? 0x40 : 0 }
            bytes.removeLast(TallyFileTrailer.bytes)
            bytes += Array("sha256 \(SHA256.hex(bytes))\n".utf8)
            try Data(bytes).write(to: url)
            let r = try CLI.run(["merge", "s.nstally", "--out", "merged"], currentDirectory: dir)
            #expect(r.status == 65, "\(r.stderr)")
            #expect(r.stderr.hasPrefix("nensim: s.nstally: arm prrt: a PFS event count of 4611686018427387904, outside 0 … 300"), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1 && r.stdout.isEmpty)
            #expect(Self.listing(dir) == ["d.csv", "s.nstally"])
        }
    }

    /// A legal design with no events (three patients, one month) reports NA with a
    /// note and exits 0; it used to exit 1 from the Cox fit.
    @Test func aDesignWithNoEventsReportsNotAborts() throws {
        try Self.withScratch { dir in
            let r = try CLI.run(["--arms", "prrt,everolimus", "--n", "3", "--horizon", "1", "--out", "r"], currentDirectory: dir)
            #expect(r.status == 0, "\(r.stderr)")
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("r/summary.json"))) as! [String: Any]
            let comparisons = (summary["report"] as! [String: Any])["comparisons"] as! [[String: Any]]
            #expect(comparisons.count == 2)
            for c in comparisons {
                #expect((c["note"] as? String)?.contains("not estimable") == true, "\(c)")
                #expect(c["log_rank_p"] is NSNull, "\(c)")
            }
        }
    }

    /// The same for pathways: a comparison without events is NA with its note in the
    /// table, exit 0 (it exited 1 from the Cox fit).
    @Test func aPathwayRunWithNoEventsReportsNotAborts() throws {
        try Self.withScratch { dir in
            let r = try CLI.run(["--pathways", "ssa>prrt,ssa>everolimus", "--n", "3", "--horizon", "1", "--format", "table"],
                                currentDirectory: dir)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("note: ssa>everolimus OS: no OS events in either arm: hazard ratio and log-rank test not estimable"), "\(r.stdout)")
        }
    }

    /// validate under a follow-up shorter than the medians: those figures are "not
    /// estimable" and the command exits 0 (it exited 1 with empty stderr).
    @Test func validateUnderShortFollowUpIsNotAFailure() throws {
        let r = try CLI.run(["validate", "prrt", "--n", "2000", "--accrual", "0", "--follow-up", "12"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("not estimable"), "\(r.stdout)")
    }

    static let badInputs: [([String], Int32, String)] = [
        (["--arms", "prrt", "--n", "-1"], 64, "nensim: --n -1: must be ≥ 1"),
        (["--arms", "prrt", "--grid-days", "1e-300"], 64, "nensim: --grid-days 1e-300: must be between 0.01 and 366 days"),
        (["--arms", "prrt", "--grid-days", "1e-6"], 64, "nensim: --grid-days 1e-06: must be between"),
        (["--arms", "pprt,prrt", "--n", "10"], 64, "nensim: --arms 'pprt,prrt': 'pprt' and 'prrt' are both arm prrt"),
        (["--arms", "prrt", "--set", "prrt.ae.=0.5", "--n", "10"], 64, "nensim: --set 'prrt.ae.=0.5': 'ae.' has an empty part"),
        (["trial", "--arms", "sunitinib,placebo", "--n", "20", "--test", "fh:1e99,1"], 64, "nensim: --test 'fh:1e99,1': expected"),
        (["--arms", "prrt", "--n", "10", "--out", ""], 64, "nensim: --out '': empty name"),
        (["analyze", "d.csv", "--time", "t", "--event", "e", "--out", ""], 64, "nensim: --out '': empty name"),
        (["--arms", "prrt", "--n", "10", "--shard", "1/1", "--out", "/dev/null"], 73, "nensim: /dev/null exists and is not a regular file"),
        (["--arms", "prrt", "--n", "10", "--out", "/dev/null"], 73, "nensim: /dev/null exists and is not a folder"),
        (["--arms", "prrt", "--n", "10", "--evidence", "comma.json"], 65, "nensim: comma.json: not valid JSON: a trailing comma (line 1, column 41)"),
        (["analyze", "newline.csv", "--time", "t", "--event", "e"], 65, "nensim: newline.csv line 3, column 1 (t): 'a\\nb' is not a number"),
        (["--arms", String(repeating: "x", count: 300)], 64, "…"),
        (["analyze", "ids.csv", "--time", "t", "--event", "e", "--group", "id"], 64, "nensim: --group 'id' has 501 levels; comparing groups is limited to 500"),
    ]

    /// Bad input: one line, the documented code, user text escaped and cut, nothing written.
    @Test(arguments: badInputs)
    func badInputIsOneLineWithItsCode(arguments: [String], status: Int32, expected: String) throws {
        try Self.withScratch { dir in
            try #"{"schema_version": 1, "arms": [], "x": 1,}"#.write(to: dir.appendingPathComponent("comma.json"), atomically: true, encoding: .utf8)
            try "t,e\n1,1\n\"a\nb\",0\n".write(to: dir.appendingPathComponent("newline.csv"), atomically: true, encoding: .utf8)
            try ("t,e,id\n" + (0..<501).map { "\($0 + 1),\($0 % 2),p\($0)\n" }.joined()).write(to: dir.appendingPathComponent("ids.csv"), atomically: true, encoding: .utf8)
            let before = Self.listing(dir)
            let r = try CLI.run(arguments, currentDirectory: dir)
            #expect(r.status == status, "\(arguments.prefix(6)): \(r.stderr)")
            let failure = Self.withoutWarnings(r.stderr)
            #expect(failure.contains(expected) && failure.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(failure.count < 400, "\(r.stderr)")
            #expect(r.stdout.isEmpty && Self.listing(dir) == before)
        }
    }

    /// stderr without its warning lines (the plausibility guards warn on some default
    /// arms, docs/MODEL.md): what is left is the failure, which must be one line.
    static func withoutWarnings(_ stderr: String) -> String {
        stderr.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("nensim: warning:") }.joined(separator: "\n")
    }

    /// `-q` silences warnings (here: SSTR-negative disease for an arm whose evidence is SSTR-positive).
    @Test func quietSilencesWarnings() throws {
        let args = ["--arms", "prrt", "--population", "sstr=negative", "--n", "300", "--format", "table"]
        let loud = try CLI.run(args)
        #expect(loud.status == 0 && loud.stderr.contains("outside the arm's evidence: prrt evidence is for SSTR-positive disease"), "\(loud.stderr)")
        let quiet = try CLI.run(args + ["-q"])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
    }
}

/// The length of a shard file's trailer `sha256 <64 hex>\n` (docs/TALLY-FORMAT.md).
enum TallyFileTrailer { static let bytes = 7 + 64 + 1 }
