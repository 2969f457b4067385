import Foundation

/// What one shard produced: its tallies (and, in exact mode, the records of its
/// blocks), with a self-describing header. The byte layout is specified in
/// docs/TALLY-FORMAT.md; in short:
///
///     nensim-tally 1\n                 magic and format version, ASCII
///     {header JSON}\n                  one line, UTF-8, sorted snake_case keys
///     body                             header.bodyBytes bytes: little-endian int64
///                                      counts, then (exact mode) the records
///     sha256 <64 hex digits>\n         SHA-256 of every byte before this line
///
/// The file is a pure function of the scenario and the shard (no time stamps, no
/// thread count), so a shard run twice writes the same bytes.
public struct TallyFile: Sendable {
    public static let magic = "nensim-tally"
    public static let formatVersion = 1
    /// The version of a run file that carries economic sums (`layout.economics`); files
    /// without them are version 1, byte for byte as before (docs/TALLY-FORMAT.md).
    public static let economicsFormatVersion = 2
    /// The versions this nensim reads.
    public static let readableVersions = 1...2
    /// The file name extension.
    public static let fileExtension = "nstally"

    /// The shard's work items: `count` items first, first + stride, … out of `total`
    /// (arm × blocksPerArm + block).
    public struct WorkItems: Codable, Sendable, Equatable {
        public var total: Int
        public var blocksPerArm: Int
        public var first: Int
        public var stride: Int
        public var count: Int
    }

    /// The shape of the body, so a reader needs nothing else to split it.
    public struct Layout: Codable, Sendable, Equatable {
        public var arms: Int
        /// Grid cells per endpoint.
        public var cells: Int
        /// Best-response tiers per arm.
        public var responseTiers: [Int]
        /// Binary outcomes per arm.
        public var binaryOutcomes: [Int]
        /// Whether the body ends with the records of the shard's blocks (exact mode).
        public var records: Bool
        /// Always "int64-le".
        public var integers: String
        /// Always "float64-le" (records' times, as IEEE 754 bit patterns).
        public var reals: String
        /// True when the body carries each arm's economic sums (format version 2); absent
        /// (nil) otherwise, so version 1 layouts read as before.
        public var economics: Bool?
    }

    public struct Header: Codable, Sendable {
        public var format: String
        public var formatVersion: Int
        public var nensimVersion: String
        /// SHA-256 of the scenario's canonical JSON.
        public var scenarioHash: String
        public var shard: ShardSpec
        public var workItems: WorkItems
        public var layout: Layout
        public var bodyBytes: Int
        public var scenario: TallyScenario
        /// `--evidence FILE` as the shard was given it (absent without one): merge lays it
        /// over the bundled catalogue again for the figures' quotes in `summary.json`.
        /// Not part of the scenario hash: the arms' calibrated models already are.
        public var evidenceFile: String?
        /// `run --psa K --shard i/k`: the PSA draws this shard simulated (absent without --psa).
        public var psa: PSASection?
    }

    /// What a `run --psa K` shard holds besides its share of the base run: the rows of
    /// `psa.csv` of draws d with d mod k = i − 1 (every shard samples all K draws, which
    /// is cheap, but simulates only those).
    public struct PSASection: Codable, Sendable, Equatable {
        /// K.
        public var draws: Int
        /// Contradictory draws redrawn, over all K draws.
        public var rejected: Int
        /// The redrawn figures (ids, sorted): the first columns of each row.
        public var figures: [String]
        /// The statistics of the shard's draws' reports, in order: the other columns
        /// (a statistic a draw's report lacks is NaN).
        public var statistics: [String]
        /// The shard's draws: `count` draws `first`, `first + stride`, … below `draws`.
        public var first: Int
        public var stride: Int
        public var count: Int

        var drawIndices: StrideTo<Int> { Swift.stride(from: first, to: draws, by: stride) }
        var rowBytes: Int { 8 * (figures.count + statistics.count) }
    }

