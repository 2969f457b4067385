import Foundation
import Testing

/// `nensim --pathways …` run as a process: stdout, stderr and exit status.
struct PathwayCommandTests {
    @Test func theIssueCommandComparesTwoSequences() throws {
        let r = try CLI.run(["--pathways", "ssa>prrt>everolimus,ssa>everolimus>prrt", "--n", "3000"])
        #expect(r.status == 0, "\(r.stderr)")
        // No guidance warning for a sequence the source recommends; PRRT's short
        // post-progression median is the one plausibility warning.
        let warnings = r.stderr.split(separator: "\n").filter { $0.contains("warning") }
        #expect(warnings.count == 1 && warnings[0].contains("prrt pps.median"), "\(r.stderr)")
        #expect(r.stdout.contains("Pathway ssa>prrt>everolimus") && r.stdout.contains("Pathway ssa>everolimus>prrt"))
        #expect(r.stdout.contains("Against ssa>prrt>everolimus"))
        for label in ["PFS1", "PFS2", "OS", "reached", "1.25 [assumption]", "line gap 1 month(s) [assumption]"] {
            #expect(r.stdout.contains(label), "\(label)")
        }
    }

    /// A one-line pathway is the single-arm run: its PFS1 and OS medians with CIs are the arm's.
    @Test func oneLinePathwayPrintsTheSingleArmFigures() throws {
        let arm = try CLI.run(["--arms", "prrt", "--n", "2000", "--seed", "4"])
        let path = try CLI.run(["--pathways", "prrt", "--n", "2000", "--seed", "4", "--population", "site=pancreas"])
        #expect(arm.status == 0 && path.status == 0, "\(path.stderr)")
        let rows = path.stdout.split(separator: "\n").filter { $0.hasPrefix("  PFS1 ") || $0.hasPrefix("  OS ") }
        #expect(rows.count == 2)
        for row in rows {
            let cells = row.split(separator: " ")
            let median = cells[3...5].joined(separator: " ") // "26.38 (24.19, 28.34)"
            #expect(arm.stdout.contains(median), "\(median)")
        }
    }

