import Foundation

/// Everything that determines a trial simulation's numbers and its files, and nothing
/// else (no thread count, time, command line or output folder): what a trial shard
/// carries so that `nensim merge` rebuilds the unsharded `trial`'s output from the files
/// alone, and what its scenario hash is taken of.
public struct TrialScenario: Codable, Sendable {
    public var nensimVersion: String
    /// The calibrated arms, whole (parameters, provenance, notes: `trial.json` lists them).
    public var experimental: ArmModel
    public var control: ArmModel
    public var design: TrialDesign
    public var replicates: Int
    public var seed: UInt64
    /// `trial --psa K`: the K parameter draws (absent without it). They are part of the
    /// scenario, so merge needs no catalogue and shards of other draws do not mix.
    public var psa: PSA?
    /// `trial --assurance K`: K and the shape of each trial's draw (absent without it). The
    /// draws themselves are the shards' own (each shard draws only its trials).
    public var assurance: AssuranceSpec?

    /// A trial PSA's draws: what `psa.csv` and `trial.json` report of them.
    public struct PSA: Codable, Sendable {
        /// The redrawn figures (ids).
        public var figures: [String]
        public var draws: [Draw]

        public struct Draw: Codable, Sendable {
            public var index: Int
            public var rejected: Int
            public var figures: [String: Double]
            /// [experimental, control], or [control] under `--null`.
            public var arms: [ArmModel]
        }

        public init(draws: [PSADraw], figures: [String]) {
            self.figures = figures
            self.draws = draws.map { Draw(index: $0.index, rejected: $0.rejected, figures: $0.figures, arms: $0.arms) }
        }

        public var psaDraws: [PSADraw] {
            draws.map { PSADraw(index: $0.index, figures: $0.figures, arms: $0.arms, rejected: $0.rejected) }
        }
    }

    public init(request: TrialRequest, psa: PSA? = nil, assurance: AssuranceSpec? = nil) {
        self.psa = psa
        self.assurance = assurance
        nensimVersion = NENSimInfo.version
        experimental = request.experimental
        control = request.control
        design = request.design
        replicates = request.replicates
        seed = request.seed
    }

    public func request(threads: Int = 1) -> TrialRequest {
        TrialRequest(experimental: experimental, control: control, design: design, replicates: replicates, seed: seed, threads: threads)
    }

    /// SHA-256 of the canonical JSON (the conventions of `TallyScenario.canonicalJSON`).
    public func hash() throws -> String { SHA256.hex(try TallyJSON.encoder().encode(self)) }

    /// The first field in which `other` differs, in words, or nil.
    public func firstDifference(from other: TrialScenario) -> String? {
        func d<T: Equatable>(_ name: String, _ a: T, _ b: T, _ show: (T) -> String) -> String? {
            a == b ? nil : "\(name) \(show(b)) vs \(show(a))"
        }
        let checks: [String?] = [
            d("nensim version", nensimVersion, other.nensimVersion) { $0 },
            d("arms", [experimental.id, control.id], [other.experimental.id, other.control.id]) { $0.joined(separator: ",") },
            d("replicates", replicates, other.replicates) { String($0) },
            d("seed", seed, other.seed) { String($0) },
            d("design", design, other.design) { "'\($0.summary)'" },
            d("PSA draws", psa?.draws.count, other.psa?.draws.count) { $0.map(String.init) ?? "none" },
            d("assurance trials", assurance?.trials, other.assurance?.trials) { $0.map(String.init) ?? "none" },
            d("assurance's redrawn figures", assurance?.redrawn, other.assurance?.redrawn) { $0.map { $0.joined(separator: ",") } ?? "none" },
        ]
        if let first = checks.compactMap({ $0 }).first { return first }
        if (try? TallyJSON.encoder().encode(psa)) != (try? TallyJSON.encoder().encode(other.psa)) {
            return "PSA draws (another evidence file or other overrides?)"
        }
        for (a, b) in [(experimental, other.experimental), (control, other.control)] {
            if (try? TallyJSON.encoder().encode(a)) != (try? TallyJSON.encoder().encode(b)) {
                return "calibrated parameters of arm \(a.id) (other overrides or another evidence file)"
            }
        }
        return nil
    }
}

