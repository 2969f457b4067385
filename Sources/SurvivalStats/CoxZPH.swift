import Foundation

/// The time transform g(t) of the proportional-hazards test, as `cox.zph(transform =)`.
public enum ZPHTransform: String, Sendable, CaseIterable, Codable {
    /// 1 − S(t−), S the pooled (unweighted, unstratified) Kaplan–Meier curve of the
    /// model's records: R's default.
    case km
    /// t itself.
    case identity
    /// The rank of t among all the model's records (ties averaged, as R's `rank`).
    case rank
    /// log t.
    case log
}

/// R's `cox.zph` (survival ≥ 3.0): the score test of the proportional-hazards
/// assumption, per term and global, and the scaled Schoenfeld residuals.
public struct CoxZPHResult: Sendable {
    public struct Test: Sendable, Equatable {
        public let name: String
        public let chiSquare: Double
        public let df: Int
        public let pValue: Double
    }
    /// One test per term (in the order given), then `GLOBAL`.
    public let tests: [Test]
    public let transform: ZPHTransform
    /// Per event (by stratum, then ascending time): its time, its transformed time
    /// g(t) (`fit$x`, not centred), its stratum.
    public let eventTime: [Double]
    public let transformedTime: [Double]
    public let eventStratum: [Int]
    /// Scaled Schoenfeld residuals + β̂, events × p row-major, one column per
    /// coefficient (`cox.zph(fit, terms = FALSE)$y`); NaN where a covariate is constant
    /// within the event's stratum.
    public let scaledResiduals: [Double]
}

public enum CoxZPH {
    /// The proportional-hazards test of a fitted Cox model, as
    /// `cox.zph(coxph(…), transform =, terms = TRUE)`.
    ///
    /// Method (`zph1.c`/`zph2.c`): one pass of the Cox score and information of the
    /// model with the added covariates x·g(t), at (β̂, γ = 0), g(t) the transform
    /// centred at its mean over the events; the test of term T is
    /// uᵀ I⁻¹ u with u = (0, U_γ[T]) over the coefficients and T's added columns, and
    /// the global test takes every added column. Breslow or Efron ties, case weights
    /// (Efron's terms carry the deaths' mean weight), strata (separate risk sets) and
    /// (start, stop] records (at risk on start < t ≤ stop).
    ///
    /// - Parameters:
    ///   - time: stop time of each of the n records (finite), after the model's time fix.
    ///   - start: counting-process starts (start < time), nil for right-censored data.
    ///   - event: true for an event.
    ///   - covariates: n × p, row-major; the model's design columns.
    ///   - beta: the fitted coefficients β̂ (p).
    ///   - terms: the columns of each term (a factor's treatment columns together),
    ///     covering 0..<p, with its name (R's `fit$assign`).
    ///   - strata: stratum code per record, nil for one stratum.
    ///   - weights: case weights (> 0), nil for 1 each.
    /// - Throws: `CoxError.invalidInput` for inconsistent sizes or no events;
    ///   `.singular` when the information matrix of the extended model cannot be solved.
    /// - Complexity: O(n log n + n p² + d p²), d events.
    public static func test(time: [Double], start: [Double]? = nil, event: [Bool], covariates: [Double], columns p: Int,
                            beta: [Double], terms: [(name: String, columns: [Int])], strata: [Int]? = nil,
                            weights: [Double]? = nil, ties: CoxTies = .efron, transform: ZPHTransform = .km) throws -> CoxZPHResult {
        let n = time.count
        guard event.count == n, covariates.count == n * p, beta.count == p, (start?.count ?? n) == n,
              (strata?.count ?? n) == n, (weights?.count ?? n) == n, p > 0 else {
            throw CoxError.invalidInput("cox.zph: sizes disagree (\(n) times, \(event.count) events, \(covariates.count) covariate values for \(p) columns, \(beta.count) coefficients)")
        }
        guard Set(terms.flatMap(\.columns)) == Set(0..<p) else { throw CoxError.invalidInput("cox.zph: the terms do not cover the \(p) columns") }
        let nEvents = event.reduce(0) { $0 + ($1 ? 1 : 0) }
        guard nEvents > 0 else { throw CoxError.invalidInput("cox.zph: no events") }
        let w = weights ?? [Double](repeating: 1, count: n)
        let stratum = strata ?? [Int](repeating: 0, count: n)

        // g(t) per record, centred at its mean over the events.
        var g = [Double](repeating: 0, count: n)
        switch transform {
        case .identity: g = time
        case .log: g = time.map { Foundation.log($0) }
        case .rank:
            let order = (0..<n).sorted { time[$0] < time[$1] }
            var i = 0
            while i < n {
                var j = i
                while j + 1 < n && time[order[j + 1]] == time[order[i]] { j += 1 }
                let r = Double(i + j + 2) / 2
                for k in i...j { g[order[k]] = r }
                i = j + 1
            }
        case .km:
            let table = start.map { SurvivalCounts(start: $0, stop: time, event: event) } ?? SurvivalCounts(time: time, event: event, timefix: false)
            let km = KaplanMeier.fit(table)
            for i in 0..<n {
                let before = lowerBound(km.time, time[i])   // rows with time < t: S(t−)
                g[i] = 1 - (before == 0 ? 1 : km.survival[before - 1])
            }
        }
        let transformed = g
        var mean = 0.0
        for i in 0..<n where event[i] { mean += g[i] }
        mean /= Double(nEvents)
        for i in 0..<n { g[i] -= mean }

        // Covariates centred (unweighted), as zph1.c; risk scores at β̂.
        var x = covariates
        for j in 0..<p {
            var m = 0.0
            for i in 0..<n { m += x[i * p + j] }
            m /= Double(n)
            for i in 0..<n { x[i * p + j] -= m }
        }
        var risk = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var eta = 0.0
            for j in 0..<p { eta += x[i * p + j] * beta[j] }
            risk[i] = exp(eta) * w[i]
        }

