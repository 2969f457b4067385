import Foundation
import SurvivalStats

// Economic inputs (docs/ECONOMICS.md, "Inputs"; schema docs/economics.schema.json): what a
// month in each state costs and is worth, what each arm's treatment costs and when, and
// the discount rates. Every figure carries its provenance, as the evidence figures do.

/// One economic figure with where it comes from.
public struct EconomicValue: Sendable, Codable, Equatable {
    public var value: Double
    /// `external` (a published evaluation, with `citation`), `assumption`, or `override` (`--set`).
    public var status: ParameterStatus
    public var citation: String?
    public var quote: String?
    public var note: String?

    public init(_ value: Double, status: ParameterStatus, citation: String? = nil, quote: String? = nil, note: String? = nil) {
        self.value = value; self.status = status; self.citation = citation; self.quote = quote; self.note = note
    }
}

/// A monthly cost and a utility of one health state.
public struct StateValues: Sendable, Codable, Equatable {
    public var costPerMonth: EconomicValue
    /// Utility of a year in the state, at most 1 (may be negative: worse than death).
    public var utility: EconomicValue
}

/// How an arm's treatment is paid for.
public enum DrugSchedule: Sendable, Codable, Equatable {
    /// A cost per month on treatment, from start until progression, death or `maxMonths`,
    /// whichever comes first (nil: no maximum).
    case monthly(cost: EconomicValue, maxMonths: Double?)
    /// A cost per cycle at fixed months, each paid only if the patient is alive and
    /// progression-free then (e.g. four PRRT cycles 8 weeks apart).
    case cycles(cost: EconomicValue, atMonths: [Double])
}

/// An adverse event's cost (at treatment start) and disutility over a duration (cut at
/// death), weighted by the arm's probability of the event (docs/ECONOMICS.md).
public struct AdverseEventCost: Sendable, Codable, Equatable {
    /// The arm's binary outcome (adverse event) it prices, by name.
    public var event: String
    public var cost: EconomicValue
    public var disutility: EconomicValue
    public var durationMonths: Double
}

/// One arm's economic inputs.
public struct ArmEconomics: Sendable, Codable, Equatable {
    public var arm: String
    public var drug: DrugSchedule?
    /// One-off cost at start (administration set-up, work-up).
    public var startCost: EconomicValue?
    /// State values replacing the shared ones for this arm.
    public var progressionFree: StateValues?
    public var progressed: StateValues?
    public var adverseEvents: [AdverseEventCost]
}

/// The whole economic input of a run.
public struct EconomicInputs: Sendable, Codable, Equatable {
    public static let schemaVersion = 1
    public var currency: String
    public var priceYear: Int
    /// Annual discount rates, 0 ≤ r < 1, for costs and for outcomes (QALYs, life-years).
    public var costDiscountRate: Double
    public var outcomeDiscountRate: Double
    /// Months; nil: the run's horizon. At most the run's horizon.
    public var horizonMonths: Double?
    public var progressionFree: StateValues
    public var progressed: StateValues
    /// One-off cost at death before the horizon (terminal care).
    public var terminalCare: EconomicValue
    public var arms: [String: ArmEconomics]
    /// The file it was read from (for messages), nil when built in code.
    public var file: String?

    /// The states of one arm: its overrides, else the shared values.
    public func states(of arm: String) -> (pf: StateValues, pd: StateValues) {
        (arms[arm]?.progressionFree ?? progressionFree, arms[arm]?.progressed ?? progressed)
    }
}

extension EconomicInputs {
    /// Reads and validates an economics document (strict JSON, every key known, every
    /// number in range; docs/economics.schema.json). Problems are one
    /// `NensimFailure(.data)`: "<file>: <JSON path>: <problem>", the first in document order.
    public static func parse(_ data: Data, fileName: String) throws -> EconomicInputs {
        try EconomicsParser(fileName: fileName).parse(data)
    }

