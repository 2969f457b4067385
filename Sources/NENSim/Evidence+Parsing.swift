import Foundation

/// Strict reader of evidence documents.
///
/// `JSONSerialization` gives the syntax; this walk gives the schema. Every problem is one
/// `NensimFailure(.data, "<file>: <JSON path>: <problem>")`, e.g.
/// `evidence.json: $.arms[3].figures[2].range: lo 0.9 > hi 0.5`. The checks run in document
/// order, so the first problem in the file is the one reported.
///
/// With a `base` catalogue the document is an overlay (a user's `--evidence` file): `arms` and
/// `population_figures` may be omitted, an arm whose id the base knows needs only the keys it
/// changes (the rest come from the base arm), and references may name the base's arms.
struct EvidenceParser {
    let fileName: String
    let base: EvidenceCatalogue?

    static let idPattern = try! NSRegularExpression(pattern: "^[a-z][a-z0-9_]*$")
    static let figureIDPattern = try! NSRegularExpression(pattern: "^[a-z][a-z0-9_]*(\\.[a-z0-9_]+)+$")

    static let documentKeys = ["schema_version", "source", "arms", "population_figures"]
    static let sourceKeys = ["file", "title", "language"]
    static let armKeys = ["id", "name", "aliases", "class", "line_of_therapy", "line_note", "population", "dist",
                          "statements", "figures", "note", "fit"]
    static let populationKeys = ["sites", "grades", "ki67_max_percent", "sstr", "max_liver_lesions",
                                 "requires_liver_metastases", "note"]
    static let statementKeys = ["section", "quote", "gloss"]
    static let figureKeys = ["id", "endpoint", "kind", "value", "range", "qualifier", "unit", "time", "reference",
                             "category", "section", "quote", "gloss", "status", "citation", "calibrates", "use", "note",
                             "assessment"]

    func failure(_ path: String, _ problem: String) -> NensimFailure {
        .data(oneLine("\(fileName): \(path): \(problem)"))
    }

    // MARK: Document

    func parse(_ data: Data) throws -> EvidenceCatalogue {
        if let comma = StrictJSON.trailingComma(in: data) {
            throw NensimFailure.data(oneLine("\(fileName): not valid JSON: a trailing comma (\(StrictJSON.position(of: comma, in: data))); the schema is strict JSON"))
        }
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw NensimFailure.data(oneLine("\(fileName): not valid JSON: \(Self.describeSyntaxError(error, in: data))"))
        }
        let document = try JSONObject(root, path: "$", parser: self)
        try document.rejectUnknownKeys(Self.documentKeys)

        let version = try document.integer("schema_version", required: true)!
        guard version == EvidenceCatalogue.schemaVersion else {
            throw failure("$.schema_version", "unsupported schema version \(version) (this nensim reads \(EvidenceCatalogue.schemaVersion))")
        }
        var source: EvidenceSource?
        if let object = try document.object("source", required: false) {
            try object.rejectUnknownKeys(Self.sourceKeys)
            source = EvidenceSource(file: try object.string("file")!, title: try object.string("title")!,
                                    language: try object.string("language")!)
        }
        let armItems = try document.array("arms", required: base == nil) ?? []
        let populationItems = try document.array("population_figures", required: base == nil) ?? []

        // Arm ids first, so references may point forward.
        var knownArms = Set(base?.armIDs ?? [])
        for item in armItems {
            if let dict = item as? [String: Any], let id = dict["id"] as? String { knownArms.insert(id) }
        }