        // Records by stratum, then descending stop (and, for the exits, descending start).
        func descending(_ key: [Double]) -> [Int] {
            (0..<n).sorted { (i: Int, j: Int) -> Bool in
                if stratum[i] != stratum[j] { return stratum[i] < stratum[j] }
                if key[i] != key[j] { return key[i] > key[j] }
                return i < j
            }
        }
        let byStop = descending(time)
        let byStart = start.map(descending) ?? []

        // Covariates varying within each stratum (R's `used`): deaths there, or 0.
        let strataCodes = Array(Set(stratum)).sorted()
        let denseStratum = Dictionary(uniqueKeysWithValues: strataCodes.enumerated().map { ($1, $0) })
        let ns = strataCodes.count
        var used = [Int](repeating: 0, count: ns * p)
        do {
            var deathsIn = [Int](repeating: 0, count: ns)
            var first = [Int](repeating: -1, count: ns)
            var varies = [Bool](repeating: false, count: ns * p)
            for i in 0..<n {
                let s = denseStratum[stratum[i]]!
                if event[i] { deathsIn[s] += 1 }
                if first[s] < 0 { first[s] = i; continue }
                for j in 0..<p where covariates[i * p + j] != covariates[first[s] * p + j] { varies[s * p + j] = true }
            }
            for s in 0..<ns { for j in 0..<p where varies[s * p + j] { used[s * p + j] = deathsIn[s] } }
        }

        let q = 2 * p
        var u = [Double](repeating: 0, count: q)
        var imat = [Double](repeating: 0, count: q * q)   // upper blocks filled, symmetrised below
        var a = [Double](repeating: 0, count: p), a2 = a
        var cmat = [Double](repeating: 0, count: p * p), cmat2 = cmat
        var denom = 0.0
        var schoenfeld: [(time: Double, stratum: Int, index: Int, residual: [Double])] = []
        schoenfeld.reserveCapacity(nEvents)
        var ip = 0, exit = 0
        var current = Int.min
        func remove(_ i: Int) {
            let r = risk[i]
            denom -= r
            for j in 0..<p {
                a[j] -= r * x[i * p + j]
                for k in 0...j { cmat[j * p + k] -= r * x[i * p + j] * x[i * p + k] }
            }
        }
        while ip < n {
            let first = byStop[ip]
            if stratum[first] != current {
                current = stratum[first]
                denom = 0
                for j in 0..<p { a[j] = 0 }
                for j in 0..<(p * p) { cmat[j] = 0 }
                if start != nil { while exit < n && stratum[byStart[exit]] < current { exit += 1 } }
            }
            let dtime = time[first], timeWeight = g[first]
            var ndead = 0, deadWeight = 0.0, denom2 = 0.0
            var deaths: [Int] = []
            while ip < n {
                let i = byStop[ip]
                if time[i] != dtime || stratum[i] != current { break }
                let r = risk[i]
                if !event[i] {
                    denom += r
                    for j in 0..<p {
                        a[j] += r * x[i * p + j]
                        for k in 0...j { cmat[j * p + k] += r * x[i * p + j] * x[i * p + k] }
                    }
                } else {
                    ndead += 1; deadWeight += w[i]; denom2 += r
                    deaths.append(i)
                    for j in 0..<p {
                        u[j] += w[i] * x[i * p + j]
                        u[j + p] += timeWeight * w[i] * x[i * p + j]
                        a2[j] += r * x[i * p + j]
                        for k in 0...j { cmat2[j * p + k] += r * x[i * p + j] * x[i * p + k] }
                    }
                }
                ip += 1
            }
            // (start, stop]: records whose interval starts at or after this time leave.
            if let start {
                while exit < n && stratum[byStart[exit]] == current && start[byStart[exit]] >= dtime {
                    remove(byStart[exit]); exit += 1
                }
            }
            guard ndead > 0 else { continue }
            let m = Double(ndead)
            var means = [Double](repeating: 0, count: p)
            if ties == .breslow {
                denom += denom2
                for j in 0..<p {
                    a[j] += a2[j]
                    let mean = a[j] / denom
                    means[j] = mean
                    u[j] -= deadWeight * mean
                    u[j + p] -= timeWeight * deadWeight * mean
                    for k in 0...j {
                        cmat[j * p + k] += cmat2[j * p + k]
                        let t = deadWeight * (cmat[j * p + k] - mean * a[k]) / denom
                        imat[k * q + j] += t
                        imat[k * q + j + p] += t * timeWeight
                        imat[(k + p) * q + j + p] += t * timeWeight * timeWeight
                    }
                }
            } else {
                let average = deadWeight / m
                for j in 0..<p {
                    var tmean = 0.0
                    for k in 0..<ndead {
                        let f = Double(k + 1) / m
                        tmean += (a[j] + a2[j] * f) / (denom + denom2 * f)
                    }
                    means[j] = tmean / m
                }
                for _ in 0..<ndead {
                    denom += denom2 / m
                    for j in 0..<p {
                        a[j] += a2[j] / m
                        let mean = a[j] / denom
                        u[j] -= average * mean
                        u[j + p] -= timeWeight * average * mean
                        for k in 0...j {
                            cmat[j * p + k] += cmat2[j * p + k] / m
                            let t = average * (cmat[j * p + k] - mean * a[k]) / denom
                            imat[k * q + j] += t
                            imat[k * q + j + p] += timeWeight * t
                            imat[(k + p) * q + j + p] += timeWeight * timeWeight * t
                        }
                    }
                }
            }
            for i in deaths {
                schoenfeld.append((dtime, denseStratum[current]!, i, (0..<p).map { x[i * p + $0] - means[$0] }))
            }
            for j in 0..<p { a2[j] = 0 }
            for j in 0..<(p * p) { cmat2[j] = 0 }
        }
        // Symmetrise: imat[k][j] (k ≤ j) holds the upper triangle of each block.
        for j in 0..<p {
            for k in 0..<j {
                imat[j * q + k] = imat[k * q + j]
                imat[j * q + k + p] = imat[k * q + j + p]
                imat[(j + p) * q + k + p] = imat[(k + p) * q + j + p]
            }
        }
        for j in 0..<p { for k in 0..<p { imat[(j + p) * q + k] = imat[k * q + j + p] } }

