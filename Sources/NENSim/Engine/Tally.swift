import Foundation
import SurvivalStats

/// Integer counts of one endpoint on the time grid: cell k holds the times in
/// [k·w, (k+1)·w) and is reported at its right end (k+1)·w.
public struct EndpointTally: Sendable, Codable, Equatable {
    public var events: [Int]
    public var censored: [Int]

    public init(cells: Int) {
        events = [Int](repeating: 0, count: cells)
        censored = [Int](repeating: 0, count: cells)
    }

    public mutating func add(_ other: EndpointTally) {
        precondition(events.count == other.events.count, "tallies on different grids")
        for i in events.indices {
            events[i] &+= other.events[i]
            censored[i] &+= other.censored[i]
        }
    }

    public var totalEvents: Int { events.reduce(0, +) }

    /// The events' and censorings' cells as plain pointers for a kernel that adds to them
    /// (both `events.count` long, not aliasing each other).
    mutating func withCounts<R>(_ body: (_ events: UnsafeMutablePointer<Int>, _ censored: UnsafeMutablePointer<Int>) throws -> R) rethrows -> R {
        try events.withUnsafeMutableBufferPointer { e in
            try censored.withUnsafeMutableBufferPointer { c in try body(e.baseAddress!, c.baseAddress!) }
        }
    }
}

/// Everything counted for one arm. Counts are integers, so tallies from threads,
/// shards or machines add up exactly, in any order.
public struct ArmTally: Sendable, Codable, Equatable {
    public var patients: Int = 0
    public var pfs: EndpointTally
    public var os: EndpointTally
    /// Patients per best-response tier (tier 0 best).
    public var responseTiers: [Int]
    /// Patients with each binary outcome, in the arm model's order.
    public var binaryOutcomes: [Int]
    /// Costs, QALYs and life-years (runs with economic inputs; docs/ECONOMICS.md).
    public var economics: EconomicTally?

    public init(cells: Int, tiers: Int, binaries: Int) {
        pfs = EndpointTally(cells: cells)
        os = EndpointTally(cells: cells)
        responseTiers = [Int](repeating: 0, count: tiers)
        binaryOutcomes = [Int](repeating: 0, count: binaries)
    }

    public mutating func add(_ other: ArmTally) {
        patients &+= other.patients
        pfs.add(other.pfs)
        os.add(other.os)
        for i in responseTiers.indices { responseTiers[i] &+= other.responseTiers[i] }
        for i in binaryOutcomes.indices { binaryOutcomes[i] &+= other.binaryOutcomes[i] }
        if let e = other.economics { economics = (economics ?? EconomicTally()); economics!.add(e) }
    }
}

extension ArmTally: MergeableTally {
    /// Every patient counted once per endpoint (events + censored = patients) and, when
    /// the arm has response tiers, once among the tiers; binary outcomes at most once
    /// each. Empty when all hold. Checked after every run when built with
    /// `NENSIM_INVARIANTS` (docs/ARCHITECTURE.md, "Invariants").
    func invariantViolations() -> [String] {
        var out: [String] = []
        for (name, e) in [("PFS", pfs), ("OS", os)] where e.events.reduce(0, +) + e.censored.reduce(0, +) != patients {
            out.append("\(name) events + censored ≠ \(patients) patients")
        }
        let tiers = responseTiers.reduce(0, +)
        if tiers != 0 && tiers != patients { out.append("response tiers count \(tiers) of \(patients) patients") }
        if binaryOutcomes.contains(where: { $0 < 0 || $0 > patients }) { out.append("a binary outcome outside 0 … \(patients)") }
        if let e = economics, e.patients != patients { out.append("economics counted \(e.patients) of \(patients) patients") }
        return out
    }
}

/// Whether this build checks the invariants (docs/ARCHITECTURE.md, "Invariants"): built
/// with `NENSIM_INVARIANTS=1` in the environment or `-Xswiftc -DNENSIM_INVARIANTS`.
public enum Invariants {
    #if NENSIM_INVARIANTS
    public static let compiledIn = true
    #else
    public static let compiledIn = false
    #endif
}

/// Individual simulated patients of one arm (kept when n is small enough).
public struct PatientRecords: Sendable, Codable {
    public var pfsTime: [Double]
    public var pfsEvent: [Bool]
    public var osTime: [Double]
    public var osEvent: [Bool]
    public var responseTier: [Int]
}
