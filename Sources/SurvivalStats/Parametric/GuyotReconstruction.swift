import Foundation

/// Why a reconstruction failed.
public enum ReconstructionError: Error, Equatable, CustomStringConvertible, Sendable {
    case invalidInput(String)
    public var description: String { if case let .invalidInput(what) = self { return what }; return "" }
}

/// Individual patient data reconstructed from a digitised Kaplan–Meier curve and the
/// published numbers at risk, by the algorithm of Guyot, Ades, Ouwens and Welton (2012,
/// BMC Med Res Methodol 12:9), docs/PARAMETRIC.md § Reconstruction.
public struct GuyotReconstruction: Sendable {
    /// One reconstructed patient.
    public struct Patient: Sendable, Equatable { public var time: Double; public var event: Bool }
    /// Patients: events at the digitised times, censorings at the midpoints between
    /// digitised times, the rest censored at the last digitised time (Guyot's layout).
    public let patients: [Patient]
    /// The cleaned digitised curve the algorithm used (time ascending, S non-increasing,
    /// starting at (0, 1)).
    public let time: [Double]
    public let survival: [Double]
    /// Per cleaned point: number at risk, events and censorings the algorithm assigned.
    public let nRisk: [Int]
    public let events: [Int]
    public let censored: [Int]
    /// The at-risk rows used (time, n) — rows past the last digitised time or with no
    /// digitised point before the next row are dropped and said so in `notes`.
    public let riskTime: [Double]
    public let riskCount: [Int]
    /// What the cleaning and the algorithm changed, in words.
    public let notes: [String]

    /// Reconstructs patient data.
    ///
    /// - Contract: `curveTime`/`curveSurvival` of equal length ≥ 2, finite, in any order
    ///   (the digitiser's); survival as a proportion (values a little outside [0, 1] are
    ///   clamped). `riskTime`/`riskCount` of equal length ≥ 1, times strictly increasing,
    ///   the first at 0 (the number randomised), counts non-increasing and ≥ 0.
    ///   `totalEvents`, when given, is the published total number of events.
    /// - Cleaning (each reported in `notes`): points sorted by time; survival clamped to
    ///   [0, 1]; a point above an earlier one lowered to it (a KM curve never rises); of
    ///   points at one time the lowest kept; (0, 1) added when missing.
    /// - Algorithm: for each interval between at-risk times, censorings spread evenly,
    ///   their number adjusted until the reconstructed number at risk at the next at-risk
    ///   time equals the published one; events dᵏ = round(n̂ₖ(1 − Sₖ/Ŝ_last)); in the last
    ///   interval the censoring rate of the earlier intervals, and with `totalEvents` its
    ///   censorings adjusted until the events add up. A flat stretch of the curve gives
    ///   no events.
    /// - Complexity: O(points × iterations of the censoring adjustment).
    public static func reconstruct(curveTime: [Double], curveSurvival: [Double], riskTime: [Double], riskCount: [Int],
                                   totalEvents: Int? = nil) throws -> GuyotReconstruction {
        guard curveTime.count == curveSurvival.count, curveTime.count >= 2 else {
            throw ReconstructionError.invalidInput("the curve needs at least two digitised points with a time and a survival each")
        }
        guard riskTime.count == riskCount.count, !riskTime.isEmpty else {
            throw ReconstructionError.invalidInput("the numbers at risk need at least one row (time 0 and the number randomised)")
        }
        for i in curveTime.indices where !(curveTime[i].isFinite && curveSurvival[i].isFinite) {
            throw ReconstructionError.invalidInput("digitised point \(i + 1) is not a pair of finite numbers")
        }
        for i in riskTime.indices {
            guard riskTime[i].isFinite, riskTime[i] >= 0 else { throw ReconstructionError.invalidInput("at-risk row \(i + 1): time \(riskTime[i]) is not a finite number ≥ 0") }
            guard riskCount[i] >= 0 else { throw ReconstructionError.invalidInput("at-risk row \(i + 1): \(riskCount[i]) is negative") }
            if i > 0 {
                guard riskTime[i] > riskTime[i - 1] else { throw ReconstructionError.invalidInput("at-risk row \(i + 1): times must increase (\(riskTime[i]) after \(riskTime[i - 1]))") }
                guard riskCount[i] <= riskCount[i - 1] else { throw ReconstructionError.invalidInput("at-risk row \(i + 1): \(riskCount[i]) at risk is more than the \(riskCount[i - 1]) before it; numbers at risk never grow") }
            }
        }
        guard riskTime[0] == 0 else { throw ReconstructionError.invalidInput("the first at-risk row must be at time 0 (the number randomised); it is at \(riskTime[0])") }
        guard riskCount[0] > 0 else { throw ReconstructionError.invalidInput("the number at risk at time 0 must be positive") }
        if let totalEvents, totalEvents < 0 || totalEvents > riskCount[0] {
            throw ReconstructionError.invalidInput("the total number of events \(totalEvents) must be between 0 and the \(riskCount[0]) at risk at time 0")
        }

        // --- Cleaning.
        var notes: [String] = []
        var points = zip(curveTime, curveSurvival).map { ($0, $1) }
        if points.contains(where: { $0.0 < 0 }) {
            let n = points.filter { $0.0 < 0 }.count
            points.removeAll { $0.0 < 0 }
            notes.append("dropped \(n) digitised point\(n == 1 ? "" : "s") at negative times")
        }
        if !zip(points, points.dropFirst()).allSatisfy({ $0.0 <= $1.0 }) {
            notes.append("sorted the digitised points by time (they were not in time order)")
            points.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 > $1.1 }
        }
        var clamped = 0
        for i in points.indices where points[i].1 < 0 || points[i].1 > 1 { points[i].1 = min(max(points[i].1, 0), 1); clamped += 1 }
        if clamped > 0 { notes.append("clamped \(clamped) survival value\(clamped == 1 ? "" : "s") into [0, 1]") }
        var lowered = 0
        for i in points.indices.dropFirst() where points[i].1 > points[i - 1].1 { points[i].1 = points[i - 1].1; lowered += 1 }
        if lowered > 0 { notes.append("lowered \(lowered) digitised point\(lowered == 1 ? "" : "s") that rose above an earlier one (a Kaplan–Meier curve never rises)") }
        var merged: [(Double, Double)] = []
        var duplicates = 0
        for p in points {
            if let last = merged.last, last.0 == p.0 { merged[merged.count - 1].1 = min(last.1, p.1); duplicates += 1 } else { merged.append(p) }
        }
        if duplicates > 0 { notes.append("kept the lowest of the points at each repeated time (\(duplicates) merged)") }
        if merged.first!.0 > 0 { merged.insert((0, 1), at: 0); notes.append("added the point (0, 1)") }
        else if merged[0].1 != 1 { notes.append("the curve starts at S = \(merged[0].1) at time 0, not 1; kept as digitised") }
        let tS = merged.map(\.0), S = merged.map(\.1)
        let nt = tS.count