    public var header: Header
    /// Per arm, the counts of this shard's blocks.
    public var tallies: [ArmTally]
    /// In exact mode, the records of each of this shard's work items, in work-item
    /// order (each covers the block's patients in order); nil in tally mode.
    public var blockRecords: [PatientRecords]?
    /// With `psa`: one row per draw of the shard, in draw order: figures, then statistics.
    public var psaRows: [[Double]]?

    /// The tally file of one shard's simulation.
    ///
    /// - Parameters:
    ///   - result: `Engine.run(request, workItems: Array(shard.workItems(total:)))`.
    ///   - reference, tau, landmarkTimes: the report's settings, carried for merge.
    ///   - evidenceFile: `--evidence`, carried for merge's manifest.
    ///   - psa: with `run --psa K`, the shard's draws (`RunPSA.shardRows`).
    ///   - economics: with `--economics`, the report's settings (the inputs are `result.request.economics`).
    public init(shard: ShardSpec, result: SimulationResult, reference: String?, tau: Double?,
                landmarkTimes: [Double] = Reporter.defaultLandmarks, evidenceFile: String? = nil,
                psa: (section: PSASection, rows: [[Double]])? = nil, economics: EconomicsScenario? = nil) throws {
        let request = result.request
        var scenario = TallyScenario(request: request, reference: reference, tau: tau, landmarkTimes: landmarkTimes, economics: economics)
        scenario.psa = psa?.section.draws
        let total = request.arms.count * request.blocksPerArm
        let items = WorkItems(total: total, blocksPerArm: request.blocksPerArm, first: shard.index - 1, stride: shard.count,
                              count: shard.workItemCount(total: total))
        let layout = TallyFile.layout(of: scenario)
        header = Header(format: TallyFile.magic, formatVersion: TallyFile.version(of: scenario), nensimVersion: NENSimInfo.version,
                        scenarioHash: try scenario.hash(), shard: shard, workItems: items, layout: layout,
                        bodyBytes: 0, scenario: scenario, evidenceFile: evidenceFile, psa: psa?.section)
        psaRows = psa?.rows
        tallies = result.tallies
        if let records = result.records {
            blockRecords = shard.workItems(total: total).map { item in
                let (arm, range) = TallyFile.patients(ofItem: item, request: request)
                let r = records[arm]
                return PatientRecords(pfsTime: Array(r.pfsTime[range]), pfsEvent: Array(r.pfsEvent[range]),
                                      osTime: Array(r.osTime[range]), osEvent: Array(r.osEvent[range]),
                                      responseTier: Array(r.responseTier[range]))
            }
        } else {
            blockRecords = nil
        }
        header.bodyBytes = TallyFile.bodyBytes(layout: layout, items: items, request: request)
            + (psa.map { $0.section.count * $0.section.rowBytes } ?? 0)
    }

    /// The arm and patient indices of work item `item`.
    static func patients(ofItem item: Int, request: SimulationRequest) -> (arm: Int, range: Range<Int>) {
        let arm = item / request.blocksPerArm, block = item % request.blocksPerArm
        let first = block * request.blockSize
        return (arm, first..<min(first + request.blockSize, request.patientsPerArm))
    }

    static func layout(of scenario: TallyScenario) -> Layout {
        let request = scenario.request()
        return Layout(arms: scenario.arms.count, cells: request.cells, responseTiers: scenario.arms.map(\.responseTierCount),
                      binaryOutcomes: scenario.arms.map(\.binaryOutcomes.count), records: request.keepsRecords,
                      integers: "int64-le", reals: "float64-le", economics: scenario.economics == nil ? nil : true)
    }

    /// The format version of a file of `scenario`: 2 with economics, else 1.
    static func version(of scenario: TallyScenario) -> Int {
        scenario.economics == nil ? formatVersion : economicsFormatVersion
    }

    /// Words of one arm's economic sums: patients, then Σq (hi, lo) and Σq² (hi, lo) of
    /// each accrued quantity, then Σ q_cost·q_QALY (hi, lo).
    static let economicWords = 1 + 4 * AccruedQuantity.allCases.count + 2

    /// Bytes per patient record: two float64 times, then three single bytes.
    static let recordBytes = 8 + 8 + 1 + 1 + 1

