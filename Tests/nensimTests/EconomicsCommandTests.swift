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
            #expect(text.hasPrefix(header + "\n"), "\(file)")
        }
        let draws = try String(contentsOf: run.appendingPathComponent("ce_draws.csv"), encoding: .utf8)
        #expect(draws.split(separator: "\n").count == 1 + 4 * 2)
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
}