/// What one shard of a trial simulation produced (`nensim trial … --shard i/k`): the
/// outcomes of replicates r with r mod k = i − 1, in the shared shard-file framing
/// (`TallyContainer`, docs/TALLY-FORMAT.md) with `kind` "trial".
///
/// Body: per replicate of the shard, in replicate order, `fields.count` little-endian
/// 8-byte words — integers as int64, reals as IEEE 754 float64 bit patterns — so merge
/// gets back every double bit for bit and recomputes the summary from all replicates.
/// With `--psa K` the same again per draw; with `--assurance K` (format version 2), per
/// trial of the shard, in trial order, its outcome's `fields` words and then
/// `assuranceFields(spec)`: the draw's rejections (int64), drawn values and re-calibrated
/// parameters (float64, NaN where none).
public struct TrialShardFile: Sendable {
    public static let kind = "trial"

    /// The format version of a trial shard: 1, or 2 when it carries `--assurance` trials
    /// (a nensim that reads only version 1 then refuses it instead of dropping them).
    public static func formatVersion(of scenario: TrialScenario) -> Int { scenario.assurance == nil ? 1 : 2 }

    /// The words stored per assurance trial after its outcome's `fields`.
    public static func assuranceFields(_ spec: AssuranceSpec) -> [String] {
        ["rejected:i"] + spec.redrawn.map { "draw:\($0):f" } + zip(spec.parameterArms, spec.parameterNames).map { "param:\($0).\($1):f" }
    }

    /// The words stored per replicate, in order ("i" int64, "f" float64).
    public static let fields: [(name: String, type: Character)] = [
        ("replicate", "i"), ("analysis_time", "f"), ("enrolled_control", "i"), ("enrolled_experimental", "i"),
        ("events_control", "i"), ("events_experimental", "i"), ("logrank_o_minus_e", "f"), ("logrank_variance", "f"),
        ("log_hr", "f"), ("se_log_hr", "f"), ("cox_converged", "i"), ("median_control", "f"), ("median_experimental", "f"),
        ("z", "f"), ("p_two_sided", "f"), ("p_one_sided", "f"), ("hr", "f"), ("hr_lower", "f"), ("hr_upper", "f"),
    ]

    /// The shard's replicates: `count` replicates `first`, `first + stride`, … below `total`.
    public struct Replicates: Codable, Sendable, Equatable {
        public var total: Int
        public var first: Int
        public var stride: Int
        public var count: Int
    }

    public struct Header: Codable, Sendable {
        public var format: String
        public var formatVersion: Int
        /// "trial".
        public var kind: String
        public var nensimVersion: String
        /// SHA-256 of the scenario's canonical JSON.
        public var scenarioHash: String
        public var shard: ShardSpec
        public var replicates: Replicates
        /// `fields` as "name:i" / "name:f", so a reader needs nothing else to split the body.
        public var fields: [String]
        /// With `--assurance K`: the shard's trials (`total` K) and the words after each one's outcome.
        public var assurance: Replicates?
        public var assuranceFields: [String]?
        public var bodyBytes: Int
        public var scenario: TrialScenario
    }

    public var header: Header
    /// The shard's replicates, in replicate order.
    public var outcomes: [ReplicateOutcome]
    /// With `--psa K`: per draw, the shard's replicates under that draw's arms.
    public var psaOutcomes: [[ReplicateOutcome]]
    /// With `--assurance K`: the shard's trials.
    public var assurance: AssuranceShard?

    static var fieldList: [String] { fields.map { "\($0.name):\($0.type)" } }

