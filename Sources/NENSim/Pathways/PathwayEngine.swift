internal import CKernels
import Dispatch
import Foundation
import SurvivalStats

/// What to simulate for pathways: the pathways, the gap between lines, and the same
/// cohort size, seed, design and engine knobs as single arms (`simulation.arms` is unused;
/// `simulation.patientsPerArm` is the number of patients per pathway).
public struct PathwayRequest: Sendable {
    public var pathways: [Pathway]
    public var lineGap: Double
    /// `assumption` for the default gap, `override` when set on the command line.
    public var lineGapStatus: ParameterStatus
    public var simulation: SimulationRequest

    public init(pathways: [Pathway], lineGap: Double = PathwayAssumption.lineGapMonths,
                lineGapStatus: ParameterStatus = .assumption, simulation: SimulationRequest) {
        self.pathways = pathways
        self.lineGap = lineGap
        self.lineGapStatus = lineGapStatus
        self.simulation = simulation
    }

    public var patientsPerPathway: Int { simulation.patientsPerArm }
}

/// Integer counts of one pathway. Like `ArmTally`, they add up exactly across threads,
/// shards and machines.
public struct PathwayTally: Sendable, Codable, Equatable {
    public var patients: Int = 0
    /// Time from the start of line 1 to progression on line 1 (PFS of line 1).
    public var pfs1: EndpointTally
    /// Time from the start of line 1 to progression on line 2 or death, whichever first
    /// (death when line 2 is never started; OS for a one-line pathway).
    public var pfs2: EndpointTally
    public var os: EndpointTally
    /// Time on line k, from its start to progression on it, among patients who start it
    /// within follow-up (censored at the end of follow-up).
    public var lines: [EndpointTally]
    /// Patients who start line k at all (the model's share, follow-up aside).
    public var reached: [Int]
    /// Patients who start line k within follow-up (those counted in `lines[k]`).
    public var startedInFollowUp: [Int]
    /// Best-response tiers per line, among patients who start the line.
    public var responseTiers: [[Int]]
    /// Binary outcomes (responses, adverse events) per line, in each arm model's order.
    public var binaryOutcomes: [[Int]]
    /// Costs, QALYs and life-years, in total and per line (runs with economic inputs;
    /// docs/ECONOMICS.md, "Pathways").
    public var economics: PathwayEconomicTally?

    public init(cells: Int, pathway: Pathway) {
        pfs1 = EndpointTally(cells: cells)
        pfs2 = EndpointTally(cells: cells)
        os = EndpointTally(cells: cells)
        lines = pathway.lines.map { _ in EndpointTally(cells: cells) }
        reached = pathway.lines.map { _ in 0 }
        startedInFollowUp = reached
        responseTiers = pathway.lines.map { [Int](repeating: 0, count: $0.model.responseTierCount) }
        binaryOutcomes = pathway.lines.map { [Int](repeating: 0, count: $0.model.binaryOutcomes.count) }
    }

    public mutating func add(_ other: PathwayTally) {
        patients &+= other.patients
        pfs1.add(other.pfs1)
        pfs2.add(other.pfs2)
        os.add(other.os)
        for k in lines.indices {
            lines[k].add(other.lines[k])
            reached[k] &+= other.reached[k]
            startedInFollowUp[k] &+= other.startedInFollowUp[k]
            for i in responseTiers[k].indices { responseTiers[k][i] &+= other.responseTiers[k][i] }
            for i in binaryOutcomes[k].indices { binaryOutcomes[k][i] &+= other.binaryOutcomes[k][i] }
        }
        if let e = other.economics { economics = economics ?? PathwayEconomicTally(lines: lines.count); economics!.add(e) }
    }
}

