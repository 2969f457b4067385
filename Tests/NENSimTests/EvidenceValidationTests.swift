import Foundation
import Testing
@testable import NENSim

/// A small valid document: arms `alpha` (two figures) and `beta` (one), one population figure.
func validDocument() -> [String: Any] {
    func figure(_ id: String, _ extra: [String: Any] = [:]) -> [String: Any] {
        var f: [String: Any] = ["id": id, "endpoint": "pfs", "kind": "median", "value": 5, "unit": "months",
                                "section": "§33", "quote": "安慰剂组为5 个月", "gloss": "g", "status": "source",
                                "citation": NSNull(), "calibrates": true, "use": "u"]
        f.merge(extra) { $1 }
        return f
    }
    let population: [String: Any] = ["sites": ["pancreas"], "grades": ["G1", "G2"], "ki67_max_percent": NSNull(),
                                     "sstr": "positive", "max_liver_lesions": NSNull(),
                                     "requires_liver_metastases": false, "note": "n"]
    return [
        "schema_version": 1,
        "source": ["file": "source/x.txt", "title": "t", "language": "zh"],
        "arms": [
            ["id": "alpha", "name": "Alpha", "aliases": ["alfa"], "class": "targeted", "line_of_therapy": "second",
             "line_note": "after beta", "population": population,
             "statements": [["section": "§31", "quote": "q", "gloss": "g"]],
             "figures": [figure("alpha.pfs.median"),
                         figure("alpha.response.orr", ["endpoint": "response", "kind": "proportion", "value": 0.3,
                                                       "unit": "proportion", "category": "orr"])]],
            ["id": "beta", "name": "Beta", "class": "control", "population": population,
             "figures": [figure("beta.pfs.median")]],
        ],
        "population_figures": [
            figure("population.os.landmark60_liver", ["endpoint": "os", "kind": "landmark", "value": NSNull(),
                                                      "range": [0.13, 0.54], "unit": "proportion", "time": 60,
                                                      "category": "liver_metastases"]),
        ],
    ]
}

typealias DocumentEdit = @Sendable (inout [String: Any]) -> Void

func editArm(_ arm: Int, _ change: @escaping @Sendable (inout [String: Any]) -> Void) -> DocumentEdit {
    { document in
        var arms = document["arms"] as! [[String: Any]]
        change(&arms[arm])
        document["arms"] = arms
    }
}

func editFigure(arm: Int = 0, _ figure: Int = 0, _ change: @escaping @Sendable (inout [String: Any]) -> Void) -> DocumentEdit {
    editArm(arm) { armObject in
        var figures = armObject["figures"] as! [[String: Any]]
        change(&figures[figure])
        armObject["figures"] = figures
    }
}

func setKey(_ key: String, _ value: Any) -> @Sendable (inout [String: Any]) -> Void {
    nonisolated(unsafe) let value = value
    return { $0[key] = value }
}

struct MalformedCase: Sendable, CustomTestStringConvertible {
    var name: String
    var edit: DocumentEdit
    var message: String
    var testDescription: String { name }

    init(_ name: String, _ message: String, _ edit: @escaping DocumentEdit) {
        self.name = name; self.message = message; self.edit = edit
    }
}