    /// The shard file of `outcomes`, the replicates of `shard` of `request`
    /// (`TrialSimulator.run(request, replicates: Array(shard.workItems(total: request.replicates)))`).
    /// With `psa`, also the draws and, per draw, the same replicates under its arms.
    /// With `assurance`, the shard's predictive trials (`TrialSimulator.assurance(_:…shard:)`).
    public init(shard: ShardSpec, request: TrialRequest, outcomes: [ReplicateOutcome],
                psa: (draws: TrialScenario.PSA, outcomes: [[ReplicateOutcome]])? = nil, assurance: AssuranceShard? = nil) throws {
        let scenario = TrialScenario(request: request, psa: psa?.draws, assurance: assurance?.spec)
        let items = Replicates(total: request.replicates, first: shard.index - 1, stride: shard.count,
                               count: shard.workItemCount(total: request.replicates))
        precondition(outcomes.map(\.replicate) == Array(shard.workItems(total: request.replicates)), "a trial shard's outcomes are its replicates")
        let trials = assurance.map { a in
            Replicates(total: a.spec.trials, first: shard.index - 1, stride: shard.count, count: shard.workItemCount(total: a.spec.trials))
        }
        if let assurance {
            let mine = Array(shard.workItems(total: assurance.spec.trials))
            precondition(assurance.outcomes.map(\.replicate) == mine && assurance.draws.map(\.index) == mine, "a shard's assurance trials are its own")
        }
        let assuranceWords = assurance.map { (Self.fields.count + Self.assuranceFields($0.spec).count) * trials!.count } ?? 0
        header = Header(format: TallyFile.magic, formatVersion: Self.formatVersion(of: scenario), kind: Self.kind,
                        nensimVersion: NENSimInfo.version, scenarioHash: try scenario.hash(), shard: shard, replicates: items,
                        fields: Self.fieldList, assurance: trials, assuranceFields: assurance.map { Self.assuranceFields($0.spec) },
                        bodyBytes: 8 * (Self.fields.count * items.count * (1 + (psa?.draws.draws.count ?? 0)) + assuranceWords),
                        scenario: scenario)
        self.outcomes = outcomes
        psaOutcomes = psa?.outcomes ?? []
        self.assurance = assurance
        precondition(psaOutcomes.count == (psa?.draws.draws.count ?? 0))
    }

    /// The file's bytes.
    public func encoded() throws -> Data {
        var out = [UInt8]()
        out.reserveCapacity(header.bodyBytes)
        func append(_ o: ReplicateOutcome) {
            let s = o.statistics
            out.appendInt64(o.replicate); out.appendDouble(o.analysisTime)
            out.appendInt64(o.enrolledControl); out.appendInt64(o.enrolledExperimental)
            out.appendInt64(s.eventsControl); out.appendInt64(s.eventsExperimental)
            out.appendDouble(s.observedMinusExpected); out.appendDouble(s.variance)
            out.appendDouble(s.logHazardRatio); out.appendDouble(s.standardError); out.appendInt64(s.coxConverged ? 1 : 0)
            out.appendDouble(s.medianControl); out.appendDouble(s.medianExperimental)
            out.appendDouble(o.z); out.appendDouble(o.pTwoSided); out.appendDouble(o.pOneSided)
            out.appendDouble(o.hazardRatio); out.appendDouble(o.lower); out.appendDouble(o.upper)
        }
        for o in outcomes + psaOutcomes.joined() { append(o) }
        if let assurance {
            for (o, d) in zip(assurance.outcomes, assurance.draws) {
                append(o)
                out.appendInt64(d.rejected)
                for x in d.figures + d.parameters { out.appendDouble(x) }
            }
        }
        precondition(out.count == header.bodyBytes, "trial shard body size disagrees with its header")
        return try TallyContainer.encode(header: header, body: out, version: header.formatVersion)
    }

    /// Writes the file atomically, creating missing parent folders.
    /// - Throws: `NensimFailure.cannotCreate` naming the path.
    public func write(to path: String) throws {
        try TallyContainer.writeAtomically(try encoded(), to: path, what: "shard file")
    }

    /// Reads and checks a trial shard file: framing and checksum (`TallyContainer`),
    /// header against its scenario and shard, and every replicate's words.
    /// - Throws: `TallyFileError` saying what is wrong, without the file's name.
    public static func decode(_ data: Data) throws(TallyFileError) -> TrialShardFile {
        try decode(split: try TallyContainer.split(data))
    }

