import CKernels
import Foundation

/// Cox proportional-hazards regression for right-censored data, matching R's
/// `survival::coxph` (`coxph.fit` / `coxfit6.c`, survival 3.5): same centring and
/// scaling, Newton–Raphson with step halving, convergence rule, tie handling, time fix
/// and tests. See docs/STATISTICS-COX.md for the formulas.
public enum CoxPH {
    /// R's `coxph.control(toler.chol = .Machine$double.eps^0.75)`: a Cholesky pivot
    /// below this fraction of its diagonal element marks a covariate as (numerically) a
    /// linear combination of the earlier ones.
    static let choleskyTolerance = pow(Double.ulpOfOne, 0.75)
    /// A covariate whose information at the initial values is below this fraction of
    /// its risk-weighted second moment varies (numerically) not at all within risk sets:
    /// constant, or constant within strata. The cancellation error of the information
    /// for n records is about n·ε ≈ 1e-10 at n = 10⁶ in the worst case, so 1e-9 leaves
    /// room; a real covariate, centred, has a ratio near 1.
    static let varianceTolerance = 1e-9

    /// Fits a Cox model to individual records.
    ///
    /// - Parameters:
    ///   - time: follow-up time of each of the n records (any finite value; only the
    ///     order matters). Times closer than √ε (absolutely, or relative to the mean
    ///     absolute distinct time) are merged as ties, as R's `aeqSurv` (`timefix = TRUE`).
    ///   - event: true if the record ended in the event, false if censored (length n).
    ///   - covariates: n × p, **row-major** (record i's covariates at `i*p ..< i*p+p`).
    ///   - p: number of covariate columns, ≥ 1.
    ///   - strata: optional stratum code per record; each stratum has its own baseline
    ///     hazard (separate risk sets), as `strata()` in R.
    ///   - ties: `.efron` (R's default) or `.breslow`.
    ///   - confidenceLevel: level of the Wald intervals for the hazard ratios.
    ///   - maxIterations: R's `iter.max` (20). 0 evaluates at `initial` only; with 1 the
    ///     single Newton step is returned without a convergence verdict, as R does.
    ///   - tolerance: R's `eps` (1e-9): stop when |1 − ℓ_old/ℓ_new| ≤ tolerance.
    ///   - initial: starting β (length p; default 0). The score test, `logLikelihoodNull`
    ///     and the Wald test refer to it, as in R.
    ///   - weights: case weights (length n, finite, > 0), as `coxph(…, weights = w)`:
    ///     each record's risk score and death terms are multiplied by its weight, and an
    ///     Efron tie of m death records uses their mean weight for each of its m terms
    ///     (`coxfit6.c`); `n` and `events` count records, as R's `n` and `nevent`.
    ///   - cluster: a cluster label per record, as `coxph(…, cluster = id)`: the robust
    ///     (sandwich) variance Σ_c (Σ_{i∈c} w_i D_i)(…)ᵀ from the dfbeta residuals
    ///     D = L I⁻¹ (score residuals L), as R's `fit$var` (see `CoxFit.naiveVariance`).
    ///   - robust: R's `robust`; nil = R's default: true with a cluster or non-integer
    ///     weights. Robust without a cluster takes each record as its own cluster.
    ///   - start: counting-process data, as `coxph(Surv(start, time, event) ~ …)`: the
    ///     record is at risk on (start, time] only (delayed entry; a subject's
    ///     time-varying covariates as several records). start < time for every record;
    ///     NaN = missing. The time fix runs over start and stop times together, as R's
    ///     `aeqSurv` on a counting-process `Surv`.
    /// - Returns: the fit. Rows with NaN in `time` or any covariate are dropped (R's
    ///   `na.omit`); `n` counts the rows used.
    /// - Throws: `CoxError.invalidInput` for inconsistent sizes, ±∞ in the data, no
    ///   events or no rows left; `.singular` when a covariate is constant (within
    ///   strata) or collinear with others; `.notConverged` when `maxIterations ≥ 2`
    ///   steps do not converge.
    /// - Complexity: O(n log n) to sort once, then O(n p + n p²) per iteration.
    public static func fit(time: [Double], event: [Bool], covariates: [Double], columns p: Int,
                           strata: [Int]? = nil, ties: CoxTies = .efron, confidenceLevel: Double = 0.95,
                           maxIterations: Int = 20, tolerance: Double = 1e-9,
                           initial: [Double]? = nil, weights: [Double]? = nil,
                           cluster: [Int]? = nil, robust: Bool? = nil, start: [Double]? = nil) throws -> CoxFit {
        let n = time.count
        var time = time
        var entry = start
        if let start {
            guard start.count == n else { throw CoxError.invalidInput("sizes disagree: \(n) stop times, \(start.count) start times") }
            for i in 0..<n where !start[i].isNaN && !time[i].isNaN {
                guard start[i].isFinite else { throw CoxError.invalidInput("start time of record \(i) is infinite") }
                guard start[i] < time[i] else {
                    throw CoxError.invalidInput("record \(i): start \(start[i]) is not before stop \(time[i]) (R: \"Stop time must be > start time\")")
                }
            }
            let (fixedStart, fixedStop) = try TimeFix.fixedIntervals(start: start, stop: time)
            entry = fixedStart; time = fixedStop
        }
        if let cluster, cluster.count != n { throw CoxError.invalidInput("sizes disagree: \(n) times, \(cluster.count) cluster labels") }
        let isRobust = robust ?? (cluster != nil || (weights?.contains { $0 != $0.rounded(.down) } ?? false))
        if let weights {
            guard weights.count == n else { throw CoxError.invalidInput("sizes disagree: \(n) times, \(weights.count) weights") }
            if let i = weights.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
                throw CoxError.invalidInput("weight of record \(i) is \(weights[i]); weights must be finite and > 0 (R: \"Invalid weights, must be >0\")")
            }
        }
        guard p >= 1 else { throw CoxError.invalidInput("need at least one covariate column (columns = \(p))") }
        guard event.count == n, covariates.count == n * p, strata.map({ $0.count == n }) ?? true else {
            throw CoxError.invalidInput("sizes disagree: \(n) times, \(event.count) event flags, \(covariates.count) covariate values for \(p) columns (need \(n * p))\(strata.map { ", \($0.count) strata codes" } ?? "")")
        }
        // na.omit: drop rows with NaN anywhere; reject infinities as R does.
        var missing = [Bool](repeating: false, count: n)
        var used = n
        for i in 0..<n {
            if time[i].isInfinite { throw CoxError.invalidInput("time of record \(i) is infinite") }
            var isMissing = time[i].isNaN || (entry?[i].isNaN ?? false)
            for j in 0..<p {
                let z = covariates[i * p + j]
                if z.isNaN { isMissing = true } else if z.isInfinite {
                    throw CoxError.invalidInput("covariate column \(j) of record \(i) is infinite (R: \"data contains an infinite predictor\")")
                }
            }
            if isMissing { missing[i] = true; used -= 1 }
        }
        guard used > 0 else { throw CoxError.invalidInput("no records left after dropping rows with missing values") }
        let design: CoxDesign
        var clusterOfRecord: [Int]? = nil
        if isRobust {
            let labels = cluster.map { c in (0..<n).filter { !missing[$0] }.map { c[$0] } } ?? Array(0..<used)
            let (_, codes) = LogRank.denseCodes(labels)
            clusterOfRecord = codes.map(Int.init)
        }
        if used == n {
            design = CoxDesign(time: time, event: event, count: weights,
                               covariates: covariates, columns: p, strata: strata, countsAreWeights: weights != nil,
                               recordForm: isRobust, entry: entry)
        } else {
            var t = [Double](), e = [Bool](), z = [Double](), s: [Int]? = strata == nil ? nil : []
            var w: [Double]? = weights == nil ? nil : []
            var a: [Double]? = entry == nil ? nil : []
            t.reserveCapacity(used); e.reserveCapacity(used); z.reserveCapacity(used * p)
            for i in 0..<n where !missing[i] {
                t.append(time[i]); e.append(event[i]); z.append(contentsOf: covariates[(i * p)..<(i * p + p)])
                if let entry { a!.append(entry[i]) }
                if let strata { s!.append(strata[i]) }
                if let weights { w!.append(weights[i]) }
            }
            design = CoxDesign(time: t, event: e, count: w,
                               covariates: z, columns: p, strata: s, countsAreWeights: weights != nil,
                               recordForm: isRobust, entry: a)
        }
        return try fit(design: design, ties: ties, confidenceLevel: confidenceLevel,
                       maxIterations: maxIterations, tolerance: tolerance, initial: initial, clusterOfRecord: clusterOfRecord)
    }

    /// Fits the Cox model of a group (arm) factor to grouped survival counts: the
    /// covariates are the treatment contrasts of groups 1…G−1 against group 0, so
    /// `coefficients[g−1]` is the log hazard ratio of group g versus group 0.
    ///
    /// - Parameters: for each group g (G ≥ 2 groups), `times[g]`, `events[g]` and
    ///   `censored[g]` have equal length; `events[g][k]` deaths and `censored[g][k]`
    ///   censorings happen at `times[g][k]`. Counts are non-negative integers (stored as
    ///   Double); times need not be sorted or distinct. Zero cells are ignored.
    /// - Returns: exactly the fit of the expanded individual records (one record per
    ///   patient, tied times) — Efron's tie correction counts patients, not cells —
    ///   up to rounding. `n` is the number of patients.
    /// - Complexity: O(c log c) to sort the c non-empty cells, then O(c p + d p²) per
    ///   iteration with d deaths (Efron) or death times (Breslow), p = G − 1.
    public static func fitGroups(times: [[Double]], events: [[Double]], censored: [[Double]],
                                 ties: CoxTies = .efron, confidenceLevel: Double = 0.95) throws -> CoxFit {
        let groups = times.count
        guard groups >= 2 else { throw CoxError.invalidInput("need at least two groups, got \(groups)") }
        guard events.count == groups, censored.count == groups else {
            throw CoxError.invalidInput("sizes disagree: \(groups) time arrays, \(events.count) event arrays, \(censored.count) censoring arrays")
        }
        let p = groups - 1
        var t = [Double](), e = [Bool](), c = [Double](), z = [Double]()
        let cells = times.reduce(0) { $0 + 2 * $1.count }
        t.reserveCapacity(cells); e.reserveCapacity(cells); c.reserveCapacity(cells); z.reserveCapacity(cells * p)
        for g in 0..<groups {
            guard events[g].count == times[g].count, censored[g].count == times[g].count else {
                throw CoxError.invalidInput("group \(g): \(times[g].count) times, \(events[g].count) event counts, \(censored[g].count) censoring counts")
            }
            // A cell's deaths, then its censored records (one record each when non-zero).
            func add(_ value: Double, isEvent: Bool, at k: Int) throws {
                guard value.isFinite, value >= 0, value.rounded() == value else {
                    throw CoxError.invalidInput("group \(g), time index \(k): \(isEvent ? "event" : "censoring") count \(value) is not a non-negative integer")
                }
                if value == 0 { return }
                let time = times[g][k]
                guard time.isFinite else { throw CoxError.invalidInput("group \(g), time index \(k): time \(time) is not finite") }
                t.append(time); e.append(isEvent); c.append(value)
                for j in 1...p { z.append(g == j ? 1 : 0) }
            }
            for k in 0..<times[g].count {
                try add(events[g][k], isEvent: true, at: k)
                try add(censored[g][k], isEvent: false, at: k)
            }
        }
        guard !t.isEmpty else { throw CoxError.invalidInput("no patients in any group") }
        let design = CoxDesign(time: t, event: e, count: c, covariates: z, columns: p, strata: nil)
        return try fit(design: design, ties: ties, confidenceLevel: confidenceLevel,
                       maxIterations: 20, tolerance: 1e-9, initial: nil)
    }

    /// The Cox model of two groups — the covariate 0 for the records of `tables[0]`, 1 for
    /// those of `tables[1]` (the treatment contrast of group 1 against group 0) — from the
    /// groups' Kaplan–Meier tables, without the records: the same fit, bit for bit, as
    /// `fit(time:event:covariates:columns:ties:confidenceLevel:)` on the records the tables
    /// were made from (the level form of `CoxDesign`, its blocks from the tables' rows).
    ///
    /// - Parameters:
    ///   - tables: the two groups' tables, time-fixed together (`SurvivalCounts.timeFixed`,
    ///     R's `aeqSurv` over both, as `coxph` fixes the whole data set) unless
    ///     `fixingTimes`, right-censored and unweighted (integer counts, no `entered`, no
    ///     `riskSet`), each with records.
    ///   - firstRecordGroup: the group (0 or 1) of the records' first record: the record
    ///     fit meets the covariate's values in that order, which fixes its order of additions.
    ///   - fixingTimes: the tables are not yet time-fixed together: the fit fixes them
    ///     itself, in its walk over their rows — the same fit as on
    ///     `SurvivalCounts.timeFixed(tables)`, without the fixed tables.
    /// - Complexity: O(m) in the tables' rows to build; then O(blocks) per iteration.
    public static func fitTwoGroups(tables: [SurvivalCounts], firstRecordGroup: Int, ties: CoxTies = .efron,
                                    confidenceLevel: Double = 0.95, fixingTimes: Bool = false) throws -> CoxFit {
        guard tables.count == 2, firstRecordGroup == 0 || firstRecordGroup == 1 else {
            throw CoxError.invalidInput("need two groups' tables and the first record's group (0 or 1), got \(tables.count) tables, group \(firstRecordGroup)")
        }
        var total = 0.0
        for (g, t) in tables.enumerated() {
            guard t.entered == nil, t.riskSet == nil else { throw CoxError.invalidInput("group \(g): a table with delayed entry; the two-group fit takes right-censored tables") }
            // Every row a finite time with integer counts (one vectorised pass in C); if
            // not, the first row that is not, named.
            var counted: UInt64 = 0
            let valid = t.time.withUnsafeBufferPointer { tp in
                t.events.withUnsafeBufferPointer { ep in
                    t.censored.withUnsafeBufferPointer { cp in
                        nensim_counts_valid(tp.baseAddress, ep.baseAddress, cp.baseAddress, Int64(tp.count), &counted)
                    }
                }
            }
            if valid == 0 {
                for k in t.time.indices {
                    let e = t.events[k], c = t.censored[k]
                    // Integers by truncation (a conversion, not a libm call), NaN,
                    // negatives and 2³² or more refused first.
                    guard e >= 0, c >= 0, e < 0x1p32, c < 0x1p32, t.time[k].isFinite,
                          Double(UInt32(e)) == e, Double(UInt32(c)) == c else {
                        if e >= 0x1p32 || c >= 0x1p32 {
                            throw CoxError.invalidInput("group \(g), row \(k): \(e) events, \(c) censored: the two-group fit counts fewer than 2³² records")
                        }
                        throw CoxError.invalidInput("group \(g), row \(k): time \(t.time[k]), \(e) events, \(c) censored: need a finite time and integer counts")
                    }
                }
                throw CoxError.invalidInput("group \(g): a row without a finite time and integer counts")
            }
            let records = Double(counted)
            guard records > 0 else { throw CoxError.invalidInput("group \(g) has no records") }
            total += records
        }
        guard total < Double(UInt32.max) else { throw CoxError.invalidInput("\(total) records: the two-group fit counts fewer than 2³² records") }
        let other = 1 - firstRecordGroup
        let design = CoxDesign(levelTables: [tables[firstRecordGroup], tables[other]],
                               values: [Double(firstRecordGroup), Double(other)], fixingTimes: fixingTimes)
        return try fit(design: design, ties: ties, confidenceLevel: confidenceLevel,
                       maxIterations: 20, tolerance: 1e-9, initial: nil)
    }

    // MARK: - Newton–Raphson (R's coxfit6 main loop)

    static func fit(design: CoxDesign, ties: CoxTies, confidenceLevel: Double, maxIterations: Int,
                    tolerance: Double, initial: [Double]?, clusterOfRecord: [Int]? = nil) throws -> CoxFit {
        let p = design.columns
        guard design.rows > 0 else { throw CoxError.invalidInput("no records left after dropping rows with missing values") }
        guard design.deaths > 0 else { throw CoxError.invalidInput("no events: the partial likelihood is flat and β is not identified") }
        guard confidenceLevel > 0, confidenceLevel < 1 else { throw CoxError.invalidInput("confidence level \(confidenceLevel) is not in (0, 1)") }
        guard maxIterations >= 0 else { throw CoxError.invalidInput("maxIterations \(maxIterations) is negative") }
        guard tolerance > 0 else { throw CoxError.invalidInput("tolerance \(tolerance) is not positive") }
        let start = initial ?? [Double](repeating: 0, count: p)
        guard start.count == p, start.allSatisfy(\.isFinite) else {
            throw CoxError.invalidInput("initial values: need \(p) finite numbers, got \(start)")
        }
        let scales = design.scales
        var likelihood = CoxLikelihood(design: design, ties: ties)

        // Evaluation at the initial values: ℓ(β₀) and the score test.
        let beta0 = (0..<p).map { start[$0] / scales[$0] }
        let loglik0 = likelihood.evaluate(beta0)
        guard loglik0.isFinite else { throw CoxError.invalidInput("log partial likelihood at the initial values is not finite (\(loglik0)); suspicion is extreme initial values") }
        for j in 0..<p where !(likelihood.information[j * p + j] > varianceTolerance * likelihood.secondMoment[j]) {
            throw CoxError.singular(cause: "covariate column \(j) does not vary within risk sets (suspicion is a covariate that is constant, or constant within strata)")
        }
        let factor0 = try factorise(likelihood.information, order: p)
        let step0 = solve(factor0, likelihood.score)
        let scoreStatistic = zip(likelihood.score, step0).reduce(0) { $0 + $1.0 * $1.1 }

        var beta = beta0
        var loglik = loglik0
        var iterations = 0
        var u = likelihood.score
        if maxIterations > 0 {
            var best = loglik0
            var newBeta = (0..<p).map { beta0[$0] + step0[$0] }
            var halving = 0.0
            var converged = false
            for iteration in 1...maxIterations {
                let newLoglik = likelihood.evaluate(newBeta)
                let finite = newLoglik.isFinite && likelihood.score.allSatisfy(\.isFinite)
                    && likelihood.information.allSatisfy(\.isFinite)
                if finite && abs(1 - best / newLoglik) <= tolerance {
                    _ = try factorise(likelihood.information, order: p, during: true)
                    beta = newBeta; loglik = newLoglik; u = likelihood.score
                    iterations = iteration; converged = true
                    break
                }
                if !finite || newLoglik < best {
                    // Not improving: move back towards the last good β, more each time.
                    halving += 1
                    for j in 0..<p { newBeta[j] = (newBeta[j] + halving * beta[j]) / (halving + 1) }
                } else {
                    halving = 0
                    best = newLoglik
                    let factor = try factorise(likelihood.information, order: p, during: true)
                    let step = solve(factor, likelihood.score)
                    beta = newBeta
                    for j in 0..<p { newBeta[j] = beta[j] + step[j] }
                }
                iterations = iteration
            }
            if !converged {
                if maxIterations > 1 {
                    throw CoxError.notConverged(iterations: maxIterations, logLikelihood: best)
                }
                // One step asked for: report it at the last accepted β, as R does.
                loglik = likelihood.evaluate(beta)
                _ = try factorise(likelihood.information, order: p, during: true)
                u = likelihood.score
            }
        } else {
            u = likelihood.score
        }
        let information = likelihood.information

        // Variance on the original scale: V_jk = Ṽ_jk · s_j · s_k.
        let scaledVariance: [Double]
        do { scaledVariance = try LinearAlgebra.inverseSPD(information, order: p) } catch {
            throw CoxError.singular(cause: "inversion failed (\(error)); suspicion is high collinearity")
        }
        var variance = scaledVariance
        for j in 0..<p { for k in 0..<p { variance[j * p + k] *= scales[j] * scales[k] } }
        // Robust: the sandwich from the weighted dfbeta residuals collapsed by cluster,
        // and the robust score test from the score residuals at the initial values.
        var naiveVariance: [Double]? = nil
        var robustScore: (statistic: Double, df: Int, pValue: Double)? = nil
        var clusters: Int? = nil
        var waldMatrix = information
        if let clusterOfRecord {
            let n = design.rows
            let ncl = (clusterOfRecord.max() ?? -1) + 1
            func collapsed(_ residual: [Double], times m: [Double]?) -> [Double] {
                var out = [Double](repeating: 0, count: ncl * p)
                for k in 0..<n {
                    let c = clusterOfRecord[Int(design.sourceIndex[k])], w = design.count[k]
                    for j in 0..<p {
                        var v = 0.0
                        if let m { for l in 0..<p { v += residual[k * p + l] * m[l * p + j] } } else { v = residual[k * p + j] }
                        out[c * p + j] += w * v
                    }
                }
                return out
            }
            func crossProduct(_ d: [Double]) -> [Double] {
                var v = [Double](repeating: 0, count: p * p)
                for c in 0..<ncl { for j in 0..<p { for k in 0..<p { v[j * p + k] += d[c * p + j] * d[c * p + k] } } }
                return v
            }
            let dfbeta = collapsed(likelihood.scoreResiduals(beta), times: scaledVariance)
            var robustVariance = crossProduct(dfbeta)
            for j in 0..<p { for k in 0..<p { robustVariance[j * p + k] *= scales[j] * scales[k] } }
            naiveVariance = variance
            variance = robustVariance
            let score0 = collapsed(likelihood.scoreResiduals(beta0), times: nil)
            let u0 = (0..<p).map { j in (0..<ncl).reduce(0.0) { $0 + score0[$1 * p + j] } }
            let t0 = crossProduct(score0)
            if let solved = try? LinearAlgebra.solveSPD(t0, order: p, rhs: u0) {
                let stat = zip(u0, solved).reduce(0) { $0 + $1.0 * $1.1 }
                robustScore = (stat, p, Distributions.chiSquaredSurvival(stat, df: Double(p)))
            }
            clusters = ncl
            // The Wald test on the robust variance (scaled axes: Ṽ_r⁻¹).
            var scaledRobust = robustVariance
            for j in 0..<p { for k in 0..<p { scaledRobust[j * p + k] /= scales[j] * scales[k] } }
            if let inverse = try? LinearAlgebra.inverseSPD(scaledRobust, order: p) { waldMatrix = inverse }
        }
        // β = β̃ · s; at 0 iterations the initial values themselves (no round trip).
        let coefficients = maxIterations == 0 ? start : (0..<p).map { beta[$0] * scales[$0] }

        // Wald test (β̂ − β₀)ᵀ I (β̂ − β₀), on the scaled axes (invariant).
        var wald = 0.0
        for j in 0..<p { for k in 0..<p { wald += (beta[j] - beta0[j]) * waldMatrix[j * p + k] * (beta[k] - beta0[k]) } }
        let naiveSE = naiveVariance.map { v in (0..<p).map { v[$0 * p + $0].squareRoot() } }

        // R's check for an infinite coefficient after the likelihood converged
        // (coxph.fit): |U Vᵀ|_j > eps and > √eps·|β_j|, or a non-finite score.
        var possiblyInfinite = [Bool](repeating: false, count: p)
        if maxIterations > 1 {
            let uOriginal = (0..<p).map { u[$0] / scales[$0] }
            for j in 0..<p {
                var s = 0.0
                for k in 0..<p { s += uOriginal[k] * (naiveVariance ?? variance)[k * p + j] }
                let inf = abs(s)
                possiblyInfinite[j] = !uOriginal[j].isFinite
                    || (inf > tolerance && inf > tolerance.squareRoot() * abs(coefficients[j]))
            }
        }

        let zCritical = Distributions.normalQuantile(1 - (1 - confidenceLevel) / 2)
        let se = (0..<p).map { variance[$0 * p + $0].squareRoot() }   // robust when robust
        let z = (0..<p).map { coefficients[$0] / se[$0] }
        let df = Double(p)
        let lrt = 2 * (loglik - loglik0)
        var fit = CoxFit(
            coefficients: coefficients,
            standardErrors: naiveSE ?? se,
            hazardRatios: coefficients.map { exp($0) },
            lowerCI: (0..<p).map { exp(coefficients[$0] - zCritical * se[$0]) },
            upperCI: (0..<p).map { exp(coefficients[$0] + zCritical * se[$0]) },
            zScores: z,
            pValues: z.map { 2 * Distributions.normalSurvival(abs($0)) },
            variance: variance,
            logLikelihoodNull: loglik0,
            logLikelihood: loglik,
            likelihoodRatio: (lrt, p, Distributions.chiSquaredSurvival(lrt, df: df)),
            wald: (wald, p, Distributions.chiSquaredSurvival(wald, df: df)),
            score: (scoreStatistic, p, Distributions.chiSquaredSurvival(scoreStatistic, df: df)),
            iterations: iterations,
            n: design.countsAreWeights ? design.rows : Int(design.patients),
            events: design.countsAreWeights ? design.deathRecords : Int(design.deaths),
            confidenceLevel: confidenceLevel,
            possiblyInfinite: possiblyInfinite)
        if naiveVariance != nil {
            fit.naiveVariance = naiveVariance
            fit.robustStandardErrors = se
            fit.robustScore = robustScore
            fit.clusters = clusters
        }
        return fit
    }

    /// Cholesky factor (lower, row-major) of the information matrix, with R's rank test:
    /// pivot j (the variance of covariate j not explained by covariates 0…j−1) must
    /// exceed `choleskyTolerance` × its diagonal element.
    /// - Throws: `CoxError.singular` naming the first failing column.
    static func factorise(_ a: [Double], order p: Int, during: Bool = false) throws -> [Double] {
        let when = during ? " during the iteration (suspicion is a coefficient diverging, or high collinearity)" : ""
        let l: [Double]
        do { l = try LinearAlgebra.cholesky(a, order: p) } catch let LinearAlgebraError.notPositiveDefinite(_, failedAt) {
            let j = failedAt - 1
            throw CoxError.singular(cause: "covariate column \(j) is (numerically) a linear combination of columns 0..<\(j)\(when); suspicion is high collinearity or a covariate that is constant within strata")
        }
        for j in 0..<p {
            let pivot = l[j * p + j] * l[j * p + j]
            if !(pivot > choleskyTolerance * a[j * p + j]) {
                throw CoxError.singular(cause: "covariate column \(j) is (numerically) a linear combination of columns 0..<\(j)\(when); suspicion is high collinearity")
            }
        }
        return l
    }

    /// Solves L Lᵀ x = b for a lower Cholesky factor `l` (p × p row-major). O(p²).
    static func solve(_ l: [Double], _ b: [Double]) -> [Double] {
        let p = b.count
        var y = b
        for i in 0..<p {
            var s = y[i]
            for k in 0..<i { s -= l[i * p + k] * y[k] }
            y[i] = s / l[i * p + i]
        }
        for i in stride(from: p - 1, through: 0, by: -1) {
            var s = y[i]
            for k in (i + 1)..<max(i + 1, p) { s -= l[k * p + i] * y[k] }
            y[i] = s / l[i * p + i]
        }
        return y
    }
}