        var context = Context(knownArms: knownArms)
        if let base {
            for arm in base.arms {
                context.armNames[arm.id] = (arm.id, nil)
                for alias in arm.aliases { context.armNames[alias] = (arm.id, nil) }
            }
        }
        var arms: [ArmEvidence] = []
        for (i, item) in armItems.enumerated() {
            arms.append(try parseArm(JSONObject(item, path: "$.arms[\(i)]", parser: self), context: &context))
        }
        var populationFigures: [Figure] = []
        for (i, item) in populationItems.enumerated() {
            let object = try JSONObject(item, path: "$.population_figures[\(i)]", parser: self)
            populationFigures.append(try parseFigure(object, owner: "population", context: &context))
        }
        return EvidenceCatalogue(schemaVersion: version, source: source ?? base?.source, arms: arms,
                                 populationFigures: populationFigures)
    }

    /// State carried through the walk: names and ids already seen, and the arms references may name.
    struct Context {
        var knownArms: Set<String>
        /// Arm id or alias → (arm id, JSON path where it was defined; nil: in the base catalogue).
        var armNames: [String: (arm: String, at: String?)] = [:]
        /// Figure id → JSON path where it was defined.
        var figureIDs: [String: String] = [:]
    }

    // MARK: Arm

    func parseArm(_ object: JSONObject, context: inout Context) throws -> ArmEvidence {
        try object.rejectUnknownKeys(Self.armKeys)
        let id = try object.string("id")!
        try checkIdentifier(id, at: object.path + ".id", what: "arm id")
        if id == "population" {
            throw failure(object.path + ".id", "'population' is reserved for population figures")
        }
        let baseArm = base?.arms.first { $0.id == id }
        if let entry = context.armNames[id] {
            if entry.arm == id, entry.at == nil {
                // An overlay arm merging into the base arm of the same id.
            } else if entry.arm == id {
                throw failure(object.path + ".id", "duplicate arm id '\(id)' (first at \(entry.at!))")
            } else {
                throw failure(object.path + ".id", "'\(id)' is already an alias of arm '\(entry.arm)'\(Self.place(entry.at))")
            }
        }
        context.armNames[id] = (id, object.path)

        let partial = baseArm != nil
        let name = try object.string("name", required: !partial) ?? baseArm!.name
        let armClass = try object.string("class", required: !partial) ?? baseArm!.armClass
        try checkMember(armClass, of: ArmEvidence.classes, at: object.path + ".class", what: "class")
        let aliases = try object.stringArray("aliases", required: false) ?? []
        for (j, alias) in aliases.enumerated() {
            let path = "\(object.path).aliases[\(j)]"
            try checkIdentifier(alias, at: path, what: "alias")
            if let entry = context.armNames[alias], !(entry.arm == id && entry.at == nil) {
                throw failure(path, "alias '\(alias)' is already used by arm '\(entry.arm)'\(Self.place(entry.at))")
            }
            context.armNames[alias] = (id, path)
        }
        let line = try object.string("line_of_therapy", required: false)
        if let line { try checkMember(line, of: ArmEvidence.lines, at: object.path + ".line_of_therapy", what: "line of therapy") }
        let lineNote = try object.string("line_note", required: false)

        let population: Population
        if let populationObject = try object.object("population", required: !partial) {
            population = try parsePopulation(populationObject)
        } else {
            population = baseArm!.population
        }
        var statements: [Statement] = []
        for (j, item) in (try object.array("statements", required: false) ?? []).enumerated() {
            let statement = try JSONObject(item, path: "\(object.path).statements[\(j)]", parser: self)
            try statement.rejectUnknownKeys(Self.statementKeys)
            statements.append(Statement(section: try statement.string("section")!, quote: try statement.string("quote")!,
                                        gloss: try statement.string("gloss")!))
        }
        var figures: [Figure] = []
        for (j, item) in (try object.array("figures", required: !partial) ?? []).enumerated() {
            let figure = try JSONObject(item, path: "\(object.path).figures[\(j)]", parser: self)
            figures.append(try parseFigure(figure, owner: id, context: &context))
        }
        let note = try object.string("note", required: false)
        let fit = try object.object("fit", required: false).map { try parseFit($0, arm: id) } ?? baseArm?.fit
        let dist = try object.object("dist", required: false).map { try parseDist($0, fit: fit) } ?? baseArm?.dist
        var arm = ArmEvidence(id: id, name: name, aliases: aliases, armClass: armClass, lineOfTherapy: line,
                              lineNote: lineNote, population: population, statements: statements, figures: figures,
                              note: note, fit: fit)
        arm.dist = dist
        return arm
    }

    func parsePopulation(_ object: JSONObject) throws -> Population {
        try object.rejectUnknownKeys(Self.populationKeys)
        let sites = try object.stringArray("sites") ?? []
        for (i, site) in sites.enumerated() {
            try checkMember(site, of: Population.knownSites, at: "\(object.path).sites[\(i)]", what: "site")
        }
        let grades = try object.stringArray("grades") ?? []
        for (i, grade) in grades.enumerated() {
            try checkMember(grade, of: Population.knownGrades, at: "\(object.path).grades[\(i)]", what: "grade")
        }
        let ki67 = try object.number("ki67_max_percent", required: false)
        if let ki67, !(0...100).contains(ki67) {
            throw failure(object.path + ".ki67_max_percent", "Ki-67 \(format(ki67)) % is outside [0, 100]")
        }
        let sstr = try object.string("sstr", required: false)
        if let sstr { try checkMember(sstr, of: Population.sstrValues, at: object.path + ".sstr", what: "SSTR status") }
        let lesions = try object.integer("max_liver_lesions", required: false)
        if let lesions, lesions < 1 {
            throw failure(object.path + ".max_liver_lesions", "expected at least 1 lesion, found \(lesions)")
        }
        return Population(sites: sites, grades: grades, ki67MaxPercent: ki67, sstr: sstr, maxLiverLesions: lesions,
                          requiresLiverMetastases: try object.bool("requires_liver_metastases", required: false),
                          note: try object.string("note", required: false))
    }

    // MARK: Figure

    func parseFigure(_ object: JSONObject, owner: String, context: inout Context) throws -> Figure {
        let path = object.path
        try object.rejectUnknownKeys(Self.figureKeys)

        let id = try object.string("id")!
        guard Self.matches(Self.figureIDPattern, id) else {
            throw failure(path + ".id", "figure id '\(id)' is not of the form arm.endpoint.what (lower-case letters, digits, _ and .)")
        }
        guard id.hasPrefix(owner + ".") else {
            throw failure(path + ".id", "figure id '\(id)' must start with '\(owner).'")
        }
        if let first = context.figureIDs[id] {
            throw failure(path + ".id", "duplicate figure id '\(id)' (first at \(first))")
        }
        context.figureIDs[id] = path

        let endpoint: Endpoint = try object.enumeration("endpoint", what: "endpoint")
        let kind: FigureKind = try object.enumeration("kind", what: "kind")

        // value xor range
        let hasValue = object.has("value"), hasRange = object.has("range")
        if hasValue && hasRange { throw failure(path, "has both 'value' and 'range'; give exactly one") }
        if !hasValue && !hasRange { throw failure(path, "has neither 'value' nor 'range'; give exactly one") }
        let value = try object.number("value", required: false)
        let range = try object.numberArray("range", required: false)
        if let range {
            guard range.count == 2 else {
                throw failure(path + ".range", "expected [lo, hi], found \(range.count) number\(range.count == 1 ? "" : "s")")
            }
            guard range[0] <= range[1] else {
                throw failure(path + ".range", "lo \(format(range[0])) > hi \(format(range[1]))")
            }
        }
        let qualifier: Qualifier? = try object.enumeration("qualifier", what: "qualifier", required: false)

        let unit = try object.string("unit")!
        try checkMember(unit, of: Figure.units, at: path + ".unit", what: "unit")
        let numberKey = hasValue ? "value" : "range"
        let numbers = value.map { [$0] } ?? range!
        switch kind {
        case .landmark, .proportion:
            guard unit == "proportion" else {
                throw failure(path + ".unit", "a \(kind.rawValue) figure is a proportion; found unit '\(unit)'")
            }
        case .median, .medianDifference:
            guard ["months", "years", "days"].contains(unit) else {
                throw failure(path + ".unit", "a \(kind.rawValue) figure is a time (months, years or days); found unit '\(unit)'")
            }
        case .hazardRatio:
            guard unit == "ratio" else {
                throw failure(path + ".unit", "a hazard_ratio figure has unit 'ratio'; found unit '\(unit)'")
            }
            if let bad = numbers.first(where: { $0 <= 0 }) {
                throw failure("\(path).\(numberKey)", "hazard ratio \(format(bad)) is not positive")
            }
        case .mean:
            break
        }
        if unit == "proportion", let bad = numbers.first(where: { !(0...1).contains($0) }) {
            throw failure("\(path).\(numberKey)", "proportion \(format(bad)) is outside [0, 1]")
        }
        if ["months", "years", "days"].contains(unit), kind != .medianDifference, let bad = numbers.first(where: { $0 < 0 }) {
            throw failure("\(path).\(numberKey)", "negative time \(format(bad)) \(unit)")
        }

        let time = try object.number("time", required: false)
        if kind == .landmark {
            guard let time else { throw failure(path, "landmark figure needs 'time' (months)") }
            if time < 0 { throw failure(path + ".time", "negative time \(format(time)) months") }
        } else if time != nil {
            throw failure(path + ".time", "'time' is only for landmark figures (this is a \(kind.rawValue) figure)")
        }

        let reference = try object.string("reference", required: false)
        if (kind == .medianDifference || kind == .hazardRatio) && reference == nil {
            throw failure(path, "\(kind.rawValue) figure needs 'reference' (an arm id)")
        }
        if let reference, !context.knownArms.contains(reference) {
            if let near = closestMatch(to: reference, in: Array(context.knownArms)) {
                throw failure(path + ".reference", "unknown arm '\(reference)' — did you mean '\(near)'?")
            }
            throw failure(path + ".reference", "unknown arm '\(reference)' (known arms: \(context.knownArms.sorted().joined(separator: ", ")))")
        }

        let category = try object.string("category", required: false)
        let needsCategory = owner == "population" || [.response, .adverseEvent, .population].contains(endpoint)
        if needsCategory && category == nil {
            throw failure(path, owner == "population"
                ? "population figure needs 'category'"
                : "\(endpoint.rawValue) figure needs 'category'")
        }
        if endpoint == .pfs, kind == .proportion, category != Figure.deathWithoutProgression {
            throw failure(path + ".category", "a PFS proportion is the share of PFS events that were deaths without progression: category '\(Figure.deathWithoutProgression)'")
        }
        if let category {
            if endpoint == .response {
                try checkMember(category, of: Figure.responseCategories, at: path + ".category", what: "response category")
            } else {
                try checkIdentifier(category, at: path + ".category", what: "category")
            }
        }

        let section = try object.string("section")!
        let quote = try object.string("quote")!
        let gloss = try object.string("gloss")!
        let status: FigureStatus = try object.enumeration("status", what: "status")
        let citation = try object.string("citation", required: false)
        let calibrates = try object.bool("calibrates")!
        let use = try object.string("use")!
        let note = try object.string("note", required: false)
        let assessment = try object.string("assessment", required: false)
        if let assessment {
            guard [.pfs, .ttp, .dfs].contains(endpoint), kind == .median || kind == .landmark else {
                throw failure(path + ".assessment", "an assessment schedule belongs to a PFS, TTP or DFS median or landmark (progression is seen at scans); this is a \(endpoint.rawValue) \(kind.rawValue) figure")
            }
            guard (try? AssessmentSchedule.parse(assessment)) != nil else {
                throw failure(path + ".assessment", "'\(assessment)' is not a scan schedule: expected INTERVAL (12w, 3m, 90d, 1y; 1 day to 10 years) or INTERVAL*COUNT,…,INTERVAL (e.g. 8w*6,12w; counts 1–1000, at most 20 phases)")
            }
        }
        if section.trimmingCharacters(in: .whitespaces).isEmpty { throw failure(path + ".section", "empty section") }
        if gloss.trimmingCharacters(in: .whitespaces).isEmpty { throw failure(path + ".gloss", "empty gloss") }
        if use.trimmingCharacters(in: .whitespaces).isEmpty { throw failure(path + ".use", "empty 'use'; say how the figure becomes a parameter or why it is not used") }
        if status == .source, quote.trimmingCharacters(in: .whitespaces).isEmpty {
            throw failure(path + ".quote", "a source figure needs its verbatim quote")
        }
        if status == .external, (citation ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw failure(path + ".citation", "an external figure needs a non-empty citation")
        }
        return Figure(id: id, endpoint: endpoint, kind: kind, value: value, range: range, qualifier: qualifier, unit: unit,
                      time: time, reference: reference, category: category, section: section, quote: quote,
                      gloss: gloss, status: status, citation: citation, calibrates: calibrates, use: use, note: note,
                      assessment: assessment)
    }

    // MARK: Helpers

    static func place(_ path: String?) -> String {
        path.map { " (at \($0))" } ?? " (in the base catalogue)"
    }

    func checkIdentifier(_ text: String, at path: String, what: String) throws {
        guard Self.matches(Self.idPattern, text) else {
            throw failure(path, "\(what) '\(text)' must be snake_case (lower-case letters, digits and _, starting with a letter)")
        }
    }

    func checkMember(_ text: String, of allowed: [String], at path: String, what: String) throws {
        guard allowed.contains(text) else {
            throw failure(path, "unknown \(what) '\(text)' (allowed: \(allowed.joined(separator: ", ")))")
        }
    }

    static func matches(_ pattern: NSRegularExpression, _ text: String) -> Bool {
        pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// JSONSerialization's own words, with the line and column when it names a character offset.
    static func describeSyntaxError(_ error: Error, in data: Data) -> String {
        let nsError = error as NSError
        let detail = (nsError.userInfo[NSDebugDescriptionErrorKey] as? String) ?? nsError.localizedDescription
        guard let match = detail.range(of: #"character (\d+)"#, options: .regularExpression),
              let offset = Int(detail[match].dropFirst("character ".count)), offset <= data.count else {
            return detail
        }
        let prefix = data.prefix(offset)
        let line = prefix.filter { $0 == UInt8(ascii: "\n") }.count + 1
        let column = offset - (prefix.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0) + 1
        return "\(detail) (line \(line), column \(column))"
    }
}

/// A JSON object under a path, with typed, strict accessors. `null` counts as absent.
struct JSONObject {
    let dictionary: [String: Any]
    let path: String
    let parser: EvidenceParser

    init(_ value: Any, path: String, parser: EvidenceParser) throws {
        guard let dictionary = value as? [String: Any] else {
            throw parser.failure(path, "expected an object, found \(describeJSON(value))")
        }
        self.dictionary = dictionary
        self.path = path
        self.parser = parser
    }

    func keyPath(_ key: String) -> String {
        key.range(of: #"^[A-Za-z_][A-Za-z0-9_]*$"#, options: .regularExpression) != nil
            ? "\(path).\(key)" : "\(path)[\"\(key)\"]"
    }

    func rejectUnknownKeys(_ allowed: [String]) throws {
        for key in dictionary.keys.sorted() where !allowed.contains(key) {
            let near = closestMatch(to: key, in: allowed) ?? allowed.first { $0.hasPrefix(key) || key.hasPrefix($0) }
            let hint = near.map { " (did you mean '\($0)'?)" }
                ?? " (allowed: \(allowed.joined(separator: ", ")))"
            throw parser.failure(keyPath(key), "unknown key" + hint)
        }
    }

    func has(_ key: String) -> Bool {
        guard let value = dictionary[key] else { return false }
        return !(value is NSNull)
    }

    /// The raw value, or nil when absent or null and not required. A required key that is
    /// null comes back as `NSNull`, so the typed accessor reports "expected …, found null".
    private func raw(_ key: String, required: Bool) throws -> Any? {
        guard let value = dictionary[key] else {
            if required { throw parser.failure(path, "missing required key '\(key)'") }
            return nil
        }
        if value is NSNull, !required { return nil }
        return value
    }

    private func typeError(_ key: String, _ expected: String, _ value: Any) -> NensimFailure {
        parser.failure(keyPath(key), "expected \(expected), found \(describeJSON(value))")
    }

    func string(_ key: String, required: Bool = true) throws -> String? {
        guard let value = try raw(key, required: required) else { return nil }
        guard let text = value as? String else { throw typeError(key, "a string", value) }
        return text
    }

    func number(_ key: String, required: Bool = true) throws -> Double? {
        guard let value = try raw(key, required: required) else { return nil }
        guard let number = jsonNumber(value) else { throw typeError(key, "a number", value) }
        guard number.isFinite else { throw parser.failure(keyPath(key), "expected a finite number") }
        return number
    }

    func integer(_ key: String, required: Bool = true) throws -> Int? {
        guard let value = try raw(key, required: required) else { return nil }
        guard let number = jsonNumber(value), number.rounded() == number, abs(number) < 1e15 else {
            throw typeError(key, "an integer", value)
        }
        return Int(number)
    }

    func bool(_ key: String, required: Bool = true) throws -> Bool? {
        guard let value = try raw(key, required: required) else { return nil }
        guard isJSONBool(value), let flag = value as? Bool else { throw typeError(key, "true or false", value) }
        return flag
    }

    func array(_ key: String, required: Bool = true) throws -> [Any]? {
        guard let value = try raw(key, required: required) else { return nil }
        guard let items = value as? [Any] else { throw typeError(key, "an array", value) }
        return items
    }

    func object(_ key: String, required: Bool = true) throws -> JSONObject? {
        guard let value = try raw(key, required: required) else { return nil }
        return try JSONObject(value, path: keyPath(key), parser: parser)
    }

    func stringArray(_ key: String, required: Bool = true) throws -> [String]? {
        guard let items = try array(key, required: required) else { return nil }
        return try items.enumerated().map { i, item in
            guard let text = item as? String else {
                throw parser.failure("\(keyPath(key))[\(i)]", "expected a string, found \(describeJSON(item))")
            }
            return text
        }
    }

    func numberArray(_ key: String, required: Bool = true) throws -> [Double]? {
        guard let items = try array(key, required: required) else { return nil }
        return try items.enumerated().map { i, item in
            guard let number = jsonNumber(item), number.isFinite else {
                throw parser.failure("\(keyPath(key))[\(i)]", "expected a number, found \(describeJSON(item))")
            }
            return number
        }
    }

    func enumeration<E: RawRepresentable & CaseIterable>(_ key: String, what: String, required: Bool = true) throws -> E?
    where E.RawValue == String {
        guard let text = try string(key, required: required) else { return nil }
        guard let value = E(rawValue: text) else {
            throw parser.failure(keyPath(key), "unknown \(what) '\(text)' (allowed: \(E.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return value
    }

    func enumeration<E: RawRepresentable & CaseIterable>(_ key: String, what: String) throws -> E where E.RawValue == String {
        try enumeration(key, what: what, required: true)!
    }
}

/// The class of JSON booleans as JSONSerialization returns them (NSNumber subclass).
private let booleanClass: AnyClass = type(of: NSNumber(value: true))

func isJSONBool(_ value: Any) -> Bool {
    guard let object = value as? NSNumber else { return false }
    return type(of: object) == booleanClass
}

/// A JSON number (not a boolean) as a Double.
func jsonNumber(_ value: Any) -> Double? {
    guard !isJSONBool(value), !(value is String), let number = value as? NSNumber else { return nil }
    return number.doubleValue
}

func describeJSON(_ value: Any) -> String {
    switch value {
    case is NSNull: return "null"
    case is String: return "a string"
    case is [Any]: return "an array"
    case is [String: Any]: return "an object"
    default:
        if isJSONBool(value) { return "a boolean" }
        if value is NSNumber { return "a number" }
        return "\(type(of: value))"
    }
}

/// A number for messages: integers without a decimal point, others as Swift prints them.
func format(_ number: Double) -> String {
    if number.rounded() == number, abs(number) < 1e15 { return String(Int(number)) }
    return String(number)
}