    static func bodyBytes(layout: Layout, items: WorkItems, request: SimulationRequest) -> Int {
        var n = 0
        for a in 0..<layout.arms { n += 8 * (1 + layout.responseTiers[a] + layout.binaryOutcomes[a] + 4 * layout.cells) }
        if layout.economics == true { n += 8 * economicWords * layout.arms }
        if layout.records {
            for item in stride(from: items.first, to: items.total, by: items.stride) {
                n += recordBytes * patients(ofItem: item, request: request).range.count
            }
        }
        return n
    }

    // MARK: Writing

    /// The file's bytes.
    public func encoded() throws -> Data {
        var out = [UInt8]()
        out.reserveCapacity(header.bodyBytes)
        for t in tallies {
            out.appendInt64(t.patients)
            for c in t.responseTiers { out.appendInt64(c) }
            for c in t.binaryOutcomes { out.appendInt64(c) }
            for e in [t.pfs, t.os] {
                for c in e.events { out.appendInt64(c) }
                for c in e.censored { out.appendInt64(c) }
            }
        }
        if header.layout.economics == true {
            for t in tallies {
                let e = t.economics ?? EconomicTally()
                out.appendInt64(e.patients)
                for q in AccruedQuantity.allCases {
                    for x in [e.sums[q.rawValue], e.squares[q.rawValue]] { out.appendUInt64(UInt64(bitPattern: x.high)); out.appendUInt64(x.low) }
                }
                out.appendUInt64(UInt64(bitPattern: e.costQALYProducts.high)); out.appendUInt64(e.costQALYProducts.low)
            }
        }
        for r in blockRecords ?? [] {
            for x in r.pfsTime { out.appendUInt64(x.bitPattern) }
            for x in r.osTime { out.appendUInt64(x.bitPattern) }
            for e in r.pfsEvent { out.append(e ? 1 : 0) }
            for e in r.osEvent { out.append(e ? 1 : 0) }
            for t in r.responseTier { out.append(UInt8(t)) }
        }
        for row in psaRows ?? [] { for x in row { out.appendDouble(x) } }
        precondition(out.count == header.bodyBytes, "tally body size disagrees with its layout")
        return try TallyContainer.encode(header: header, body: out, version: header.formatVersion)
    }

    /// Writes the file atomically (a temporary name in the same folder, then rename),
    /// creating missing parent folders; an existing file is replaced.
    ///
    /// - Throws: `NensimFailure.cannotCreate` naming the path.
    public func write(to path: String) throws {
        try TallyContainer.writeAtomically(try encoded(), to: path, what: "tally file")
    }

    // MARK: Reading

    /// Length of the trailer `sha256 <64 hex>\n`.
    static let trailerBytes = 7 + 64 + 1

    /// Reads and checks a tally file: magic and version, checksum, header, the layout
    /// against the scenario, and the body (counts non-negative and adding up to each
    /// arm's patients in this shard's blocks).
    ///
    /// - Throws: `TallyFileError` saying what is wrong, without the file's name.
    public static func decode(_ data: Data) throws(TallyFileError) -> TallyFile {
        try decode(split: try TallyContainer.split(data))
    }

