import Foundation
import Testing
@testable import NENSim

/// The package root, found from this file's path (Tests/NENSimTests/EvidenceTests.swift).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The source review. CI keeps `shared/` beside the clone; a user's clone has no such
/// folder, so the tests that read it are skipped there, with this reason printed.
let sourceTextURL = packageRoot.appendingPathComponent("../shared/source/000_5c75c731e4a9e677.txt").standardizedFileURL

/// Whether the source review is beside the clone (`FileManager.fileExists`).
let sourceTextAvailable = FileManager.default.fileExists(atPath: sourceTextURL.path)
let sourceTextMissingReason: Comment = "source review not found at ../shared/source (a clone without shared/): quote checks skipped"

/// Text with all whitespace removed: quotes are compared after normalising whitespace only
/// (the source breaks lines mid-sentence and uses ideographic spaces).
func withoutWhitespace(_ text: String) -> String {
    String(text.unicodeScalars.filter { !CharacterSet.whitespacesAndNewlines.contains($0) && $0 != "\u{3000}" }
        .map(Character.init))
}

struct BundledCatalogueTests {
    let catalogue: EvidenceCatalogue

    init() throws {
        catalogue = try EvidenceCatalogue.bundled()
    }

    @Test func loadsTheTwelveArmsOfTheSource() {
        #expect(catalogue.armIDs == ["ssa", "everolimus", "sunitinib", "prrt", "tace", "rfa", "placebo", "sirt",
                                     "stz_5fu", "stz_dox", "captem", "interferon"])
        #expect(catalogue.schemaVersion == 1)
        #expect(catalogue.source?.file == "source/000_5c75c731e4a9e677.txt")
    }

    @Test(.enabled(if: sourceTextAvailable, sourceTextMissingReason))
    func everyQuoteOccursVerbatimInTheSource() throws {
        let data = try #require(FileManager.default.contents(atPath: sourceTextURL.path),
                                "source text not found at \(sourceTextURL.path): CI needs shared/ beside the clone")
        let source = withoutWhitespace(String(decoding: data, as: UTF8.self))
        var checked = 0
        for figure in catalogue.allFigures where !figure.quote.isEmpty {
            #expect(source.contains(withoutWhitespace(figure.quote)), "\(figure.id): quote not in the source: \(figure.quote)")
            checked += 1
        }
        for arm in catalogue.arms {
            for statement in arm.statements {
                #expect(source.contains(withoutWhitespace(statement.quote)), "\(arm.id): statement not in the source: \(statement.quote)")
                checked += 1
            }
        }
        #expect(checked > 80)
    }

    @Test func sourceFiguresHaveQuotesAndExternalFiguresHaveCitations() {
        for figure in catalogue.allFigures {
            switch figure.status {
            case .source:
                #expect(!figure.quote.isEmpty, "\(figure.id)")
                #expect(figure.section.hasPrefix("§"), "\(figure.id)")
                #expect(figure.citation == nil, "\(figure.id)")
            case .external:
                #expect((figure.citation ?? "").count > 20, "\(figure.id)")
            case .assumption:
                Issue.record("\(figure.id): the bundled catalogue holds no assumptions")
            case .fitted:
                Issue.record("\(figure.id): the bundled catalogue holds no fitted figures (those come from nensim fit)")
            }
        }
    }

    @Test func externalFiguresAreTheNamedTrials() {
        let citations = Dictionary(uniqueKeysWithValues: catalogue.allFigures.filter { $0.status == .external }
            .map { ($0.id, $0.citation ?? "") })
        #expect(citations["ssa.ttp.median"]?.contains("J Clin Oncol 2009;27") == true)
        #expect(citations["ssa.pfs.landmark24"]?.contains("N Engl J Med 2014;371") == true)
        #expect(citations["rfa.pfs.median"]?.contains("Surgery 2010;148") == true)
        #expect(citations["rfa.adverse_event.morbidity"]?.contains("Surgery 2007;142") == true)
        // Final OS analyses (docs/MODEL.md, "External OS evidence").
        #expect(citations["everolimus.os.median"]?.contains("RADIANT-3") == true)
        #expect(citations["sunitinib.os.median"]?.contains("NCT00428597") == true)
        #expect(citations["placebo.os.median"] == citations["sunitinib.os.median"])
        #expect(citations["ssa.os.median_promid"]?.contains("Neuroendocrinology 2017;104") == true)
        #expect(citations["prrt.os.median_netter1"]?.contains("Lancet Oncol 2021;22") == true)
        #expect(citations.count == 23)
    }

    /// The figures the engine fits, per arm (the brief's calibration expectations).
    @Test(arguments: [
        ("ssa", ["ssa.pfs.landmark24", "ssa.os.median_promid"]),
        ("everolimus", ["everolimus.pfs.median_difference", "everolimus.pfs.landmark18", "everolimus.response.orr", "everolimus.os.median"]),
        ("sunitinib", ["sunitinib.pfs.median", "sunitinib.os.median", "sunitinib.response.orr"]),
        ("prrt", ["prrt.pfs.median", "prrt.os.median", "prrt.response.orr", "prrt.response.dcr", "prrt.response.biochemical"]),
        ("tace", ["tace.pfs.median", "tace.response.orr", "tace.os.landmark60", "tace.response.symptomatic",
                  "tace.adverse_event.post_embolisation_syndrome"]),
        ("rfa", ["rfa.response.symptomatic", "rfa.response.symptomatic_marked", "rfa.response.biochemical",
                 "rfa.pfs.median", "rfa.os.median", "rfa.adverse_event.morbidity"]),
        ("placebo", ["placebo.pfs.median", "placebo.os.median"]),
        ("sirt", ["sirt.response.cr", "sirt.response.pr", "sirt.response.sd", "sirt.os.median", "sirt.os.landmark12",
                  "sirt.os.landmark24", "sirt.os.landmark36", "sirt.adverse_event.fatigue_nausea"]),
        ("stz_5fu", ["stz_5fu.response.orr"]),
        ("stz_dox", ["stz_dox.response.orr"]),
        ("captem", ["captem.response.orr"]),
        ("interferon", []),
    ])
    func calibratingFiguresPerArm(arm: String, ids: [String]) throws {
        #expect(try catalogue.arm(arm).calibratingFigures.map(\.id) == ids)
    }

    struct Expected: Sendable, CustomTestStringConvertible {
        var id: String, low: Double, high: Double, unit: String, calibrates: Bool
        var time: Double? = nil, reference: String? = nil, category: String? = nil, qualifier: Qualifier? = nil
        var testDescription: String { id }
    }

    /// Every figure of EVIDENCE.md, spot-checked by id, value or range, unit and use.
    @Test(arguments: [
        Expected(id: "placebo.pfs.median", low: 5, high: 5, unit: "months", calibrates: true),
        Expected(id: "everolimus.pfs.median_difference", low: 6, high: 6, unit: "months", calibrates: true, reference: "placebo"),
        Expected(id: "everolimus.pfs.landmark18", low: 0.35, high: 0.35, unit: "proportion", calibrates: true, time: 18),
        Expected(id: "everolimus.response.orr", low: 0.05, high: 0.05, unit: "proportion", calibrates: true, category: "orr"),
        Expected(id: "everolimus.population.liver_metastases", low: 0.92, high: 0.92, unit: "proportion", calibrates: false, category: "liver_metastases"),
        Expected(id: "sunitinib.pfs.median", low: 11, high: 11, unit: "months", calibrates: true, reference: "placebo"),
        Expected(id: "sunitinib.response.orr", low: 0, high: 0.10, unit: "proportion", calibrates: true, category: "orr", qualifier: .lessThan),
        Expected(id: "sunitinib.population.distant_metastases", low: 0.95, high: 0.95, unit: "proportion", calibrates: false, category: "distant_metastases"),
        Expected(id: "prrt.pfs.median", low: 17, high: 40, unit: "months", calibrates: true),
        Expected(id: "prrt.os.median", low: 22, high: 46, unit: "months", calibrates: true),
        Expected(id: "prrt.response.orr", low: 0.341, high: 0.341, unit: "proportion", calibrates: true, category: "orr"),
        Expected(id: "prrt.response.dcr", low: 0.75, high: 0.75, unit: "proportion", calibrates: true, category: "dcr"),
        Expected(id: "prrt.response.biochemical", low: 0.155, high: 0.155, unit: "proportion", calibrates: true, category: "biochemical"),
        Expected(id: "prrt.response.growth_inhibition", low: 0.5, high: 0.7, unit: "proportion", calibrates: false, category: "growth_inhibition"),
        Expected(id: "prrt.response.clinical", low: 0.297, high: 0.297, unit: "proportion", calibrates: false, category: "clinical"),
        Expected(id: "tace.pfs.median", low: 18, high: 18, unit: "months", calibrates: true),
        Expected(id: "tace.response.orr", low: 0.35, high: 0.74, unit: "proportion", calibrates: true, category: "orr"),
        Expected(id: "tace.os.landmark60", low: 0.40, high: 0.83, unit: "proportion", calibrates: true, time: 60),
        Expected(id: "tace.response.symptomatic", low: 0.53, high: 1.0, unit: "proportion", calibrates: true, category: "symptomatic"),
        Expected(id: "tace.adverse_event.post_embolisation_syndrome", low: 0.28, high: 0.90, unit: "proportion", calibrates: true, category: "post_embolisation_syndrome"),
        Expected(id: "rfa.utilisation.mean_stay", low: 1.1, high: 1.1, unit: "days", calibrates: false),
        Expected(id: "rfa.response.symptomatic", low: 0.95, high: 0.95, unit: "proportion", calibrates: true, category: "symptomatic"),
        Expected(id: "rfa.response.symptomatic_marked", low: 0.70, high: 0.80, unit: "proportion", calibrates: true, category: "symptomatic_marked"),
        Expected(id: "rfa.response.biochemical", low: 0.65, high: 0.75, unit: "proportion", calibrates: true, category: "biochemical"),
        Expected(id: "rfa.pfs.median", low: 15.6, high: 15.6, unit: "months", calibrates: true),
        Expected(id: "rfa.os.median", low: 72, high: 72, unit: "months", calibrates: true),
        Expected(id: "rfa.os.median_from_liver_metastasis_diagnosis", low: 66, high: 66, unit: "months", calibrates: false),
        Expected(id: "rfa.response.symptom_control_duration", low: 11, high: 11, unit: "months", calibrates: false, category: "symptomatic_duration"),
        Expected(id: "rfa.adverse_event.morbidity", low: 0.05, high: 0.05, unit: "proportion", calibrates: true, category: "morbidity"),
        Expected(id: "ssa.ttp.median", low: 14.3, high: 14.3, unit: "months", calibrates: false),
        Expected(id: "ssa.ttp.median_placebo_promid", low: 6.0, high: 6.0, unit: "months", calibrates: false),
        Expected(id: "ssa.ttp.hazard_ratio_promid", low: 0.34, high: 0.34, unit: "ratio", calibrates: false, reference: "placebo"),
        Expected(id: "ssa.pfs.landmark24", low: 0.651, high: 0.651, unit: "proportion", calibrates: true, time: 24),
        Expected(id: "ssa.pfs.landmark24_placebo_clarinet", low: 0.330, high: 0.330, unit: "proportion", calibrates: false, time: 24),
        Expected(id: "ssa.pfs.median_placebo_clarinet", low: 18.0, high: 18.0, unit: "months", calibrates: false),
        Expected(id: "ssa.pfs.hazard_ratio_clarinet", low: 0.47, high: 0.47, unit: "ratio", calibrates: false, reference: "placebo"),
        Expected(id: "sirt.response.cr", low: 0.027, high: 0.027, unit: "proportion", calibrates: true, category: "cr"),
        Expected(id: "sirt.response.pr", low: 0.605, high: 0.605, unit: "proportion", calibrates: true, category: "pr"),
        Expected(id: "sirt.response.sd", low: 0.227, high: 0.227, unit: "proportion", calibrates: true, category: "sd"),
        Expected(id: "sirt.response.pd", low: 0.04, high: 0.09, unit: "proportion", calibrates: false, category: "pd"),
        Expected(id: "sirt.os.median", low: 70, high: 70, unit: "months", calibrates: true),
        Expected(id: "sirt.os.landmark12", low: 0.725, high: 0.725, unit: "proportion", calibrates: true, time: 12),
        Expected(id: "sirt.os.landmark24", low: 0.625, high: 0.625, unit: "proportion", calibrates: true, time: 24),
        Expected(id: "sirt.os.landmark36", low: 0.45, high: 0.45, unit: "proportion", calibrates: true, time: 36),
        Expected(id: "sirt.adverse_event.fatigue_nausea", low: 0, high: 0.10, unit: "proportion", calibrates: true, category: "fatigue_nausea", qualifier: .lessThan),
        Expected(id: "stz_5fu.response.orr", low: 0.30, high: 0.30, unit: "proportion", calibrates: true, category: "orr"),
        Expected(id: "stz_dox.response.orr", low: 0.30, high: 0.30, unit: "proportion", calibrates: true, category: "orr"),
        Expected(id: "captem.response.orr", low: 0.35, high: 0.40, unit: "proportion", calibrates: true, category: "orr"),
        Expected(id: "population.os.landmark60_liver_metastases", low: 0.13, high: 0.54, unit: "proportion", calibrates: false, time: 60, category: "liver_metastases"),
        Expected(id: "population.os.landmark60_no_liver_metastases", low: 0.75, high: 0.99, unit: "proportion", calibrates: false, time: 60, category: "no_liver_metastases"),
        Expected(id: "population.population.distant_metastases_at_diagnosis", low: 0.40, high: 0.50, unit: "proportion", calibrates: false, category: "distant_metastases"),
        Expected(id: "population.population.gastric_type_1", low: 0.70, high: 0.80, unit: "proportion", calibrates: false, category: "gastric_type_1"),
        Expected(id: "population.population.gastric_type_2", low: 0.05, high: 0.06, unit: "proportion", calibrates: false, category: "gastric_type_2"),
        Expected(id: "population.population.gastric_type_3", low: 0.14, high: 0.24, unit: "proportion", calibrates: false, category: "gastric_type_3"),
        Expected(id: "population.population.duodenal_lymph_node_metastases", low: 0.40, high: 0.60, unit: "proportion", calibrates: false, category: "duodenal_lymph_node_metastases"),
        Expected(id: "population.population.duodenal_distant_metastases", low: 0, high: 0.10, unit: "proportion", calibrates: false, category: "duodenal_distant_metastases", qualifier: .lessThan),
        Expected(id: "population.population.jejunoileal_distant_metastases", low: 0.48, high: 0.48, unit: "proportion", calibrates: false, category: "jejunoileal_distant_metastases"),
        Expected(id: "population.population.rectal_small_metastases", low: 0, high: 0.03, unit: "proportion", calibrates: false, category: "rectal_under_1cm_metastases", qualifier: .lessThan),
        Expected(id: "population.population.rectal_large_distant_metastases", low: 0.60, high: 0.80, unit: "proportion", calibrates: false, category: "rectal_over_2cm_distant_metastases"),
        Expected(id: "population.os.landmark60_early_appendiceal", low: 0.95, high: 1.0, unit: "proportion", calibrates: false, time: 60, category: "early_appendiceal", qualifier: .greaterThan),
    ])
    func figureOfTheDigestIsPresent(_ expected: Expected) throws {
        let figure = try #require(catalogue.figure(id: expected.id))
        #expect(figure.low == expected.low)
        #expect(figure.high == expected.high)
        #expect(figure.unit == expected.unit)
        #expect(figure.calibrates == expected.calibrates)
        #expect(figure.time == expected.time)
        #expect(figure.reference == expected.reference)
        #expect(figure.category == expected.category)
        #expect(figure.qualifier == expected.qualifier)
        #expect(!figure.use.isEmpty && !figure.gloss.isEmpty)
    }

    @Test func prrtClinicalResponseRecordsBothReadings() throws {
        let figure = try #require(catalogue.figure(id: "prrt.response.clinical"))
        #expect(figure.quote.contains("无临床反应"))
        #expect(figure.note?.contains("Imhof") == true)
        #expect(figure.use.contains("Reading used"))
    }

    @Test func sirtCompleteResponseIsReadAsTwoPointSevenPercent() throws {
        let arm = try catalogue.arm("sirt")
        let cr = try #require(arm.figure(id: "sirt.response.cr"))
        #expect(cr.quote.contains("27\\%"))
        #expect(cr.note?.contains("2.7 %") == true)
        let sum = ["cr", "pr", "sd"].compactMap { arm.figures(endpoint: .response, category: $0).first?.value }.reduce(0, +)
        #expect(abs(sum - 0.859) < 1e-12)
    }

    /// Best-response figures must be a possible distribution: CR + PR + SD ≤ 1 and ORR ≤ DCR.
    @Test func bestResponseFiguresAreCoherent() {
        for arm in catalogue.arms {
            func low(_ category: String) -> Double? { arm.figures(endpoint: .response, category: category).first?.low }
            let parts = ["cr", "pr", "sd"].compactMap(low)
            #expect(parts.reduce(0, +) <= 1, "\(arm.id)")
            if let orr = low("orr"), let dcr = low("dcr") { #expect(orr <= dcr, "\(arm.id)") }
        }
    }

    @Test func interferonHasStatementsButNoFigures() throws {
        let arm = try catalogue.arm("interferon")
        #expect(arm.figures.isEmpty)
        #expect(arm.statements.count >= 2)
        #expect(arm.lineOfTherapy == "second")
    }

    @Test func armPopulationsFollowTheSource() throws {
        #expect(try catalogue.arm("prrt").population.sstr == "positive")
        #expect(try catalogue.arm("ssa").population.ki67MaxPercent == 10)
        #expect(try catalogue.arm("rfa").population.maxLiverLesions == 4)
        #expect(try catalogue.arm("tace").population.requiresLiverMetastases == true)
        #expect(try catalogue.arm("sunitinib").population.sites == ["pancreas"])
        #expect(try catalogue.arm("rfa").note?.contains("liver abscess") == true)
    }

    @Test func dataFolderLinksToTheBundledResource() throws {
        let data = try Data(contentsOf: packageRoot.appendingPathComponent("data/evidence.json"))
        #expect(data == Data(PackageResources.evidence_json))
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: packageRoot.appendingPathComponent("data/evidence.json").path)
        #expect(link == "../Sources/NENSim/Resources/evidence.json")
    }

    @Test func loadingTheFileEqualsTheBundledCatalogue() throws {
        #expect(try EvidenceCatalogue.load(contentsOf: packageRoot.appendingPathComponent("data/evidence.json")) == catalogue)
    }

    @Test func figureHelpersFilterByEndpointKindAndCategory() throws {
        let prrt = try catalogue.arm("prrt")
        #expect(prrt.figures(endpoint: .pfs).map(\.id) == ["prrt.pfs.median"])
        #expect(prrt.figures(endpoint: .response, category: "orr").map(\.id) == ["prrt.response.orr"])
        #expect(prrt.figures(kind: .median).count == 3)
        let pfs = try #require(prrt.figure(id: "prrt.pfs.median"))
        #expect(pfs.isRange && pfs.low == 17 && pfs.high == 40 && pfs.midpoint == 28.5)
    }
}

