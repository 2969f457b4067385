import Foundation
import SurvivalStats

// The evidence catalogue: every figure nensim uses, with its provenance.
//
// The bundled catalogue is `Resources/evidence.json` (embedded in the binary; `data/evidence.json`
// links to it). Its schema is documented in docs/EVIDENCE-SCHEMA.md and docs/evidence.schema.json.
// Parsing is strict (see Evidence+Parsing.swift): unknown keys, wrong types and inconsistent
// figures are rejected with one line naming the file, the JSON path and the problem.

/// What a figure measures.
public enum Endpoint: String, Codable, Sendable, CaseIterable {
    /// Progression-free survival.
    case pfs
    /// Time to progression.
    case ttp
    /// Disease-free survival.
    case dfs
    /// Overall survival.
    case os
    /// A response probability (best response, symptomatic, biochemical …); see `Figure.category`.
    case response
    /// An adverse-event probability; `Figure.category` names the event.
    case adverseEvent = "adverse_event"
    /// A property of the evidence population (e.g. the share with liver metastases).
    case population
    /// Use of care (e.g. hospital stay).
    case utilisation

    /// Whether the endpoint is a time-to-event endpoint.
    public var isSurvival: Bool { self == .pfs || self == .ttp || self == .dfs || self == .os }
}

/// How a figure summarises its endpoint.
public enum FigureKind: String, Codable, Sendable, CaseIterable {
    /// A median time: S(value) = 0.5.
    case median
    /// A mean (time or count).
    case mean
    /// A survival probability at `time` months: S(time) = value.
    case landmark
    /// A median minus the median of the `reference` arm.
    case medianDifference = "median_difference"
    /// A hazard ratio against the `reference` arm.
    case hazardRatio = "hazard_ratio"
    /// A probability.
    case proportion

    /// Whether the figure is a time (its unit is months, years or days).
    public var isTime: Bool { self == .median || self == .medianDifference }
    /// Whether the figure is a probability (its unit is proportion).
    public var isProbability: Bool { self == .landmark || self == .proportion }
}

/// Where a figure comes from.
public enum FigureStatus: String, Codable, Sendable, CaseIterable {
    /// Stated in the source review; `quote` is the verbatim source text.
    case source
    /// From a published trial named in `citation`, used because the source gives no number.
    case external
    /// A modelling assumption (overridable, labelled in every output).
    case assumption
    /// Read off a distribution fitted to patient data by `nensim fit`; the arm's `fit`
    /// names the data file, n and events (docs/EVIDENCE-SCHEMA.md).
    case fitted
}

/// How a bound in the source qualifies its figure ("< 10 %", "> 95 %", "about 70 %").
public enum Qualifier: String, Codable, Sendable, CaseIterable {
    case lessThan = "less_than"
    case greaterThan = "greater_than"
    case approximately
}

/// One number from the evidence, with its provenance and how nensim uses it.
///
/// Exactly one of `value` and `range` is set; `low` and `high` read either.
/// Proportions are stored on 0–1; survival times preferably in months.
public struct Figure: Codable, Sendable, Equatable {
    /// Unique across the catalogue, `arm.endpoint.what` (population figures: `population.…`).
    public var id: String
    public var endpoint: Endpoint
    public var kind: FigureKind
    /// A point value.
    public var value: Double?
    /// An interval `[lo, hi]`, lo ≤ hi; the model reads it as a 95 % interval.
    public var range: [Double]?
    public var qualifier: Qualifier?
    /// One of `Figure.units`: months, years, days, proportion, ratio.
    public var unit: String
    /// The landmark time in months (landmark figures only).
    public var time: Double?
    /// The arm compared against (required for median_difference and hazard_ratio).
    public var reference: String?
    /// The response kind, adverse event or population property the figure is about.
    public var category: String?
    /// The section of the source (e.g. "§33"), or "external".
    public var section: String
    /// The verbatim source text (Chinese); for external figures the source context, possibly empty.
    public var quote: String
    /// An English gloss of the quote or of the external finding.
    public var gloss: String
    public var status: FigureStatus
    /// The publication, for external figures.
    public var citation: String?
    /// Whether the simulation model is fitted to this figure.
    public var calibrates: Bool
    /// How the figure becomes a parameter, or why it is not used.
    public var use: String
    public var note: String?
    /// The assessment schedule the figure was observed under, in the grammar of `trial`'s
    /// scan schedule (`12w`, `8w*6,12w`); PFS, TTP and DFS medians and landmarks only.
    /// Calibration then fits the latent time so that the figure holds as seen at scans
    /// (docs/MODEL.md, "Scan-aware calibration"). Nil: the figure is an exact event time.
    public var assessment: String?

