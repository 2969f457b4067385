import Foundation
import NENSim

// `--strict` on the simulating commands (run, trial, pathways, validate): the library
// returns the facts (each endpoint's basis, the plausibility findings); here they become
// warnings on stderr, or under --strict one line and exit 65 before anything is simulated
// or written (docs/MODEL.md, "Basis of a statistic" and "Plausibility guards").

/// "--set ARM.a=… or --set ARM.b=…".
func spellSet(_ arm: String, _ parameters: [String]) -> String {
    parameters.map { "--set \(arm).\($0)=…" }.joined(separator: " or ")
}

/// The fix for a finding, as flags.
func remedy(_ f: ModelFinding) -> String {
    if f.kind == .populationIgnored { return "drop the key from --population or choose arms whose evidence covers it" }
    return f.remedyParameters.isEmpty ? "" : "change it with \(spellSet(f.arm, f.remedyParameters))"
}

/// The findings of `models`, each once.
func findings(_ models: [ArmModel]) -> [ModelFinding] {
    var seen = Set<String>()
    return models.flatMap(\.findings).filter { seen.insert($0.message).inserted }
}

/// Under `strict`, refuses the first finding strict mode refuses (exit 65).
func refuseFindings(_ models: [ArmModel], strict: Bool) throws {
    guard strict, let first = findings(models).first(where: \.refusedWhenStrict) else { return }
    let fix = remedy(first)
    throw NensimFailure.data("--strict: \(first.message)\(fix.isEmpty ? "" : "; \(fix)")")
}

/// Prints each finding as a warning on stderr. Called once the run's input and
/// destination are checked, so an error stays the only line.
func warnFindings(_ models: [ArmModel]) {
    for f in findings(models) {
        let fix = f.refusedWhenStrict ? remedy(f) : ""
        Console.warning("\(f.message)\(fix.isEmpty ? "" : "; \(fix)")")
    }
}

/// Refuses under `strict`, else warns.
func reportFindings(_ models: [ArmModel], strict: Bool) throws {
    try refuseFindings(models, strict: strict)
    warnFindings(models)
}

/// The one-line refusal of an endpoint that rests on an assumption, naming the arm, the
/// endpoint and the `--set` or evidence that would fix it.
func assumptionRefusal(_ model: ArmModel, endpoint: String, against other: String?) -> String {
    let b = model.basis(of: endpoint)
    var line = "--strict: \(model.id) \(endpoint.uppercased())"
    if let other { line += " against \(other)" }
    line += " rests on an assumption (\(b.assumptions.joined(separator: ", ")))"
    var fixes: [String] = []
    if !b.remedyParameters.isEmpty { fixes.append(spellSet(model.id, b.remedyParameters)) }
    if let e = b.remedyEvidence { fixes.append("--evidence FILE with \(e)") }
    if !fixes.isEmpty { line += "; fix with " + fixes.joined(separator: ", or ") }
    return line
}

/// Under `strict`, refuses a comparison of `arm` against `reference` on `endpoints` when
/// either side rests on an assumption (exit 65).
func refuseAssumptionComparisons(arms: [ArmModel], reference: String?, endpoints: [String], strict: Bool) throws {
    guard strict, let reference, let ref = arms.first(where: { $0.id == reference }) else { return }
    for arm in arms where arm.id != reference {
        for e in endpoints where arm.models(e) && ref.models(e) {
            if arm.basis(of: e).basis == .assumption {
                throw NensimFailure.data(assumptionRefusal(arm, endpoint: e, against: reference))
            }
            if ref.basis(of: e).basis == .assumption {
                throw NensimFailure.data(assumptionRefusal(ref, endpoint: e, against: nil) + " (the reference of \(arm.id))")
            }
        }
    }
}

/// Under `strict`, refuses when any of `models` has an endpoint resting on an assumption.
func refuseAssumptionEndpoints(_ models: [ArmModel], endpoints: [String], strict: Bool) throws {
    guard strict else { return }
    for m in models {
        for e in endpoints where m.models(e) && m.basis(of: e).basis == .assumption {
            throw NensimFailure.data(assumptionRefusal(m, endpoint: e, against: nil))
        }
    }
}