    /// Reads `path` (a missing file is `.noInput`).
    public static func load(path: String) throws -> EconomicInputs {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NensimFailure.noInput(oneLine("\(path): cannot read the economics file"))
        }
        return try parse(data, fileName: (path as NSString).lastPathComponent)
    }

    /// Checks against the run: every arm named exists in `models`, every adverse event is
    /// one of its arm's adverse events, the horizon is at most `runHorizon`.
    public func check(against models: [ArmModel], runHorizon: Double) throws {
        let name = file ?? "economics"
        let known = Set(models.map(\.id))
        for id in arms.keys.sorted() {
            guard let model = models.first(where: { $0.id == id }) else {
                // An arm not in this run is fine unless it is not an arm at all: the run's
                // arms are what matters, so name the ones the run has.
                if !known.contains(id) && !Self.catalogueArms.contains(id) {
                    throw NensimFailure.data(oneLine("\(name): $.arms.\(id): unknown arm '\(id)'"))
                }
                continue
            }
            let events = Set(model.binaryOutcomes.filter { $0.kind == .adverseEvent }.map(\.name))
            for (i, ae) in arms[id]!.adverseEvents.enumerated() where !events.contains(ae.event) {
                let list = events.sorted().joined(separator: ", ")
                throw NensimFailure.data(oneLine("\(name): $.arms.\(id).adverse_events[\(i)].event: '\(ae.event)' is not an adverse event of arm \(id) (it has: \(list.isEmpty ? "none" : list))"))
            }
        }
        if let h = horizonMonths, h > runHorizon {
            throw NensimFailure.data(oneLine("\(name): $.horizon_months: \(h) is beyond the run's horizon of \(runHorizon) months"))
        }
    }

    /// The ids of the bundled catalogue's arms (an economics file may price arms a run
    /// does not use).
    static var catalogueArms: Set<String> {
        (try? EvidenceCatalogue.bundled()).map { Set($0.armIDs) } ?? []
    }

    /// Applies one `--set` override `ARM.KEY=VALUE` whose KEY is economic (`cost.…`,
    /// `utility.…`); returns false when the key is not economic (the caller tries the model).
    /// Keys: cost.drug_per_month, cost.cycle, cost.start, cost.pf_per_month,
    /// cost.pd_per_month, cost.terminal, utility.pf, utility.pd (docs/ECONOMICS.md).
    public mutating func apply(arm: String, key: String, value: Double) throws -> Bool {
        guard key.hasPrefix("cost.") || key.hasPrefix("utility.") else { return false }
        let v = EconomicValue(value, status: .override)
        func bad(_ why: String) -> NensimFailure { .usage("\(.override) '\(user: "\(arm).\(key)=\(fmt(value))")': \(why)") }
        guard value.isFinite else { throw bad("must be a finite number") }
        if key.hasPrefix("cost."), value < 0 { throw bad("a cost cannot be negative") }
        if key.hasPrefix("utility."), value > 1 { throw bad("a utility is at most 1") }
        var a = arms[arm] ?? ArmEconomics(arm: arm, drug: nil, startCost: nil, progressionFree: nil, progressed: nil, adverseEvents: [])
        let (pf, pd) = states(of: arm)
        switch key {
        case "cost.drug_per_month":
            if case .monthly(_, let m) = a.drug { a.drug = .monthly(cost: v, maxMonths: m) } else if a.drug == nil { a.drug = .monthly(cost: v, maxMonths: nil) } else { throw bad("arm \(arm) pays its drug by cycles (use cost.cycle)") }
        case "cost.cycle":
            guard case .cycles(_, let t) = a.drug else { throw bad("arm \(arm) has no treatment cycles") }
            a.drug = .cycles(cost: v, atMonths: t)
        case "cost.start": a.startCost = v
        case "cost.pf_per_month": a.progressionFree = StateValues(costPerMonth: v, utility: pf.utility)
        case "cost.pd_per_month": a.progressed = StateValues(costPerMonth: v, utility: pd.utility)
        case "utility.pf": a.progressionFree = StateValues(costPerMonth: pf.costPerMonth, utility: v)
        case "utility.pd": a.progressed = StateValues(costPerMonth: pd.costPerMonth, utility: v)
        case "cost.terminal": terminalCare = v; return true
        default: throw bad("unknown economic parameter (cost.drug_per_month, cost.cycle, cost.start, cost.pf_per_month, cost.pd_per_month, cost.terminal, utility.pf, utility.pd)")
        }
        arms[arm] = a
        return true
    }
}

/// The strict walk of an economics document (the evidence file's rules: strict JSON,
/// unknown keys refused, the first problem in document order reported with its path).
struct EconomicsParser {
    let fileName: String

    func failure(_ path: String, _ problem: String) -> NensimFailure {
        .data(oneLine("\(fileName): \(path): \(problem)"))
    }