extension PathwayTally: MergeableTally {
    /// PFS1, PFS2 and OS count every patient once (events + censored = patients); line
    /// k's time counts exactly the patients who start it within follow-up, who are among
    /// those who reach it, who never grow from one line to the next. Empty when all hold.
    func invariantViolations() -> [String] {
        var out: [String] = []
        for (name, e) in [("PFS1", pfs1), ("PFS2", pfs2), ("OS", os)] where e.events.reduce(0, +) + e.censored.reduce(0, +) != patients {
            out.append("\(name) events + censored ≠ \(patients) patients")
        }
        for k in lines.indices {
            if lines[k].events.reduce(0, +) + lines[k].censored.reduce(0, +) != startedInFollowUp[k] {
                out.append("line \(k + 1): events + censored ≠ \(startedInFollowUp[k]) started in follow-up")
            }
            if startedInFollowUp[k] > reached[k] { out.append("line \(k + 1): more started in follow-up than reached") }
            if k > 0 && reached[k] > reached[k - 1] { out.append("line \(k + 1) reached by more than line \(k)") }
        }
        if reached.first.map({ $0 != patients }) ?? false { out.append("line 1 not reached by every patient") }
        if let e = economics, ([e.total] + e.lines).contains(where: { $0.patients != patients }) {
            out.append("economics counted other than \(patients) patients")
        }
        return out
    }
}

/// Individual patients of one pathway (observed times, as the tallies see them).
public struct PathwayRecords: Sendable, Codable {
    public var pfs1Time: [Double]
    public var pfs1Event: [Bool]
    public var pfs2Time: [Double]
    public var pfs2Event: [Bool]
    public var osTime: [Double]
    public var osEvent: [Bool]
    /// Lines started (at all, follow-up aside), 1 … number of lines.
    public var linesReached: [Int]
    /// Per line k (outer index), per patient: the line's start (months from the start of
    /// line 1; NaN when never started), observed time on the line (NaN when not started
    /// within follow-up) and whether it ended in progression within follow-up.
    public var lineStart: [[Double]]
    public var lineTime: [[Double]]
    public var lineEvent: [[Bool]]
    /// Best-response tier on line 1 (matches `PatientRecords.responseTier`).
    public var responseTier: [Int]
}

/// Per-patient storage shared by workers. Invariant (as `RecordSink`): each block writes
/// only the indices of its own patients; the storage is read after all workers end.
final class PathwayRecordSink: @unchecked Sendable {
    let n: Int
    let lineCount: Int
    let times: UnsafeMutableBufferPointer<Double>   // n × 3: pfs1, pfs2, os
    let events: UnsafeMutableBufferPointer<Bool>    // n × 3
    let reached: UnsafeMutableBufferPointer<Int>
    let tier: UnsafeMutableBufferPointer<Int>
    let lineStart: UnsafeMutableBufferPointer<Double> // lineCount × n
    let lineTime: UnsafeMutableBufferPointer<Double>  // lineCount × n
    let lineEvent: UnsafeMutableBufferPointer<Bool>   // lineCount × n

    init(count n: Int, lines: Int) {
        self.n = n
        lineCount = lines
        times = .allocate(capacity: 3 * n); times.initialize(repeating: 0)
        events = .allocate(capacity: 3 * n); events.initialize(repeating: false)
        reached = .allocate(capacity: n); reached.initialize(repeating: 0)
        tier = .allocate(capacity: n); tier.initialize(repeating: 0)
        lineStart = .allocate(capacity: lines * n); lineStart.initialize(repeating: .nan)
        lineTime = .allocate(capacity: lines * n); lineTime.initialize(repeating: .nan)
        lineEvent = .allocate(capacity: lines * n); lineEvent.initialize(repeating: false)
    }

    deinit {
        times.deallocate(); events.deallocate(); reached.deallocate(); tier.deallocate()
        lineStart.deallocate(); lineTime.deallocate(); lineEvent.deallocate()
    }

    var records: PathwayRecords {
        func column(_ b: UnsafeMutableBufferPointer<Double>, _ j: Int) -> [Double] { (0..<n).map { b[3 * $0 + j] } }
        func columnB(_ b: UnsafeMutableBufferPointer<Bool>, _ j: Int) -> [Bool] { (0..<n).map { b[3 * $0 + j] } }
        return PathwayRecords(
            pfs1Time: column(times, 0), pfs1Event: columnB(events, 0),
            pfs2Time: column(times, 1), pfs2Event: columnB(events, 1),
            osTime: column(times, 2), osEvent: columnB(events, 2),
            linesReached: Array(reached),
            lineStart: (0..<lineCount).map { k in Array(lineStart[(k * n)..<((k + 1) * n)]) },
            lineTime: (0..<lineCount).map { k in Array(lineTime[(k * n)..<((k + 1) * n)]) },
            lineEvent: (0..<lineCount).map { k in Array(lineEvent[(k * n)..<((k + 1) * n)]) },
            responseTier: Array(tier))
    }
}

