import ArgumentParser
import Foundation
import NENSim

/// `--economics FILE --wtp … --population-size N --years Y` (docs/ECONOMICS.md).
struct EconomicsOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Economic inputs (JSON, docs/economics.schema.json; e.g. data/economics-example.json): costs, utilities and discount rates; adds costs, QALYs, ICERs and NMB to the run, and with --psa the CE plane, CEAC and EVPI. Override figures with --set ARM.cost.drug_per_month=… or ARM.utility.pf=….", valueName: "file"))
    var economics: String?

    @Option(name: .long, help: ArgumentHelp("Willingness-to-pay values per QALY for net monetary benefit and EVPI (default 20000,30000).", valueName: "w,…"))
    var wtp: String?

    @Option(name: .customLong("population-size"), help: "Patients a year for population EVPI (with --psa and --economics).")
    var populationSize: Double?

    @Option(name: .long, help: "Years of yearly cohorts for population EVPI (default 10 when --population-size is given).")
    var years: Int?

    func validate() throws {
        if economics == nil, wtp != nil || populationSize != nil || years != nil {
            throw ValidationError("--wtp, --population-size and --years need --economics FILE")
        }
        if let wtp { for v in wtp.split(separator: ",", omittingEmptySubsequences: false) {
            guard let x = Double(v.trimmingCharacters(in: .whitespaces)), x.isFinite, x >= 0 else {
                throw ValidationError("--wtp '\(wtp)': expected comma-separated amounts ≥ 0, e.g. 20000,30000")
            }
            _ = x
        } }
        if let p = populationSize { guard p.isFinite, p > 0 else { throw ValidationError("--population-size \(p): must be positive") } }
        if let y = years { guard y >= 1, y <= 200 else { throw ValidationError("--years \(y): between 1 and 200") } }
    }

    var wtpValues: [Double] {
        wtp.map { $0.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) } } ?? EconomicsReport.defaultWTP
    }

    /// The inputs read, overridden by the economic `--set` assignments and checked against the run.
    func inputs(models: [ArmModel], horizon: Double, assignments: [String]) throws -> EconomicInputs? {
        guard let economics else { return nil }
        var inputs = try EconomicInputs.load(path: economics)
        for a in assignments {
            let parts = a.split(separator: "=", maxSplits: 1).map(String.init)
            let key = parts[0].split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2, let v = Double(parts[1]) else {
                throw NensimFailure.usage("\(.override) '\(user: a)': expected ARM.cost.KEY=NUMBER or ARM.utility.KEY=NUMBER")
            }
            _ = try inputs.apply(arm: key[0].lowercased(), key: key[1], value: v)
        }
        try inputs.check(against: models, runHorizon: horizon)
        return inputs
    }
}

extension EconomicsOptions {
    var yearsOrDefault: Int? { populationSize == nil ? nil : (years ?? 10) }

    /// The inputs with the report's settings (what a shard file carries for merge).
    func scenario(_ inputs: EconomicInputs) -> EconomicsScenario {
        EconomicsScenario(inputs: inputs, wtp: wtpValues, populationSize: populationSize, years: yearsOrDefault)
    }
}