    /// `decode` of a file whose framing and checksum `TallyContainer.split` checked.
    static func decode(split: (header: Data, kind: String, body: ArraySlice<UInt8>)) throws(TallyFileError) -> TrialShardFile {
        let (json, kind, body) = split
        guard kind == Self.kind else { throw TallyFileError("a \(kind) shard, not a trial shard") }
        let header: Header
        do {
            header = try TallyJSON.decoder().decode(Header.self, from: json)
        } catch {
            throw TallyFileError("unreadable header: \(describe(decoding: error))")
        }
        let scenario = header.scenario
        guard header.format == TallyFile.magic, header.formatVersion == formatVersion(of: scenario) else {
            throw TallyFileError("header names format '\(header.format)' version \(header.formatVersion), not \(TallyFile.magic) \(formatVersion(of: scenario)) (the version of a trial shard \(scenario.assurance == nil ? "without" : "with") assurance trials)")
        }
        guard (try? scenario.hash()) == header.scenarioHash else {
            throw TallyFileError("its scenario hash does not match its scenario (edited by hand, or written by another nensim?)")
        }
        let n = scenario.design.patients
        guard scenario.replicates >= 1, n >= 2 else { throw TallyFileError("its scenario is not a runnable trial (no replicates or patients)") }
        // Ranges first, so the arithmetic below cannot overflow (docs/RELIABILITY.md).
        guard scenario.replicates <= Limits.replicates.upperBound, n <= Limits.trialPatients.upperBound,
              (scenario.psa?.draws.count ?? 0) <= Limits.psaDraws.upperBound else {
            throw TallyFileError("its scenario's replicates, patients or PSA draws are out of range")
        }
        if let a = scenario.assurance {
            guard Limits.psaDraws.contains(a.trials), scenario.psa == nil else {
                throw TallyFileError("its scenario's assurance trials (\(a.trials)) are not between \(Limits.psaDraws.lowerBound) and \(Limits.psaDraws.upperBound), or come with PSA draws")
            }
            guard a.redrawn.count <= 100_000, a.parameterArms.count == a.parameterNames.count, a.parameterArms.count <= 100_000 else {
                throw TallyFileError("its scenario's assurance columns are malformed (\(a.redrawn.count) redrawn, \(a.parameterArms.count) arms for \(a.parameterNames.count) parameters)")
            }
        }
        let shard = header.shard
        guard shard.count >= 1, shard.count <= ShardSpec.maxCount, shard.index >= 1, shard.index <= shard.count else {
            throw TallyFileError("its shard \(shard) is not between 1/1 and \(ShardSpec.maxCount)/\(ShardSpec.maxCount)")
        }
        let expected = Replicates(total: scenario.replicates, first: shard.index - 1, stride: shard.count,
                                  count: shard.workItemCount(total: scenario.replicates))
        guard header.replicates == expected else {
            throw TallyFileError("its replicates \(header.replicates) are not those of shard \(shard) of this trial")
        }
        guard header.fields == fieldList else { throw TallyFileError("its fields \(header.fields) are not \(fieldList)") }
        let blocks = 1 + (scenario.psa?.draws.count ?? 0)
        let trials = scenario.assurance.map {
            Replicates(total: $0.trials, first: shard.index - 1, stride: shard.count, count: shard.workItemCount(total: $0.trials))
        }
        guard header.assurance == trials else {
            throw TallyFileError("its assurance trials \(header.assurance.map { "\($0)" } ?? "none") are not those of shard \(shard) of this trial (\(trials.map { "\($0)" } ?? "none"))")
        }
        let extra = scenario.assurance.map(assuranceFields)
        guard header.assuranceFields == extra else {
            throw TallyFileError("its assurance fields \(header.assuranceFields ?? []) are not \(extra ?? [])")
        }
        let assuranceWords = (trials?.count ?? 0) * (fields.count + (extra?.count ?? 0))
        let bodyBytes = 8 * (fields.count * expected.count * blocks + assuranceWords)
        guard header.bodyBytes == bodyBytes, body.count == bodyBytes else {
            throw TallyFileError("its body has \(body.count) bytes; the header says \(header.bodyBytes) and its replicates need \(bodyBytes)")
        }
        var reader = ByteReader(bytes: body)
        var outcomes: [ReplicateOutcome] = []
        outcomes.reserveCapacity(expected.count * blocks)
        for _ in 0..<blocks {
            for r in shard.workItems(total: scenario.replicates) { outcomes.append(try readOutcome(&reader, replicate: r, patients: n, shard: shard)) }
        }
        var assurance: AssuranceShard?
        if let spec = scenario.assurance, let trials {
            var part = AssuranceShard(spec: spec, draws: [], outcomes: [])
            for t in shard.workItems(total: trials.total) {
                part.outcomes.append(try readOutcome(&reader, replicate: t, patients: n, shard: shard, what: "assurance trial"))
                let rejected = reader.int64()
                guard rejected >= 0, rejected <= PSA.maxRejections else {
                    throw TallyFileError("assurance trial \(t): \(rejected) rejected draws (at most \(PSA.maxRejections))")
                }
                let figures = (0..<spec.redrawn.count).map { _ in reader.double() }
                let parameters = (0..<spec.parameterNames.count).map { _ in reader.double() }
                if let bad = (figures + parameters).first(where: { $0.isInfinite }) {
                    throw TallyFileError("assurance trial \(t): a drawn value or parameter is \(bad)")
                }
                part.draws.append(AssuranceDraw(index: t, rejected: rejected, figures: figures, parameters: parameters))
            }
            assurance = part
        }
        let m = expected.count
        return TrialShardFile(header: header, outcomes: Array(outcomes[..<m]),
                              psaOutcomes: (1..<blocks).map { Array(outcomes[($0 * m)..<(($0 + 1) * m)]) }, assurance: assurance)
    }