    struct Object {
        let dict: [String: Any]
        let path: String
        let parser: EconomicsParser

        init(_ any: Any?, path: String, parser: EconomicsParser) throws {
            guard let d = any as? [String: Any] else { throw parser.failure(path, "expected an object") }
            dict = d; self.path = path; self.parser = parser
        }

        func rejectUnknown(_ keys: [String]) throws {
            if let k = dict.keys.sorted().first(where: { !keys.contains($0) }) {
                throw parser.failure("\(path).\(k)", "unknown key (expected one of: \(keys.joined(separator: ", ")))")
            }
        }
        func has(_ key: String) -> Bool { dict[key] != nil && !(dict[key] is NSNull) }
        func number(_ key: String, required: Bool = true) throws -> Double? {
            guard has(key) else {
                if required { throw parser.failure("\(path).\(key)", "missing") }
                return nil
            }
            guard let v = jsonNumber(dict[key]!), v.isFinite else {
                throw parser.failure("\(path).\(key)", "expected a number")
            }
            return v
        }
        func string(_ key: String, required: Bool = true) throws -> String? {
            guard has(key) else {
                if required { throw parser.failure("\(path).\(key)", "missing") }
                return nil
            }
            guard let s = dict[key] as? String, !s.isEmpty else { throw parser.failure("\(path).\(key)", "expected a non-empty string") }
            return s
        }
        func object(_ key: String, required: Bool = true) throws -> Object? {
            guard has(key) else {
                if required { throw parser.failure("\(path).\(key)", "missing") }
                return nil
            }
            return try Object(dict[key], path: "\(path).\(key)", parser: parser)
        }
        func array(_ key: String) throws -> [Any]? {
            guard has(key) else { return nil }
            guard let a = dict[key] as? [Any] else { throw parser.failure("\(path).\(key)", "expected an array") }
            return a
        }
    }

    enum Range { case cost, utility, disutility, probability }

