import Foundation

/// A parsed JSON value (JSONDecoder keeps booleans and numbers apart, unlike
/// JSONSerialization on Linux).
indirect enum JSONValue: Decodable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let x = try? c.decode(Double.self) { self = .number(x) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    static func parse(_ data: Data) throws -> JSONValue { try JSONDecoder().decode(JSONValue.self, from: data) }

    subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }
}

/// A JSON Schema (draft 2020-12) validator for the keywords nensim's schemas use.
/// A keyword it does not know is itself an error, so a schema can never rely on a
/// check this validator silently skips.
struct JSONSchemaValidator {
    let root: JSONValue
    static let annotations: Set<String> = ["$schema", "$id", "title", "description", "$defs"]
    static let keywords: Set<String> = ["$ref", "type", "properties", "required", "additionalProperties", "items", "enum", "const",
                                        "minimum", "maximum", "exclusiveMinimum", "minItems", "maxItems", "minLength", "pattern"]

    /// Every violation as "path: message" (empty when valid).
    func validate(_ value: JSONValue) -> [String] {
        var errors: [String] = []
        check(value, against: root, at: "$", errors: &errors)
        return errors
    }

    private func resolve(_ ref: String) -> JSONValue? {
        guard ref.hasPrefix("#/") else { return nil }
        var node: JSONValue? = root
        for part in ref.dropFirst(2).split(separator: "/") { node = node?[String(part)] }
        return node
    }

    private func typeName(_ v: JSONValue) -> [String] {
        switch v {
        case .null: return ["null"]
        case .bool: return ["boolean"]
        case .number(let x): return x == x.rounded() ? ["number", "integer"] : ["number"]
        case .string: return ["string"]
        case .array: return ["array"]
        case .object: return ["object"]
        }
    }

    private func check(_ v: JSONValue, against schema: JSONValue, at path: String, errors: inout [String]) {
        guard case .object(let s) = schema else { errors.append("\(path): schema is not an object"); return }
        for key in s.keys where !Self.keywords.contains(key) && !Self.annotations.contains(key) {
            errors.append("\(path): unsupported schema keyword \(key)")
        }
        if case .string(let ref)? = s["$ref"] {
            guard let target = resolve(ref) else { errors.append("\(path): unresolved $ref \(ref)"); return }
            check(v, against: target, at: path, errors: &errors)
        }
        if let t = s["type"] {
            let allowed: [String]
            switch t {
            case .string(let one): allowed = [one]
            case .array(let many): allowed = many.compactMap { if case .string(let x) = $0 { return x } else { return nil } }
            default: allowed = []
            }
            if Set(allowed).isDisjoint(with: typeName(v)) { errors.append("\(path): expected \(allowed), got \(typeName(v)[0])"); return }
        }
        if let c = s["const"], c != v { errors.append("\(path): expected the constant \(c)") }
        if case .array(let options)? = s["enum"], !options.contains(v) { errors.append("\(path): \(v) is not one of the allowed values") }
        if case .number(let x) = v {
            if case .number(let m)? = s["minimum"], x < m { errors.append("\(path): \(x) < minimum \(m)") }
            if case .number(let m)? = s["maximum"], x > m { errors.append("\(path): \(x) > maximum \(m)") }
            if case .number(let m)? = s["exclusiveMinimum"], x <= m { errors.append("\(path): \(x) ≤ exclusive minimum \(m)") }
        }
        if case .string(let text) = v {
            if case .number(let m)? = s["minLength"], Double(text.count) < m { errors.append("\(path): shorter than \(m)") }
            if case .string(let pattern)? = s["pattern"] {
                let re = try? NSRegularExpression(pattern: pattern)
                if re?.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil { errors.append("\(path): '\(text)' does not match \(pattern)") }
            }
        }
        if case .array(let items) = v {
            if case .number(let m)? = s["minItems"], Double(items.count) < m { errors.append("\(path): fewer than \(m) items") }
            if case .number(let m)? = s["maxItems"], Double(items.count) > m { errors.append("\(path): more than \(m) items") }
            if let itemSchema = s["items"] {
                for (i, item) in items.enumerated() { check(item, against: itemSchema, at: "\(path)[\(i)]", errors: &errors) }
            }
        }
        if case .object(let o) = v {
            if case .array(let required)? = s["required"] {
                for case .string(let key) in required where o[key] == nil { errors.append("\(path): missing \(key)") }
            }
            var properties: [String: JSONValue] = [:]
            if case .object(let p)? = s["properties"] { properties = p }
            for (key, value) in o.sorted(by: { $0.key < $1.key }) {
                if let ps = properties[key] {
                    check(value, against: ps, at: "\(path).\(key)", errors: &errors)
                } else if let extra = s["additionalProperties"] {
                    if extra == .bool(false) { errors.append("\(path): unexpected property \(key)") }
                    else if case .object = extra { check(value, against: extra, at: "\(path).\(key)", errors: &errors) }
                }
            }
        }
    }
}
