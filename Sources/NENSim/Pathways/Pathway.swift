import Foundation

// Treatment pathways: a sequence of arms given as lines of therapy.
// The model is described in docs/PATHWAYS.md.

/// Named assumptions of the pathway model, with their defaults. Each is overridable on
/// the command line and labelled `assumption` in every output that uses it.
public enum PathwayAssumption {
    /// Hazard multiplier per line beyond the line an arm's evidence comes from.
    public static let laterLineHazardRatio = 1.25
    public static var laterLineHazardRatioRationale: String { ("the source gives each arm's figures at one line (first: SSA; second: everolimus, PRRT, interferon; unstated lines count as first); "
        + "used at a later line, the arm's PFS hazard is multiplied by 1.25 per line beyond that (S(t)^h): a round, moderate placeholder, not an estimate "
        + "— no figure in the source; override with \(.laterLineHazardRatio) H (all arms) or \(.override) ARM.later_line_hr=H; 1 switches it off; "
        + "an arm used earlier than its evidence line keeps its figures (no benefit assumed)" as Phrase).description }
    /// Months between progression on one line and the start of the next.
    public static let lineGapMonths = 1.0
    public static var lineGapRationale: String { ("the next line starts 1 month after progression (restaging, work-up); during the gap the patient dies at the post-progression "
        + "hazard of the line just ended (the arm's exponential PPS), so P(death before the next line) = 1 − exp(−μ·gap); override with \(.lineGap) MONTHS" as Phrase).description }
}

/// The line an arm's evidence comes from: first 1, second 2, later 3; `nil` when the
/// catalogue states none (or the arm is a control), which the attenuation rule reads as 1.
public func evidenceLine(of arm: ArmEvidence) -> Int? {
    switch arm.lineOfTherapy {
    case "first": return 1
    case "second": return 2
    case "later": return 3
    default: return nil
    }
}

/// One line of a pathway: the arm's calibrated model and the attenuation at this line.
public struct PathwayLine: Sendable {
    /// 1-based line number.
    public var line: Int
    public var model: ArmModel
    /// The line the arm's evidence comes from (nil: not stated, read as 1).
    public var evidenceLine: Int?
    /// Per-line hazard ratio H of the arm (assumption or override).
    public var laterLineHazardRatio: Double
    public var laterLineStatus: ParameterStatus
    /// PFS hazard multiplier h at this line: H^(line − evidence line) when positive, else 1.
    /// Time on the line has survival S(t)^h.
    public var hazardMultiplier: Double {
        let beyond = line - (evidenceLine ?? 1)
        return beyond > 0 ? pow(laterLineHazardRatio, Double(beyond)) : 1
    }
    /// Whether this line is attenuated (h ≠ 1).
    public var isAttenuated: Bool { hazardMultiplier != 1 }
    /// Time-on-line survival at this line: S(t)^h.
    public func survival(_ t: Double) -> Double { pow(model.pfs.survival(t), hazardMultiplier) }
    /// Weibull with survival S(t)^h: the same shape, scale λ·h^(−1/k).
    public var attenuatedPFS: Weibull {
        Weibull(shape: model.pfs.shape, scale: model.pfs.scale * pow(hazardMultiplier, -1 / model.pfs.shape))
    }

    public init(line: Int, model: ArmModel, evidenceLine: Int?, laterLineHazardRatio: Double,
                laterLineStatus: ParameterStatus = .assumption) {
        self.line = line
        self.model = model
        self.evidenceLine = evidenceLine
        self.laterLineHazardRatio = laterLineHazardRatio
        self.laterLineStatus = laterLineStatus
    }
}

/// A treatment pathway: arms in the order given, line 1 first.
public struct Pathway: Sendable {
    public var lines: [PathwayLine]
    /// "ssa>prrt>everolimus": the arm ids joined by `>`.
    public var id: String { lines.map(\.model.id).joined(separator: ">") }
    /// The random-stream id: FNV-1a of `id`. A one-line pathway gets its arm's stream,
    /// so it reproduces the single-arm run draw for draw.
    public var streamID: UInt32 { NENSim.streamID(ofArm: id) }

    public init(lines: [PathwayLine]) { self.lines = lines }
}

/// Parsing of `--pathways "ssa>prrt>everolimus,ssa>everolimus>prrt"`.
public enum PathwayList {
    /// The most lines a pathway may have.
    public static let maxLines = 8