/// The per-pathway constants of the hot loop: one `PatientKernel` per line.
struct PathwayKernel: Sendable {
    /// Line k's kernel; line 1's carries the design's censoring (its layout is the
    /// single-arm one), later lines draw their patients' words at their own counters.
    let lines: [PatientKernel]
    let gap: Double
    let inverseWidth: Double
    let lastCell: Int
    let streamID: UInt32
    /// Philox calls a patient's later line k (k ≥ 1) uses: one for its four words, then
    /// ⌈binary outcomes / 4⌉; `laterOffset[k]` is where line k's calls start within the
    /// patient's share, `laterCalls` the share's size.
    let laterOffset: [Int]
    let laterCalls: Int
    /// Line k's costs and utilities (runs with economic inputs): the one accrual of
    /// `CostAccrual`, per segment (docs/ECONOMICS.md, "Pathways").
    let accruals: [CostAccrual]?
    /// Counts the simulation need not scatter per block because they equal others by
    /// construction, filled in per worker by `completed(_:)`: line 1's time when the
    /// censoring time is one fixed positive c (every patient starts line 1 at 0 < c, so
    /// its spans are PFS1's observations), and PFS2 on a one-line pathway (death, so OS).
    let lineOneIsPFS1: Bool
    let pfs2IsOS: Bool

    init(pathway: Pathway, request: PathwayRequest) {
        let s = request.simulation
        let censoring = CensoringStage(design: s.design)
        // Covariates are not drawn on pathways (docs/PATHWAYS.md).
        lines = pathway.lines.enumerated().map { k, line in
            PatientKernel(model: line.model, censoring: k == 0 ? censoring : CensoringStage(design: StudyDesign()),
                          streamID: pathway.streamID, hazardMultiplier: line.hazardMultiplier, covariates: false)
        }
        gap = request.lineGap
        inverseWidth = 1 / s.gridWidth
        lastCell = s.cells - 1
        streamID = pathway.streamID
        var offsets = [0, 0]
        for line in lines.dropFirst() { offsets.append(offsets.last! + 1 + (line.binaryThresholds.count + 3) / 4) }
        laterOffset = Array(offsets.dropLast())
        laterCalls = offsets.last!
        accruals = s.economics.map { inputs in
            pathway.lines.map { CostAccrual(inputs: inputs, model: $0.model, horizon: inputs.horizonMonths ?? s.design.horizon) }
        }
        lineOneIsPFS1 = !censoring.isRandom && censoring.fixed > 0
        pfs2IsOS = lines.count == 1
    }

    /// `tally` (a worker's sum of blocks) with the counts `simulate` leaves out filled in
    /// (`lineOneIsPFS1`, `pfs2IsOS`).
    func completed(_ tally: PathwayTally) -> PathwayTally {
        var t = tally
        if lineOneIsPFS1 { t.lines[0] = t.pfs1; t.startedInFollowUp[0] = t.patients }
        if pfs2IsOS { t.pfs2 = t.os }
        return t
    }

