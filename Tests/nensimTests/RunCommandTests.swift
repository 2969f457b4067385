import Foundation
import Testing

struct RunCommandTests {
    @Test func theMissionCommandParsesAndReportsBothArms() throws {
        let r = try CLI.run(["--arms", "prrt,everolimus", "--n", "2000"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("prrt") && r.stdout.contains("everolimus"))
        #expect(r.stdout.contains("Against prrt"))
        #expect(r.stdout.contains("[assumption]") && r.stdout.contains("[source: prrt.pfs.median]"))
    }

    @Test func sameSeedGivesByteIdenticalOutputForAnyThreadCount() throws {
        let base = ["run", "--arms", "ssa,prrt,tace", "--n", "30000", "--seed", "42", "--exact-limit", "0"]
        let outputs = try [1, 2, 8].map { try CLI.run(base + ["--threads", "\($0)"]) }
        for o in outputs { #expect(o.status == 0, "\(o.stderr)") }
        #expect(outputs[0].stdout == outputs[1].stdout)
        #expect(outputs[0].stdout == outputs[2].stdout)
        let exact = try [1, 2].map { try CLI.run(["--arms", "prrt,everolimus", "--n", "3000", "--seed", "9", "--threads", "\($0)"]) }
        #expect(exact[0].stdout == exact[1].stdout)
        let otherSeed = try CLI.run(base.dropLast(4) + ["--seed", "43", "--exact-limit", "0"])
        #expect(otherSeed.stdout != outputs[0].stdout)
    }

    /// Each bad input: exit 64 (usage) or 65 (data), one line on stderr, nothing on stdout.
    static let badInputs: [([String], Int32)] = [
        (["--arms", "prrt", "--n", "0"], 64),
        (["--arms", "prrt", "--n", "-5"], 64),
        (["--arms", "prrt", "--n", "1e99"], 64),
        (["--arms", "prtt", "--n", "10"], 64),
        (["--arms", "prrt,,ssa"], 64),
        (["--arms", "prrt,prrt"], 64),
        (["--arms", "prrt", "--set", "prrt.pfs.median=-3"], 65),
        (["--arms", "prrt", "--set", "prrt.bogus=3"], 64),
        (["--arms", "prrt", "--set", "prtt.pfs.median=3"], 64),
        (["--arms", "prrt", "--threads", "0"], 64),
        (["--arms", "prrt", "--horizon", "-1"], 64),
        (["--arms", "prrt", "--dropout", "1.5"], 64),
        (["--arms", "prrt", "--accrual", "12"], 64),
        (["--arms", "prrt,ssa", "--reference", "tace"], 64),
        (["--arms", "prrt", "--strict"], 65),
        (["--arms", "everolimus", "--population", "liver_metastases=0.3", "--strict"], 65),
        (["--arms", "ssa", "--population", "grade=G3,ki67=40,sstr=negative", "--strict"], 65),
        (["--arms", "prrt", "--set", "prrt.pfs.median=31.5", "--strict"], 65),
    ]

    @Test(arguments: badInputs)
    func badInputGetsOneLineAndADistinctCode(arguments: [String], status: Int32) throws {
        let r = try CLI.run(arguments)
        #expect(r.status == status, "\(arguments): \(r.stderr)")
        #expect(r.stdout.isEmpty)
        let lines = r.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage:") && !$0.hasPrefix("  See '") && !$0.isEmpty }
        #expect(lines.count == 1, "\(arguments): \(r.stderr)")
    }

    /// An assumption-based comparison is marked in the table; --strict refuses it in one
    /// line naming arm, endpoint and the --set that would fix it (docs/MODEL.md).
    @Test func anAssumptionBasedComparisonIsMarkedAndRefusedUnderStrict() throws {
        let args = ["--arms", "everolimus,captem", "--set", "captem.pfs.median=12", "--n", "500", "--format", "table"]
        let r = try CLI.run(args)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("assumption ‡") && r.stdout.contains("‡ captem OS rests on an assumption, not evidence"))
        #expect(r.stdout.contains("captem OS: external figures from Yao JC et al. RADIANT-3 2016"))
        #expect(r.stdout.contains("basis: PFS source; OS mixed — external: Yao JC et al. RADIANT-3 2016"))
        let strict = try CLI.run(args + ["--strict"])
        #expect(strict.status == 65 && strict.stdout.isEmpty)
        #expect(strict.stderr == "nensim: --strict: captem OS against everolimus rests on an assumption (pps.median); fix with --set captem.os.median=… or --set captem.pps.median=…, or --evidence FILE with an OS median or landmark figure for captem\n")
    }

    @Test func validateCountsEveryConflictItNames() throws {
        let r = try CLI.run(["validate", "sirt", "--n", "20000"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("sirt OS: no single curve meets all 4 figures"))
        #expect(!r.stdout.contains(" 0 conflict(s)"))
    }

    @Test func unknownArmSuggestsTheClosest() throws {
        let r = try CLI.run(["--arms", "prtt"])
        #expect(r.stderr.contains("unknown arm 'prtt' — did you mean 'prrt'?"))
    }

    @Test func validateReproducesEverySourceFigure() throws {
        let r = try CLI.run(["validate", "--n", "200000", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try #require(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        let checked = rows.filter { ["reproduced", "conflict", "failed"].contains($0["verdict"] as? String) }
        #expect(checked.count >= 20)
        #expect(!checked.contains { $0["verdict"] as? String == "failed" })
    }
}

struct RunPSACommandTests {
    @Test func psaReportsIntervalsAndIsThreadIndependent() throws {
        let base = ["--arms", "prrt,everolimus", "--n", "3000", "--psa", "8", "--exact-limit", "0"]
        let one = try CLI.run(base + ["--threads", "1"])
        let two = try CLI.run(base + ["--threads", "2"])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(one.stdout.contains("Probabilistic sensitivity analysis: 8 draws"))
        #expect(one.stdout == two.stdout)
        let bad = try CLI.run(["--arms", "prrt", "--psa", "0"])
        #expect(bad.status == 64)
    }

    /// An arm exported by `nensim fit` (lung, Weibull) under --psa: its two fitted
    /// parameters are psa.csv columns, they vary between draws, and the draw's simulated
    /// PFS median follows the drawn parameters (higher intercept, longer median: the
    /// rank correlation over 30 draws is positive).
    @Test func exportedLungArmDrawsItsFittedParameters() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let evidence = dir.appendingPathComponent("lung.json").path
        let fit = try CLI.run(FitCommandTests.lungArguments + ["--dist", "weibull", "--export-evidence", evidence, "--time-unit", "days",
                                                               "--out", dir.appendingPathComponent("fit").path])
        try #require(fit.status == 0, "\(fit.stderr)")
        let out = dir.appendingPathComponent("run")
        let r = try CLI.run(["--evidence", evidence, "--arms", "fitted", "--n", "4000", "--psa", "30", "--out", out.path])
        try #require(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("redrawn fitted parameters"))
        let lines = try String(contentsOf: out.appendingPathComponent("psa.csv"), encoding: .utf8).split(whereSeparator: \.isNewline)
        let header = lines[0].split(separator: ",").map(String.init)
        let rows = lines.dropFirst().map { $0.split(separator: ",").map { Double($0) ?? .nan } }
        let intercept = try #require(header.firstIndex(of: "fit:fitted.(Intercept)"))
        let median = try #require(header.firstIndex(of: "fitted.pfs.median"))
        #expect(header.contains("fit:fitted.log(scale)"))
        #expect(Set(rows.map { $0[intercept] }).count == 30)
        func ranks(_ x: [Double]) -> [Double] { let o = x.indices.sorted { x[$0] < x[$1] }; var r = x; for (i, j) in o.enumerated() { r[j] = Double(i) }; return r }
        let a = ranks(rows.map { $0[intercept] }), b = ranks(rows.map { $0[median] })
        let m = Double(rows.count - 1) / 2
        #expect(zip(a, b).reduce(0) { $0 + ($1.0 - m) * ($1.1 - m) } > 0)
    }

    /// psa.csv of a real run: every header unique (the figure `prrt.pfs.median` and the
    /// statistic `prrt.pfs.median` are both there, as `figure:prrt.pfs.median` and
    /// `prrt.pfs.median`), the redrawn assumptions are columns, and an assumption fixed
    /// with --set is not redrawn.
    @Test func psaCSVHasUniqueColumnsWithFiguresAndAssumptions() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("psa")
        let r = try CLI.run(["--arms", "prrt,everolimus", "--n", "500", "--psa", "4", "--set", "prrt.response.coupling=0.3",
                             "--out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("redrawn assumptions"))
        let lines = try String(contentsOf: out.appendingPathComponent("psa.csv"), encoding: .utf8).split(whereSeparator: \.isNewline)
        let header = lines[0].split(separator: ",").map(String.init)
        #expect(Set(header).count == header.count, "duplicate columns in \(header)")
        #expect(header.contains("figure:prrt.pfs.median") && header.contains("prrt.pfs.median"))
        #expect(header.contains("assumption:everolimus.response.coupling"))
        #expect(!header.contains("assumption:prrt.response.coupling"))
        #expect(lines.count == 5 && lines.dropFirst().allSatisfy { $0.split(separator: ",").count == header.count })
    }
}
