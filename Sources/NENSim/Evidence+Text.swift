import Foundation

// Human and machine renderings of the catalogue, for `nensim arms`.

extension Figure {
    /// The figure's number for people: "17–40 months", "34.1 %", "< 10 %", "HR 0.34", "S(18 months) = 35 %".
    public var displayValue: String {
        let percent = unit == "proportion"
        func number(_ x: Double) -> String { percent ? trimmed(x * 100) : trimmed(x) }
        var text: String
        switch (qualifier, value, range) {
        case (.lessThan?, _, let r?): text = "< " + number(r[1])
        case (.greaterThan?, _, let r?): text = "> " + number(r[0])
        case (_, let v?, _): text = number(v)
        case (_, nil, let r?): text = number(r[0]) + "–" + number(r[1])
        case (_, nil, nil): text = "?"
        }
        switch qualifier {
        case .lessThan? where value != nil: text = "< " + text
        case .greaterThan? where value != nil: text = "> " + text
        case .approximately?: text = "≈ " + text
        default: break
        }
        switch unit {
        case "proportion": text += " %"
        case "ratio": break
        default: text += " " + unit
        }
        switch kind {
        case .landmark: return "S(\(trimmed(time ?? .nan)) months) = \(text)"
        case .hazardRatio: return "HR \(text)" + (reference.map { " vs \($0)" } ?? "")
        case .medianDifference: return "+\(text)" + (reference.map { " vs \($0)" } ?? "")
        default: return text + (reference.map { " (vs \($0))" } ?? "")
        }
    }

    /// "PFS median", "OS landmark (liver_metastases)", "response orr", "adverse_event morbidity".
    public var displayLabel: String {
        let kindName = kind.rawValue.replacingOccurrences(of: "_", with: " ")
        if endpoint.isSurvival {
            return "\(endpoint.rawValue.uppercased()) \(kindName)" + (category.map { " (\($0))" } ?? "")
        }
        return [endpoint.rawValue, category, kind == .proportion ? nil : kindName].compactMap { $0 }.joined(separator: " ")
    }
}

/// A number without trailing zeros: 17, 0.341, 34.1.
func trimmed(_ x: Double) -> String {
    guard x.isFinite else { return "?" }
    var text = String(format: "%.6g", x)
    if text.contains("."), !text.contains("e") {
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
    }
    return text
}

private func padded(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}

extension ArmEvidence {
    /// Short names of the endpoints the arm has figures for, e.g. "PFS OS resp AE".
    public var endpointSummary: String {
        let order: [(Endpoint, String)] = [(.pfs, "PFS"), (.ttp, "TTP"), (.dfs, "DFS"), (.os, "OS"), (.response, "resp"),
                                           (.adverseEvent, "AE"), (.population, "pop"), (.utilisation, "util")]
        let present = Set(figures.map(\.endpoint))
        let names = order.filter { present.contains($0.0) }.map(\.1)
        return names.isEmpty ? "—" : names.joined(separator: " ")
    }

    /// Figure counts by status, "source/external/assumption".
    public var statusCounts: String {
        FigureStatus.allCases.map { status in String(figures.filter { $0.status == status }.count) }
            .joined(separator: "/")
    }

    /// The arm in full: population, line, statements and every figure with its provenance.
    public var detailText: String {
        var lines: [String] = []
        lines.append("\(id) — \(name)")
        if !aliases.isEmpty { lines.append("  aliases:    \(aliases.joined(separator: ", "))") }
        lines.append("  class:      \(armClass)")
        lines.append("  line:       \(lineOfTherapy ?? "not stated")" + (lineNote.map { " — \($0)" } ?? ""))
        var population: [String] = []
        population.append("sites " + (self.population.sites.isEmpty ? "any" : self.population.sites.joined(separator: ", ")))
        population.append("grades " + (self.population.grades.isEmpty ? "any" : self.population.grades.joined(separator: ", ")))
        if let ki67 = self.population.ki67MaxPercent { population.append("Ki-67 ≤ \(trimmed(ki67)) %") }
        if let sstr = self.population.sstr { population.append("SSTR \(sstr)") }
        if let lesions = self.population.maxLiverLesions { population.append("≤ \(lesions) liver lesions") }
        if self.population.requiresLiverMetastases == true { population.append("liver metastases") }
        lines.append("  population: " + population.joined(separator: "; "))
        if let note = self.population.note { lines.append("              \(note)") }
        if let note { lines.append("  note:       \(note)") }
        if !statements.isEmpty {
            lines.append("")
            lines.append("Statements (no number)")
            for statement in statements {
                lines.append("  \(statement.section) 「\(statement.quote)」")
                lines.append("      \(statement.gloss)")
            }
        }
        lines.append("")
        lines.append("Figures (\(figures.count); \(calibratingFigures.count) calibrating)")
        if figures.isEmpty { lines.append(("  none: the source gives no number for this arm; a run needs \(.override) for every parameter" as Phrase).description) }
        for figure in figures { lines.append(contentsOf: figure.detailLines) }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension Figure {
    var detailLines: [String] {
        var lines = ["", "  \(id)  \(displayLabel): \(displayValue)"]
        let provenance = status == .source ? "source \(section)" : status.rawValue
        lines.append("      status:    \(provenance)" + (calibrates ? ", calibrates" : ", does not calibrate"))
        if !quote.isEmpty { lines.append("      quote:     「\(quote)」" + (status == .source ? "" : " (source context)")) }
        lines.append("      gloss:     \(gloss)")
        if let citation { lines.append("      citation:  \(citation)") }
        lines.append("      use:       \(use)")
        if let note { lines.append("      note:      \(note)") }
        return lines
    }
}

extension EvidenceCatalogue {
    /// One line per arm: id, line, endpoints with figures, counts by status, calibrating figures, name.
    public var tableText: String {
        let header = ["ARM", "LINE", "FIGURES", "SRC/EXT/ASM/FIT", "CALIB", "NAME"]
        var rows = [header]
        for arm in arms {
            rows.append([arm.id, arm.lineOfTherapy ?? "—", arm.endpointSummary, arm.statusCounts,
                         String(arm.calibratingFigures.count), arm.name])
        }
        var widths = [Int](repeating: 0, count: header.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count + 1) } }
        var text = rows.map { row in
            row.enumerated().map { i, cell in i == row.count - 1 ? cell : padded(cell, widths[i]) }.joined(separator: " ")
        }.joined(separator: "\n") + "\n"
        let figures = allFigures
        let counts = FigureStatus.allCases.map { status in "\(figures.filter { $0.status == status }.count) \(status.rawValue)" }
        text += "\n\(arms.count) arms, \(figures.count) figures (\(counts.joined(separator: ", "))), "
            + "\(figures.filter(\.calibrates).count) calibrating; \(populationFigures.count) population figures.\n"
        text += "SRC/EXT/ASM/FIT: figures from the source / external trials / assumptions / fits to data. `nensim arms ARM` shows quotes and uses.\n"
        return text
    }

    /// JSON for machines: pretty, sorted keys, in the file's schema.
    public static func jsonText<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
        } catch {
            throw NensimFailure(.software, oneLine("cannot encode the evidence as JSON: \(error)"))
        }
    }
}