    /// Simulates patients [first, first + count) of one block, count ≤ the scratches'
    /// capacity.
    ///
    /// Draws (line 1 is the single-arm kernel's block, `PatientLayout`, word for word, so a
    /// one-line pathway reproduces `Engine.run` for its arm; n = patients in the block):
    /// 1. Philox call i for patient i's line 1: w0 response rank, w1 coupling choice, w2
    ///    PFS rank, w3 post-progression time;
    /// 2. calls n, n + 1, … a stream of words, four per call, of which patient i takes
    ///    words i·e … i·e + e − 1 (e = entry + dropout + line 1's binary outcomes, as needed);
    /// 3. after those, each patient has a fixed share of calls for later lines: line k
    ///    starts at call base + i·`laterCalls` + `laterOffset[k]` with its four words, then
    ///    its binary outcomes, four to a call — used only if the patient reaches line k.
    /// At progression on line k < K at time P, the post-progression time X from w3 of line k
    /// decides: X < gap → death at P + X before line k + 1 starts; else line k + 1 starts
    /// at P + gap. After the last line's progression, death at P + X.
    ///
    /// The block goes line by line: the patients who start line k + 1 are compacted into
    /// `PathwayScratch`'s slots, their words drawn at their own counters
    /// (`nensim_philox4x32_10_strided`) and their times by the line's `PatientKernel` over the
    /// slots — the same stages, so the same bits, as one patient at a time — and each
    /// line's counts scattered in C (`nensim_tally_spans`), the three endpoints' in one
    /// pass at the end (`nensim_pathway_endpoints`; on a one-line pathway PFS1 and OS as
    /// an arm's, `nensim_tally_scatter`). The slots' passes (line 1's slots, a line's
    /// progressions, the deaths after the last line) are CKernels' `nensim_pathway_…`
    /// functions, cloned for the machine's vectors. Counts equal to others by
    /// construction are left to `completed(_:)`.
    /// With economic inputs (`accruals`), each patient's line k is one segment — on line
    /// k's treatment from its start to progression on it, then progressed until line k + 1
    /// starts or death — accrued by `CostAccrual.accrueSegment`; `values` (lines + 1 rows
    /// of 6 × count) takes line k's values and the patient's total, whose sums go to
    /// `tally.economics` (`EconomicTally.add(values:count:)`).
    func simulate(count: Int, stream: RandomStream, tally: inout PathwayTally, records: PathwayRecordSink?, first: Int,
                  scratch: KernelScratch, lineScratch ls: PathwayScratch, values: AccrualScratch? = nil) {
        precondition(count <= ls.capacity && lines.count <= ls.lines, "a block larger than its pathway scratch")
        let lineCount = lines.count
        // Line 1 for the whole block.
        let l1 = lines[0]
        tally.responseTiers[0].withUnsafeMutableBufferPointer { tiers in
            tally.binaryOutcomes[0].withUnsafeMutableBufferPointer { bins in
                l1.draw(count: count, stream: stream, scratch: scratch, tiers: tiers, binaries: bins)
            }
        }
        tally.reached[0] &+= count
        if let records { (records.tier.baseAddress! + first).update(from: scratch.tier.baseAddress!, count: count) }
        let laterBase = UInt64(l1.layout.calls(patients: count))
        let censor = l1.censoring.isRandom ? UnsafePointer(scratch.censor.baseAddress!) : nil
        let fixedCensor = l1.censoring.fixed, inverseWidth = inverseWidth, lastCell = lastCell
        let pfs1 = UnsafePointer(scratch.pfs.baseAddress!)
        /// n spans into `e` (`nensim_tally_spans`): the spans counted.
        func scatter(_ e: inout EndpointTally, start: UnsafePointer<Double>?, end: UnsafePointer<Double>,
                     censor: UnsafePointer<Double>?, fixed: Double, n: Int) -> Int {
            e.withCounts { ev, ce in nensim_tally_spans(start, end, censor, fixed, n, inverseWidth, lastCell, ev, ce) }
        }
        // The slots: patient idx[j]'s censoring time, start of its current line, progression
        // on it and post-progression time; per patient its PFS2, death and lines reached.
        let idx = ls.index, cen = ls.censor, start = ls.start, progression = ls.progression, pps = ls.pps
        let pfs2 = ls.pfs2, death = ls.death, reached = ls.reached
        let segmentStart = ls.segmentStart, segmentProgression = ls.segmentProgression
        let economics = values != nil && accruals != nil
        if lineCount == 1 && records == nil && !economics {
            // An arm's patients: PFS1 and OS (= PFS1 + PPS) in one pass; line 1 and PFS2 by `completed`.
            tally.pfs1.withCounts { pe, pc in
                tally.os.withCounts { oe, oc in
                    nensim_tally_scatter(pfs1, scratch.pps.baseAddress!, censor, fixedCensor, count, inverseWidth, lastCell,
                                         pe, pc, oe, oc, nil, nil, nil, nil)
                }
            }
            if !lineOneIsPFS1 {
                start.update(repeating: 0, count: count)
                tally.startedInFollowUp[0] &+= scatter(&tally.lines[0], start: start, end: pfs1, censor: censor, fixed: fixedCensor, n: count)
            }
            tally.patients &+= count
            return
        }
        nensim_pathway_first_slots(count, censor, fixedCensor, pfs1, scratch.pps.baseAddress!, idx, cen, start, progression, pps, pfs2)
        if economics {
            segmentStart.update(repeating: 0, count: count)
            segmentProgression.update(from: pfs1, count: count)
        }
        /// Line k's spans of the m slots into its tally (and records).
        func countLine(_ k: Int, slots m: Int) {
            if k > 0 || !lineOneIsPFS1 {
                tally.startedInFollowUp[k] &+= scatter(&tally.lines[k], start: start, end: progression, censor: cen, fixed: 0, n: m)
            }
            guard let records else { return }
            for j in 0..<m {
                let patient = first + Int(idx[j]), c = cen[j]
                records.lineStart[k * records.n + patient] = start[j]
                guard start[j] < c else { continue }
                records.lineTime[k * records.n + patient] = min(progression[j], c) - start[j]
                records.lineEvent[k * records.n + patient] = progression[j] <= c
            }
        }
        countLine(0, slots: count)
        var m = count
        for k in 1..<max(lineCount, 1) {
            // Who dies before line k + 1 (X < gap), who starts it after the gap.
            m = PathwayScratch.compact(slots: m, gap: gap, line: k, ls)
            guard m > 0 else { break }
            let line = lines[k]
            tally.reached[k] &+= m
            // The line's four words and times at each patient's own counter (in the
            // kernel's word buffers, free once line 1 is drawn).
            let w0 = scratch.w0.baseAddress!, w1 = scratch.w1.baseAddress!, w2 = scratch.w2.baseAddress!, w3 = scratch.w3.baseAddress!
            let offset = UInt64(laterOffset[k]), share = UInt64(laterCalls)
            nensim_philox4x32_10_strided(stream.key0, stream.key1, laterBase &+ offset, share, idx, stream.block0, stream.block1,
                                         m, w0, w1, w2, w3)
            tally.responseTiers[k].withUnsafeMutableBufferPointer { tiers in
                line.draw(count: m, words: w0, w1, w2, w3, tierOf: scratch.tier.baseAddress!, rank: scratch.rank.baseAddress!,
                          pfs: ls.time, pps: pps, tiers: tiers)
            }
            // Binary outcomes: four to a call after the line's first.
            let thresholds = line.binaryThresholds
            if !thresholds.isEmpty {
                tally.binaryOutcomes[k].withUnsafeMutableBufferPointer { hits in
                    for group in 0..<((thresholds.count + 3) / 4) {
                        nensim_philox4x32_10_strided(stream.key0, stream.key1, laterBase &+ offset &+ 1 &+ UInt64(group), share, idx,
                                                     stream.block0, stream.block1, m, w0, w1, w2, w3)
                        for q in 0..<min(4, thresholds.count - 4 * group) {
                            let word = q == 0 ? w0 : q == 1 ? w1 : q == 2 ? w2 : w3
                            hits[4 * group + q] &+= nensim_count_below(word, m, thresholds[4 * group + q])
                        }
                    }
                }
            }
            nensim_pathway_progressions(m, idx, start, ls.time, progression, k == 1 ? pfs2 : nil)
            if economics {
                for j in 0..<m {
                    let i = Int(idx[j])
                    segmentStart[k * ls.capacity + i] = start[j]
                    segmentProgression[k * ls.capacity + i] = progression[j]
                }
            }
            countLine(k, slots: m)
        }
        // After the last line's progression (or line 1's on a one-line pathway): death at P + X.
        nensim_pathway_deaths(m, Int32(lineCount), idx, progression, pps, death, reached)
        // PFS1, PFS2 (death where no second progression) and OS from time 0, every patient
        // counted, in one pass.
        tally.pfs1.withCounts { e1, c1 in
            tally.pfs2.withCounts { e2, c2 in
                tally.os.withCounts { e3, c3 in
                    nensim_pathway_endpoints(pfs1, pfs2, death, censor, fixedCensor, count, inverseWidth, lastCell,
                                             e1, c1, pfs2IsOS ? nil : e2, pfs2IsOS ? nil : c2, e3, c3)
                }
            }
        }
        if economics, let accruals, let v = values?.values.baseAddress {
            // Row layout: line j's quantity q at v[(j·6 + q)·count + i]; the total at j = lines.
            let quantities = AccruedQuantity.allCases.count
            values!.clear(rows: (lineCount + 1) * quantities * count)
            withUnsafeTemporaryAllocation(of: Double.self, capacity: quantities) { o in
                let o = o.baseAddress!
                for i in 0..<count {
                    let last = Int(reached[i]) - 1
                    for j in 0...last {
                        let end = j < last ? segmentStart[(j + 1) * ls.capacity + i] : death[i]
                        accruals[j].accrueSegment(start: segmentStart[j * ls.capacity + i], progression: segmentProgression[j * ls.capacity + i],
                                                  end: end, death: death[i], into: o)
                        for q in 0..<quantities {
                            v[(j * quantities + q) * count + i] = o[q]
                            v[(lineCount * quantities + q) * count + i] += o[q]
                        }
                    }
                }
            }
            if tally.economics == nil { tally.economics = PathwayEconomicTally(lines: lineCount) }
            for j in 0..<lineCount { tally.economics!.lines[j].add(values: v + j * quantities * count, count: count) }
            tally.economics!.total.add(values: v + lineCount * quantities * count, count: count)
        }
        if let records {
            for i in 0..<count {
                let patient = first + i, c = censor?[i] ?? fixedCensor
                let times = (pfs1[i], pfs2[i], death[i])
                records.times[3 * patient] = min(times.0, c); records.times[3 * patient + 1] = min(times.1, c)
                records.times[3 * patient + 2] = min(times.2, c)
                records.events[3 * patient] = times.0 <= c; records.events[3 * patient + 1] = times.1 <= c
                records.events[3 * patient + 2] = times.2 <= c
                records.reached[patient] = Int(reached[i])
            }
        }
        tally.patients &+= count
    }
}

