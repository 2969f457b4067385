import Foundation

/// Everything that determines a run's numbers, and nothing else (not the thread count,
/// the time, the output folder): the input of the scenario hash. Two runs with the
/// same scenario hash and the same nensim version give identical results.
public struct Scenario: Codable, Sendable, Equatable {
    /// What the engine simulates for one arm.
    public struct Arm: Codable, Sendable, Equatable {
        public var id: String
        public var pfsShape: Double
        public var pfsScale: Double
        public var ppsRate: Double
        public var responseCuts: [ResponseCut]
        public var responseCoupling: Double
        public var binaryOutcomes: [BinaryOutcome]
    }

    public var arms: [Arm]
    public var patientsPerArm: Int
    public var seed: UInt64
    public var replicate: UInt32
    public var design: StudyDesign
    /// Width of a tally cell, months.
    public var gridWidth: Double
    public var blockSize: Int
    /// Whether individual records were kept (exact statistics) rather than the tally.
    public var exactRecords: Bool
    public var reference: String?
    public var tau: Double
    public var landmarkTimes: [Double]

    public init(request: SimulationRequest, reference: String?, tau: Double, landmarkTimes: [Double]) {
        arms = request.arms.map {
            Arm(id: $0.id, pfsShape: $0.pfs.shape, pfsScale: $0.pfs.scale, ppsRate: $0.ppsRate, responseCuts: $0.responseCuts,
                responseCoupling: $0.responseCoupling, binaryOutcomes: $0.binaryOutcomes)
        }
        patientsPerArm = request.patientsPerArm
        seed = request.seed
        replicate = request.replicate
        design = request.design
        gridWidth = request.gridWidth
        blockSize = request.blockSize
        exactRecords = request.keepsRecords
        self.reference = reference
        self.tau = tau
        self.landmarkTimes = landmarkTimes
    }

    /// The canonical JSON the hash is taken of: snake_case keys sorted, no whitespace,
    /// numbers in shortest round-trip form, UTF-8.
    public func canonicalJSON() throws -> Data {
        try SummaryJSON.encode(self, pretty: false)
    }

    /// SHA-256 of `canonicalJSON()`, 64 hex digits.
    public func hash() throws -> String { SHA256.hex(try canonicalJSON()) }
}

/// One evidence figure a parameter was derived from, as quoted in the source.
public struct FigureRecord: Codable, Sendable, Equatable {
    public var id: String
    public var status: String
    public var endpoint: String
    public var kind: String
    public var value: Double?
    public var range: [Double]?
    public var unit: String
    public var time: Double?
    public var section: String
    public var quote: String
    public var gloss: String
    public var citation: String?
    public var note: String?

    public init(_ f: Figure) {
        id = f.id
        status = f.status.rawValue
        endpoint = f.endpoint.rawValue
        kind = f.kind.rawValue
        value = f.value
        range = f.range
        unit = f.unit
        time = f.time
        section = f.section
        quote = f.quote
        gloss = f.gloss
        citation = f.citation
        note = f.note
    }

    /// A figure id the catalogue does not hold (status "unknown").
    init(unknown id: String) {
        self.id = id
        status = "unknown"
        endpoint = "unknown"
        kind = "unknown"
        unit = ""
        section = ""
        quote = ""
        gloss = "not in the catalogue"
    }
}

/// The calibrated parameters of one arm with their provenance.
public struct ArmManifest: Codable, Sendable {
    public var id: String
    public var name: String
    public var parameters: [ParameterProvenance]
    /// Every figure named by a parameter, in order of first use.
    public var figures: [FigureRecord]
    public var notes: [String]
    /// The basis of each endpoint (docs/MODEL.md, "Basis of a statistic").
    public var bases: [EndpointBasis]
    /// Plausibility findings (docs/MODEL.md, "Plausibility guards"); the run warned of each.
    public var findings: [ModelFinding]
    /// Endpoints the arm's evidence does not support (not reported).
    public var notModelled: [String]
}

/// A modelling assumption a run used (a parameter of status `assumption`).
public struct AssumptionUsed: Codable, Sendable {
    public var arm: String
    public var parameter: String
    public var value: Double
    public var unit: String
    public var rule: String
}

