import Foundation
import NENSim

/// `run --shard i/k`: simulates the shard's work items and writes its tally file.
///
/// - Parameters:
///   - out: the file to write; default `notebooks-out/<arms>-n<N>-seed<S>.shard-i-of-k.nstally`.
/// - Throws: `NensimFailure.cannotCreate` when the file cannot be written.
///   - psaDraws: with `--psa K`, all K draws (`PSA.sample`); the shard simulates its share.
func runShard(_ shard: ShardSpec, request: SimulationRequest, reference: String?, tau: Double?, out: String?,
              evidenceFile: String?, psaDraws: [PSADraw]? = nil, economics: EconomicsScenario? = nil) throws {
    let total = request.arms.count * request.blocksPerArm
    let result = Engine.run(request, shard: shard)
    let psa = try psaDraws.map { try RunPSA.shardRows(shard: shard, draws: $0, request: request, reference: reference, tau: tau) }
    let file = try TallyFile(shard: shard, result: result, reference: reference, tau: tau, evidenceFile: evidenceFile, psa: psa,
                             economics: economics)
    let path = out ?? defaultShardPath(request: request, shard: shard)
    try file.write(to: path)
    let items = shard.workItemCount(total: total)
    let draws = psa.map { ", \($0.section.count) of \($0.section.draws) PSA draws" } ?? ""
    Console.note("nensim: shard \(shard): \(items) of \(total) work items, \(result.tallies.map(\.patients).reduce(0, +)) patients\(draws); wrote \(path)")
}

/// `trial --shard i/k`: simulates replicates r with r mod k = i − 1 and writes the
/// shard file (default `notebooks-out/trial-<arms>-n<N>-seed<S>.shard-i-of-k.nstally`).
/// - Throws: `NensimFailure.cannotCreate` when the file cannot be written.
///   - psa: with `--psa K`, the K draws and redrawn figures (`TrialSimulator.psaDraws`);
///     the shard runs its replicates under each.
func runTrialShard(_ shard: ShardSpec, request: TrialRequest, out: String?, psa: (draws: [PSADraw], figures: [String])? = nil,
                   assurance: AssuranceShard? = nil) throws {
    let outcomes = TrialSimulator.run(request, shard: shard)
    let psaPart = psa.map { p in
        (draws: TrialScenario.PSA(draws: p.draws, figures: p.figures),
         outcomes: p.draws.map { TrialSimulator.run(request.drawn($0), shard: shard) })
    }
    let file = try TrialShardFile(shard: shard, request: request, outcomes: outcomes, psa: psaPart, assurance: assurance)
    let path = out ?? "notebooks-out/trial-\(request.experimental.id)-\(request.control.id)-n\(request.design.patients)-seed\(request.seed).\(shard.fileTag).\(TallyFile.fileExtension)"
    try file.write(to: path)
    let trials = assurance.map { ", \($0.outcomes.count) of \($0.spec.trials) assurance trials" } ?? ""
    Console.note("nensim: shard \(shard): \(outcomes.count) of \(request.replicates) replicates\(trials); wrote \(path)")
}

/// `notebooks-out/prrt-everolimus-n100000-seed1.shard-3-of-7.nstally`.
func defaultShardPath(request: SimulationRequest, shard: ShardSpec) -> String {
    let safe = request.arms.map { m in
        String(m.id.map { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) ? $0 : "_" })
    }
    return "notebooks-out/\(safe.joined(separator: "-"))-n\(request.patientsPerArm)-seed\(request.seed).\(shard.fileTag).\(TallyFile.fileExtension)"
}