struct ArmLookupTests {
    let catalogue = try! EvidenceCatalogue.bundled()

    @Test(arguments: [("prrt", "prrt"), ("PRRT", "prrt"), ("pprt", "prrt"), ("octreotide", "ssa"), ("control", "placebo")])
    func acceptsIdsAndAliases(name: String, id: String) throws {
        #expect(try catalogue.arm(name).id == id)
    }

    @Test func unknownArmSuggestsTheClosest() {
        #expect(throws: NensimFailure.usage("unknown arm 'prtt' — did you mean 'prrt'?")) { try catalogue.arm("prtt") }
        #expect(throws: NensimFailure.usage("unknown arm 'everolimsu' — did you mean 'everolimus'?")) { try catalogue.arm("everolimsu") }
    }

    @Test func unknownArmWithNothingCloseListsTheKnownIds() {
        #expect(throws: NensimFailure.usage("unknown arm 'xyzzy' (known arms: ssa, everolimus, sunitinib, prrt, tace, rfa, placebo, sirt, stz_5fu, stz_dox, captem, interferon)")) {
            try catalogue.arm("xyzzy")
        }
    }
}

struct EvidenceTextTests {
    let catalogue = try! EvidenceCatalogue.bundled()

    @Test func tableHasOneLinePerArm() {
        let lines = catalogue.tableText.split(separator: "\n")
        for id in catalogue.armIDs { #expect(lines.contains { $0.hasPrefix(id + " ") }, "\(id)") }
        #expect(lines.first { $0.hasPrefix("prrt ") }?.contains("PFS OS resp") == true)
        #expect(lines.first { $0.hasPrefix("ssa ") }?.contains("0/10/0") == true)
    }

    @Test(arguments: [
        ("prrt.pfs.median", "17–40 months"),
        ("sunitinib.response.orr", "< 10 %"),
        ("everolimus.pfs.landmark18", "S(18 months) = 35 %"),
        ("everolimus.pfs.median_difference", "+6 months vs placebo"),
        ("ssa.pfs.hazard_ratio_clarinet", "HR 0.47 vs placebo"),
        ("population.os.landmark60_early_appendiceal", "S(60 months) = > 95 %"),
        ("rfa.utilisation.mean_stay", "1.1 days"),
    ])
    func figuresDisplayTheirNumbers(id: String, text: String) throws {
        #expect(try #require(catalogue.figure(id: id)).displayValue == text)
    }

    @Test func detailShowsQuotesCitationsAndUse() throws {
        let text = try catalogue.arm("ssa").detailText
        #expect(text.contains("N Engl J Med 2014;371"))
        #expect(text.contains("ssa.pfs.landmark24"))
        #expect(text.contains("奥曲肽能显著提高患者的总生存期"))
        #expect(try catalogue.arm("prrt").detailText.contains("疾病无进展生存期"))
    }

    @Test func jsonRoundTripsThroughTheStrictParser() throws {
        let json = try EvidenceCatalogue.jsonText(catalogue)
        #expect(try EvidenceCatalogue.parse(Data(json.utf8), fileName: "roundtrip.json") == catalogue)
    }
}

/// docs/evidence.schema.json must describe the keys the parser accepts.
struct EvidenceSchemaDocumentTests {
    @Test func jsonSchemaListsTheKeysTheParserAccepts() throws {
        let data = try Data(contentsOf: packageRoot.appendingPathComponent("docs/evidence.schema.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let defs = try #require(schema["$defs"] as? [String: [String: Any]])
        func keys(_ object: [String: Any]?) -> Set<String> { Set(((object?["properties"]) as? [String: Any])?.keys ?? [:].keys) }
        #expect(keys(schema) == Set(EvidenceParser.documentKeys))
        #expect(keys(defs["arm"]) == Set(EvidenceParser.armKeys))
        #expect(keys(defs["population"]) == Set(EvidenceParser.populationKeys))
        #expect(keys(defs["statement"]) == Set(EvidenceParser.statementKeys))
        #expect(keys(defs["figure"]) == Set(EvidenceParser.figureKeys))
    }

    @Test func schemaDocumentNamesEveryEnumValue() throws {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("docs/EVIDENCE-SCHEMA.md"), encoding: .utf8)
        let values = Endpoint.allCases.map(\.rawValue) + FigureKind.allCases.map(\.rawValue)
            + FigureStatus.allCases.map(\.rawValue) + Qualifier.allCases.map(\.rawValue) + Figure.units
            + Figure.responseCategories + ArmEvidence.classes + ArmEvidence.lines + Population.knownSites
        for value in values { #expect(text.contains("`\(value)`"), "\(value) is not documented") }
    }
}