    /// The pathways as canonical arm ids (aliases resolved, lowercased).
    ///
    /// Rules (each failure one line, exit 64): a comma-separated list of pathways, each
    /// `ARM>ARM>…`; no empty pathway or line; every arm known (did-you-mean otherwise);
    /// the same arm not on two consecutive lines (a line ends at progression on its
    /// treatment; rechallenge later in the sequence, e.g. `prrt>everolimus>prrt`, is
    /// allowed); no pathway listed twice; at most `maxLines` lines.
    public static func parse(_ text: String, catalogue: EvidenceCatalogue) throws -> [[String]] {
        let example = "expected ARM>ARM>… pathways separated by commas, e.g. ssa>prrt>everolimus,ssa>everolimus>prrt"
        let pathways = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw NensimFailure.usage("\(.pathways) is empty: \(example)")
        }
        var result: [[String]] = []
        var seen = Set<String>()
        for (p, pathway) in pathways.enumerated() {
            guard !pathway.isEmpty else { throw NensimFailure.usage("\(.pathways) '\(user: text)': pathway \(p + 1) is empty; \(example)") }
            let names = pathway.split(separator: ">", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            var ids: [String] = []
            for (l, name) in names.enumerated() {
                guard !name.isEmpty else {
                    throw NensimFailure.usage("\(.pathways) '\(user: pathway)': line \(l + 1) is empty; \(example)")
                }
                let id: String
                do { id = try catalogue.arm(name).id } catch let f as NensimFailure {
                    throw NensimFailure(f.status, "\(.pathways) '\(user: pathway)': \(f.message)")
                }
                if let last = ids.last, last == id {
                    throw NensimFailure.usage("\(.pathways) '\(user: pathway)': line \(l + 1) repeats line \(l) (\(id)); a new line starts after progression on a different treatment (rechallenge later in a sequence, e.g. prrt>everolimus>prrt, is allowed)")
                }
                ids.append(id)
            }
            guard ids.count <= maxLines else {
                throw NensimFailure.usage("\(.pathways) '\(user: pathway)': \(ids.count) lines; at most \(maxLines)")
            }
            let key = ids.joined(separator: ">")
            guard seen.insert(key).inserted else { throw NensimFailure.usage("\(.pathways): '\(user: key)' is listed twice") }
            result.append(ids)
        }
        return result
    }
}

/// The pathway model's settings that are not per arm.
public struct PathwaySettings: Sendable, Equatable {
    /// Months from progression on one line to the start of the next.
    public var lineGap: Double
    public var lineGapStatus: ParameterStatus
    /// Default per-line hazard ratio for arms used beyond their evidence line.
    public var laterLineHazardRatio: Double
    public var laterLineStatus: ParameterStatus
    /// Per-arm overrides of the hazard ratio (`--set ARM.later_line_hr=H`).
    public var laterLineByArm: [String: Double]

    public init(lineGap: Double? = nil, laterLineHazardRatio: Double? = nil, laterLineByArm: [String: Double] = [:]) {
        self.lineGap = lineGap ?? PathwayAssumption.lineGapMonths
        lineGapStatus = lineGap == nil ? .assumption : .override
        self.laterLineHazardRatio = laterLineHazardRatio ?? PathwayAssumption.laterLineHazardRatio
        laterLineStatus = laterLineHazardRatio == nil ? .assumption : .override
        self.laterLineByArm = laterLineByArm
    }

    /// The name `--set` uses for the per-arm hazard ratio.
    public static let laterLineParameter = "later_line_hr"

    public func validate() throws {
        guard lineGap.isFinite, lineGap >= 0, lineGap <= 120 else {
            throw NensimFailure.usage("\(.lineGap) \(fmt(lineGap)): must be between 0 and 120 months")
        }
        guard laterLineHazardRatio.isFinite, laterLineHazardRatio > 0, laterLineHazardRatio <= 10 else {
            throw NensimFailure.usage("\(.laterLineHazardRatio) \(fmt(laterLineHazardRatio)): a hazard ratio in (0, 10]")
        }
        for (arm, h) in laterLineByArm.sorted(by: { $0.key < $1.key }) {
            guard h.isFinite, h > 0, h <= 10 else {
                throw NensimFailure.data("\(.override) \(arm).\(Self.laterLineParameter)=\(fmt(h)): a hazard ratio in (0, 10]")
            }
        }
    }

    /// Splits `--set` assignments into the pathway-only `ARM.later_line_hr=H` (returned
    /// as a dictionary) and the rest (for `ModelOverrides`).
    public static func splitAssignments(_ assignments: [String]) throws -> (laterLine: [String: Double], rest: [String]) {
        var laterLine: [String: Double] = [:]
        var rest: [String] = []
        let suffix = "." + laterLineParameter
        for text in assignments {
            guard let eq = text.firstIndex(of: "=") else { rest.append(text); continue }
            let key = text[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            guard key.hasSuffix(suffix), key.count > suffix.count else { rest.append(text); continue }
            let valueText = text[text.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            guard let value = Double(valueText), value.isFinite else {
                throw NensimFailure.usage("\(.override) '\(user: text)': '\(user: valueText)' is not a finite number")
            }
            laterLine[String(key.dropLast(suffix.count))] = value
        }
        return (laterLine, rest)
    }
}

extension Pathway {
    /// Builds a pathway from arm ids, calibrated models and the settings.
    public init(ids: [String], models: [String: ArmModel], catalogue: EvidenceCatalogue, settings: PathwaySettings) throws {
        var lines: [PathwayLine] = []
        for (i, id) in ids.enumerated() {
            guard let model = models[id] else { throw NensimFailure(.software, "pathway arm '\(user: id)' was not calibrated") }
            let arm = try catalogue.arm(id)
            let own = settings.laterLineByArm[id]
            lines.append(PathwayLine(line: i + 1, model: model, evidenceLine: evidenceLine(of: arm),
                                     laterLineHazardRatio: own ?? settings.laterLineHazardRatio,
                                     laterLineStatus: own != nil ? .override : settings.laterLineStatus))
        }
        self.init(lines: lines)
    }
}