    /// The assessment schedule as scan phases, nil without one (checked when parsed).
    public var assessmentPhases: [ScanPhase]? { assessment.flatMap { try? AssessmentSchedule.parse($0) } }

    /// The allowed units.
    public static let units = ["months", "years", "days", "proportion", "ratio"]
    /// The allowed response categories.
    public static let responseCategories = [
        "cr", "pr", "sd", "pd", "orr", "dcr", "symptomatic", "symptomatic_marked", "symptomatic_duration",
        "biochemical", "clinical", "growth_inhibition",
    ]

    /// The category of a PFS `proportion`: the share of PFS events that were deaths
    /// without progression (docs/MODEL.md, "Death without progression").
    public static let deathWithoutProgression = "death_without_progression"

    public init(id: String, endpoint: Endpoint, kind: FigureKind, value: Double? = nil, range: [Double]? = nil,
                qualifier: Qualifier? = nil, unit: String, time: Double? = nil, reference: String? = nil,
                category: String? = nil, section: String, quote: String, gloss: String, status: FigureStatus,
                citation: String? = nil, calibrates: Bool, use: String, note: String? = nil, assessment: String? = nil) {
        self.id = id; self.endpoint = endpoint; self.kind = kind; self.value = value; self.range = range
        self.qualifier = qualifier; self.unit = unit; self.time = time; self.reference = reference
        self.category = category; self.section = section; self.quote = quote; self.gloss = gloss
        self.status = status; self.citation = citation; self.calibrates = calibrates; self.use = use; self.note = note
        self.assessment = assessment
    }

    /// The lower end: `value`, or `range[0]`.
    public var low: Double { value ?? range?.first ?? .nan }
    /// The upper end: `value`, or `range[1]`.
    public var high: Double { value ?? range?.last ?? .nan }
    /// The arithmetic midpoint of the range, or the value. (Times read as log-normal are
    /// centred at the geometric mean √(lo·hi) instead; that choice belongs to calibration.)
    public var midpoint: Double { value ?? (low + high) / 2 }
    /// Whether the figure is a range rather than a point value.
    public var isRange: Bool { value == nil && range != nil }
}

/// A sentence of the source without a number (a recommendation, a line of therapy, a caveat).
public struct Statement: Codable, Sendable, Equatable {
    public var section: String
    /// Verbatim source text.
    public var quote: String
    public var gloss: String

    public init(section: String, quote: String, gloss: String) {
        self.section = section; self.quote = quote; self.gloss = gloss
    }
}

/// The population an arm's figures come from. Running an arm outside it should warn.
public struct Population: Codable, Sendable, Equatable {
    /// Primary sites (`Population.knownSites`); empty means not restricted.
    public var sites: [String]
    /// Grades (`G1`, `G2`, `G3`); empty means not restricted.
    public var grades: [String]
    /// Upper Ki-67 index in percent, if the evidence restricts it.
    public var ki67MaxPercent: Double?
    /// `positive`, `negative` or `any`; nil means not stated.
    public var sstr: String?
    /// The largest number of liver lesions the treatment suits.
    public var maxLiverLesions: Int?
    /// Whether the treatment is for liver metastases.
    public var requiresLiverMetastases: Bool?
    public var note: String?

    public static let knownSites = [
        "stomach", "duodenum", "jejunum_ileum", "appendix", "colon", "rectum",
        "midgut", "hindgut", "intestine", "pancreas",
    ]
    public static let knownGrades = ["G1", "G2", "G3"]
    public static let sstrValues = ["positive", "negative", "any"]

    public init(sites: [String] = [], grades: [String] = [], ki67MaxPercent: Double? = nil, sstr: String? = nil,
                maxLiverLesions: Int? = nil, requiresLiverMetastases: Bool? = nil, note: String? = nil) {
        self.sites = sites; self.grades = grades; self.ki67MaxPercent = ki67MaxPercent; self.sstr = sstr
        self.maxLiverLesions = maxLiverLesions; self.requiresLiverMetastases = requiresLiverMetastases; self.note = note
    }