/// One worker's arrays for a pathway block beyond the kernel's (allocated once, reused;
/// the later lines' words, ranks and tiers use the `KernelScratch`'s, free once line 1 is
/// drawn): the slots of the patients still moving through the lines, and per patient its
/// PFS2, death, lines reached and each line's segment (economics). Plain pointers for the loops.
final class PathwayScratch {
    /// Keeps, in order, the slots 0 ..< m whose patient goes on to line k + 1 (0-based k:
    /// post-progression time ≥ gap, or not below it), each with its censoring time and
    /// the line's start (progression + gap); returns how many. Every patient's death
    /// (progression + post-progression time) and lines reached (k) are written here and
    /// overwritten on a later line if it goes on (CKernels' `nensim_pathway_compact`,
    /// eight slots at a time with AVX-512, four with AVX2).
    static func compact(slots m: Int, gap: Double, line k: Int, _ ls: PathwayScratch) -> Int {
        nensim_pathway_compact(m, gap, Int32(k), ls.index, ls.censor, ls.start, ls.progression, ls.pps, ls.death, ls.reached)
    }

    let capacity: Int
    let lines: Int
    /// Per slot j (the patient `index[j]` of the block).
    let index: UnsafeMutablePointer<Int32>
    let censor, start, progression, pps, time: UnsafeMutablePointer<Double>
    /// Per patient i of the block.
    let pfs2, death: UnsafeMutablePointer<Double>
    let reached: UnsafeMutablePointer<Int32>
    /// Line k's start and progression for patient i at [k·capacity + i] (lines × capacity).
    let segmentStart, segmentProgression: UnsafeMutablePointer<Double>