        // --- At-risk rows → intervals of digitised points: lower = first point at or
        // after the row's time, upper = last point before the next row's time.
        var rTime: [Double] = [], rCount: [Int] = []
        for i in riskTime.indices {
            if riskTime[i] > tS[nt - 1] {
                notes.append("dropped the at-risk row at time \(CSVNumber.text(riskTime[i])) (after the last digitised point, \(CSVNumber.text(tS[nt - 1])))")
                continue
            }
            rTime.append(riskTime[i]); rCount.append(riskCount[i])
        }
        var lower: [Int] = [], upper: [Int] = []
        var keepTime: [Double] = [], keepCount: [Int] = []
        for i in rTime.indices {
            let lo = tS.firstIndex { $0 >= rTime[i] } ?? nt
            let next = i + 1 < rTime.count ? rTime[i + 1] : .infinity
            let hi = (tS.lastIndex { $0 < next } ?? -1)
            if hi < lo {
                notes.append("dropped the at-risk row at time \(CSVNumber.text(rTime[i])) (no digitised point before the next row)")
                continue
            }
            lower.append(lo); upper.append(hi); keepTime.append(rTime[i]); keepCount.append(rCount[i])
        }
        // Intervals must tile the points: each lower is the previous upper + 1.
        for i in lower.indices.dropFirst() { lower[i] = upper[i - 1] + 1 }
        lower[0] = 0
        var nRiskPub = keepCount
        let nInt = lower.count

        // --- The algorithm (Guyot et al. 2012, their R code's structure, 0-based).
        var nHat = [Int](repeating: nRiskPub[0] + 1, count: nt + 1)
        var cen = [Int](repeating: 0, count: nt)
        var d = [Int](repeating: 0, count: nt)
        var kmHat = [Double](repeating: 1, count: nt)
        var lastI = [Int](repeating: 0, count: nInt)
        var nCensor = [Int](repeating: 0, count: nInt)

        /// Counts of `count` evenly spread censoring times in (a, b] distributed over the
        /// digitised intervals (tS[k], tS[k+1]] for k in range (as R's hist, right-closed).
        func spread(_ count: Int, from a: Double, to b: Double, over range: ClosedRange<Int>) {
            for k in range { cen[k] = 0 }
            guard count > 0 else { return }
            for j in 1...count {
                let c = a + Double(j) * (b - a) / Double(count + 1)
                // First k in range with c ≤ tS[k+1] (c > tS[k] by construction unless c == a).
                var k = range.lowerBound
                while k < range.upperBound && c > tS[k + 1] { k += 1 }
                cen[k] += 1
            }
        }

        func sweep(_ i: Int, range: ClosedRange<Int>, firstInterval: Bool, clampAtRisk: Bool) -> Int {
            nHat[lower[i]] = nRiskPub[i]
            var last = lastI[i]
            for k in range {
                if firstInterval && k == lower[i] { d[k] = 0; kmHat[k] = 1 } else {
                    d[k] = kmHat[last] != 0 ? Int((Double(nHat[k]) * (1 - S[k] / kmHat[last])).rounded(.toNearestOrEven)) : 0
                    d[k] = max(0, min(d[k], nHat[k]))
                    kmHat[k] = nHat[k] > 0 ? kmHat[last] * (1 - Double(d[k]) / Double(nHat[k])) : kmHat[last]
                }
                nHat[k + 1] = nHat[k] - d[k] - cen[k]
                if clampAtRisk && nHat[k + 1] < 0 { nHat[k + 1] = 0; cen[k] = nHat[k] - d[k] }
                if d[k] != 0 { last = k }
            }
            return last
        }