struct EvidenceValidationTests {
    func parse(_ document: [String: Any]) throws -> EvidenceCatalogue {
        let data = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])
        return try EvidenceCatalogue.parse(data, fileName: "test.json")
    }

    @Test func theValidDocumentParses() throws {
        let catalogue = try parse(validDocument())
        #expect(catalogue.armIDs == ["alpha", "beta"])
        #expect(catalogue.arms[0].figures[1].category == "orr")
        #expect(catalogue.populationFigures[0].range == [0.13, 0.54])
        #expect(catalogue.arms[0].population.sstr == "positive")
        #expect(catalogue.arms[0].statements.count == 1)
    }

    /// Each validation rule gives exactly this one line, naming the file and the JSON path.
    @Test(arguments: [
        MalformedCase("unknown key with a suggestion", "test.json: $.arms[0].figures[0].vaule: unknown key (did you mean 'value'?)",
                      editFigure { $0["vaule"] = 5 }),
        MalformedCase("unknown key at the top", "test.json: $.comment: unknown key (allowed: schema_version, source, arms, population_figures)",
                      setKey("comment", "hello")),
        MalformedCase("unknown key in a population", "test.json: $.arms[1].population.ki67: unknown key (did you mean 'ki67_max_percent'?)",
                      editArm(1) { arm in var p = arm["population"] as! [String: Any]; p["ki67"] = 10; arm["population"] = p }),
        MalformedCase("wrong type: string for a number", "test.json: $.arms[0].figures[0].value: expected a number, found a string",
                      editFigure { $0["value"] = "5" }),
        MalformedCase("wrong type: number for a boolean", "test.json: $.arms[0].figures[0].calibrates: expected true or false, found a number",
                      editFigure { $0["calibrates"] = 1 }),
        MalformedCase("wrong type: boolean for a number", "test.json: $.arms[0].figures[0].value: expected a number, found a boolean",
                      editFigure { $0["value"] = true }),
        MalformedCase("wrong type: arms is an object", "test.json: $.arms: expected an array, found an object",
                      setKey("arms", ["id": "x"])),
        MalformedCase("required key is null", "test.json: $.arms[0].figures[0].gloss: expected a string, found null",
                      editFigure { $0["gloss"] = NSNull() }),
        MalformedCase("missing required key", "test.json: $.arms[0].figures[0]: missing required key 'gloss'",
                      editFigure { $0["gloss"] = nil }),
        MalformedCase("missing arm name", "test.json: $.arms[1]: missing required key 'name'",
                      editArm(1) { $0["name"] = nil }),
        MalformedCase("both value and range", "test.json: $.arms[0].figures[0]: has both 'value' and 'range'; give exactly one",
                      editFigure { $0["range"] = [4, 6] }),
        MalformedCase("neither value nor range", "test.json: $.arms[0].figures[0]: has neither 'value' nor 'range'; give exactly one",
                      editFigure { $0["value"] = nil }),
        MalformedCase("range lo > hi", "test.json: $.arms[0].figures[1].range: lo 0.9 > hi 0.5",
                      editFigure(1) { $0["value"] = nil; $0["range"] = [0.9, 0.5] }),
        MalformedCase("range of three", "test.json: $.arms[0].figures[1].range: expected [lo, hi], found 3 numbers",
                      editFigure(1) { $0["value"] = nil; $0["range"] = [0.1, 0.2, 0.3] }),
        MalformedCase("range with a string", "test.json: $.arms[0].figures[1].range[1]: expected a number, found a string",
                      editFigure(1) { $0["value"] = nil; $0["range"] = [0.1, "0.2"] }),
        MalformedCase("proportion above 1", "test.json: $.arms[0].figures[1].value: proportion 1.2 is outside [0, 1]",
                      editFigure(1) { $0["value"] = 1.2 }),
        MalformedCase("proportion range below 0", "test.json: $.population_figures[0].range: proportion -0.1 is outside [0, 1]",
                      setKey("population_figures", [validPopulationFigure(["range": [-0.1, 0.5]])])),
        MalformedCase("negative time value", "test.json: $.arms[0].figures[0].value: negative time -3 months",
                      editFigure { $0["value"] = -3 }),
        MalformedCase("negative landmark time", "test.json: $.population_figures[0].time: negative time -60 months",
                      setKey("population_figures", [validPopulationFigure(["time": -60])])),
        MalformedCase("landmark without time", "test.json: $.population_figures[0]: landmark figure needs 'time' (months)",
                      setKey("population_figures", [validPopulationFigure(["time": NSNull()])])),
        MalformedCase("time on a median", "test.json: $.arms[0].figures[0].time: 'time' is only for landmark figures (this is a median figure)",
                      editFigure { $0["time"] = 12 }),
        MalformedCase("landmark in months", "test.json: $.population_figures[0].unit: a landmark figure is a proportion; found unit 'months'",
                      setKey("population_figures", [validPopulationFigure(["unit": "months"])])),
        MalformedCase("median as a proportion", "test.json: $.arms[0].figures[0].unit: a median figure is a time (months, years or days); found unit 'proportion'",
                      editFigure { $0["unit"] = "proportion"; $0["value"] = 0.5 }),
        MalformedCase("hazard ratio not positive", "test.json: $.arms[0].figures[0].value: hazard ratio 0 is not positive",
                      editFigure { $0["kind"] = "hazard_ratio"; $0["unit"] = "ratio"; $0["value"] = 0; $0["reference"] = "beta" }),
        MalformedCase("reference to an unknown arm", "test.json: $.arms[0].figures[0].reference: unknown arm 'betta' — did you mean 'beta'?",
                      editFigure { $0["reference"] = "betta" }),
        MalformedCase("reference with nothing close", "test.json: $.arms[0].figures[0].reference: unknown arm 'placebo' (known arms: alpha, beta)",
                      editFigure { $0["reference"] = "placebo" }),
        MalformedCase("median difference without reference", "test.json: $.arms[0].figures[0]: median_difference figure needs 'reference' (an arm id)",
                      editFigure { $0["kind"] = "median_difference" }),
        MalformedCase("duplicate figure id", "test.json: $.arms[0].figures[1].id: duplicate figure id 'alpha.pfs.median' (first at $.arms[0].figures[0])",
                      editFigure(1) { $0["id"] = "alpha.pfs.median" }),
        MalformedCase("duplicate arm id", "test.json: $.arms[1].id: duplicate arm id 'alpha' (first at $.arms[0])",
                      editArm(1) { $0["id"] = "alpha" }),
        MalformedCase("arm id equals another arm's alias", "test.json: $.arms[1].id: 'alfa' is already an alias of arm 'alpha' (at $.arms[0].aliases[0])",
                      editArm(1) { $0["id"] = "alfa" }),
        MalformedCase("figure id outside its arm", "test.json: $.arms[1].figures[0].id: figure id 'alpha.pfs.other' must start with 'beta.'",
                      editFigure(arm: 1, 0) { $0["id"] = "alpha.pfs.other" }),
        MalformedCase("figure id not dotted", "test.json: $.arms[0].figures[0].id: figure id 'alpha' is not of the form arm.endpoint.what (lower-case letters, digits, _ and .)",
                      editFigure { $0["id"] = "alpha" }),
        MalformedCase("external without citation", "test.json: $.arms[0].figures[0].citation: an external figure needs a non-empty citation",
                      editFigure { $0["status"] = "external" }),
        MalformedCase("source figure without quote", "test.json: $.arms[0].figures[0].quote: a source figure needs its verbatim quote",
                      editFigure { $0["quote"] = "" }),
        MalformedCase("unknown endpoint", "test.json: $.arms[0].figures[0].endpoint: unknown endpoint 'pf' (allowed: pfs, ttp, dfs, os, response, adverse_event, population, utilisation)",
                      editFigure { $0["endpoint"] = "pf" }),
        MalformedCase("unknown kind", "test.json: $.arms[0].figures[0].kind: unknown kind 'avg' (allowed: median, mean, landmark, median_difference, hazard_ratio, proportion)",
                      editFigure { $0["kind"] = "avg" }),
        MalformedCase("unknown status", "test.json: $.arms[0].figures[0].status: unknown status 'guess' (allowed: source, external, assumption, fitted)",
                      editFigure { $0["status"] = "guess" }),
        MalformedCase("unknown qualifier", "test.json: $.arms[0].figures[0].qualifier: unknown qualifier 'about' (allowed: less_than, greater_than, approximately)",
                      editFigure { $0["qualifier"] = "about" }),
        MalformedCase("unknown unit", "test.json: $.arms[0].figures[0].unit: unknown unit 'weeks' (allowed: months, years, days, proportion, ratio)",
                      editFigure { $0["unit"] = "weeks" }),
        MalformedCase("unknown response category", "test.json: $.arms[0].figures[1].category: unknown response category 'partial' (allowed: cr, pr, sd, pd, orr, dcr, symptomatic, symptomatic_marked, symptomatic_duration, biochemical, clinical, growth_inhibition)",
                      editFigure(1) { $0["category"] = "partial" }),
        MalformedCase("response without category", "test.json: $.arms[0].figures[1]: response figure needs 'category'",
                      editFigure(1) { $0["category"] = nil }),
        MalformedCase("adverse event without category", "test.json: $.arms[0].figures[1]: adverse_event figure needs 'category'",
                      editFigure(1) { $0["endpoint"] = "adverse_event"; $0["category"] = nil }),
        MalformedCase("population figure without category", "test.json: $.population_figures[0]: population figure needs 'category'",
                      setKey("population_figures", [validPopulationFigure(["category": NSNull()])])),
        MalformedCase("unknown class", "test.json: $.arms[1].class: unknown class 'drug' (allowed: biological, targeted, chemotherapy, radionuclide, locoregional, control)",
                      editArm(1) { $0["class"] = "drug" }),
        MalformedCase("unknown line", "test.json: $.arms[0].line_of_therapy: unknown line of therapy '2nd' (allowed: first, second, later, control)",
                      editArm(0) { $0["line_of_therapy"] = "2nd" }),
        MalformedCase("unknown site", "test.json: $.arms[1].population.sites[0]: unknown site 'liver' (allowed: stomach, duodenum, jejunum_ileum, appendix, colon, rectum, midgut, hindgut, intestine, pancreas)",
                      editArm(1) { arm in var p = arm["population"] as! [String: Any]; p["sites"] = ["liver"]; arm["population"] = p }),
        MalformedCase("unknown grade", "test.json: $.arms[1].population.grades[1]: unknown grade 'G4' (allowed: G1, G2, G3)",
                      editArm(1) { arm in var p = arm["population"] as! [String: Any]; p["grades"] = ["G1", "G4"]; arm["population"] = p }),
        MalformedCase("fractional lesion count", "test.json: $.arms[1].population.max_liver_lesions: expected an integer, found a number",
                      editArm(1) { arm in var p = arm["population"] as! [String: Any]; p["max_liver_lesions"] = 3.5; arm["population"] = p }),
        MalformedCase("arm id not snake_case", "test.json: $.arms[1].id: arm id 'Beta' must be snake_case (lower-case letters, digits and _, starting with a letter)",
                      editArm(1) { $0["id"] = "Beta" }),
        MalformedCase("unsupported schema version", "test.json: $.schema_version: unsupported schema version 2 (this nensim reads 1)",
                      setKey("schema_version", 2)),
        MalformedCase("missing arms", "test.json: $: missing required key 'arms'",
                      { $0["arms"] = nil }),
    ])
    func malformedDocumentGivesOneLine(_ malformed: MalformedCase) throws {
        var document = validDocument()
        malformed.edit(&document)
        #expect(throws: NensimFailure.data(malformed.message)) { try parse(document) }
        #expect(!malformed.message.contains("\n"))
    }

    @Test func documentThatIsNotAnObjectIsRejected() {
        #expect(throws: NensimFailure.data("test.json: $: expected an object, found an array")) {
            try EvidenceCatalogue.parse(Data("[1, 2]".utf8), fileName: "test.json")
        }
    }

    @Test(arguments: ["{\"schema_version\": 1, \"arms\": [", "", "{\"a\": 1,,}", "nul"])
    func syntaxErrorIsOneLineNamingTheFile(_ text: String) {
        do {
            _ = try EvidenceCatalogue.parse(Data(text.utf8), fileName: "broken.json")
            Issue.record("parsed malformed JSON")
        } catch let failure as NensimFailure {
            #expect(failure.status == .data)
            #expect(failure.description.hasPrefix("broken.json: not valid JSON: "))
            #expect(!failure.message.contains("\n"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func syntaxErrorNamesLineAndColumnWhenJSONSerializationGivesAnOffset() {
        let text = "{\n  \"schema_version\": 1,\n  \"arms\": [}\n}"
        #expect(throws: NensimFailure.self) { try EvidenceCatalogue.parse(Data(text.utf8), fileName: "b.json") }
        do { _ = try EvidenceCatalogue.parse(Data(text.utf8), fileName: "b.json") } catch let failure as NensimFailure {
            if failure.message.contains("character") { #expect(failure.message.contains("(line 3, column")) }
        } catch {}
    }

    @Test func missingFileIsNoInput() {
        #expect(throws: NensimFailure.noInput("evidence file '/nonexistent/evidence.json' does not exist")) {
            try EvidenceCatalogue.load(contentsOf: URL(fileURLWithPath: "/nonexistent/evidence.json"))
        }
    }

    @Test func directoryIsNoInput() {
        #expect(throws: NensimFailure.noInput("evidence file '/tmp' is a directory")) {
            try EvidenceCatalogue.load(contentsOf: URL(fileURLWithPath: "/tmp"))
        }
    }

    @Test func nullOptionalKeysCountAsAbsent() throws {
        var document = validDocument()
        editFigure { $0["note"] = NSNull(); $0["qualifier"] = NSNull(); $0["reference"] = NSNull() }(&document)
        let figure = try parse(document).arms[0].figures[0]
        #expect(figure.note == nil && figure.qualifier == nil && figure.reference == nil)
    }
}

func validPopulationFigure(_ changes: [String: Any]) -> [String: Any] {
    var figure = (validDocument()["population_figures"] as! [[String: Any]])[0]
    figure.merge(changes) { $1 }
    return figure
}
