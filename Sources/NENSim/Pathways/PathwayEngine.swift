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
    /// single-arm one), later lines draw one patient at a time (`drawOne`).
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
    }

    /// Simulates patients [first, first + count) of one block.
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
    /// With economic inputs (`accruals`), each patient's line k is one segment — on line
    /// k's treatment from its start to progression on it, then progressed until line k + 1
    /// starts or death — accrued by `CostAccrual.accrueSegment`; `values` (lines + 1 rows
    /// of 6 × count) takes line k's values and the patient's total, whose sums go to
    /// `tally.economics` (`EconomicTally.add(values:count:)`).
    func simulate(count: Int, stream: RandomStream, tally: inout PathwayTally,
                  records: PathwayRecordSink?, first: Int, scratch: KernelScratch, values: AccrualScratch? = nil) {
        let lineCount = lines.count
        let key = (stream.key0, stream.key1), block0 = stream.block0, block1 = stream.block1
        @inline(__always) func call(_ c: Int) -> (UInt32, UInt32, UInt32, UInt32) {
            let c = UInt64(c)
            return Philox4x32_10.block(counter: (UInt32(truncatingIfNeeded: c), UInt32(truncatingIfNeeded: c >> 32), block0, block1), key: key)
        }
        @inline(__always) func component(_ w: (UInt32, UInt32, UInt32, UInt32), _ j: Int) -> UInt32 {
            switch j & 3 {
            case 0: return w.0
            case 1: return w.1
            case 2: return w.2
            default: return w.3
            }
        }
        // Line 1 for the whole block.
        let l1 = lines[0]
        tally.responseTiers[0].withUnsafeMutableBufferPointer { tiers in
            tally.binaryOutcomes[0].withUnsafeMutableBufferPointer { bins in
                l1.draw(count: count, stream: stream, scratch: scratch, tiers: tiers, binaries: bins)
            }
        }
        tally.reached[0] &+= count
        let laterBase = l1.layout.calls(patients: count)
        let randomCensoring = l1.censoring.isRandom, fixedCensor = l1.censoring.fixed
        let tier1 = scratch.tier.baseAddress!, pfs1Time = scratch.pfs.baseAddress!, pps1 = scratch.pps.baseAddress!
        let censor = scratch.censor.baseAddress!
        @inline(__always) func cell(_ t: Double) -> Int { min(Int(t * inverseWidth), lastCell) }
        // Economics: each line's start and progression, per patient (line k's segment ends
        // when line k + 1 starts, or at death).
        let accruals = values == nil ? nil : accruals
        var segmentStart = [Double](repeating: 0, count: lineCount), segmentProgression = segmentStart
        let quantities = AccruedQuantity.allCases.count
        if accruals != nil { values!.clear(rows: (lineCount + 1) * quantities * count) }
        for i in 0..<count {
            let patient = first &+ i
            let c = randomCensoring ? censor[i] : fixedCensor
            var pps = pps1[i]
            // Line 1 on study: starts at 0.
            var progression = pfs1Time[i]
            let pfs1 = progression
            var pfs2 = Double.nan
            record(line: 0, start: 0, end: progression, censor: c, tally: &tally, records: records, patient: patient)
            var k = 0
            var death: Double
            segmentStart[0] = 0; segmentProgression[0] = progression
            while true {
                if k == lineCount - 1 || pps < gap {
                    death = progression + pps
                    break
                }
                // Line k + 1 starts after the gap.
                k += 1
                let start = progression + gap
                let lineCall = laterBase &+ i &* laterCalls &+ laterOffset[k]
                let line = lines[k]
                let (tier, t, x) = line.drawOne(call(lineCall))
                pps = x
                tally.reached[k] &+= 1
                if line.response.hasTiers { tally.responseTiers[k][tier] &+= 1 }
                for j in 0..<line.binaryThresholds.count {
                    let w = component(call(lineCall &+ 1 &+ j >> 2), j)
                    if UInt64(w) < line.binaryThresholds[j] { tally.binaryOutcomes[k][j] &+= 1 }
                }
                progression = start + t
                segmentStart[k] = start; segmentProgression[k] = progression
                if k == 1 { pfs2 = progression }
                record(line: k, start: start, end: progression, censor: c, tally: &tally, records: records, patient: patient)
            }
            if pfs2.isNaN { pfs2 = death }
            if let accruals, let v = values?.values.baseAddress {
                // Row layout: line j's quantity q at v[(j·6 + q)·count + i]; the total at j = lines.
                var out = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
                withUnsafeMutableBytes(of: &out) { raw in
                    let o = raw.baseAddress!.assumingMemoryBound(to: Double.self)
                    for j in 0...k {
                        let end = j < k ? segmentStart[j + 1] : death
                        accruals[j].accrueSegment(start: segmentStart[j], progression: segmentProgression[j], end: end, death: death, into: o)
                        for q in 0..<quantities {
                            v[(j * quantities + q) * count + i] = o[q]
                            v[(lineCount * quantities + q) * count + i] += o[q]
                        }
                    }
                }
            }
            let times = (pfs1, pfs2, death)
            let p1 = min(times.0, c), p2 = min(times.1, c), o = min(times.2, c)
            let e1 = times.0 <= c, e2 = times.1 <= c, eo = times.2 <= c
            if e1 { tally.pfs1.events[cell(p1)] &+= 1 } else { tally.pfs1.censored[cell(p1)] &+= 1 }
            if e2 { tally.pfs2.events[cell(p2)] &+= 1 } else { tally.pfs2.censored[cell(p2)] &+= 1 }
            if eo { tally.os.events[cell(o)] &+= 1 } else { tally.os.censored[cell(o)] &+= 1 }
            if let records {
                records.times[3 * patient] = p1; records.times[3 * patient + 1] = p2; records.times[3 * patient + 2] = o
                records.events[3 * patient] = e1; records.events[3 * patient + 1] = e2; records.events[3 * patient + 2] = eo
                records.reached[patient] = k + 1
                records.tier[patient] = tier1[i]
            }
        }
        if accruals != nil, let v = values?.values.baseAddress {
            if tally.economics == nil { tally.economics = PathwayEconomicTally(lines: lineCount) }
            for j in 0..<lineCount { tally.economics!.lines[j].add(values: v + j * quantities * count, count: count) }
            tally.economics!.total.add(values: v + lineCount * quantities * count, count: count)
        }
        tally.patients &+= count
    }

    /// Counts line k (started at `start`, progressing at `end`) against the censoring time.
    @inline(__always)
    private func record(line k: Int, start: Double, end: Double, censor c: Double, tally: inout PathwayTally,
                        records: PathwayRecordSink?, patient: Int) {
        if let records { records.lineStart[k * records.n + patient] = start }
        guard start < c else { return }
        tally.startedInFollowUp[k] &+= 1
        let event = end <= c
        let observed = min(end, c) - start
        let cellIndex = min(Int(observed * inverseWidth), lastCell)
        if event { tally.lines[k].events[cellIndex] &+= 1 } else { tally.lines[k].censored[cellIndex] &+= 1 }
        if let records {
            records.lineTime[k * records.n + patient] = observed
            records.lineEvent[k * records.n + patient] = event
        }
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
        let valueRows = s.economics == nil ? 0 : (request.pathways.map(\.lines.count).max()! + 1) * AccruedQuantity.allCases.count
        let workers = BlockDriver.run(items: items, threads: s.threads,
                                      makeWorker: { _ in (tallies: empty, scratch: KernelScratch(capacity: s.blockSize, layouts: layouts),
                                                          values: valueRows == 0 ? nil : AccrualScratch(capacity: valueRows * s.blockSize)) },
                                      progress: progress) { worker, item, _ in
            let (p, block, first, count) = grid.locate(item)
            let stream = RandomStream(seed: s.seed, arm: kernels[p].streamID, replicate: s.replicate, block: UInt64(block))
            kernels[p].simulate(count: count, stream: stream, tally: &worker.tallies[p], records: sinks?[p], first: first,
                                scratch: worker.scratch, values: worker.values)
            return count
        }
        let total = BlockDriver.merge(workers, empty: empty, tallies: \.tallies, names: request.pathways.map(\.id),
                                      context: "PathwayEngine.run, pathway")
        return PathwayResult(request: request, tallies: total, records: sinks?.map(\.records))
    }
}
