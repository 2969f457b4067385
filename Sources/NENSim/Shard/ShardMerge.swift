import Foundation

/// Adds the tally files of a sharded run into the run's result (`nensim merge`).
///
/// Before adding anything it checks the whole set: every file readable and intact,
/// one scenario hash, one k, and shards 1 … k each exactly once. Every problem found
/// becomes one line naming its file; with any problem nothing is merged.
public enum ShardMerge {
    /// A set of shard files that cannot be merged, one line per problem.
    public struct Problems: Error, Sendable, CustomStringConvertible {
        public var lines: [String]
        /// `.noInput` when every problem is a file that cannot be read, else `.data`.
        public var status: ExitStatus
        public var description: String { lines.joined(separator: "\n") }
    }

    /// A merged run: its scenario and the result the unsharded run would have given.
    public struct Merged: Sendable {
        public var scenario: TallyScenario
        public var result: SimulationResult
        /// k.
        public var shards: Int
    }

    /// Reads, checks and adds the tally files at `paths`.
    ///
    /// Files are read twice (once to check the set, once to add), so memory holds one
    /// file and the running sum, not every file.
    /// - Complexity: O(total file size) time; O(arms × cells + exact records) memory.
    /// - Throws: `Problems` when the set is not one complete, intact sharded run.
    public static func merge(paths: [String], threads: Int = 1) throws(Problems) -> Merged {
        var lines: [String] = []
        var unreadable = 0
        var headers: [(path: String, header: TallyFile.Header)] = []
        if paths.isEmpty { throw Problems(lines: ["no tally files given"], status: .usage) }
        for path in paths {
            switch load(path) {
            case .failure(let e):
                if case .unreadable = e.kind { unreadable += 1 }
                lines.append(e.line)
            case .success(let f):
                headers.append((path, f.header))
            }
        }
        // One scenario: the hash most files share (the first file's on a tie).
        var votes: [String: Int] = [:]
        for h in headers { votes[h.header.scenarioHash, default: 0] += 1 }
        if let top = votes.values.max(), let chosen = headers.first(where: { votes[$0.header.scenarioHash] == top }) {
            let hash = chosen.header.scenarioHash
            for h in headers where h.header.scenarioHash != hash {
                let what = chosen.header.scenario.firstDifference(from: h.header.scenario).map { " (\($0))" } ?? ""
                lines.append("\(h.path): scenario \(h.header.scenarioHash.prefix(12)) is not that of \(chosen.path), \(hash.prefix(12))\(what): not shards of one run")
            }
            let same = headers.filter { $0.header.scenarioHash == hash }
            // One k: the k most files of that scenario share.
            var kVotes: [Int: Int] = [:]
            for h in same { kVotes[h.header.shard.count, default: 0] += 1 }
            let k = same.first(where: { kVotes[$0.header.shard.count] == kVotes.values.max() })!.header.shard.count
            var seen: [Int: String] = [:]
            for h in same {
                let s = h.header.shard
                if s.count != k {
                    lines.append("\(h.path): shard \(s) belongs to a run cut into \(s.count) shards; the others are cut into \(k)")
                } else if let earlier = seen[s.index] {
                    lines.append("\(h.path): shard \(s) again (also \(earlier)); give each shard once")
                } else {
                    seen[s.index] = h.path
                }
            }
            let missing = (1...k).filter { seen[$0] == nil }
            if !missing.isEmpty {
                let list = missing.count <= 10 ? missing.map { "\($0)/\(k)" }.joined(separator: ", ")
                    : missing.prefix(10).map { "\($0)/\(k)" }.joined(separator: ", ") + ", … (\(missing.count) in all)"
                lines.append("missing shard\(missing.count == 1 ? "" : "s") \(list) of scenario \(hash.prefix(12)) (no file given, e.g. *.shard-\(missing[0])-of-\(k).\(TallyFile.fileExtension))")
            }
            if lines.isEmpty { return try add(same.map(\.path), scenario: chosen.header.scenario, k: k, threads: threads) }
        }
        throw Problems(lines: lines, status: unreadable == lines.count ? .noInput : .data)
    }

    /// Adds files already checked to be shards 1 … k of `scenario`.
    static func add(_ paths: [String], scenario: TallyScenario, k: Int, threads: Int) throws(Problems) -> Merged {
        let request = scenario.request(threads: threads)
        var tallies = scenario.arms.map { ArmTally(cells: request.cells, tiers: $0.responseTierCount, binaries: $0.binaryOutcomes.count) }
        var records: [PatientRecords]? = request.keepsRecords ? scenario.arms.map { _ in
            let n = request.patientsPerArm
            return PatientRecords(pfsTime: .init(repeating: 0, count: n), pfsEvent: .init(repeating: false, count: n),
                                  osTime: .init(repeating: 0, count: n), osEvent: .init(repeating: false, count: n),
                                  responseTier: .init(repeating: 0, count: n))
        } : nil
        let total = scenario.arms.count * request.blocksPerArm
        for path in paths {
            let file: TallyFile
            switch load(path) {
            case .failure(let e): throw Problems(lines: [e.line + " (changed while merging?)"], status: .data)
            case .success(let f): file = f
            }
            for a in tallies.indices { tallies[a].add(file.tallies[a]) }
            if let blocks = file.blockRecords {
                for (item, r) in zip(file.header.shard.workItems(total: total), blocks) {
                    let (arm, range) = TallyFile.patients(ofItem: item, request: request)
                    records![arm].pfsTime.replaceSubrange(range, with: r.pfsTime)
                    records![arm].pfsEvent.replaceSubrange(range, with: r.pfsEvent)
                    records![arm].osTime.replaceSubrange(range, with: r.osTime)
                    records![arm].osEvent.replaceSubrange(range, with: r.osEvent)
                    records![arm].responseTier.replaceSubrange(range, with: r.responseTier)
                }
            }
        }
        return Merged(scenario: scenario, result: SimulationResult(request: request, tallies: tallies, records: records), shards: k)
    }

    struct LoadError: Error {
        enum Kind { case unreadable, invalid }
        var kind: Kind
        var line: String
    }

    static func load(_ path: String) -> Result<TallyFile, LoadError> {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file"
            return .failure(LoadError(kind: .unreadable, line: "\(path): \(reason)"))
        }
        do {
            return .success(try TallyFile.decode(data))
        } catch {
            return .failure(LoadError(kind: .invalid, line: "\(path): \(error.message)"))
        }
    }
}