    enum CodingKeys: String, CodingKey {
        case sites, grades, sstr, note
        case ki67MaxPercent = "ki67_max_percent"
        case maxLiverLesions = "max_liver_lesions"
        case requiresLiverMetastases = "requires_liver_metastases"
    }
}

/// One treatment arm of the catalogue: who it is for, what the source says, and its figures.
public struct ArmEvidence: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    /// Other names accepted on the command line (e.g. `pprt`, the source's spelling).
    public var aliases: [String]
    /// One of `ArmEvidence.classes` ("class" in JSON).
    public var armClass: String
    /// `first`, `second`, `later`, `control`, or nil when the source states no line.
    public var lineOfTherapy: String?
    public var lineNote: String?
    public var population: Population
    /// Numberless source sentences about the arm.
    public var statements: [Statement]
    public var figures: [Figure]
    public var note: String?
    /// The fitted distribution the arm's `fitted` figures were read from, when the file
    /// was exported by `nensim fit` (docs/EVIDENCE-SCHEMA.md § Fitted arms).
    public var fit: FittedDistribution?
    /// The families of the arm's PFS and post-progression survival (`dist` in JSON;
    /// docs/EVIDENCE-SCHEMA.md § Families); nil: a Weibull PFS (the fitted family for an
    /// arm with `fit`) and an exponential post-progression survival.
    public var dist: ArmFamilies?

    public static let classes = ["biological", "targeted", "chemotherapy", "radionuclide", "locoregional", "control"]
    public static let lines = ["first", "second", "later", "control"]

    public init(id: String, name: String, aliases: [String] = [], armClass: String, lineOfTherapy: String? = nil,
                lineNote: String? = nil, population: Population = Population(), statements: [Statement] = [],
                figures: [Figure] = [], note: String? = nil, fit: FittedDistribution? = nil) {
        self.id = id; self.name = name; self.aliases = aliases; self.armClass = armClass
        self.lineOfTherapy = lineOfTherapy; self.lineNote = lineNote; self.population = population
        self.statements = statements; self.figures = figures; self.note = note; self.fit = fit
    }

    enum CodingKeys: String, CodingKey {
        case id, name, aliases, population, statements, figures, note, fit, dist
        case armClass = "class"
        case lineOfTherapy = "line_of_therapy"
        case lineNote = "line_note"
    }

    /// The figures matching every given filter, in catalogue order.
    public func figures(endpoint: Endpoint? = nil, kind: FigureKind? = nil, category: String? = nil) -> [Figure] {
        figures.filter {
            (endpoint == nil || $0.endpoint == endpoint) && (kind == nil || $0.kind == kind)
                && (category == nil || $0.category == category)
        }
    }

    /// The PFS family the arm is calibrated in: `dist.pfs`, else the family of its `fit`, else the Weibull.
    /// (A piecewise-exponential fit's family is the exponential, a cure fit's its base.)
    public var pfsFamily: ParametricFamily { dist?.pfs ?? fit.flatMap { $0.model?.baseFamily } ?? .weibull }
    /// The post-progression family: `dist.pps`, else the exponential.
    public var ppsFamily: ParametricFamily { dist?.pps ?? .exponential }

    /// The figures the simulation model is fitted to (`calibrates: true`).
    public var calibratingFigures: [Figure] { figures.filter(\.calibrates) }

    /// The figure with this id, if the arm has it.
    public func figure(id: String) -> Figure? { figures.first { $0.id == id } }
}

/// Where the catalogue's quotes come from.
public struct EvidenceSource: Codable, Sendable, Equatable {
    /// Path of the source text, relative to the shared folder (e.g. `source/000_….txt`).
    public var file: String
    public var title: String
    /// ISO 639-1 language code of the quotes.
    public var language: String

    public init(file: String, title: String, language: String) {
        self.file = file; self.title = title; self.language = language
    }
}

/// The evidence catalogue: arms with their figures, and population figures.
public struct EvidenceCatalogue: Codable, Sendable, Equatable {
    /// The schema version this nensim reads.
    public static let schemaVersion = 1

    public var schemaVersion: Int
    public var source: EvidenceSource?
    public var arms: [ArmEvidence]
    /// Figures about GI-NEN in general (prognosis by liver metastases, site figures …).
    public var populationFigures: [Figure]

