import ArgumentParser
import Foundation
import NENSim
import SurvivalStats

/// `nensim reconstruct`: patient data from a published Kaplan–Meier figure (Guyot et
/// al. 2012), with a fidelity report (docs/PARAMETRIC.md § Reconstruction).
struct Reconstruct: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reconstruct patient data (time,event) from a digitised Kaplan–Meier curve and the published numbers at risk (Guyot et al. 2012).",
        discussion: """
        Example: nensim reconstruct curve.csv --at-risk risk.csv --events 112 --out rebuilt

        CURVE.csv has columns time,survival (survival as a proportion), points in the digitiser's order, uncleaned; RISK.csv has columns time,n_risk, the first row at time 0. Writes patients.csv (time,event) and fidelity.csv into --out, and prints what the cleaning changed and how closely the reconstruction's Kaplan–Meier, median and numbers at risk follow the published ones.

        Exit codes: 64 a wrong flag; 65 malformed or inconsistent input; 66 a file is missing; 73 the --out folder cannot be written; 74 reading or writing failed part-way.
        """
    )

    @Argument(help: ArgumentHelp("Digitised curve: columns time,survival.", valueName: "curve.csv"))
    var curve: String

    @Option(name: .customLong("at-risk"), help: ArgumentHelp("Published numbers at risk: columns time,n_risk.", valueName: "risk.csv"))
    var atRisk: String

    @Option(name: .long, help: "The published total number of events (improves the tail).")
    var events: Int?

    @Option(name: .long, help: ArgumentHelp("Folder for patients.csv and fidelity.csv (new or empty; default reconstruct-out).", valueName: "dir"))
    var out: String = "reconstruct-out"

    @Flag(name: .long, help: "Write into an existing non-empty --out folder.")
    var force = false

    func validate() throws {
        if let events, events < 0 { throw ValidationError("--events \(events): must be a count ≥ 0") }
    }

    /// Two numeric columns of a CSV file by name.
    static func columns(_ table: CSVTable, _ names: [String], flag: String) throws -> [[Double]] {
        let header = table.header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var result: [[Double]] = []
        for name in names {
            guard let j = header.firstIndex(of: name) else {
                throw NensimFailure.data("\(table.source): no column '\(name)' (\(flag) needs columns \(names.joined(separator: ",")); it has \(table.header.joined(separator: ",")))")
            }
            var values: [Double] = []
            for (r, record) in table.records.enumerated() {
                let cell = record[j].trimmingCharacters(in: .whitespaces)
                guard let x = Double(cell), x.isFinite else {
                    throw NensimFailure.data("\(table.source) line \(table.lines[r]), column \(j + 1) (\(table.header[j])): '\(cell)' is not a finite number")
                }
                values.append(x)
            }
            result.append(values)
        }
        return result
    }

    func run() throws {
        try reportingFailures {
            let folder = try RunFolder.create(at: out, force: force, shape: .files)
            defer { folder.abandon() }
            let c = try Self.columns(CSVReader.read(path: curve), ["time", "survival"], flag: "CURVE.csv")
            let r = try Self.columns(CSVReader.read(path: atRisk), ["time", "n_risk"], flag: "--at-risk")
            var counts: [Int] = []
            for (i, x) in r[1].enumerated() {
                guard x == x.rounded(), x >= 0 else { throw NensimFailure.data("\(atRisk) row \(i + 1): n_risk \(x) is not a whole number ≥ 0") }
                counts.append(Int(x))
            }
            let result: GuyotReconstruction
            do {
                result = try GuyotReconstruction.reconstruct(curveTime: c[0], curveSurvival: c[1], riskTime: r[0], riskCount: counts, totalEvents: events)
            } catch let e as ReconstructionError {
                throw NensimFailure.data("\(curve), \(atRisk): \(e.description)")
            }
            let fidelity = ReconstructionFidelity(result, publishedRiskTime: r[0], publishedRisk: counts, publishedEvents: events)
            var patients = "time,event\n"
            for p in result.patients { patients += "\(CSVWriter.number(p.time)),\(p.event ? 1 : 0)\n" }
            try folder.write("patients.csv", contents: patients)
            try folder.write("fidelity.csv", contents: fidelity.csv())
            try Console.out(fidelity.text(result) + "\nWrote patients.csv and fidelity.csv to \(out)")
            try folder.commit()
        }
    }
}