    /// Blocks of up to `capacity` patients on pathways of up to `lines` lines.
    init(capacity: Int, lines: Int) {
        let n = max(capacity, 1)
        self.capacity = n
        self.lines = lines
        func doubles(_ k: Int) -> UnsafeMutablePointer<Double> { let p = UnsafeMutablePointer<Double>.allocate(capacity: k); p.initialize(repeating: 0, count: k); return p }
        index = .allocate(capacity: n); index.initialize(repeating: 0, count: n)
        censor = doubles(n); start = doubles(n); progression = doubles(n); pps = doubles(n); time = doubles(n)
        pfs2 = doubles(n); death = doubles(n)
        reached = .allocate(capacity: n); reached.initialize(repeating: 0, count: n)
        segmentStart = doubles(n * max(lines, 1)); segmentProgression = doubles(n * max(lines, 1))
    }

    deinit {
        for p in [censor, start, progression, pps, time, pfs2, death, segmentStart, segmentProgression] { p.deallocate() }
        index.deallocate(); reached.deallocate()
    }
}

/// The outcome of a pathway simulation: per-pathway tallies and (small n) records.
public struct PathwayResult: Sendable {
    public var request: PathwayRequest
    public var tallies: [PathwayTally]
    public var records: [PathwayRecords]?
}

