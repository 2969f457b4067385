import Foundation
import Testing

/// End to end: `run --economics` writes the economic files with the documented columns,
/// summary.json with its economics section validates against docs/summary.schema.json,
/// and bad economic input is one line naming file, JSON path and problem, exit 65, nothing written.
@Suite(.serialized)
struct EconomicsCommandTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var example: String { repository.appendingPathComponent("data/economics-example.json").path }

    @Test func economicRunWithPSAWritesEveryFileAndAValidSummary() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["--arms", "prrt,everolimus", "--n", "2000", "--economics", Self.example, "--psa", "4",
                             "--wtp", "20000,30000,50000", "--population-size", "1000", "--years", "5", "--out", "run"],
                            currentDirectory: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Health economics") && r.stdout.contains("EVPI at 20000"))
        let run = dir.appendingPathComponent("run")
        let headers = ["economics.csv": "arm,quantity,mean,se,partitioned_survival",
                       "ce_draws.csv": "draw,arm,cost,qalys",
                       "ceac.csv": "wtp,arm,probability_cost_effective,on_frontier,evpi"]
        for (file, header) in headers {
            let text = try String(contentsOf: run.appendingPathComponent(file), encoding: .utf8)
            #expect(text.hasPrefix(header + "\r\n"), "\(file)")
        }
        let draws = try String(contentsOf: run.appendingPathComponent("ce_draws.csv"), encoding: .utf8)
        #expect(draws.components(separatedBy: "\r\n").count == 1 + 4 * 2 + 1)
        let incremental = try String(contentsOf: run.appendingPathComponent("incremental.csv"), encoding: .utf8)
        #expect(incremental.hasPrefix("arm,cost,qalys,status,comparator,icer,reference,delta_cost"))
        for svg in ["ce_plane.svg", "ceac.svg"] {
            let text = try String(contentsOf: run.appendingPathComponent(svg), encoding: .utf8)
            #expect(text.contains("<svg"), "\(svg)")
        }
        let schema = try JSONValue.parse(Data(contentsOf: Self.repository.appendingPathComponent("docs/summary.schema.json")))
        let summary = try JSONValue.parse(Data(contentsOf: run.appendingPathComponent("summary.json")))
        let errors = JSONSchemaValidator(root: schema).validate(summary)
        #expect(errors.isEmpty, "\(errors.prefix(10))")
        guard case .object(let top) = summary, case .object(let econ)? = top["economics"] else { Issue.record("no economics"); return }
        #expect(econ["psa"] != nil)
    }

    /// Each bad input, the JSON path and the problem the message must name.
    static let badInputs: [(edit: String, path: String, problem: String)] = [
        (#""cost_per_month": {"value": -5, "status": "assumption"}"#, "$.states.progression_free.cost_per_month.value", "negative cost"),
        (#""utility": {"value": 1.2, "status": "assumption"}"#, "$.states.progression_free.utility.value", "above 1"),
        (#""discount": {"costs": 1, "outcomes": 0.035}"#, "$.discount.costs", "outside [0, 1)"),
        (#""arms": {"nosuch": {}}"#, "$.arms.nosuch", "unknown arm"),
        (#""states": {"progression_free": {"cost_per_month": {"value": 1, "status": "assumption"}, "utility": {"value": 0.7, "status": "assumption"}}, "progressed": {"cost_per_month": {"value": 1, "status": "assumption"}, "utility": {"value": 0.6, "status": "assumption"}}, "dead": {}}"#, "$.states.dead", "unknown key"),
    ]

    static func document(replacing edit: String) -> String {
        var parts = [#""schema_version": 1"#, #""currency": "GBP""#, #""price_year": 2018"#, #""discount": {"costs": 0.035, "outcomes": 0.035}"#,
                     #""states": {"progression_free": {"cost_per_month": {"value": 300, "status": "assumption"}, "utility": {"value": 0.77, "status": "assumption"}}, "progressed": {"cost_per_month": {"value": 800, "status": "assumption"}, "utility": {"value": 0.61, "status": "assumption"}}}"#,
                     #""terminal_care": {"value": 6000, "status": "assumption"}"#]
        let key = edit.split(separator: ":", maxSplits: 1)[0]
        if let i = parts.firstIndex(where: { $0.hasPrefix(key) }) { parts[i] = edit }
        else if edit.hasPrefix(#""cost_per_month""#) || edit.hasPrefix(#""utility""#) {
            parts[4] = parts[4].replacingOccurrences(of: edit.hasPrefix(#""utility""#) ? #""utility": {"value": 0.77, "status": "assumption"}"# : #""cost_per_month": {"value": 300, "status": "assumption"}"#, with: edit)
        } else { parts.append(edit) }
        return "{" + parts.joined(separator: ", ") + "}"
    }

    @Test(arguments: badInputs.indices)
    func badEconomicInputIsOneLineExit65AndNothingWritten(index: Int) throws {
        let (edit, path, problem) = Self.badInputs[index]
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.document(replacing: edit).write(to: dir.appendingPathComponent("econ.json"), atomically: true, encoding: .utf8)
        let r = try CLI.run(["--arms", "prrt,everolimus", "--n", "200", "--economics", "econ.json", "--out", "run"], currentDirectory: dir)
        #expect(r.status == 65, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("econ.json") && r.stderr.contains(path) && r.stderr.contains(problem), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("run").path))
    }

    @Test func unknownAdverseEventOfAnArmIsRefused() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.document(replacing: #""arms": {"tace": {"adverse_events": [{"event": "rash", "cost": {"value": 1, "status": "assumption"}, "disutility": {"value": 0.1, "status": "assumption"}, "duration_months": 1}]}}"#)
            .write(to: dir.appendingPathComponent("econ.json"), atomically: true, encoding: .utf8)
        let r = try CLI.run(["--arms", "tace", "--n", "200", "--economics", "econ.json", "--out", "run"], currentDirectory: dir)
        #expect(r.status == 65)
        #expect(r.stderr.contains("$.arms.tace.adverse_events[0].event") && r.stderr.contains("post_embolisation_syndrome"), "\(r.stderr)")
    }

    @Test func economicOverrideChangesTheDrugCost() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func cost(_ extra: [String]) throws -> String {
            let r = try CLI.run(["--arms", "everolimus", "--n", "500", "--economics", Self.example, "--format", "csv", "--out", "run", "--force"] + extra,
                                currentDirectory: dir)
            #expect(r.status == 0, "\(r.stderr)")
            return try String(contentsOf: dir.appendingPathComponent("run/economics.csv"), encoding: .utf8)
        }
        let base = try cost([]), cheaper = try cost(["--set", "everolimus.cost.drug_per_month=0"])
        #expect(base != cheaper)
        let r = try CLI.run(["--arms", "everolimus", "--n", "50", "--economics", Self.example, "--set", "everolimus.utility.pf=1.5"], currentDirectory: dir)
        #expect(r.status == 64 && r.stderr.contains("--set") && r.stderr.contains("at most 1"), "\(r.stderr)")
    }

    // MARK: Shards

    /// `--economics` with `--shard`: merged shards write the unsharded run's files, the
    /// economic ones included, byte for byte (docs/ECONOMICS.md, "Shards").
    @Test(arguments: [1, 3])
    func economicShardsMergeIntoTheUnshardedRunsFiles(k: Int) throws {
        let arguments = ["--arms", "prrt,everolimus", "--n", "3000", "--seed", "6", "--block-size", "256",
                         "--economics", Self.example, "--wtp", "20000,50000"]
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let single = dir.appendingPathComponent("single"), merged = dir.appendingPathComponent("merged")
        let full = try CLI.run(arguments + ["--out", single.path])
        #expect(full.status == 0, "\(full.stderr)")
        let paths = try ShardCommandTests.runShards(arguments, k: k, in: dir)
        let m = try CLI.run(["merge"] + paths + ["--out", merged.path])
        #expect(m.status == 0, "\(m.stderr)")
        #expect(m.stdout == full.stdout && m.stdout.contains("Health economics"))
        #expect(FileManager.default.fileExists(atPath: merged.appendingPathComponent("economics.csv").path))
        try ShardCommandTests.expectSameFiles(single, merged)
    }

    @Test func economicShardsWithPSAAreRefusedInOneLine() throws {
        let r = try CLI.run(["--arms", "prrt,everolimus", "--n", "100", "--economics", Self.example, "--psa", "2", "--shard", "1/2"])
        #expect(r.status == 64 && r.stderr.split(separator: "\n").count == 1 && r.stderr.contains("--psa"), "\(r.stderr)")
    }

    // MARK: Pathways

    /// `--pathways` with `--economics`: each pathway's costs, QALYs and life-years, and each line's share.
    @Test func pathwaysWithEconomicsCostEveryLine() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["--pathways", "ssa>prrt>everolimus,ssa>everolimus>prrt", "--n", "3000", "--economics", Self.example,
                             "--population", "sstr=positive,grade=G1,site=midgut", "--out", "p"], currentDirectory: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Health economics") && r.stdout.contains("line 2 prrt") && r.stdout.contains("line 3 everolimus"), "\(r.stdout)")
        let folder = dir.appendingPathComponent("p")
        let lines = try String(contentsOf: folder.appendingPathComponent("economics_lines.csv"), encoding: .utf8)
        #expect(lines.hasPrefix("pathway,line,arm,quantity,mean,se\r\n"))
        #expect(lines.components(separatedBy: "\r\n").count == 1 + 2 * 3 * 6 + 1)
        let arms = try String(contentsOf: folder.appendingPathComponent("economics.csv"), encoding: .utf8)
        #expect(arms.contains("ssa>prrt>everolimus,cost,") && arms.contains(",NA\r\n"))
        let incremental = try String(contentsOf: folder.appendingPathComponent("incremental.csv"), encoding: .utf8)
        #expect(incremental.contains("ssa>everolimus>prrt,") && incremental.contains(",ssa>prrt>everolimus,"))
        // The lines' shares add up to the pathway's mean (to the printed rounding).
        let rows = lines.components(separatedBy: "\r\n").dropFirst().dropLast().map { $0.split(separator: ",").map(String.init) }
        let total = arms.components(separatedBy: "\r\n").dropLast().map { $0.split(separator: ",").map(String.init) }
            .first { $0[0] == "ssa>prrt>everolimus" && $0[1] == "cost" }!
        let sum = rows.filter { $0[0] == "ssa>prrt>everolimus" && $0[3] == "cost" }.map { Double($0[4])! }.reduce(0, +)
        #expect(abs(sum - Double(total[2])!) < 1e-3, "\(sum) vs \(total[2])")
    }

    @Test func economicOptionsWithoutEconomicsAreRefusedForPathways() throws {
        let r = try CLI.run(["--pathways", "ssa>prrt", "--n", "100", "--set", "prrt.cost.cycle=1"])
        #expect(r.status == 64 && r.stderr.contains("--economics"), "\(r.stderr)")
    }

    // MARK: Loading the CSVs

    /// What pandas' `read_csv` and R's `read.csv` need of every economic CSV, checked on
    /// real output (both loaders run on these files in scripts/econ_csv_load.sh): a header
    /// of unique snake_case names; every row with the header's number of fields; a field
    /// quoted only when it holds a comma, with no quote inside; numbers in a form both
    /// parse (decimal or exponent, `NA` for a missing value, never `nan`/`inf`); `TRUE`/
    /// `FALSE` for logicals; CRLF line ends (RFC 4180, as every CSV of a run), the last line ended.
    @Test func everyEconomicCSVKeepsTheLoadersRules() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try CLI.run(["--arms", "prrt,everolimus,ssa", "--n", "2000", "--economics", Self.example, "--psa", "3",
                               "--wtp", "20000,30000,50000", "--format", "csv", "--out", "run"], currentDirectory: dir)
        #expect(run.status == 0, "\(run.stderr)")
        let path = try CLI.run(["--pathways", "ssa>prrt,ssa>everolimus", "--n", "1000", "--economics", Self.example, "--format", "csv",
                                "--out", "path"], currentDirectory: dir)
        #expect(path.status == 0, "\(path.stderr)")
        let files = ["run/economics.csv", "run/incremental.csv", "run/ce_draws.csv", "run/ceac.csv",
                     "path/economics.csv", "path/incremental.csv", "path/economics_lines.csv"]
        for file in files {
            let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            #expect(text.hasSuffix("\r\n"), "\(file)")
            let lines = text.components(separatedBy: "\r\n").dropLast()
            #expect(lines.allSatisfy { !$0.contains("\n") && !$0.contains("\r") }, "\(file): a bare line end")
            let header = Self.fields(String(lines.first!))
            #expect(Set(header).count == header.count, "\(file): duplicate column names")
            #expect(header.allSatisfy { $0.range(of: "^[a-z][a-z0-9_]*$", options: .regularExpression) != nil }, "\(file): \(header)")
            for line in lines.dropFirst() {
                let f = Self.fields(String(line))
                #expect(f.count == header.count, "\(file): \(line)")
                for v in f {
                    #expect(!["nan", "NaN", "inf", "-inf", "+Inf", "-Inf", "Infinity"].contains(v), "\(file): \(line)")
                    #expect(!v.hasPrefix(" ") && !v.hasSuffix(" "), "\(file): \(line)")
                    #expect(!["true", "false"].contains(v), "\(file): R reads true/false as text; write TRUE/FALSE")
                }
            }
            // A quoted field holds a comma and no quote.
            for match in text.matches(of: /"([^"\r\n]*)"/) { #expect(match.1.contains(","), "\(file): needless quotes \(match.0)") }
            #expect(text.filter { $0 == "\"" }.count % 2 == 0, "\(file)")
        }
    }

    /// The fields of one CSV line (quotes: RFC 4180, no quote inside a field).
    static func fields(_ line: String) -> [String] {
        var out: [String] = [], current = "", quoted = false
        for c in line {
            if c == "\"" { quoted.toggle() } else if c == ",", !quoted { out.append(current); current = "" } else { current.append(c) }
        }
        out.append(current)
        return out
    }
}