/// How and from what a run was made (the `manifest` of `summary.json`).
public struct RunManifest: Codable, Sendable {
    public var nensimVersion: String
    /// `git rev-parse HEAD` of the checkout the binary was built in, `-dirty` appended
    /// when it had uncommitted changes; "unknown" outside a checkout.
    public var gitCommit: String
    /// The command line as typed (argv), program name first.
    public var commandLine: [String]
    public var seed: UInt64
    public var threads: Int
    /// Start of the run, ISO 8601 UTC (`2025-01-31T12:00:00Z`).
    public var timestamp: String
    /// SHA-256 of the canonical JSON of `scenario`.
    public var scenarioHash: String
    public var scenario: Scenario
    public var designSummary: String
    public var dataBasis: String
    public var evidenceFile: String?
    public var arms: [ArmManifest]
    public var assumptions: [AssumptionUsed]

    /// Builds the manifest of a run.
    ///
    /// - Parameters:
    ///   - catalogue: the catalogue the arms were calibrated from (figures are looked
    ///     up in it by id; an id it lacks is listed with status "unknown").
    ///   - timestamp: the start of the run.
    public init(request: SimulationRequest, report: RunReport, catalogue: EvidenceCatalogue, commandLine: [String],
                gitCommit: String, timestamp: Date, evidenceFile: String? = nil) throws {
        nensimVersion = NENSimInfo.version
        self.gitCommit = gitCommit
        self.commandLine = commandLine
        seed = request.seed
        threads = request.threads
        self.timestamp = RunManifest.iso8601(timestamp)
        scenario = Scenario(request: request, reference: report.reference, tau: report.tau, landmarkTimes: report.landmarkTimes)
        scenarioHash = try scenario.hash()
        designSummary = request.design.summary
        dataBasis = report.dataBasis
        self.evidenceFile = evidenceFile
        arms = request.arms.map { model in
            var seen = Set<String>()
            var figures: [FigureRecord] = []
            for id in model.parameters.flatMap(\.figures) where seen.insert(id).inserted {
                if let f = catalogue.figure(id: id) {
                    figures.append(FigureRecord(f))
                } else {
                    figures.append(FigureRecord(unknown: id))
                }
            }
            return ArmManifest(id: model.id, name: model.name, parameters: model.parameters, figures: figures, notes: model.notes,
                               bases: model.bases, findings: model.findings, notModelled: model.notModelled)
        }
        assumptions = request.arms.flatMap { model in
            model.parameters.filter { $0.status == .assumption }.map {
                AssumptionUsed(arm: model.id, parameter: $0.name, value: $0.value, unit: $0.unit, rule: $0.rule)
            }
        }
    }

    /// `yyyy-MM-dd'T'HH:mm:ss'Z'` in UTC.
    public static func iso8601(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: date)
    }
}

/// The content of `summary.json`: the manifest and the whole report.
public struct RunSummary: Codable, Sendable {
    /// Always "nensim-summary".
    public var format: String
    /// Bumped when a field changes meaning or is removed (see docs/summary.schema.json).
    public var formatVersion: Int
    public var manifest: RunManifest
    public var report: RunReport
    /// Costs, QALYs, incremental analysis, PSA and EVPI (runs with economic inputs; docs/ECONOMICS.md).
    public var economics: EconomicsReport?

    public static let formatName = "nensim-summary"
    public static let currentFormatVersion = 1

    public init(manifest: RunManifest, report: RunReport, economics: EconomicsReport? = nil) {
        self.economics = economics
        format = RunSummary.formatName
        formatVersion = RunSummary.currentFormatVersion
        self.manifest = manifest
        self.report = report
    }

    /// Pretty-printed JSON with sorted snake_case keys, NaN and ±∞ as `null`, and a final newline.
    public func json() throws -> String {
        String(decoding: try SummaryJSON.encode(self, pretty: true), as: UTF8.self) + "\n"
    }
}

/// JSON encoding for summaries: snake_case keys, sorted, numbers in shortest
/// round-trip form, and non-finite numbers (a median not reached, an infinite hazard
/// ratio) as `null` — JSON has no NaN.
public enum SummaryJSON {
    private static let nan = "\u{1}nensim:NaN", plusInf = "\u{1}nensim:+Inf", minusInf = "\u{1}nensim:-Inf"

    public static func encode<T: Encodable>(_ value: T, pretty: Bool) throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: plusInf, negativeInfinity: minusInf, nan: nan)
        var text = String(decoding: try encoder.encode(value), as: UTF8.self)
        // The sentinels, as the encoder spells them, become null. A user string equal to
        // a sentinel would need a U+0001 control character, which no evidence file holds.
        for sentinel in [nan, plusInf, minusInf] {
            let encoded = String(decoding: try encoder.encode([sentinel]), as: UTF8.self)
                .trimmingCharacters(in: CharacterSet(charactersIn: "[] \n"))
            text = text.replacingOccurrences(of: encoded, with: "null")
        }
        return Data(text.utf8)
    }
}