/// The Monte Carlo engine for pathways: the same scheme as `Engine` (docs/ARCHITECTURE.md, "Engine").
public enum PathwayEngine {
    /// Simulates every pathway of `request`. Work items are (pathway, block) pairs, item
    /// pathway·blocks + block, dealt to workers by the block driver; block b of pathway p
    /// uses the stream (seed, streamID(pathway id), replicate, b), so the result is
    /// identical for any thread count, and a one-line pathway equals the single-arm run of
    /// its arm. `items`: a subset of the work items; default all.
    /// - Complexity: O(pathways × n × lines) time, O(threads × pathways × lines × cells) memory.
    public static func run(_ request: PathwayRequest, items: WorkItems? = nil,
                           progress: (@Sendable (Int) -> Void)? = nil) -> PathwayResult {
        LinearAlgebra.setBLASThreads(1)
        let s = request.simulation
        let kernels = request.pathways.map { PathwayKernel(pathway: $0, request: request) }
        let cells = s.cells
        let grid = BlockGrid(patients: s.patientsPerArm, blockSize: s.blockSize)
        let items = items ?? WorkItems.all(request.pathways.count * grid.blocksPerUnit)
        let sinks: [PathwayRecordSink]? = s.keepsRecords
            ? request.pathways.map { PathwayRecordSink(count: s.patientsPerArm, lines: $0.lines.count) } : nil
        let empty = request.pathways.map {
            var t = PathwayTally(cells: cells, pathway: $0)
            if s.economics != nil { t.economics = PathwayEconomicTally(lines: $0.lines.count) }
            return t
        }
        let layouts = kernels.map(\.lines[0].layout)
        // Economics: per worker, room for the values of the longest pathway's lines and total.
        let maxLines = request.pathways.map(\.lines.count).max() ?? 1
        let valueRows = s.economics == nil ? 0 : (maxLines + 1) * AccruedQuantity.allCases.count
        let workers = BlockDriver.run(items: items, threads: s.threads,
                                      makeWorker: { _ in (tallies: empty, scratch: KernelScratch(capacity: s.blockSize, layouts: layouts),
                                                          lines: PathwayScratch(capacity: s.blockSize, lines: maxLines),
                                                          values: valueRows == 0 ? nil : AccrualScratch(capacity: valueRows * s.blockSize)) },
                                      progress: progress) { worker, item, _ in
            let (p, block, first, count) = grid.locate(item)
            let stream = RandomStream(seed: s.seed, arm: kernels[p].streamID, replicate: s.replicate, block: UInt64(block))
            kernels[p].simulate(count: count, stream: stream, tally: &worker.tallies[p], records: sinks?[p], first: first,
                                scratch: worker.scratch, lineScratch: worker.lines, values: worker.values)
            return count
        }
        let total = BlockDriver.merge(workers, empty: empty, tallies: { w in w.tallies.indices.map { kernels[$0].completed(w.tallies[$0]) } },
                                      names: request.pathways.map(\.id),
                                      context: "PathwayEngine.run, pathway")
        return PathwayResult(request: request, tallies: total, records: sinks?.map(\.records))
    }
}
