import Foundation
import Testing

/// `run --shard i/k` and `merge`, through the built binary.
struct ShardCommandTests {
    /// A tally-mode run with accrual and dropout (every extra random word in use), and
    /// an exact-records run with small blocks (so every shard holds several blocks, and
    /// shards carry records).
    static let scenarios: [String: [String]] = [
        "tally": ["--arms", "prrt,everolimus,tace", "--n", "20000", "--seed", "5", "--accrual", "24", "--follow-up", "36",
                  "--dropout", "0.1", "--exact-limit", "0"],
        "exact": ["--arms", "sunitinib,placebo,rfa", "--n", "1500", "--seed", "8", "--block-size", "128", "--tau", "36"],
    ]

    /// Runs shards 1 … k into `dir`, in reverse order, and returns their paths.
    static func runShards(_ arguments: [String], k: Int, in dir: URL, name: String = "s") throws -> [String] {
        try (1...k).reversed().map { i in
            let path = dir.appendingPathComponent("\(name).shard-\(i)-of-\(k).nstally").path
            let r = try CLI.run(arguments + ["--shard", "\(i)/\(k)", "--out", path, "--threads", "\(1 + i % 2)"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.isEmpty)
            #expect(r.stderr.contains("shard \(i)/\(k)") && r.stderr.contains(path))
            return path
        }
    }

    /// Only in exact mode: `patients.csv` (needs records).
    static func outputFlags(_ scenario: String, folder: URL) -> [String] {
        ["--out", folder.path] + (scenario == "exact" ? ["--patients"] : [])
    }

    @Test(arguments: ["tally", "exact"], [1, 3, 7])
    func mergedShardsPrintAndWriteTheUnshardedRunByteForByte(scenario: String, k: Int) throws {
        let arguments = Self.scenarios[scenario]!
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let single = dir.appendingPathComponent("single"), merged = dir.appendingPathComponent("merged")
        let full = try CLI.run(arguments + Self.outputFlags(scenario, folder: single))
        #expect(full.status == 0, "\(full.stderr)")
        #expect(full.stdout.contains(scenario == "exact" ? "statistics from exact records" : "statistics from tally"))
        let paths = try Self.runShards(arguments, k: k, in: dir)
        let m = try CLI.run(["merge"] + paths + Self.outputFlags(scenario, folder: merged))
        #expect(m.status == 0, "\(m.stderr)")
        #expect(m.stdout == full.stdout)
        try Self.expectSameFiles(single, merged)
    }

    /// The two run folders hold the same files with the same bytes, apart from the
    /// manifest's time stamp, command line and thread count (in summary.json, and the
    /// time stamp in km.svg's footnote).
    static func expectSameFiles(_ a: URL, _ b: URL) throws {
        let fm = FileManager.default
        let names = try fm.contentsOfDirectory(atPath: a.path).sorted()
        #expect(names == (try fm.contentsOfDirectory(atPath: b.path).sorted()))
        #expect(names.contains("summary.json") && names.contains("km_pfs.csv") && names.contains("km.svg"))
        for name in names {
            let x = try Data(contentsOf: a.appendingPathComponent(name)), y = try Data(contentsOf: b.appendingPathComponent(name))
            switch name {
            case "summary.json":
                #expect(try withoutRunFields(x) == withoutRunFields(y))
            case "km.svg":
                #expect(withoutTimestamps(x) == withoutTimestamps(y))
            case "report.html":
                #expect(withoutRunLine(x) == withoutRunLine(y))
            default:
                #expect(x == y, "\(name) differs")
            }
        }
    }

    static func withoutRunFields(_ json: Data) throws -> Data {
        var object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        var manifest = try #require(object["manifest"] as? [String: Any])
        for key in ["timestamp", "command_line", "threads"] { #expect(manifest.removeValue(forKey: key) != nil, "\(key)") }
        object["manifest"] = manifest
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// report.html without its run line (time stamp and command line).
    static func withoutRunLine(_ html: Data) -> String {
        String(decoding: html, as: UTF8.self)
            .replacingOccurrences(of: #"<span class="run">[^\n]*</span>"#, with: "RUN", options: .regularExpression)
    }

    static func withoutTimestamps(_ svg: Data) -> String {
        String(decoding: svg, as: UTF8.self)
            .replacingOccurrences(of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"#, with: "TIME", options: .regularExpression)
    }

    @Test func aShardWithoutOutGoesToNotebooksOut() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["--arms", "prrt,ssa", "--n", "500", "--seed", "3", "--shard", "2/3"], currentDirectory: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let expected = dir.appendingPathComponent("notebooks-out/prrt-ssa-n500-seed3.shard-2-of-3.nstally")
        #expect(FileManager.default.fileExists(atPath: expected.path))
    }

    static let usageErrors: [[String]] = [
        ["--arms", "prrt", "--shard", "0/3"],
        ["--arms", "prrt", "--shard", "4/3"],
        ["--arms", "prrt", "--shard", "1/0"],
        ["--arms", "prrt", "--shard", "1/100001"],
        ["--arms", "prrt", "--shard", "two/3"],
        ["--pathways", "ssa>prrt", "--shard", "1/2"],
        ["merge"],
    ]

    @Test(arguments: usageErrors)
    func badShardFlagsAreUsageErrors(arguments: [String]) throws {
        let r = try CLI.run(arguments)
        #expect(r.status == 64, "\(arguments): \(r.stderr)")
        #expect(r.stdout.isEmpty)
        let lines = r.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage:") && !$0.hasPrefix("  See '") && !$0.isEmpty }
        #expect(lines.count == 1, "\(arguments): \(r.stderr)")
    }

    /// Each broken set: exit 65 (66 for a file that does not exist), one line per
    /// problem naming the file, nothing on stdout.
    @Test func brokenSetsAreRefusedOneLinePerProblem() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = ["--arms", "prrt,ssa", "--n", "3000", "--seed", "3", "--exact-limit", "0"]
        let good = try Self.runShards(base, k: 3, in: dir).reversed().map { $0 }
        let other = try Self.runShards(Array(base.dropLast(4)) + ["--seed", "4", "--exact-limit", "0"], k: 3, in: dir, name: "other")
        let otherK = try Self.runShards(base, k: 2, in: dir, name: "k2")
        // A corrupt copy (one bit flipped in the body) and a truncated copy of shard 2.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: good[1]))
        let corrupt = dir.appendingPathComponent("corrupt.nstally").path
        bytes[bytes.count - 500] ^= 0x10
        try bytes.write(to: URL(fileURLWithPath: corrupt))
        let truncated = dir.appendingPathComponent("truncated.nstally").path
        try Data(contentsOf: URL(fileURLWithPath: good[1])).prefix(4000).write(to: URL(fileURLWithPath: truncated))
        let notTally = dir.appendingPathComponent("notes.txt").path
        try Data("shard notes\n".utf8).write(to: URL(fileURLWithPath: notTally))
        let missingFile = dir.appendingPathComponent("nope.nstally").path

        // Per case: the files, the exit status, and per stderr line the texts it holds.
        let cases: [([String], Int32, [[String]])] = [
            ([good[0], corrupt, good[2]], 65, [["\(corrupt): corrupt: its SHA-256 checksum does not match"], ["missing shard 2/3"]]),
            ([good[0], truncated, good[2]], 65, [["\(truncated): truncated"], ["missing shard 2/3"]]),
            ([good[0], good[2]], 65, [["missing shard 2/3"]]),
            ([good[0], good[1], good[1], good[2]], 65, [["\(good[1]): shard 2/3 again"]]),
            ([good[0], other[1], good[1], good[2]], 65, [["\(other[1]): scenario", "(seed 4 vs 3)", "not shards of one run"]]),
            ([good[0], good[1], good[2], otherK[0]], 65, [["\(otherK[0]): shard 2/2 belongs to a run cut into 2 shards"]]),
            ([good[0], good[1], good[2], notTally], 65, [["\(notTally): not a nensim tally file"]]),
            ([good[0], missingFile, good[2]], 65, [["\(missingFile): no such file"], ["missing shard 2/3"]]),
            ([missingFile], 66, [["\(missingFile): no such file"]]),
            ([corrupt, truncated], 65, [["\(corrupt): corrupt"], ["\(truncated): truncated"]]),
        ]
        let out = dir.appendingPathComponent("never")
        for (files, status, expected) in cases {
            let r = try CLI.run(["merge"] + files + ["--out", out.path])
            #expect(!FileManager.default.fileExists(atPath: out.path), "\(files): a refused merge wrote \(out.path)")
            #expect(r.status == status, "\(files): \(r.stderr)")
            #expect(r.stdout.isEmpty)
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == expected.count, "\(r.stderr)")
            for (line, texts) in zip(lines, expected) {
                #expect(line.hasPrefix("nensim: "))
                for t in texts { #expect(line.contains(t), "\(line) ∌ \(t)") }
            }
        }
        // The good set still merges.
        let ok = try CLI.run(["merge"] + good)
        #expect(ok.status == 0, "\(ok.stderr)")
    }
}