    @Test func sameSeedGivesIdenticalOutputForAnyThreadCount() throws {
        let base = ["--pathways", "ssa>prrt,tace>everolimus", "--n", "20000", "--seed", "42", "--exact-limit", "0"]
        let outputs = try [1, 2, 5].map { try CLI.run(base + ["--threads", "\($0)"]) }
        for o in outputs { #expect(o.status == 0, "\(o.stderr)") }
        #expect(outputs[0].stdout == outputs[1].stdout)
        #expect(outputs[0].stdout == outputs[2].stdout)
    }

    @Test func againstTheSourceWarnsWithTheQuoteAndStrictFails() throws {
        let args = ["--pathways", "everolimus>ssa>prrt", "--population", "sstr=positive,grade=G1,site=midgut", "--n", "500"]
        let warned = try CLI.run(args)
        #expect(warned.status == 0, "\(warned.stderr)")
        #expect(warned.stderr.hasPrefix("nensim: warning: pathway 'everolimus>ssa>prrt' line 1 (everolimus)"))
        #expect(warned.stderr.contains("「因此，指南推荐依维莫司可以作为晚期肠道NEN 的二线治疗药物，适用于SSA 类药物或者核素治疗后进展的肠道NEN。」"))
        #expect(warned.stdout.contains("Pathway everolimus>ssa>prrt"))
        let strict = try CLI.run(args + ["--strict"])
        #expect(strict.status == 65)
        #expect(strict.stdout.isEmpty)
        #expect(strict.stderr.split(separator: "\n").count == 1)
        #expect(strict.stderr.hasPrefix("nensim: --strict: pathway 'everolimus>ssa>prrt' line 1 (everolimus)"))

        let sstr = try CLI.run(["--pathways", "ssa>prrt", "--population", "sstr=negative", "--strict"])
        #expect(sstr.status == 65)
        #expect(sstr.stderr.contains("(and 1 more guidance warning(s))"))
        let chemo = try CLI.run(["--pathways", "captem>ssa", "--population", "grade=G1", "--set", "captem.pfs.median=12", "--n", "200"])
        #expect(chemo.status == 0, "\(chemo.stderr)")
        #expect(chemo.stderr.contains("chemotherapy (captem) for G1 disease, first line"))
    }

    /// Each bad input: exit 64 (usage) or 65 (data), one line on stderr, nothing on stdout.
    static let badInputs: [([String], Int32)] = [
        (["--pathways", "ssa>prtt"], 64),
        (["--pathways", "ssa>>prrt"], 64),
        (["--pathways", "ssa>prrt,"], 64),
        (["--pathways", "ssa>ssa"], 64),
        (["--pathways", "ssa>prrt,ssa>prrt"], 64),
        (["--pathways", "ssa", "--arms", "ssa"], 64),
        ([], 64),
        (["--arms", "ssa", "--line-gap", "2"], 64),
        (["--pathways", "ssa>prrt", "--reference", "ssa"], 64),
        (["--pathways", "ssa>prrt", "--population", "sstr=maybe"], 64),
        (["--pathways", "ssa>prrt", "--population", "site=midgt"], 64),
        (["--pathways", "ssa>prrt", "--line-gap", "-1"], 64),
        (["--pathways", "ssa>prrt", "--later-line-hr", "0"], 64),
        (["--pathways", "ssa>prrt", "--set", "prtt.later_line_hr=2"], 64),
        (["--pathways", "ssa>prrt", "--set", "prrt.later_line_hr=-2"], 65),
        (["--pathways", "ssa>prrt", "--set", "prrt.pfs.median=-3"], 65),
        (["--pathways", "ssa>captem"], 65),
    ]

    @Test(arguments: badInputs)
    func badInputGetsOneLineAndADistinctCode(arguments: [String], status: Int32) throws {
        let r = try CLI.run(arguments)
        #expect(r.status == status, "\(arguments): \(r.stderr)")
        #expect(r.stdout.isEmpty)
        let lines = r.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage:") && !$0.hasPrefix("  See '") && !$0.isEmpty }
        #expect(lines.count == 1, "\(arguments): \(r.stderr)")
    }

    @Test func unknownArmSuggestsTheClosest() throws {
        let r = try CLI.run(["--pathways", "ssa>everolimsu"])
        #expect(r.stderr == "nensim: --pathways 'ssa>everolimsu': unknown arm 'everolimsu' — did you mean 'everolimus'?\n")
    }

    @Test func outWritesTheTablesAndTheFigure() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("run")
        let r = try CLI.run(["--pathways", "ssa>prrt,ssa>everolimus", "--n", "1000", "--out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == ["km_pathways.csv", "km_pathways.svg", "pathways.csv"])
        let svg = try String(contentsOf: out.appendingPathComponent("km_pathways.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<?xml") && svg.contains("PFS on line 1 (PFS1)") && svg.contains("Second progression or death (PFS2)")
                && svg.contains("Overall survival") && svg.hasSuffix("</svg>\n"))
        let csvOnly = dir.appendingPathComponent("csv-only")
        _ = try CLI.run(["--pathways", "ssa>prrt,ssa>everolimus", "--n", "500", "--out", csvOnly.path, "--format", "csv"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: csvOnly.path).sorted() == ["km_pathways.csv", "pathways.csv"])
        let summary = try String(contentsOf: out.appendingPathComponent("pathways.csv"), encoding: .utf8)
        #expect(summary.contains("\nssa>everolimus,os,"))
        #expect(summary.contains("\nssa>prrt,line2,2,prrt,"))
        let km = try String(contentsOf: out.appendingPathComponent("km_pathways.csv"), encoding: .utf8)
        #expect(km.contains("\nssa>everolimus,line2,"))
    }

    @Test func laterLineOverridesAreLabelled() throws {
        let r = try CLI.run(["--pathways", "ssa>tace>prrt", "--n", "500", "--later-line-hr", "1.5", "--set", "prrt.later_line_hr=2", "--line-gap", "0"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("tace: hazard × 1.5 (H = 1.5 [override]"))
        #expect(r.stdout.contains("prrt: hazard × 2 (H = 2 [override]"))
        #expect(r.stdout.contains("line gap 0 month(s) [override]"))
    }
}
