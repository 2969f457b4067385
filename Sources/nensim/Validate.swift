import ArgumentParser
import Foundation
import NENSim

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check every calibrating figure against a large simulation: target, model, simulated, Monte Carlo SE, z.",
        discussion: "A figure is 'reproduced' within 4 Monte Carlo SE; 'conflict' when the arm's figures cannot all hold and the simulation reproduces the fitted compromise instead (the fit's residual is named)."
    )

    @Argument(help: "Arm ids, comma-separated (default: every arm of the catalogue).")
    var arms: String?

    @Option(name: .long, parsing: .unconditional, help: "Patients per arm.", transform: Counts.parse)
    var n: Int = 1_000_000

    @Flag(name: .long, help: "Print JSON for machines.")
    var json = false

    @Flag(name: .long, help: "Refuse (exit 65) when a validated arm's PFS or OS rests on an assumption, or its calibration is implausible (docs/MODEL.md).")
    var strict = false

    @OptionGroup var options: SimulationOptions

    func validate() throws {
        guard n >= 100, n <= 1_000_000_000 else { throw ValidationError("--n \(n): between 100 and 10^9 patients per arm") }
    }

    func run() throws {
        try reportingFailures {
            let catalogue = try options.evidence.catalogue()
            let ids = try arms.map { try resolveArmList($0, catalogue: catalogue) }
            let overrides = try ModelOverrides.parse(options.assignments)
            let calibrator = Calibrator(catalogue: catalogue, overrides: overrides)
            let checked = (ids ?? catalogue.armIDs).compactMap { try? calibrator.model(for: $0) }
            try reportFindings(checked, strict: strict)
            try refuseAssumptionEndpoints(checked, endpoints: ["pfs", "os"], strict: strict)
            var design = options.design
            if options.horizon == 240 { design.horizon = 600 } // long enough for every median the catalogue names
            let rows = try Validator.validate(catalogue: catalogue, overrides: overrides, armIDs: ids, n: n,
                                              seed: options.seed, threads: options.threads, design: design)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Inf", negativeInfinity: "-Inf", nan: "NaN")
                try Console.out(String(decoding: try encoder.encode(rows), as: UTF8.self))
                return
            }
            try Console.out("nensim validate: \(n) patients per arm, seed \(options.seed); reproduced = within 4 Monte Carlo SE of the figure")
            var t = TextTable(header: ["arm", "figure", "status", "quantity", "target", "model", "simulated", "MC SE", "z", "verdict"])
            for r in rows where r.verdict != .notUsed && r.verdict != .notSimulated {
                let target = r.range.map { "\(fixed(r.target, decimals: 3)) [\(fmtShort($0[0]))–\(fmtShort($0[1]))]" } ?? fixed(r.target, decimals: 3)
                t.add([r.arm, r.figure, r.status, r.quantity, target, fixed(r.model, decimals: 3), fixed(r.simulated, decimals: 3),
                       fixed(r.monteCarloSE, decimals: 4), fixed(r.z, decimals: 2), r.verdict.rawValue])
            }
            try Console.out(t.render())
            let conflicts = rows.filter { $0.verdict == .conflict }
            if !conflicts.isEmpty {
                try Console.out("\nConflicts (figures of one arm that cannot all hold):")
                for r in conflicts { try Console.out("  \(r.figure): \(r.note)") }
            }
            let checks = try Validator.consistency(catalogue: catalogue, armIDs: ids).filter { !$0.consistent }
            if !checks.isEmpty {
                try Console.out("\nSurvival figures that contradict each other (Weibull least squares on the cloglog scale):")
                for c in checks {
                    try Console.out("  \(c.arm) \(c.endpoint.uppercased()): no single curve meets all \(c.figures.count) figures")
                    for i in c.figures.indices {
                        try Console.out("    \(c.figures[i]): S(\(fmtShort(c.times[i])) months) stated \(fixed(c.stated[i], decimals: 3)), best fit \(fixed(c.fitted[i], decimals: 3)), cloglog residual \(fixed(c.residuals[i], decimals: 3))")
                    }
                }
            }
            let skipped = Dictionary(grouping: rows.filter { $0.verdict == .notSimulated }, by: \.arm)
            if !skipped.isEmpty {
                try Console.out("\nNot simulated:")
                for (arm, rs) in skipped.sorted(by: { $0.key < $1.key }) { try Console.out("  \(arm): \(rs[0].note)") }
            }
            let unused = rows.filter { $0.verdict == .notUsed }.count
            let failed = rows.filter { $0.verdict == .failed }
            // Every conflict named above is counted: figures reproduced only as the fit's
            // compromise, and each set of survival figures that contradict each other.
            let conflictCount = conflicts.count + checks.count
            try Console.out("\n\(rows.count - unused - skipped.values.map(\.count).reduce(0, +)) figures checked: \(rows.filter { $0.verdict == .reproduced }.count) reproduced, \(conflictCount) conflict(s) (\(conflicts.count) figure(s) met only as the fit's compromise, \(checks.count) set(s) of figures that contradict each other), \(rows.filter { $0.verdict == .notEstimable }.count) not estimable, \(failed.count) failed; \(unused) figures not used by the model (see `nensim arms ARM`).")
            // A figure the simulation should reproduce and does not is a defect of the
            // model or the engine, not of the input: EX_SOFTWARE (docs/RELIABILITY.md).
            if !failed.isEmpty {
                throw NensimFailure(.software, "\(failed.count) figure(s) not reproduced within 4 Monte Carlo SE: \(failed.prefix(5).map(\.figure).joined(separator: ", ")) (a defect; see the table)")
            }
        }
    }
}