    public init(schemaVersion: Int = EvidenceCatalogue.schemaVersion, source: EvidenceSource? = nil,
                arms: [ArmEvidence] = [], populationFigures: [Figure] = []) {
        self.schemaVersion = schemaVersion; self.source = source; self.arms = arms
        self.populationFigures = populationFigures
    }

    enum CodingKeys: String, CodingKey {
        case arms, source
        case schemaVersion = "schema_version"
        case populationFigures = "population_figures"
    }

    /// The arm ids, in catalogue order.
    public var armIDs: [String] { arms.map(\.id) }

    /// Every figure: the arms' in catalogue order, then the population figures.
    public var allFigures: [Figure] { arms.flatMap(\.figures) + populationFigures }

    /// The figure with this id, anywhere in the catalogue.
    public func figure(id: String) -> Figure? { allFigures.first { $0.id == id } }

    /// The arm with this id or alias (case-insensitive).
    ///
    /// - Throws: `NensimFailure.usage` naming the closest known arm ("did you mean …?"), or
    ///   listing the known ids when none is close.
    public func arm(_ id: String) throws -> ArmEvidence {
        let key = id.lowercased()
        if let arm = arms.first(where: { $0.id == key || $0.aliases.contains(key) }) { return arm }
        var owner: [String: String] = [:]
        for arm in arms {
            owner[arm.id] = arm.id
            for alias in arm.aliases { owner[alias] = arm.id }
        }
        if let near = closestMatch(to: key, in: Array(owner.keys)), let suggestion = owner[near] {
            throw NensimFailure.usage("unknown arm '\(user: id)' — did you mean '\(suggestion)'?")
        }
        throw NensimFailure.usage("unknown arm '\(user: id)' (known arms: \(armIDs.joined(separator: ", ")))")
    }

    // MARK: Loading

    /// The catalogue embedded in the binary (`Resources/evidence.json`), parsed once.
    public static func bundled() throws -> EvidenceCatalogue {
        try bundledResult.get()
    }

    private static let bundledResult: Result<EvidenceCatalogue, NensimFailure> = {
        do {
            return .success(try parse(Data(PackageResources.evidence_json), fileName: "evidence.json"))
        } catch let failure as NensimFailure {
            return .failure(failure)
        } catch {
            return .failure(.data("evidence.json: \(error)"))
        }
    }()

    /// Reads and validates a complete catalogue file.
    ///
    /// - Throws: `NensimFailure` `.noInput` when the file is missing or unreadable, `.data` when
    ///   it is malformed (one line: file, JSON path, problem).
    public static func load(contentsOf url: URL) throws -> EvidenceCatalogue {
        try parse(readEvidenceFile(url), fileName: displayName(of: url))
    }

    /// Parses and validates a complete catalogue document.
    ///
    /// - Parameter fileName: the name used in error messages.
    /// - Throws: `NensimFailure(.data, "<fileName>: <JSON path>: <problem>")`.
    public static func parse(_ data: Data, fileName: String) throws -> EvidenceCatalogue {
        try EvidenceParser(fileName: fileName, base: nil).parse(data)
    }

    /// This catalogue with a user's evidence file laid over it (see `merging(_:)`).
    ///
    /// The file may be partial: an arm whose id is already known needs only its `id` and the
    /// keys it changes (typically `figures`); `arms` and `population_figures` may be omitted.
    /// References are checked against the merged catalogue.
    public func merging(contentsOf url: URL) throws -> EvidenceCatalogue {
        let data = try Self.readEvidenceFile(url)
        let overlay = try EvidenceParser(fileName: Self.displayName(of: url), base: self).parse(data)
        return try merging(overlay)
    }

    static func readEvidenceFile(_ url: URL) throws -> Data {
        let name = displayName(of: url)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw NensimFailure.noInput("evidence file '\(name)' does not exist")
        }
        if isDirectory.boolValue {
            throw NensimFailure.noInput("evidence file '\(name)' is a directory")
        }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw NensimFailure.noInput("cannot read evidence file '\(name)': \(oneLine(error.localizedDescription))")
        }
    }

    /// The path as the user gave it, for messages.
    static func displayName(of url: URL) -> String {
        url.isFileURL ? url.relativePath : url.absoluteString
    }
}
