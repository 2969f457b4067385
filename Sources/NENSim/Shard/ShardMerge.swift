import Foundation

/// Adds the tally files of a sharded run into the run's result (`nensim merge`).
///
/// It checks the whole set: every file readable and intact, one scenario hash, one k,
/// and shards 1 … k each exactly once. Every problem found becomes one line naming its
/// file; with any problem there is no result (and the command writes nothing).
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
        /// The `--evidence` file the shards were run with (the first file's), if any.
        public var evidenceFile: String?
    }

    /// Reads, checks and adds the tally files at `paths`.
    ///
    /// One pass: each file is read, checked and added to the running sum of the first
    /// valid file's scenario, then dropped, so memory holds one file and the sum, not
    /// every file. The sum is returned only when the whole set proved to be one
    /// complete run.
    /// - Complexity: O(total file size) time; O(arms × cells + exact records) memory.
    /// - Throws: `Problems` when the set is not one complete, intact sharded run.
    public static func merge(paths: [String], threads: Int = 1) throws(Problems) -> Merged {
        if paths.isEmpty { throw Problems(lines: ["no tally files given"], status: .usage) }
        var lines: [String] = []
        var unreadable = 0
        var headers: [(path: String, header: TallyFile.Header)] = []
        var sum: Accumulator?
        for path in paths {
            switch load(path) {
            case .failure(let e):
                if case .unreadable = e.kind { unreadable += 1 }
                lines.append(e.line)
            case .success(let f):
                headers.append((path, f.header))
                if sum == nil {
                    sum = Accumulator(scenario: f.header.scenario, hash: f.header.scenarioHash, threads: threads,
                                      evidenceFile: f.header.evidenceFile)
                }
                sum!.add(f)
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
            // No problem: every file is of one scenario (the first's) and was added once.
            if lines.isEmpty, let sum { return sum.merged(k: k) }
        }
        throw Problems(lines: lines, status: unreadable == lines.count ? .noInput : .data)
    }

    /// The running sum of the files of one scenario.
    struct Accumulator {
        let scenario: TallyScenario
        let hash: String
        let request: SimulationRequest
        var tallies: [ArmTally]
        var records: [PatientRecords]?
        let evidenceFile: String?

        init(scenario: TallyScenario, hash: String, threads: Int, evidenceFile: String?) {
            self.scenario = scenario
            self.evidenceFile = evidenceFile
            self.hash = hash
            request = scenario.request(threads: threads)
            let cells = request.cells
            tallies = scenario.arms.map { ArmTally(cells: cells, tiers: $0.responseTierCount, binaries: $0.binaryOutcomes.count) }
            let n = request.patientsPerArm
            records = request.keepsRecords ? scenario.arms.map { _ in
                PatientRecords(pfsTime: .init(repeating: 0, count: n), pfsEvent: .init(repeating: false, count: n),
                               osTime: .init(repeating: 0, count: n), osEvent: .init(repeating: false, count: n),
                               responseTier: .init(repeating: 0, count: n))
            } : nil
        }

        /// Adds a file of this scenario; a file of another one is left out (merge reports it).
        mutating func add(_ file: TallyFile) {
            guard file.header.scenarioHash == hash else { return }
            for a in tallies.indices { tallies[a].add(file.tallies[a]) }
            guard let blocks = file.blockRecords, records != nil else { return }
            let total = scenario.arms.count * request.blocksPerArm
            for (item, r) in zip(file.header.shard.workItems(total: total), blocks) {
                let (arm, range) = TallyFile.patients(ofItem: item, request: request)
                records![arm].pfsTime.replaceSubrange(range, with: r.pfsTime)
                records![arm].pfsEvent.replaceSubrange(range, with: r.pfsEvent)
                records![arm].osTime.replaceSubrange(range, with: r.osTime)
                records![arm].osEvent.replaceSubrange(range, with: r.osEvent)
                records![arm].responseTier.replaceSubrange(range, with: r.responseTier)
            }
        }

        func merged(k: Int) -> Merged {
            Merged(scenario: scenario, result: SimulationResult(request: request, tallies: tallies, records: records), shards: k,
                   evidenceFile: evidenceFile)
        }
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
