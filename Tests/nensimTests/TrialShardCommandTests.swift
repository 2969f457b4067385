import Foundation
import NENSim
import Testing

/// `trial --shard i/k`, `run --psa K --shard i/k` and their `merge`, through the built binary.
struct TrialShardCommandTests {
    /// Accrual, dropout, an event-driven analysis with a calendar cap and scans: every
    /// field of a replicate in play.
    static let trial = ["trial", "--arms", "sunitinib,placebo", "--n", "60", "--replicates", "50", "--seed", "3",
                        "--accrual", "12", "--follow-up", "18", "--dropout", "0.1", "--events", "30", "--assess", "8w"]

    /// A trial PSA: two arms with range figures (so the draws differ), K = 4.
    static let trialPSA = ["trial", "--arms", "prrt,everolimus", "--n", "40", "--replicates", "24", "--seed", "5",
                           "--accrual", "12", "--psa", "4"]

    /// Two arms with range figures (so draws differ), exact records in small blocks (so
    /// the base run is split across shards too), K = 9 draws.
    static let psaRun = ["--arms", "prrt,everolimus", "--n", "400", "--seed", "6", "--block-size", "64", "--tau", "36", "--psa", "9"]

    /// Runs shards 1 … k into `dir`, in reverse order with mixed thread counts.
    static func runShards(_ arguments: [String], k: Int, in dir: URL, name: String = "t") throws -> [String] {
        try (1...k).reversed().map { i in
            let path = dir.appendingPathComponent("\(name).shard-\(i)-of-\(k).nstally").path
            let r = try CLI.run(arguments + ["--shard", "\(i)/\(k)", "--out", path, "--threads", "\(1 + i % 2)"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.isEmpty)
            #expect(r.stderr.contains("shard \(i)/\(k)") && r.stderr.contains(path))
            return path
        }
    }

    /// trial.json without its command line (the one field that names the command run).
    static func withoutCommandLine(_ json: Data) throws -> Data {
        var object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object.removeValue(forKey: "command_line") != nil)
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    @Test(arguments: [false, true], [1, 3, 7])
    func mergedTrialShardsEqualTheUnshardedTrial(psa: Bool, k: Int) throws {
        let arguments = psa ? Self.trialPSA : Self.trial
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let single = dir.appendingPathComponent("single"), merged = dir.appendingPathComponent("merged")
        let full = try CLI.run(arguments + ["--out", single.path])
        #expect(full.status == 0, "\(full.stderr)")
        let paths = try Self.runShards(arguments, k: k, in: dir)
        let m = try CLI.run(["merge"] + paths + ["--out", merged.path])
        #expect(m.status == 0, "\(m.stderr)")
        #expect(m.stdout.replacingOccurrences(of: merged.path, with: "OUT") == full.stdout.replacingOccurrences(of: single.path, with: "OUT"))
        #expect(full.stdout.contains("power, two-sided"))
        let names = try FileManager.default.contentsOfDirectory(atPath: single.path).sorted()
        #expect(names == (psa ? ["psa.csv", "replicates.csv", "trial.json", "trial.svg"] : ["replicates.csv", "trial.json", "trial.svg"]))
        #expect(names == (try FileManager.default.contentsOfDirectory(atPath: merged.path).sorted()))
        if psa { #expect(full.stdout.contains("Probabilistic sensitivity analysis: 4 parameter draws") && full.stdout.contains("redrawn figures: prrt.")) }
        for name in names where name.hasSuffix(".csv") || name.hasSuffix(".svg") {
            let csv = try Data(contentsOf: single.appendingPathComponent(name))
            #expect(csv == (try Data(contentsOf: merged.appendingPathComponent(name))), "\(name) differs")
        }
        #expect(try Self.withoutCommandLine(Data(contentsOf: single.appendingPathComponent("trial.json")))
                == Self.withoutCommandLine(Data(contentsOf: merged.appendingPathComponent("trial.json"))))
    }

    /// Predictive trials: two arms with range figures and assumption priors (so every
    /// trial's draw differs), K = 11 trials beside 10 fixed-parameter replicates.
    static let assurance = ["trial", "--arms", "prrt,everolimus", "--n", "40", "--replicates", "10", "--seed", "7",
                            "--accrual", "12", "--follow-up", "12", "--assurance", "11"]

    /// `trial --assurance K --shard i/k` merged gives the unsharded trial's files byte for
    /// byte (trial.json apart from its command line), for k = 1, 3 and 13 (more shards
    /// than trials: some shards hold none), with the shards run on 1 or 2 threads.
    @Test(arguments: [1, 3, 13])
    func mergedAssuranceShardsEqualTheUnshardedTrial(k: Int) throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let single = dir.appendingPathComponent("single"), merged = dir.appendingPathComponent("merged")
        let full = try CLI.run(Self.assurance + ["--out", single.path, "--threads", "2"])
        #expect(full.status == 0, "\(full.stderr)")
        #expect(full.stdout.contains("Assurance (predictive trials): 11 trials"))
        let paths = try Self.runShards(Self.assurance, k: k, in: dir)
        let m = try CLI.run(["merge"] + paths + ["--out", merged.path])
        #expect(m.status == 0, "\(m.stderr)")
        #expect(m.stdout.replacingOccurrences(of: merged.path, with: "OUT") == full.stdout.replacingOccurrences(of: single.path, with: "OUT"))
        let names = try FileManager.default.contentsOfDirectory(atPath: single.path).sorted()
        #expect(names == ["assurance.csv", "replicates.csv", "trial.json", "trial.svg"])
        #expect(names == (try FileManager.default.contentsOfDirectory(atPath: merged.path).sorted()))
        for name in names where name.hasSuffix(".csv") || name.hasSuffix(".svg") {
            #expect(try Data(contentsOf: single.appendingPathComponent(name)) == Data(contentsOf: merged.appendingPathComponent(name)), "\(name) differs")
        }
        #expect(try Self.withoutCommandLine(Data(contentsOf: single.appendingPathComponent("trial.json")))
                == Self.withoutCommandLine(Data(contentsOf: merged.appendingPathComponent("trial.json"))))
    }

    /// The same assurance trials, byte for byte, on 1 and 3 threads.
    @Test func assuranceFilesDoNotDependOnTheThreadCount() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let one = dir.appendingPathComponent("one"), three = dir.appendingPathComponent("three")
        #expect(try CLI.run(Self.assurance + ["--out", one.path, "--threads", "1"]).status == 0)
        #expect(try CLI.run(Self.assurance + ["--out", three.path, "--threads", "3"]).status == 0)
        for name in ["assurance.csv", "replicates.csv"] {
            #expect(try Data(contentsOf: one.appendingPathComponent(name)) == Data(contentsOf: three.appendingPathComponent(name)), "\(name) differs")
        }
        #expect(try Self.withoutCommandLine(Data(contentsOf: one.appendingPathComponent("trial.json")))
                == Self.withoutCommandLine(Data(contentsOf: three.appendingPathComponent("trial.json"))))
    }

    /// Assurance shards of another K, seed or design, or without assurance, do not merge
    /// with the set: one line naming the file and the difference, exit 65, nothing written.
    @Test func mismatchedAssuranceShardsAreRefused() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func replacing(_ flag: String, with value: String) -> [String] {
            var a = Self.assurance
            a[a.firstIndex(of: flag)! + 1] = value
            return a
        }
        let good = try Self.runShards(Self.assurance, k: 2, in: dir).reversed().map { $0 }
        let otherK = try Self.runShards(replacing("--assurance", with: "12"), k: 2, in: dir, name: "k12")
        let otherSeed = try Self.runShards(replacing("--seed", with: "8"), k: 2, in: dir, name: "seed8")
        let otherDesign = try Self.runShards(replacing("--follow-up", with: "18"), k: 2, in: dir, name: "fu18")
        let none = try Self.runShards(Array(Self.assurance.dropLast(2)), k: 2, in: dir, name: "none")
        let cases: [(String, String)] = [
            (otherK[0], "(assurance trials 12 vs 11)"), (otherSeed[0], "(seed 8 vs 7)"), (otherDesign[0], "(design '"),
            (none[0], "(assurance trials none vs 11)"),
        ]
        let out = dir.appendingPathComponent("never")
        for (odd, text) in cases {
            let r = try CLI.run(["merge", good[0], odd, "--out", out.path])
            #expect(r.status == 65, "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out.path))
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 2, "\(r.stderr)") // the odd file, and shard 2/2 missing from the set
            #expect(lines.first.map { $0.contains("\(odd): scenario") && $0.contains(text) } == true, "\(r.stderr) ∌ \(text)")
        }
        #expect(try CLI.run(["merge"] + good + ["--out", dir.appendingPathComponent("ok").path]).status == 0)
    }

    /// An assurance shard edited so that its checksum is valid but a number is absurd
    /// (an enrolment count beyond the trial's patients, 10^12 rejected draws, a p-value
    /// of 2): refused with one line naming the file, the trial and the number, exit 65.
    @Test func anAssuranceShardWithAbsurdNumbersAndAValidChecksumIsRefused() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try Self.runShards(Self.assurance, k: 1, in: dir)[0]
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let first = original.firstIndex(of: 0x0A)!
        let second = original[(first + 1)...].firstIndex(of: 0x0A)!
        let header = try #require(try JSONSerialization.jsonObject(with: Data(original[(first + 1)..<second])) as? [String: Any])
        #expect(original.starts(with: Array("nensim-tally 2\n".utf8)) && header["format_version"] as? Int == 2)
        let fields = try #require(header["fields"] as? [String]).count
        let extra = try #require(header["assurance_fields"] as? [String]).count
        let replicates = try #require((header["replicates"] as? [String: Any])?["count"] as? Int)
        // Trial 3's words: after the base replicates and trials 0 … 2.
        let trial3 = second + 1 + 8 * (fields * replicates + 3 * (fields + extra))
        let edits: [(word: Int, value: UInt64, text: String)] = [
            (2, 41, "assurance trial 3: malformed counts (enrolled 41+"),
            (fields, 1_000_000_000_000, "assurance trial 3: 1000000000000 rejected draws"),
            (14, (2.0).bitPattern, "assurance trial 3: two-sided p 2.0 is not in [0, 1]"),
        ]
        for e in edits {
            var bytes = original
            for b in 0..<8 { bytes[trial3 + 8 * e.word + b] = UInt8(truncatingIfNeeded: e.value >> (8 * UInt64(b))) }
            bytes.removeLast(TallyFileTrailer.bytes)
            bytes += Array("sha256 \(SHA256.hex(bytes))\n".utf8)
            let edited = dir.appendingPathComponent("edited.nstally")
            try Data(bytes).write(to: edited)
            let out = dir.appendingPathComponent("never")
            let r = try CLI.run(["merge", edited.path, "--out", out.path])
            #expect(r.status == 65, "\(r.stderr)")
            #expect(r.stderr.hasPrefix("nensim: \(edited.path): \(e.text)") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
    }

    @Test(arguments: [1, 3, 7])
    func mergedPSAShardsEqualTheUnshardedPSARun(k: Int) throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let single = dir.appendingPathComponent("single"), merged = dir.appendingPathComponent("merged")
        let full = try CLI.run(Self.psaRun + ["--out", single.path])
        #expect(full.status == 0, "\(full.stderr)")
        #expect(full.stdout.contains("Probabilistic sensitivity analysis: 9 draws") && full.stdout.contains("redrawn figures: prrt."))
        let paths = try Self.runShards(Self.psaRun, k: k, in: dir)
        let m = try CLI.run(["merge"] + paths + ["--out", merged.path])
        #expect(m.status == 0, "\(m.stderr)")
        #expect(m.stdout == full.stdout)
        #expect(FileManager.default.fileExists(atPath: merged.appendingPathComponent("psa_summary.csv").path))
        try ShardCommandTests.expectSameFiles(single, merged)
    }

    static let usageErrors: [[String]] = [
        trial + ["--shard", "0/3"],
        trial + ["--shard", "3"],
    ]

    @Test(arguments: usageErrors)
    func badTrialShardFlagsAreUsageErrors(arguments: [String]) throws {
        let r = try CLI.run(arguments)
        #expect(r.status == 64, "\(arguments): \(r.stderr)")
        #expect(r.stdout.isEmpty)
        let lines = r.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage:") && !$0.hasPrefix("  See '") && !$0.isEmpty }
        #expect(lines.count == 1, "\(arguments): \(r.stderr)")
    }

    /// Each broken set: exit 65, one line per problem naming the file, nothing written.
    @Test func brokenTrialAndPSASetsAreRefusedOneLinePerProblem() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = try Self.runShards(Self.trial, k: 3, in: dir).reversed().map { $0 }
        let other = try Self.runShards(Self.trial.map { $0 == "3" ? "4" : $0 }, k: 3, in: dir, name: "other")
        let psa = try Self.runShards(Self.psaRun, k: 2, in: dir, name: "psa").reversed().map { $0 }
        let tpsa = try Self.runShards(Self.trialPSA, k: 2, in: dir, name: "tpsa").reversed().map { $0 }
        let tpsa3 = try Self.runShards(Self.trialPSA.dropLast() + ["3"], k: 2, in: dir, name: "tpsa3").reversed().map { $0 }
        let psa5 = try Self.runShards(Self.psaRun.dropLast() + ["5"], k: 2, in: dir, name: "psa5").reversed().map { $0 }
        let run = try Self.runShards(Array(Self.psaRun.dropLast(2)), k: 2, in: dir, name: "run").reversed().map { $0 }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: good[1]))
        let corrupt = dir.appendingPathComponent("corrupt.nstally").path
        bytes[bytes.count - 100] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: corrupt))
        var psaBytes = try Data(contentsOf: URL(fileURLWithPath: psa[1]))
        let psaCorrupt = dir.appendingPathComponent("psa-corrupt.nstally").path
        psaBytes[psaBytes.count - 100] ^= 0x01
        try psaBytes.write(to: URL(fileURLWithPath: psaCorrupt))

        let cases: [([String], [[String]])] = [
            ([good[0], corrupt, good[2]], [["\(corrupt): corrupt: its SHA-256 checksum does not match"], ["missing shard 2/3"]]),
            ([good[0], good[2]], [["missing shard 2/3"]]),
            ([good[0], good[1], good[1], good[2]], [["\(good[1]): shard 2/3 again"]]),
            ([good[0], other[1], good[1], good[2]], [["\(other[1]): scenario", "(seed 4 vs 3)", "not shards of one run"]]),
            ([good[0], good[1], good[2], psa[0]], [["\(psa[0]): scenario", "a run shard among trial shards"]]),
            ([psa[0], psaCorrupt], [["\(psaCorrupt): corrupt"], ["missing shard 2/2"]]),
            ([psa[0], psa5[1], psa[1]], [["\(psa5[1]): scenario", "(PSA draws 5 vs 9)"]]),
            ([psa[0], run[1]], [["\(run[1]): scenario", "(PSA draws none vs 9)"], ["missing shard 2/2"]]),
            ([tpsa[0], tpsa3[1]], [["\(tpsa3[1]): scenario", "(PSA draws 3 vs 4)"], ["missing shard 2/2"]]),
            ([tpsa[0]], [["missing shard 2/2"]]),
        ]
        let out = dir.appendingPathComponent("never")
        for (files, expected) in cases {
            let r = try CLI.run(["merge"] + files + ["--out", out.path])
            #expect(!FileManager.default.fileExists(atPath: out.path), "\(files): a refused merge wrote \(out.path)")
            #expect(r.status == 65, "\(files): \(r.stderr)")
            #expect(r.stdout.isEmpty)
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == expected.count, "\(r.stderr)")
            for (line, texts) in zip(lines, expected) {
                #expect(line.hasPrefix("nensim: "))
                for t in texts { #expect(line.contains(t), "\(line) ∌ \(t)") }
            }
        }
        // The good sets still merge.
        #expect(try CLI.run(["merge"] + good + ["--out", dir.appendingPathComponent("t").path]).status == 0)
        #expect(try CLI.run(["merge"] + psa + ["--out", dir.appendingPathComponent("p").path]).status == 0)
        #expect(try CLI.run(["merge"] + tpsa + ["--out", dir.appendingPathComponent("tp").path]).status == 0)
    }
}
