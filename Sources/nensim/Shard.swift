import Foundation
import NENSim

/// `run --shard i/k`: simulates the shard's work items and writes its tally file.
///
/// - Parameters:
///   - out: the file to write; default `notebooks-out/<arms>-n<N>-seed<S>.shard-i-of-k.nstally`.
/// - Throws: `NensimFailure.cannotCreate` when the file cannot be written.
func runShard(_ shard: ShardSpec, request: SimulationRequest, reference: String?, tau: Double?, out: String?,
              evidenceFile: String?) throws {
    let total = request.arms.count * request.blocksPerArm
    let result = Engine.run(request, workItems: Array(shard.workItems(total: total)))
    let file = try TallyFile(shard: shard, result: result, reference: reference, tau: tau, evidenceFile: evidenceFile)
    let path = out ?? defaultShardPath(request: request, shard: shard)
    try file.write(to: path)
    let items = shard.workItemCount(total: total)
    FileHandle.standardError.write(Data("nensim: shard \(shard): \(items) of \(total) work items, \(result.tallies.map(\.patients).reduce(0, +)) patients; wrote \(path)\n".utf8))
}

/// `notebooks-out/prrt-everolimus-n100000-seed1.shard-3-of-7.nstally`.
func defaultShardPath(request: SimulationRequest, shard: ShardSpec) -> String {
    let safe = request.arms.map { m in
        String(m.id.map { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) ? $0 : "_" })
    }
    return "notebooks-out/\(safe.joined(separator: "-"))-n\(request.patientsPerArm)-seed\(request.seed).\(shard.fileTag).\(TallyFile.fileExtension)"
}