/// How closely a reconstruction follows what was published.
struct ReconstructionFidelity {
    struct Row { var quantity: String; var time: Double?; var published: Double?; var reconstructed: Double? }
    var rows: [Row] = []
    var maxAbs = 0.0, meanAbs = 0.0
    var medianPublished: Double?, medianReconstructed: Double?

    init(_ r: GuyotReconstruction, publishedRiskTime: [Double], publishedRisk: [Int], publishedEvents: Int?) {
        let km = KaplanMeier.fit(time: r.patients.map(\.time), event: r.patients.map(\.event))
        var total = 0.0
        for (t, s) in zip(r.time, r.survival) {
            let back = km.survival(at: t).survival
            rows.append(Row(quantity: "survival", time: t, published: s, reconstructed: back))
            maxAbs = max(maxAbs, abs(back - s)); total += abs(back - s)
        }
        meanAbs = total / Double(r.time.count)
        // The digitised curve's median: the first point at or below 0.5.
        medianPublished = zip(r.time, r.survival).first { $0.1 <= 0.5 }?.0
        medianReconstructed = km.median.estimate
        rows.append(Row(quantity: "median", time: nil, published: medianPublished, reconstructed: medianReconstructed))
        for (t, n) in zip(publishedRiskTime, publishedRisk) {
            let atRisk = Double(r.patients.filter { $0.time >= t }.count)
            rows.append(Row(quantity: "n_risk", time: t, published: Double(n), reconstructed: atRisk))
        }
        rows.append(Row(quantity: "events", time: nil, published: publishedEvents.map(Double.init), reconstructed: Double(r.patients.filter(\.event).count)))
        rows.append(Row(quantity: "max_abs_survival_difference", time: nil, published: nil, reconstructed: maxAbs))
        rows.append(Row(quantity: "mean_abs_survival_difference", time: nil, published: nil, reconstructed: meanAbs))
    }

    /// quantity,time,published,reconstructed,difference (NA where not defined).
    func csv() -> String {
        func n(_ x: Double?) -> String { x.map(CSVWriter.number) ?? "NA" }
        var lines = ["quantity,time,published,reconstructed,difference"]
        for row in rows {
            let diff = row.published.flatMap { p in row.reconstructed.map { $0 - p } }
            lines.append("\(row.quantity),\(n(row.time)),\(n(row.published)),\(n(row.reconstructed)),\(n(diff))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func text(_ r: GuyotReconstruction) -> String {
        func f(_ x: Double?) -> String { x.map { String(format: "%.4g", $0) } ?? "not reached" }
        var out = ["Reconstructed \(r.patients.count) patients, \(r.patients.filter(\.event).count) events, from \(r.time.count) cleaned points and \(r.riskTime.count) at-risk times (Guyot et al. 2012)"]
        for note in r.notes { out.append("  cleaning: \(note)") }
        out.append(String(format: "Kaplan–Meier of the reconstruction vs the digitised points: max |ΔS| %.4f, mean |ΔS| %.4f", maxAbs, meanAbs))
        out.append("Median: digitised \(f(medianPublished)), reconstructed \(f(medianReconstructed))")
        let risk = rows.filter { $0.quantity == "n_risk" }.map { "t=\(f($0.time)): \(Int($0.published!)) → \(Int($0.reconstructed!))" }
        out.append("Numbers at risk, published → reconstructed: " + risk.joined(separator: ", "))
        return out.joined(separator: "\n")
    }
}