        var capped = false
        if nInt > 1 {
            for i in 0..<(nInt - 1) {
                nCensor[i] = Int((Double(nRiskPub[i]) * S[lower[i + 1]] / max(S[lower[i]], 1e-300) - Double(nRiskPub[i + 1])).rounded(.toNearestOrEven))
                var last = lastI[i]
                var iterations = 0
                repeat {
                    if nCensor[i] <= 0 { nCensor[i] = 0 }
                    spread(nCensor[i], from: tS[lower[i]], to: tS[lower[i + 1]], over: lower[i]...upper[i])
                    last = sweep(i, range: lower[i]...upper[i], firstInterval: i == 0, clampAtRisk: false)
                    nCensor[i] += nHat[lower[i + 1]] - nRiskPub[i + 1]
                    iterations += 1
                    if iterations > 10_000 { capped = true; break }
                } while nHat[lower[i + 1]] > nRiskPub[i + 1] || (nHat[lower[i + 1]] < nRiskPub[i + 1] && nCensor[i] > 0)
                if nHat[lower[i + 1]] < nRiskPub[i + 1] {
                    notes.append("at time \(CSVNumber.text(keepTime[i + 1])) the curve leaves only \(nHat[lower[i + 1]]) at risk, fewer than the \(nRiskPub[i + 1]) published; used \(nHat[lower[i + 1]])")
                    nRiskPub[i + 1] = nHat[lower[i + 1]]
                }
                lastI[i + 1] = last
            }
        }
        // Last interval: the censoring rate of the earlier intervals.
        let L = nInt - 1
        func lastIntervalCensoring() {
            if nCensor[L] <= 0 { nCensor[L] = 0 }
            if upper[L] > lower[L] {
                spread(nCensor[L], from: tS[lower[L]], to: tS[upper[L]], over: lower[L]...(upper[L] - 1))
            } else { cen[lower[L]] = 0 }
        }
        if nInt > 1 {
            let span = tS[upper[L - 1]] - tS[lower[0]]
            let rate = span > 0 ? Double(nCensor[0..<L].reduce(0, +)) * (tS[upper[L]] - tS[lower[L]]) / span : 0
            nCensor[L] = min(Int(rate.rounded(.toNearestOrEven)), nRiskPub[L])
        }
        lastIntervalCensoring()
        _ = sweep(L, range: lower[L]...upper[L], firstInterval: nInt == 1, clampAtRisk: true)
        if let totalEvents {
            let before = nInt > 1 ? d[0...upper[L - 1]].reduce(0, +) : 0
            if nInt > 1 && before >= totalEvents {
                for k in lower[L]...upper[L] { d[k] = 0; cen[k] = 0 }
                for k in (lower[L] + 1)...(upper[L] + 1) { nHat[k] = nRiskPub[L] }
                notes.append("the earlier intervals already hold \(before) events (≥ the \(totalEvents) published); none placed after time \(CSVNumber.text(keepTime[L]))")
            } else {
                var sumD = d[0...upper[L]].reduce(0, +)
                var iterations = 0
                while sumD > totalEvents || (sumD < totalEvents && nCensor[L] > 0) {
                    nCensor[L] += sumD - totalEvents
                    lastIntervalCensoring()
                    _ = sweep(L, range: lower[L]...upper[L], firstInterval: nInt == 1, clampAtRisk: true)
                    sumD = d[0...upper[L]].reduce(0, +)
                    iterations += 1
                    if iterations > 10_000 { capped = true; break }
                }
                if sumD != totalEvents { notes.append("reconstructed \(sumD) events; the published total is \(totalEvents) (the curve does not allow more)") }
            }
        }
        if capped { notes.append("the censoring adjustment stopped after 10 000 iterations in an interval (it oscillated); the result there is approximate") }

        // --- Patients.
        var patients: [Patient] = []
        patients.reserveCapacity(nRiskPub[0])
        for j in 0..<nt where d[j] > 0 { patients += Array(repeating: Patient(time: tS[j], event: true), count: d[j]) }
        for j in 0..<(nt - 1) where cen[j] > 0 { patients += Array(repeating: Patient(time: 0.5 * (tS[j] + tS[j + 1]), event: false), count: cen[j]) }
        let rest = nRiskPub[0] - patients.count
        if rest > 0 { patients += Array(repeating: Patient(time: tS[nt - 1], event: false), count: rest) }
        if rest < 0 { patients.removeLast(-rest) }
        return GuyotReconstruction(patients: patients, time: tS, survival: S, nRisk: Array(nHat[0..<nt]), events: d, censored: cen,
                                   riskTime: keepTime, riskCount: nRiskPub, notes: notes)
    }
}

/// Short text for numbers in notes.
enum CSVNumber {
    static func text(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(format: "%g", x) }
}