    /// `decode` of a file whose framing and checksum `TallyContainer.split` checked.
    static func decode(split: (header: Data, kind: String, body: ArraySlice<UInt8>)) throws(TallyFileError) -> TallyFile {
        let (headerJSON, kind, body) = split
        guard kind == "run" else { throw TallyFileError("a \(kind) shard, not a run shard") }
        let header: Header
        do {
            header = try TallyJSON.decoder().decode(Header.self, from: headerJSON)
        } catch {
            throw TallyFileError("unreadable header: \(describe(decoding: error))")
        }
        guard header.format == magic, readableVersions.contains(header.formatVersion) else {
            throw TallyFileError("header names format '\(header.format)' version \(header.formatVersion), not \(magic) \(readableVersions.map(String.init).joined(separator: " or "))")
        }
        let scenario = header.scenario
        guard header.formatVersion == version(of: scenario) else {
            throw TallyFileError(scenario.economics == nil ? "format version \(header.formatVersion) but no economics in its scenario (version 2 files carry economic sums)"
                                 : "its scenario has economic inputs but the file is format version \(header.formatVersion), not \(economicsFormatVersion)")
        }
        guard (try? scenario.hash()) == header.scenarioHash else {
            throw TallyFileError("its scenario hash does not match its scenario (edited by hand, or written by another nensim?)")
        }
        guard !scenario.arms.isEmpty, scenario.patientsPerArm >= 1, scenario.blockSize >= 1, scenario.gridWidth > 0 else {
            throw TallyFileError("its scenario is not a runnable one (no arms, n, block size or grid)")
        }
        // Every number is range-checked before arithmetic uses it: the checksum finds
        // accidents, not edits (docs/RELIABILITY.md).
        if let field = scenario.outOfRangeField { throw TallyFileError("its scenario's \(field) is out of range") }
        let request = scenario.request()
        let total = scenario.arms.count * request.blocksPerArm
        let shard = header.shard
        guard shard.count >= 1, shard.count <= ShardSpec.maxCount, shard.index >= 1, shard.index <= shard.count else {
            throw TallyFileError("its shard \(shard) is not between 1/1 and \(ShardSpec.maxCount)/\(ShardSpec.maxCount)")
        }
        let expectedItems = WorkItems(total: total, blocksPerArm: request.blocksPerArm, first: shard.index - 1,
                                      stride: shard.count, count: shard.workItemCount(total: total))
        guard header.workItems == expectedItems else {
            throw TallyFileError("its work items \(header.workItems) are not those of shard \(shard) of this scenario")
        }
        let layout = TallyFile.layout(of: scenario)
        guard header.layout == layout else { throw TallyFileError("its header's layout (arms, cells, records) does not fit its scenario") }
        if let psa = header.psa {
            guard let K = scenario.psa, psa.draws == K, psa.rejected >= 0, psa.first == shard.index - 1, psa.stride == shard.count,
                  psa.count == shard.workItemCount(total: K) else {
                throw TallyFileError("its PSA draws (\(psa.count) from \(psa.first) by \(psa.stride) of \(psa.draws)) are not those of shard \(shard) of a PSA of \(scenario.psa.map { "\($0) draws" } ?? "no draws")")
            }
        } else if scenario.psa != nil {
            throw TallyFileError("its scenario has a PSA of \(scenario.psa!) draws but the file holds no PSA draws")
        }
        let bodyBytes = bodyBytes(layout: layout, items: expectedItems, request: request)
            + (header.psa.map { $0.count * $0.rowBytes } ?? 0)
        guard header.bodyBytes == bodyBytes, body.count == bodyBytes else {
            throw TallyFileError("its body has \(body.count) bytes; the header says \(header.bodyBytes) and its layout needs \(bodyBytes)")
        }

        // Expected patients per arm in this shard's blocks.
        var expectedPatients = [Int](repeating: 0, count: layout.arms)
        for item in shard.workItems(total: total) {
            let (arm, range) = patients(ofItem: item, request: request)
            expectedPatients[arm] += range.count
        }
        var reader = ByteReader(bytes: body)
        var tallies: [ArmTally] = []
        for a in 0..<layout.arms {
            var t = ArmTally(cells: layout.cells, tiers: layout.responseTiers[a], binaries: layout.binaryOutcomes[a])
            t.patients = reader.int64()
            for i in t.responseTiers.indices { t.responseTiers[i] = reader.int64() }
            for i in t.binaryOutcomes.indices { t.binaryOutcomes[i] = reader.int64() }
            for i in 0..<layout.cells { t.pfs.events[i] = reader.int64() }
            for i in 0..<layout.cells { t.pfs.censored[i] = reader.int64() }
            for i in 0..<layout.cells { t.os.events[i] = reader.int64() }
            for i in 0..<layout.cells { t.os.censored[i] = reader.int64() }
            let id = scenario.arms[a].id
            let n = expectedPatients[a]
            guard t.patients == n else {
                throw TallyFileError("arm \(id): \(t.patients) patients; shard \(shard)'s blocks hold \(n)")
            }
            // Each count within [0, n] first, so the sums below cannot overflow.
            for (field, counts) in [("response tier", t.responseTiers), ("binary outcome", t.binaryOutcomes),
                                    ("PFS event", t.pfs.events), ("PFS censoring", t.pfs.censored),
                                    ("OS event", t.os.events), ("OS censoring", t.os.censored)] {
                if let bad = counts.first(where: { $0 < 0 || $0 > n }) {
                    throw TallyFileError("arm \(id): a \(field) count of \(bad), outside 0 … \(n) (its patients in this shard)")
                }
            }
            guard checkedSum(t.pfs.events, t.pfs.censored) == n, checkedSum(t.os.events, t.os.censored) == n else {
                throw TallyFileError("arm \(id): PFS or OS counts do not add up to its \(n) patients")
            }
            guard let tiers = checkedSum(t.responseTiers, []), tiers <= n else {
                throw TallyFileError("arm \(id): response counts exceed its \(n) patients")
            }
            tallies.append(t)
        }
        if layout.economics == true {
            for a in 0..<layout.arms {
                var e = EconomicTally()
                e.patients = reader.int64()
                func exact() -> ExactSum { let h = Int64(bitPattern: reader.uint64()); return ExactSum(high: h, low: reader.uint64()) }
                for q in AccruedQuantity.allCases.map(\.rawValue) { e.sums[q] = exact(); e.squares[q] = exact() }
                e.costQALYProducts = exact()
                guard e.patients == tallies[a].patients, e.squares.allSatisfy({ $0.high >= 0 }) else {
                    throw TallyFileError("arm \(scenario.arms[a].id): economic sums of \(e.patients) patients (its tally has \(tallies[a].patients)) or a negative sum of squares")
                }
                tallies[a].economics = e
            }
        }
        var blockRecords: [PatientRecords]?
        if layout.records {
            var list: [PatientRecords] = []
            list.reserveCapacity(expectedItems.count)
            for item in shard.workItems(total: total) {
                let (arm, range) = patients(ofItem: item, request: request)
                let m = range.count
                let pfsTime = (0..<m).map { _ in Double(bitPattern: reader.uint64()) }
                let osTime = (0..<m).map { _ in Double(bitPattern: reader.uint64()) }
                let pfsEvent = (0..<m).map { _ in reader.byte() }
                let osEvent = (0..<m).map { _ in reader.byte() }
                let tier = (0..<m).map { _ in Int(reader.byte()) }
                let id = scenario.arms[arm].id
                guard (pfsEvent + osEvent).allSatisfy({ $0 <= 1 }), tier.allSatisfy({ $0 < layout.responseTiers[arm] }),
                      (pfsTime + osTime).allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                    throw TallyFileError("arm \(id): malformed records in work item \(item)")
                }
                list.append(PatientRecords(pfsTime: pfsTime, pfsEvent: pfsEvent.map { $0 == 1 }, osTime: osTime,
                                           osEvent: osEvent.map { $0 == 1 }, responseTier: tier))
            }
            blockRecords = list
        }
        var psaRows: [[Double]]?
        if let psa = header.psa {
            let width = psa.figures.count + psa.statistics.count
            psaRows = (0..<psa.count).map { _ in (0..<width).map { _ in reader.double() } }
        }
        return TallyFile(header: header, tallies: tallies, blockRecords: blockRecords, psaRows: psaRows)
    }

    private init(header: Header, tallies: [ArmTally], blockRecords: [PatientRecords]?, psaRows: [[Double]]?) {
        self.header = header
        self.tallies = tallies
        self.blockRecords = blockRecords
        self.psaRows = psaRows
    }
}

/// The sum of two arrays of counts, nil on overflow.
func checkedSum(_ a: [Int], _ b: [Int]) -> Int? {
    var total = 0
    for x in a + b {
        let (s, overflow) = total.addingReportingOverflow(x)
        if overflow { return nil }
        total = s
    }
    return total
}

/// What is wrong with a tally file (the message names no file; merge prefixes it).
public struct TallyFileError: Error, Equatable, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
