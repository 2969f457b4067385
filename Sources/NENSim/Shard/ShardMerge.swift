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
        public var status: NensimFailure.Kind
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
        /// With `run --psa K`: every draw's row, draw 0 first.
        public var psa: MergedPSA?
    }

    /// The PSA draws of a merged `run --psa K`.
    public struct MergedPSA: Sendable {
        public var draws: Int
        public var rejected: Int
        public var figures: [String]
        /// Per draw: the drawn figures, then its statistics by name.
        public var rows: [(figures: [Double], statistics: [String: Double])]

        /// The PSA the unsharded run reports: each draw's statistics picked by the base
        /// report's names, as `RunPSA.run` does, and summarised the same way.
        public func result(base: RunReport) -> RunPSAResult {
            let names = RunPSA.statistics(base).map(\.0)
            let perDraw = rows.map { row in row.figures + names.map { row.statistics[$0] ?? .nan } }
            return RunPSA.summarise(base: base, draws: draws, rejected: rejected, figureIDs: figures, perDraw: perDraw)
        }
    }

    /// A merged trial simulation: what the unsharded `nensim trial` would have simulated.
    public struct MergedTrial: Sendable {
        public var scenario: TrialScenario
        public var result: TrialResult
        /// With `--psa K`: each draw with the summary of all its replicates, and the redrawn figures.
        public var psa: [TrialPSADraw]?
        public var psaFigures: [String]
        /// With `--assurance K`: all K predictive trials, as the unsharded trial gives them.
        public var assurance: AssuranceResult?
        /// k.
        public var shards: Int
    }

    /// What a set of shard files merges into.
    public enum Outcome: Sendable {
        case run(Merged)
        case trial(MergedTrial)
    }

    /// Merges run shards only (`mergeAny` for any kind).
    public static func merge(paths: [String], threads: Int = 1) throws(Problems) -> Merged {
        switch try mergeAny(paths: paths, threads: threads) {
        case .run(let m): return m
        case .trial: throw Problems(lines: ["these are shards of a trial simulation, not of a run"], status: .data)
        }
    }

    /// Reads, checks and adds the shard files at `paths`, of any kind (run, trial).
    ///
    /// One pass: each file is read, checked and added to the running sum of the first
    /// valid file's scenario, then dropped, so memory holds one file and the sum, not
    /// every file. The sum is returned only when the whole set proved to be one
    /// complete run.
    /// - Complexity: O(total file size) time; O(arms × cells + exact records) memory
    ///   for runs, O(replicates) for trials.
    /// - Throws: `Problems` when the set is not one complete, intact sharded run.
    public static func mergeAny(paths: [String], threads: Int = 1) throws(Problems) -> Outcome {
        if paths.isEmpty { throw Problems(lines: ["no tally files given"], status: .usage) }
        var lines: [String] = []
        var unreadable = 0
        var headers: [Entry] = []
        var sum: Sum?
        for path in paths {
            switch load(path) {
            case .failure(let e):
                if case .unreadable = e.kind { unreadable += 1 }
                lines.append(e.line)
            case .success(let f):
                headers.append(Entry(path: path, file: f))
                if sum == nil {
                    switch f {
                    case .run(let f):
                        sum = .run(Accumulator(scenario: f.header.scenario, hash: f.header.scenarioHash, threads: threads,
                                               evidenceFile: f.header.evidenceFile, psa: f.header.psa))
                    case .trial(let f):
                        sum = .trial(TrialAccumulator(scenario: f.header.scenario, hash: f.header.scenarioHash, threads: threads))
                    }
                }
                sum!.add(f)
            }
        }
        // One scenario: the hash most files share (the first file's on a tie).
        var votes: [String: Int] = [:]
        for h in headers { votes[h.hash, default: 0] += 1 }
        if let top = votes.values.max(), let chosen = headers.first(where: { votes[$0.hash] == top }) {
            let hash = chosen.hash
            for h in headers where h.hash != hash {
                let what = chosen.difference(from: h).map { " (\($0))" } ?? ""
                lines.append("\(h.path): scenario \(h.hash.prefix(12)) is not that of \(chosen.path), \(hash.prefix(12))\(what): not shards of one run")
            }
            let same = headers.filter { $0.hash == hash }
            // One k: the k most files of that scenario share.
            var kVotes: [Int: Int] = [:]
            for h in same { kVotes[h.shard.count, default: 0] += 1 }
            let k = same.first(where: { kVotes[$0.shard.count] == kVotes.values.max() })!.shard.count
            var seen: [Int: String] = [:]
            for h in same {
                let s = h.shard
                if s.count != k {
                    lines.append("\(h.path): shard \(s) belongs to a run cut into \(s.count) shards; the others are cut into \(k)")
                } else if let earlier = seen[s.index] {
                    lines.append("\(h.path): shard \(s) again (also \(earlier)); give each shard once")
                } else {
                    seen[s.index] = h.path
                    if let mismatch = h.psaMismatch(chosen) { lines.append(mismatch) }
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

    /// A shard file of any kind.
    enum AnyShard {
        case run(TallyFile)
        case trial(TrialShardFile)
    }

    /// What the set checks need of a file.
    struct Entry {
        var path: String
        var file: AnyShard

        var hash: String {
            switch file {
            case .run(let f): f.header.scenarioHash
            case .trial(let f): f.header.scenarioHash
            }
        }

        var shard: ShardSpec {
            switch file {
            case .run(let f): f.header.shard
            case .trial(let f): f.header.shard
            }
        }

        /// How `other`'s scenario differs from this one's, in words.
        func difference(from other: Entry) -> String? {
            switch (file, other.file) {
            case (.run(let a), .run(let b)): a.header.scenario.firstDifference(from: b.header.scenario)
            case (.trial(let a), .trial(let b)): a.header.scenario.firstDifference(from: b.header.scenario)
            case (.run, .trial): "a trial shard among run shards"
            case (.trial, .run): "a run shard among trial shards"
            }
        }

        /// A line when this `run --psa` shard's draws disagree with `chosen`'s (same K
        /// by the hash; the drawn figures and rejections come from the evidence, which
        /// the hash covers only through the calibrated arms).
        func psaMismatch(_ chosen: Entry) -> String? {
            guard case .run(let a) = file, case .run(let b) = chosen.file, let p = a.header.psa, let q = b.header.psa else { return nil }
            guard p.figures != q.figures || p.rejected != q.rejected else { return nil }
            return "\(path): its PSA draws (figures \(p.figures.joined(separator: ",")), \(p.rejected) rejected) are not those of \(chosen.path) (figures \(q.figures.joined(separator: ",")), \(q.rejected) rejected): shards run with another evidence file?"
        }
    }

    /// The running sum of the first file's kind.
    enum Sum {
        case run(Accumulator)
        case trial(TrialAccumulator)

        mutating func add(_ file: AnyShard) {
            switch (self, file) {
            case (.run(var a), .run(let f)): a.add(f); self = .run(a)
            case (.trial(var a), .trial(let f)): a.add(f); self = .trial(a)
            default: break // another kind: merge reports its scenario
            }
        }

        func merged(k: Int) -> Outcome {
            switch self {
            case .run(let a): .run(a.merged(k: k))
            case .trial(let a): .trial(a.merged(k: k))
            }
        }
    }

    /// The replicates of the files of one trial scenario, by index.
    struct TrialAccumulator {
        let scenario: TrialScenario
        let hash: String
        let request: TrialRequest
        var outcomes: [ReplicateOutcome?]
        var psaOutcomes: [[ReplicateOutcome?]]
        var assuranceTrials: [(draw: AssuranceDraw, outcome: ReplicateOutcome)?]

        init(scenario: TrialScenario, hash: String, threads: Int) {
            self.scenario = scenario
            self.hash = hash
            request = scenario.request(threads: threads)
            outcomes = .init(repeating: nil, count: scenario.replicates)
            psaOutcomes = .init(repeating: outcomes, count: scenario.psa?.draws.count ?? 0)
            assuranceTrials = .init(repeating: nil, count: scenario.assurance?.trials ?? 0)
        }

        mutating func add(_ file: TrialShardFile) {
            guard file.header.scenarioHash == hash else { return }
            for o in file.outcomes { outcomes[o.replicate] = o }
            for (d, list) in file.psaOutcomes.enumerated() { for o in list { psaOutcomes[d][o.replicate] = o } }
            if let a = file.assurance { for (d, o) in zip(a.draws, a.outcomes) { assuranceTrials[d.index] = (d, o) } }
        }

        /// Called only for a complete set: every replicate is there.
        func merged(k: Int) -> MergedTrial {
            let psa = scenario.psa.map { p in
                zip(p.psaDraws, psaOutcomes).map { TrialPSADraw(draw: $0, summary: TrialSummary($1.map { $0! }, alpha: scenario.design.alpha)) }
            }
            let assurance = scenario.assurance.map { spec in
                AssuranceResult(spec: spec, draws: assuranceTrials.map { $0!.draw }, outcomes: assuranceTrials.map { $0!.outcome },
                                design: scenario.design)
            }
            return MergedTrial(scenario: scenario, result: TrialResult(request: request, replicates: outcomes.map { $0! }), psa: psa,
                               psaFigures: scenario.psa?.figures ?? [], assurance: assurance, shards: k)
        }
    }

    /// The running sum of the files of one scenario.
    struct Accumulator {
        let scenario: TallyScenario
        let hash: String
        let request: SimulationRequest
        var tallies: [ArmTally]
        var records: [PatientRecords]?
        let evidenceFile: String?
        let psaSection: TallyFile.PSASection?
        var psaRows: [(figures: [Double], statistics: [String: Double])?]

        init(scenario: TallyScenario, hash: String, threads: Int, evidenceFile: String?, psa: TallyFile.PSASection? = nil) {
            self.scenario = scenario
            psaSection = psa
            psaRows = .init(repeating: nil, count: psa?.draws ?? 0)
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
            if let section = file.header.psa, let rows = file.psaRows {
                let f = section.figures.count
                for (d, row) in zip(section.drawIndices, rows) {
                    psaRows[d] = (Array(row[..<f]), Dictionary(zip(section.statistics, row[f...]), uniquingKeysWith: { a, _ in a }))
                }
            }
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
                   evidenceFile: evidenceFile,
                   psa: psaSection.map { MergedPSA(draws: $0.draws, rejected: $0.rejected, figures: $0.figures, rows: psaRows.map { $0! }) })
        }
    }

    struct LoadError: Error {
        enum Kind { case unreadable, invalid }
        var kind: Kind
        var line: String
    }

    static func load(_ path: String) -> Result<AnyShard, LoadError> {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file"
            return .failure(LoadError(kind: .unreadable, line: "\(path): \(reason)"))
        }
        do {
            let parts = try TallyContainer.split(data)
            return .success(parts.kind == TrialShardFile.kind ? .trial(try TrialShardFile.decode(split: parts)) : .run(try TallyFile.decode(split: parts)))
        } catch {
            return .failure(LoadError(kind: .invalid, line: "\(path): \(error.message)"))
        }
    }
}
