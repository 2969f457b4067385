import Foundation

/// Reads the CSV fixtures under `Tests/Fixtures/` (written by R; see
/// `Tests/Fixtures/R/`). Test support only: a minimal RFC 4180 reader (quoted fields,
/// doubled quotes; no embedded newlines), empty cells read as missing.
struct FixtureTable {
    let columns: [String]
    let rows: [[String]]

    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Loads `Tests/Fixtures/<relativePath>`, e.g. `data/lung.csv`.
    static func load(_ relativePath: String) throws -> FixtureTable {
        let text = try String(contentsOf: root.appendingPathComponent(relativePath), encoding: .utf8)
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        let header = parseLine(lines.removeFirst())
        return FixtureTable(columns: header, rows: lines.map(parseLine))
    }

    static func parseLine(_ line: String) -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false
        var chars = Array(line)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true
            } else if c == "," { fields.append(field); field = ""
            } else { field.append(c) }
        }
        fields.append(field)
        return fields
    }

    /// A column as strings.
    func strings(_ name: String) -> [String] {
        guard let j = columns.firstIndex(of: name) else { fatalError("fixture has no column \(name); has \(columns)") }
        return rows.map { $0[j] }
    }

    /// A numeric column; missing cells are `nil`.
    func optionalNumbers(_ name: String) -> [Double?] { strings(name).map { $0.isEmpty || $0 == "NA" ? nil : Double($0)! } }

    /// A numeric column that has no missing cells.
    func numbers(_ name: String) -> [Double] { optionalNumbers(name).map { $0! } }
}
