import Foundation
import Testing
@testable import NENSim

/// A user's `--evidence` file laid over the bundled catalogue.
struct EvidenceMergingTests {
    let bundled = try! EvidenceCatalogue.bundled()

    /// Writes `text` to a temporary file, merges it over the bundled catalogue, removes the file.
    /// Failures name the file relative to the temporary folder.
    func merge(_ text: String, name: String = "user.json") throws -> EvidenceCatalogue {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nensim-evidence-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        do {
            return try bundled.merging(contentsOf: url)
        } catch let failure as NensimFailure {
            // Messages name the file as given (here an absolute path); compare by its name.
            throw NensimFailure(failure.status, failure.message.description.replacingOccurrences(of: dir.path + "/", with: ""))
        }
    }

    func figureJSON(_ id: String, _ fields: String = "\"endpoint\": \"pfs\", \"kind\": \"median\", \"value\": 30, \"unit\": \"months\"") -> String {
        """
        {"id": "\(id)", \(fields), "section": "user", "quote": "", "gloss": "g",
         "status": "assumption", "calibrates": true, "use": "u"}
        """
    }

    @Test func aFigureWithAnExistingIdReplacesItInPlace() throws {
        let merged = try merge(#"{"schema_version": 1, "arms": [{"id": "prrt", "figures": [\#(figureJSON("prrt.pfs.median"))]}]}"#)
        let prrt = try merged.arm("prrt")
        #expect(prrt.figures.map(\.id) == bundled.arms[3].figures.map(\.id))
        #expect(prrt.figures[0].value == 30 && prrt.figures[0].range == nil && prrt.figures[0].status == .assumption)
        #expect(prrt.name == bundled.arms[3].name)
        #expect(prrt.population == bundled.arms[3].population)
        #expect(prrt.statements == bundled.arms[3].statements)
        #expect(merged.arms.count == 12)
    }

    @Test func aNewFigureIsAppendedToItsArm() throws {
        let merged = try merge(#"{"schema_version": 1, "arms": [{"id": "ssa", "figures": [\#(figureJSON("ssa.pfs.median"))]}]}"#)
        let ssa = try merged.arm("ssa")
        #expect(ssa.figures.count == bundled.arms[0].figures.count + 1)
        #expect(ssa.figures.last?.id == "ssa.pfs.median")
    }

    @Test func aNewArmIsAddedAndMayReferToBundledArms() throws {
        let merged = try merge("""
            {"schema_version": 1, "arms": [{"id": "lanreotide_high", "name": "High-dose lanreotide", "class": "biological",
             "population": {"sites": ["midgut"], "grades": ["G1", "G2"]},
             "figures": [\(figureJSON("lanreotide_high.pfs.hazard_ratio", "\"endpoint\": \"pfs\", \"kind\": \"hazard_ratio\", \"value\": 0.8, \"unit\": \"ratio\", \"reference\": \"ssa\""))]}]}
            """)
        #expect(merged.armIDs.last == "lanreotide_high")
        #expect(try merged.arm("lanreotide_high").figures[0].reference == "ssa")
    }

    @Test func fieldsPresentInTheOverlayReplaceThoseOfTheArm() throws {
        let merged = try merge("""
            {"schema_version": 1, "arms": [{"id": "tace", "line_of_therapy": "first", "note": "user note",
             "population": {"sites": ["pancreas"], "grades": ["G3"]}}]}
            """)
        let tace = try merged.arm("tace")
        #expect(tace.lineOfTherapy == "first" && tace.note == "user note")
        #expect(tace.population.grades == ["G3"])
        #expect(tace.figures == bundled.arms[4].figures)
        #expect(tace.lineNote == bundled.arms[4].lineNote)
    }

    @Test func populationFiguresReplaceById() throws {
        let merged = try merge(#"""
            {"schema_version": 1, "population_figures": [
             {"id": "population.os.landmark60_liver_metastases", "endpoint": "os", "kind": "landmark", "value": 0.3,
              "unit": "proportion", "time": 60, "category": "liver_metastases", "section": "user", "quote": "",
              "gloss": "g", "status": "assumption", "calibrates": false, "use": "u"}]}
            """#)
        #expect(merged.populationFigures.count == bundled.populationFigures.count)
        #expect(merged.figure(id: "population.os.landmark60_liver_metastases")?.value == 0.3)
    }

    @Test func errorsNameTheUsersFileAndPath() {
        #expect(throws: NensimFailure.data("user.json: $.arms[0].figures[0].reference: unknown arm 'placeb' — did you mean 'placebo'?")) {
            try merge(#"{"schema_version": 1, "arms": [{"id": "prrt", "figures": [\#(figureJSON("prrt.pfs.median_difference", "\"endpoint\": \"pfs\", \"kind\": \"median_difference\", \"value\": 3, \"unit\": \"months\", \"reference\": \"placeb\""))]}]}"#)
        }
    }

    @Test func aNewArmMustBeComplete() {
        #expect(throws: NensimFailure.data("user.json: $.arms[0]: missing required key 'name'")) {
            try merge(#"{"schema_version": 1, "arms": [{"id": "newarm", "figures": []}]}"#)
        }
    }

    @Test func anArmIdThatIsABundledAliasIsRejected() {
        #expect(throws: NensimFailure.data("user.json: $.arms[0].id: 'pprt' is already an alias of arm 'prrt' (in the base catalogue)")) {
            try merge(#"{"schema_version": 1, "arms": [{"id": "pprt", "figures": []}]}"#)
        }
    }

    @Test func anAliasTakenByAnotherArmIsRejected() {
        #expect(throws: NensimFailure.data("user.json: $.arms[0].aliases[0]: alias 'pprt' is already used by arm 'prrt' (in the base catalogue)")) {
            try merge(#"{"schema_version": 1, "arms": [{"id": "tace", "aliases": ["pprt"]}]}"#)
        }
    }

    @Test func theSameArmTwiceInTheOverlayIsADuplicate() {
        #expect(throws: NensimFailure.data("user.json: $.arms[1].id: duplicate arm id 'tace' (first at $.arms[0])")) {
            try merge(#"{"schema_version": 1, "arms": [{"id": "tace"}, {"id": "tace"}]}"#)
        }
    }

    @Test func typedMergeReplacesAndAppends() throws {
        var prrt = try bundled.arm("prrt")
        prrt.figures = [Figure(id: "prrt.os.median", endpoint: .os, kind: .median, value: 40, unit: "months",
                               section: "user", quote: "", gloss: "g", status: .assumption, calibrates: true, use: "u")]
        prrt.statements = []
        let extra = ArmEvidence(id: "extra", name: "Extra", armClass: "control")
        let merged = try bundled.merging(EvidenceCatalogue(arms: [prrt, extra]))
        #expect(try merged.arm("prrt").figure(id: "prrt.os.median")?.value == 40)
        #expect(try merged.arm("prrt").figures.count == bundled.arms[3].figures.count)
        #expect(try merged.arm("prrt").statements == bundled.arms[3].statements)
        #expect(merged.armIDs.last == "extra")
    }

    @Test func typedMergeChecksReferencesAgainstTheMergedCatalogue() {
        let orphan = ArmEvidence(id: "orphan", name: "Orphan", armClass: "control", figures: [
            Figure(id: "orphan.pfs.hazard_ratio", endpoint: .pfs, kind: .hazardRatio, value: 0.5, unit: "ratio",
                   reference: "nowhere", section: "user", quote: "", gloss: "g", status: .assumption, calibrates: false, use: "u"),
        ])
        #expect(throws: NensimFailure.data("merged catalogue: figure 'orphan.pfs.hazard_ratio': reference to unknown arm 'nowhere'")) {
            try bundled.merging(EvidenceCatalogue(arms: [orphan]))
        }
    }

    @Test func mergingNothingChangesNothing() throws {
        #expect(try bundled.merging(EvidenceCatalogue()) == bundled)
        #expect(try merge(#"{"schema_version": 1}"#) == bundled)
    }
}