        // Score tests: per term on the coefficients plus its added columns, and global.
        func scoreTest(_ added: [Int]) throws -> Double {
            let kk = Array(0..<p) + added.map { $0 + p }
            let m = kk.count
            var sub = [Double](repeating: 0, count: m * m)
            for (r, i) in kk.enumerated() { for (c, j) in kk.enumerated() { sub[r * m + c] = imat[i * q + j] } }
            let rhs = [Double](repeating: 0, count: p) + added.map { u[$0 + p] }
            let solved: [Double]
            do { solved = try LinearAlgebra.solveSPD(sub, order: m, rhs: rhs) } catch {
                throw CoxError.singular(cause: "cox.zph: the information of the time-varying model is singular (\(error))")
            }
            return zip(solved, rhs).reduce(0) { $0 + $1.0 * $1.1 }
        }
        var tests: [CoxZPHResult.Test] = []
        for term in terms {
            let chi = try scoreTest(term.columns)
            tests.append(.init(name: term.name, chiSquare: chi, df: term.columns.count,
                               pValue: Distributions.chiSquaredSurvival(chi, df: Double(term.columns.count))))
        }
        let global = try scoreTest(Array(0..<p))
        tests.append(.init(name: "GLOBAL", chiSquare: global, df: p, pValue: Distributions.chiSquaredSurvival(global, df: Double(p))))

        // Scaled residuals: V̄ = I_ββ / (events using each pair), r* = V̄⁻¹ r + β̂.
        schoenfeld.sort { (a, b) -> Bool in
            if a.stratum != b.stratum { return a.stratum < b.stratum }
            if a.time != b.time { return a.time < b.time }
            return a.index < b.index
        }
        var wtmat = [Double](repeating: 0, count: p * p)
        for s in 0..<ns { for j in 0..<p { for k in 0..<p { wtmat[j * p + k] += Double(min(used[s * p + j], used[s * p + k])) } } }
        var vmean = [Double](repeating: 0, count: p * p)
        for j in 0..<p { for k in 0..<p { vmean[j * p + k] = imat[j * q + k] / (wtmat[j * p + k] == 0 ? 1 : wtmat[j * p + k]) } }
        var scaled = [Double](repeating: .nan, count: schoenfeld.count * p)
        for (e, row) in schoenfeld.enumerated() {
            let k = (0..<p).filter { used[row.stratum * p + $0] > 0 }
            guard !k.isEmpty else { continue }
            var sub = [Double](repeating: 0, count: k.count * k.count)
            for (r, i) in k.enumerated() { for (c, j) in k.enumerated() { sub[r * k.count + c] = vmean[i * p + j] } }
            guard let solved = try? LinearAlgebra.solveSPD(sub, order: k.count, rhs: k.map { row.residual[$0] }) else { continue }
            for (r, j) in k.enumerated() { scaled[e * p + j] = solved[r] + beta[j] }
        }
        return CoxZPHResult(tests: tests, transform: transform, eventTime: schoenfeld.map(\.time),
                            transformedTime: schoenfeld.map { transformed[$0.index] }, eventStratum: schoenfeld.map(\.stratum),
                            scaledResiduals: scaled)
    }
}