    /// One outcome's `fields` words, every number range-checked: the replicate index the
    /// shard holds there, counts within the trial's patients, p-values in [0, 1], hazard
    /// ratios, standard errors, variances, medians and the analysis time not negative
    /// (NaN where a statistic is undefined).
    static func readOutcome(_ reader: inout ByteReader, replicate r: Int, patients n: Int, shard: ShardSpec,
                            what: String = "replicate") throws(TallyFileError) -> ReplicateOutcome {
        let replicate = reader.int64(), analysis = reader.double()
        let n0 = reader.int64(), n1 = reader.int64(), e0 = reader.int64(), e1 = reader.int64()
        let oe = reader.double(), v = reader.double(), beta = reader.double(), se = reader.double(), converged = reader.int64()
        let m0 = reader.double(), m1 = reader.double()
        let z = reader.double(), p2 = reader.double(), p1 = reader.double()
        let hr = reader.double(), lower = reader.double(), upper = reader.double()
        guard replicate == r else { throw TallyFileError("\(what) \(replicate) where shard \(shard) holds \(what) \(r)") }
        guard n0 >= 0, n1 >= 0, n0 <= n, n1 <= n - n0, e0 >= 0, e0 <= n0, e1 >= 0, e1 <= n1, converged == 0 || converged == 1 else {
            throw TallyFileError("\(what) \(r): malformed counts (enrolled \(n0)+\(n1) of \(n), events \(e0)+\(e1))")
        }
        let notNegative: [(String, Double)] = [("analysis time", analysis), ("log-rank variance", v), ("SE of log HR", se),
                                               ("control median", m0), ("experimental median", m1), ("HR", hr),
                                               ("HR lower limit", lower), ("HR upper limit", upper)]
        if let (name, x) = notNegative.first(where: { $0.1 < 0 }) { throw TallyFileError("\(what) \(r): \(name) \(x) is negative") }
        if let (name, p) = [("two-sided p", p2), ("one-sided p", p1)].first(where: { !$0.1.isNaN && !(0...1).contains($0.1) }) {
            throw TallyFileError("\(what) \(r): \(name) \(p) is not in [0, 1]")
        }
        let stats = TwoArmStatistics(eventsControl: e0, eventsExperimental: e1, observedMinusExpected: oe, variance: v,
                                     logHazardRatio: beta, standardError: se, coxConverged: converged == 1,
                                     medianControl: m0, medianExperimental: m1)
        return ReplicateOutcome(replicate: r, analysisTime: analysis, enrolledControl: n0, enrolledExperimental: n1,
                                statistics: stats, z: z, pTwoSided: p2, pOneSided: p1, hazardRatio: hr, lower: lower, upper: upper)
    }

    private init(header: Header, outcomes: [ReplicateOutcome], psaOutcomes: [[ReplicateOutcome]], assurance: AssuranceShard?) {
        self.header = header
        self.outcomes = outcomes
        self.psaOutcomes = psaOutcomes
        self.assurance = assurance
    }
}