    func parse(_ data: Data) throws -> EconomicInputs {
        if let comma = StrictJSON.trailingComma(in: data) {
            throw NensimFailure.data(oneLine("\(fileName): not valid JSON: a trailing comma (\(StrictJSON.position(of: comma, in: data))); the schema is strict JSON"))
        }
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data, options: []) } catch {
            throw NensimFailure.data(oneLine("\(fileName): not valid JSON: \((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)")"))
        }
        let doc = try Object(root, path: "$", parser: self)
        try doc.rejectUnknown(["schema_version", "currency", "price_year", "discount", "horizon_months", "states",
                               "terminal_care", "arms", "note"])
        let version = try doc.number("schema_version")!
        guard version == Double(EconomicInputs.schemaVersion) else {
            throw failure("$.schema_version", "unsupported schema version \(version) (this nensim reads \(EconomicInputs.schemaVersion))")
        }
        let currency = try doc.string("currency")!
        let year = try doc.number("price_year")!
        guard year == year.rounded(), year >= 1900, year <= 2200 else { throw failure("$.price_year", "expected a year") }
        let discount = try doc.object("discount")!
        try discount.rejectUnknown(["costs", "outcomes"])
        let rc = try rate(discount, "costs"), ro = try rate(discount, "outcomes")
        let horizon = try doc.number("horizon_months", required: false)
        if let h = horizon, !(h > 0) { throw failure("$.horizon_months", "must be positive") }
        let states = try doc.object("states")!
        try states.rejectUnknown(["progression_free", "progressed"])
        let pf = try stateValues(states.object("progression_free")!)
        let pd = try stateValues(states.object("progressed")!)
        let terminal = try value(doc.object("terminal_care")!, .cost)
        var arms: [String: ArmEconomics] = [:]
        if let a = try doc.object("arms", required: false) {
            for id in a.dict.keys.sorted() {
                guard id.range(of: "^[a-z][a-z0-9_]*$", options: .regularExpression) != nil else {
                    throw failure("$.arms.\(id)", "unknown arm '\(id)' (arm ids are lower-case identifiers)")
                }
                arms[id] = try arm(a.object(id)!, id: id)
            }
        }
        return EconomicInputs(currency: currency, priceYear: Int(year), costDiscountRate: rc, outcomeDiscountRate: ro,
                              horizonMonths: horizon, progressionFree: pf, progressed: pd, terminalCare: terminal,
                              arms: arms, file: fileName)
    }

    func rate(_ o: Object, _ key: String) throws -> Double {
        let r = try o.number(key)!
        guard r >= 0, r < 1 else { throw failure("\(o.path).\(key)", "discount rate \(r) outside [0, 1) (an annual rate, e.g. 0.035)") }
        return r
    }

    func value(_ o: Object, _ range: Range) throws -> EconomicValue {
        try o.rejectUnknown(["value", "status", "citation", "quote", "note"])
        let v = try o.number("value")!
        switch range {
        case .cost: if v < 0 { throw failure("\(o.path).value", "negative cost \(v)") }
        case .utility: if v > 1 { throw failure("\(o.path).value", "utility \(v) above 1") }
        case .disutility: if v < 0 || v > 2 { throw failure("\(o.path).value", "disutility \(v) outside [0, 2]") }
        case .probability: if v < 0 || v > 1 { throw failure("\(o.path).value", "probability \(v) outside [0, 1]") }
        }
        let statusText = try o.string("status")!
        guard let status = ParameterStatus(rawValue: statusText), status == .external || status == .assumption else {
            throw failure("\(o.path).status", "'\(statusText)': expected external or assumption")
        }
        let citation = try o.string("citation", required: status == .external)
        return EconomicValue(v, status: status, citation: citation, quote: try o.string("quote", required: false),
                             note: try o.string("note", required: false))
    }

    func stateValues(_ o: Object) throws -> StateValues {
        try o.rejectUnknown(["cost_per_month", "utility"])
        return StateValues(costPerMonth: try value(o.object("cost_per_month")!, .cost), utility: try value(o.object("utility")!, .utility))
    }

    func arm(_ o: Object, id: String) throws -> ArmEconomics {
        try o.rejectUnknown(["drug", "start_cost", "states", "adverse_events", "note"])
        var drug: DrugSchedule?
        if let d = try o.object("drug", required: false) {
            try d.rejectUnknown(["schedule", "cost_per_month", "max_months", "cost_per_cycle", "cycle_months"])
            switch try d.string("schedule")! {
            case "until_progression":
                let max = try d.number("max_months", required: false)
                if let m = max, !(m > 0) { throw failure("\(d.path).max_months", "must be positive") }
                drug = .monthly(cost: try value(d.object("cost_per_month")!, .cost), maxMonths: max)
            case "cycles":
                guard let times = try d.array("cycle_months"), !times.isEmpty else { throw failure("\(d.path).cycle_months", "missing or empty") }
                var t: [Double] = []
                for (i, x) in times.enumerated() {
                    guard let v = jsonNumber(x), v.isFinite, v >= 0 else {
                        throw failure("\(d.path).cycle_months[\(i)]", "expected a month ≥ 0")
                    }
                    if let last = t.last, v <= last { throw failure("\(d.path).cycle_months[\(i)]", "cycle months must increase") }
                    t.append(v)
                }
                drug = .cycles(cost: try value(d.object("cost_per_cycle")!, .cost), atMonths: t)
            case let other:
                throw failure("\(d.path).schedule", "'\(other)': expected until_progression or cycles")
            }
        }
        let start = try o.object("start_cost", required: false).map { try value($0, .cost) }
        var pf: StateValues?, pd: StateValues?
        if let s = try o.object("states", required: false) {
            try s.rejectUnknown(["progression_free", "progressed"])
            pf = try s.object("progression_free", required: false).map(stateValues)
            pd = try s.object("progressed", required: false).map(stateValues)
        }
        var aes: [AdverseEventCost] = []
        for (i, item) in (try o.array("adverse_events") ?? []).enumerated() {
            let e = try Object(item, path: "\(o.path).adverse_events[\(i)]", parser: self)
            try e.rejectUnknown(["event", "cost", "disutility", "duration_months"])
            let duration = try e.number("duration_months")!
            guard duration >= 0 else { throw failure("\(e.path).duration_months", "must be ≥ 0") }
            aes.append(AdverseEventCost(event: try e.string("event")!, cost: try value(e.object("cost")!, .cost),
                                        disutility: try value(e.object("disutility")!, .disutility), durationMonths: duration))
        }
        return ArmEconomics(arm: id, drug: drug, startCost: start, progressionFree: pf, progressed: pd, adverseEvents: aes)
    }
}
