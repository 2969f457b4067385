import Foundation
import Testing
@testable import SurvivalStats

/// One Cox fit whose expected values R wrote to `Tests/Fixtures/R/out-cox/<name>.csv`
/// (script `Tests/Fixtures/R/make_cox_fixtures.R`; the R call is in `rCall`).
struct CoxCase: CustomTestStringConvertible, Sendable {
    let name: String
    let rCall: String
    let time: [Double]
    let event: [Bool]
    let covariates: [Double]
    let columns: Int
    var strata: [Int]? = nil
    var ties: CoxTies = .efron
    var initial: [Double]? = nil
    var maxIterations: Int = 20
    var testDescription: String { name }

    func fit() throws -> CoxFit {
        try CoxPH.fit(time: time, event: event, covariates: covariates, columns: columns, strata: strata,
                      ties: ties, maxIterations: maxIterations, initial: initial)
    }
}

/// R's numbers for one case, read from the fixture CSV (quantity, index, value).
struct CoxExpected {
    let values: [String: [Double]]
    let names: [String]

    init(_ name: String) throws {
        let table = try FixtureTable.load("R/out-cox/\(name).csv")
        var v: [String: [Double]] = [:], names: [String] = []
        for row in table.rows {
            if row[0] == "name" { names.append(row[2]) } else { v[row[0], default: []].append(Double(row[2])!) }
        }
        values = v; self.names = names
    }
    subscript(_ q: String) -> [Double] { values[q]! }
}

/// |a − b| ≤ rel · max(|b|, floor): relative comparison, with an absolute floor for
/// quantities that are zero or tiny by nature (given per use).
func isClose(_ a: Double, _ b: Double, rel: Double = 1e-8, floor: Double = 0) -> Bool {
    if a == b { return true }
    return abs(a - b) <= rel * max(abs(b), floor)
}

enum CoxCases {
    static func lung(ties: CoxTies, initial: [Double]? = nil, name: String, rCall: String) throws -> CoxCase {
        let t = try FixtureTable.load("data/lung.csv")
        let age = t.numbers("age"), sex = t.numbers("sex"), ecog = t.optionalNumbers("ph.ecog")
        var z: [Double] = []
        for i in age.indices { z += [age[i], sex[i], ecog[i] ?? .nan] }
        return CoxCase(name: name, rCall: rCall, time: t.numbers("time"), event: t.numbers("status").map { $0 == 2 },
                       covariates: z, columns: 3, ties: ties, initial: initial)
    }

    static func all() throws -> [CoxCase] {
        var cases: [CoxCase] = []
        cases.append(try lung(ties: .efron, name: "lung_efron",
                              rCall: "coxph(Surv(time, status) ~ age + sex + ph.ecog, lung, ties = 'efron')"))
        cases.append(try lung(ties: .breslow, name: "lung_breslow",
                              rCall: "coxph(Surv(time, status) ~ age + sex + ph.ecog, lung, ties = 'breslow')"))
        cases.append(try lung(ties: .efron, initial: [0.01, -0.5, 0.4], name: "lung_efron_init",
                              rCall: "coxph(Surv(time, status) ~ age + sex + ph.ecog, lung, init = c(0.01, -0.5, 0.4))"))
        do {
            let t = try FixtureTable.load("data/lung.csv")
            cases.append(CoxCase(name: "lung_strata_sex", rCall: "coxph(Surv(time, status) ~ age + strata(sex), lung)",
                                 time: t.numbers("time"), event: t.numbers("status").map { $0 == 2 },
                                 covariates: t.numbers("age"), columns: 1, strata: t.numbers("sex").map { Int($0) }))
        }
        do {
            let t = try FixtureTable.load("data/veteran.csv")
            let trt = t.numbers("trt"), karno = t.numbers("karno"), cell = t.strings("celltype")
            var z: [Double] = []
            for i in trt.indices {
                z += [trt[i], karno[i]] + ["smallcell", "adeno", "large"].map { cell[i] == $0 ? 1 : 0 }
            }
            cases.append(CoxCase(name: "veteran_efron", rCall: "coxph(Surv(time, status) ~ trt + karno + celltype, veteran) (levels squamous, smallcell, adeno, large)",
                                 time: t.numbers("time"), event: t.numbers("status").map { $0 == 1 },
                                 covariates: z, columns: 5))
        }
        do {
            let t = try FixtureTable.load("data/ovarian.csv")
            let rx = t.numbers("rx"), age = t.numbers("age")
            cases.append(CoxCase(name: "ovarian_efron", rCall: "coxph(Surv(futime, fustat) ~ rx + age, ovarian)",
                                 time: t.numbers("futime"), event: t.numbers("fustat").map { $0 == 1 },
                                 covariates: rx.indices.flatMap { [rx[$0], age[$0]] }, columns: 2))
        }
        do {
            let t = try FixtureTable.load("data/rats.csv")
            let rx = t.numbers("rx"), sex = t.strings("sex").map { $0 == "m" ? 1.0 : 0 }
            let time = t.numbers("time"), event = t.numbers("status").map { $0 == 1 }
            let z = rx.indices.flatMap { [rx[$0], sex[$0]] }
            cases.append(CoxCase(name: "rats_efron", rCall: "coxph(Surv(time, status) ~ rx + sex, rats)",
                                 time: time, event: event, covariates: z, columns: 2))
            cases.append(CoxCase(name: "rats_breslow", rCall: "coxph(Surv(time, status) ~ rx + sex, rats, ties = 'breslow')",
                                 time: time, event: event, covariates: z, columns: 2, ties: .breslow))
            cases.append(CoxCase(name: "rats_strata_litter", rCall: "coxph(Surv(time, status) ~ rx + strata(litter), rats)",
                                 time: time, event: event, covariates: rx, columns: 1,
                                 strata: t.numbers("litter").map { Int($0) }))
        }
        do {
            let t = try FixtureTable.load("data/aml.csv")
            let x = t.strings("x").map { $0 == "Nonmaintained" ? 1.0 : 0 }
            let time = t.numbers("time"), event = t.numbers("status").map { $0 == 1 }
            cases.append(CoxCase(name: "aml_efron", rCall: "coxph(Surv(time, status) ~ x, aml)",
                                 time: time, event: event, covariates: x, columns: 1))
            cases.append(CoxCase(name: "aml_breslow", rCall: "coxph(Surv(time, status) ~ x, aml, ties = 'breslow')",
                                 time: time, event: event, covariates: x, columns: 1, ties: .breslow))
        }
        cases.append(test1(name: "test1_breslow", ties: .breslow, rCall: "coxph(Surv(time, status) ~ x, test1, ties = 'breslow')"))
        cases.append(test1(name: "test1_efron", ties: .efron, rCall: "coxph(Surv(time, status) ~ x, test1)"))
        var one = test1(name: "test1_breslow_iter1", ties: .breslow, rCall: "coxph(Surv(time, status) ~ x, test1, ties = 'breslow', iter.max = 1)")
        one.maxIterations = 1
        cases.append(one)
        var zero = test1(name: "test1_breslow_iter0", ties: .breslow, rCall: "coxph(Surv(time, status) ~ x, test1, ties = 'breslow', iter.max = 0)")
        zero.maxIterations = 0
        cases.append(zero)
        return cases
    }

    /// Therneau & Grambsch's data set 1 (survival/tests/book1.R): unsorted, and the second
    /// record has a missing status in R — here a NaN time, so it is dropped the same way.
    static func test1(name: String, ties: CoxTies, rCall: String) -> CoxCase {
        CoxCase(name: name, rCall: rCall,
                time: [9, .nan, 1, 1, 6, 6, 8], event: [true, true, true, false, true, true, false],
                covariates: [0, 2, 1, 1, 1, 0, 0], columns: 1, ties: ties)
    }
}

struct CoxTests {
    static let cases: [CoxCase] = (try? CoxCases.all()) ?? []

    @Test func fixturesLoad() {
        #expect(Self.cases.count == 15)
        #expect(CoxTies.allCases == [.breslow, .efron])
    }

    /// Every fixture: coefficients, standard errors, variance, log-likelihoods, the three
    /// tests and the confidence intervals agree with R to 1e-8 relative. (The iterates
    /// are R's iterates, not merely the same optimum, so the convergence tolerance does
    /// not loosen the bound.) Off-diagonal variances are compared relative to
    /// √(V_jj V_kk); quantities that are exactly 0 in R (β at iter.max = 0, the Wald
    /// statistic there) must be 0 up to 1e-12 absolute.
    @Test(arguments: cases)
    func matchesR(_ c: CoxCase) throws {
        let r = try CoxExpected(c.name)
        let fit = try c.fit()
        let p = c.columns
        #expect(r.names.count == p)
        for j in 0..<p {
            #expect(isClose(fit.coefficients[j], r["coef"][j], floor: 1e-4), "coef \(j): \(fit.coefficients[j]) vs R \(r["coef"][j])")
            #expect(isClose(fit.standardErrors[j], r["se"][j]), "se \(j): \(fit.standardErrors[j]) vs R \(r["se"][j])")
            #expect(isClose(fit.zScores[j], r["z"][j], floor: 1e-4), "z \(j)")
            #expect(isClose(fit.pValues[j], r["p"][j]), "p \(j): \(fit.pValues[j]) vs R \(r["p"][j])")
            #expect(isClose(fit.lowerCI[j], r["lower"][j]), "lower \(j)")
            #expect(isClose(fit.upperCI[j], r["upper"][j]), "upper \(j)")
            #expect(isClose(fit.hazardRatios[j], exp(r["coef"][j]), floor: 1e-4))
            for k in 0..<p {
                let scale = (r["var"][j * p + j] * r["var"][k * p + k]).squareRoot()
                #expect(isClose(fit.variance[j * p + k], r["var"][j * p + k], floor: scale), "var \(j),\(k)")
            }
        }
        #expect(isClose(fit.logLikelihoodNull, r["loglik"][0]), "loglik[1] \(fit.logLikelihoodNull) vs \(r["loglik"][0])")
        #expect(isClose(fit.logLikelihood, r["loglik"][1]), "loglik[2] \(fit.logLikelihood) vs \(r["loglik"][1])")
        for (name, test) in [("lrt", fit.likelihoodRatio), ("wald", fit.wald), ("score", fit.score)] {
            #expect(isClose(test.statistic, r[name][0], floor: 1e-4), "\(name) statistic \(test.statistic) vs R \(r[name][0])")
            #expect(test.df == Int(r[name][1]))
            #expect(isClose(test.pValue, r[name][2]), "\(name) p \(test.pValue) vs R \(r[name][2])")
        }
        // R reports iter = iter.max + 1 when the limit (here only iter.max = 1) ends the
        // loop; we report the steps actually taken.
        let rIter = Int(r["iter"][0])
        #expect(fit.iterations == (c.maxIterations == 1 ? rIter - 1 : rIter))
        #expect(fit.n == Int(r["n"][0]))
        #expect(fit.events == Int(r["nevent"][0]))
        #expect(fit.possiblyInfinite == [Bool](repeating: false, count: p))
    }

    /// Hand values of Therneau & Grambsch (book1.R): with r = e^β, Breslow
    /// ℓ(β) = 2β − log(3r + 3) − 2 log(r + 3), U(0) = 1, I(0) = 5/8, so the first
    /// Newton step from 0 is 8/5 and the MLE is 1.4752849.
    @Test func therneauGrambschByHand() throws {
        let c = CoxCases.test1(name: "", ties: .breslow, rCall: "")
        let one = try CoxPH.fit(time: c.time, event: c.event, covariates: c.covariates, columns: 1,
                                ties: .breslow, maxIterations: 1)
        #expect(abs(one.coefficients[0] - 8.0 / 5) < 1e-14)
        #expect(abs(one.score.statistic - 1.0 / (5.0 / 8)) < 1e-14)     // U²/I at 0
        #expect(abs(one.logLikelihoodNull - -(log(6.0) + 2 * log(4.0))) < 1e-14)
        let full = try CoxPH.fit(time: c.time, event: c.event, covariates: c.covariates, columns: 1, ties: .breslow)
        let b = full.coefficients[0], r = exp(b)
        #expect(abs(b - 1.4752849) < 1e-7)
        #expect(abs(full.logLikelihood - (2 * b - log(3 * r + 3) - 2 * log(r + 3))) < 1e-13)
        #expect(abs(full.variance[0] - 1 / (r / ((r + 1) * (r + 1)) + 6 * r / ((r + 3) * (r + 3)))) < 1e-12)
    }
}

/// Grouped (arm × time-grid) data against the same patients as individual records.
struct CoxGroupedTests {
    struct Grouped: CustomTestStringConvertible, Sendable {
        let label: String
        let times: [[Double]], events: [[Double]], censored: [[Double]]
        var testDescription: String { label }

        /// One record per patient: group indicators as treatment contrasts vs group 0.
        func expanded() -> (time: [Double], event: [Bool], z: [Double], p: Int) {
            let p = times.count - 1
            var t: [Double] = [], e: [Bool] = [], z: [Double] = []
            for g in times.indices {
                for k in times[g].indices {
                    for (n, isEvent) in [(events[g][k], true), (censored[g][k], false)] where n > 0 {
                        for _ in 0..<Int(n) {
                            t.append(times[g][k]); e.append(isEvent)
                            z += (1...p).map { g == $0 ? 1 : 0 }
                        }
                    }
                }
            }
            return (t, e, z, p)
        }
    }

    static let cases: [Grouped] = [
        Grouped(label: "two arms, shared grid with many ties",
                times: [[1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]],
                events: [[3, 0, 4, 2, 5, 1], [1, 2, 2, 0, 3, 2]],
                censored: [[0, 1, 2, 0, 1, 6], [2, 0, 1, 3, 0, 9]]),
        Grouped(label: "three arms, different unsorted grids",
                times: [[5, 1, 2.5, 9], [2.5, 1, 7], [9, 3, 1, 2.5, 4]],
                events: [[2, 4, 3, 1], [1, 2, 5], [0, 3, 6, 2, 2]],
                censored: [[1, 0, 2, 3], [4, 1, 0], [2, 1, 0, 1, 5]]),
    ]

    /// fitGroups equals fit on the expanded records: same Efron correction (it counts
    /// patients), so agreement is at rounding level; 1e-10 relative allows for the
    /// different order of summation.
    @Test(arguments: cases, CoxTies.allCases)
    func groupedEqualsExpanded(_ g: Grouped, _ ties: CoxTies) throws {
        let grouped = try CoxPH.fitGroups(times: g.times, events: g.events, censored: g.censored, ties: ties)
        let x = g.expanded()
        let records = try CoxPH.fit(time: x.time, event: x.event, covariates: x.z, columns: x.p, ties: ties)
        #expect(grouped.n == records.n && grouped.events == records.events)
        #expect(grouped.iterations == records.iterations)
        for j in 0..<x.p {
            #expect(isClose(grouped.coefficients[j], records.coefficients[j], rel: 1e-10))
            #expect(isClose(grouped.standardErrors[j], records.standardErrors[j], rel: 1e-10))
        }
        for k in 0..<(x.p * x.p) {
            #expect(isClose(grouped.variance[k], records.variance[k], rel: 1e-10, floor: grouped.variance[0]))
        }
        #expect(isClose(grouped.logLikelihood, records.logLikelihood, rel: 1e-12))
        #expect(isClose(grouped.logLikelihoodNull, records.logLikelihoodNull, rel: 1e-12))
        #expect(isClose(grouped.score.statistic, records.score.statistic, rel: 1e-10))
        #expect(isClose(grouped.wald.statistic, records.wald.statistic, rel: 1e-10))
        #expect(isClose(grouped.likelihoodRatio.statistic, records.likelihoodRatio.statistic, rel: 1e-10))
    }

    @Test func groupedInputIsValidated() {
        #expect(throws: CoxError.self) { try CoxPH.fitGroups(times: [[1]], events: [[1]], censored: [[0]]) }
        #expect(throws: CoxError.self) { try CoxPH.fitGroups(times: [[1], [1]], events: [[1.5], [1]], censored: [[0], [0]]) }
        #expect(throws: CoxError.self) { try CoxPH.fitGroups(times: [[1], [1, 2]], events: [[1], [1]], censored: [[0], [0]]) }
        #expect(throws: CoxError.self) { try CoxPH.fitGroups(times: [[1], [2]], events: [[0], [0]], censored: [[3], [1]]) }
    }
}

/// Degenerate and awkward inputs.
struct CoxEdgeCaseTests {
    static let time: [Double] = [5, 8, 3, 12, 7, 9, 2, 15, 4, 11]
    static let event: [Bool] = [true, true, false, true, true, false, true, true, true, false]
    static let age: [Double] = [61, 70, 55, 48, 66, 59, 72, 50, 63, 57]

    @Test func constantCovariateIsSingular() {
        let z = Self.age.flatMap { [$0, 0.1] }   // 0.1 is not exactly representable: its mean is off by an ulp
        #expect {
            try CoxPH.fit(time: Self.time, event: Self.event, covariates: z, columns: 2)
        } throws: { error in
            guard case let CoxError.singular(cause) = error else { return false }
            return cause.contains("column 1") && cause.contains("constant")
        }
        #expect(throws: CoxError.self) {
            try CoxPH.fit(time: Self.time, event: Self.event, covariates: [Double](repeating: 3, count: 10), columns: 1)
        }
    }

    /// R: `coxph(Surv(time, status) ~ sex + strata(sex), lung)` gives an NA coefficient.
    @Test func covariateConstantWithinStrataIsSingular() {
        let group = (0..<10).map { $0 % 2 }
        #expect(throws: CoxError.self) {
            try CoxPH.fit(time: Self.time, event: Self.event, covariates: group.map(Double.init), columns: 1, strata: group)
        }
    }

    @Test func collinearCovariatesAreSingular() {
        let z = Self.age.flatMap { [$0, 2 * $0 + 1] }
        #expect {
            try CoxPH.fit(time: Self.time, event: Self.event, covariates: z, columns: 2)
        } throws: { error in
            guard case let CoxError.singular(cause) = error else { return false }
            return cause.contains("linear combination")
        }
    }

    /// Perfect separation (monotone likelihood): we follow R — the iteration stops when
    /// the log-likelihood has converged, β̂ is where it stopped (≈ 22 here) and the
    /// coefficient is flagged `possiblyInfinite`, R's warning. The values equal R's.
    /// (Had the iteration limit been reached instead, `notConverged` would be thrown.)
    /// R: coxph(Surv(time, status) ~ x, separated), fixture separated_efron.
    @Test func separationFollowsR() throws {
        let r = try CoxExpected("separated_efron")
        let fit = try CoxPH.fit(time: (1...8).map(Double.init), event: [true, true, true, true, true, false, true, true],
                                covariates: [1, 1, 1, 1, 0, 0, 0, 0], columns: 1)
        #expect(fit.possiblyInfinite == [true])
        #expect(fit.iterations == Int(r["iter"][0]))
        // β grows by ~1 per step here, so rounding is not amplified: R's value to 1e-8.
        #expect(isClose(fit.coefficients[0], r["coef"][0]))
        #expect(isClose(fit.logLikelihood, r["loglik"][1]))
        #expect(isClose(fit.likelihoodRatio.statistic, r["lrt"][0]))
        #expect(isClose(fit.score.statistic, r["score"][0]))
        // var ≈ e^β̂ is 5e8: I(β̂) is the difference of nearly equal numbers, so only
        // a few digits are meaningful, in R as here.
        #expect(isClose(fit.variance[0], r["var"][0], rel: 1e-3))
        #expect(throws: CoxError.self) {
            try CoxPH.fit(time: (1...8).map(Double.init), event: [true, true, true, true, true, false, true, true],
                          covariates: [1, 1, 1, 1, 0, 0, 0, 0], columns: 1, maxIterations: 5)
        }
    }

    @Test func missingValuesDropRowsInfinitiesAreRejected() throws {
        var z = Self.age
        z[3] = .nan
        let withNaN = try CoxPH.fit(time: Self.time, event: Self.event, covariates: z, columns: 1)
        var keep = Array(0..<10); keep.remove(at: 3)
        let dropped = try CoxPH.fit(time: keep.map { Self.time[$0] }, event: keep.map { Self.event[$0] },
                                    covariates: keep.map { Self.age[$0] }, columns: 1)
        #expect(withNaN.n == 9 && withNaN.coefficients == dropped.coefficients)
        #expect(withNaN.variance == dropped.variance)
        z[3] = .infinity
        #expect(throws: CoxError.self) { try CoxPH.fit(time: Self.time, event: Self.event, covariates: z, columns: 1) }
        var t = Self.time
        t[0] = -.infinity
        #expect(throws: CoxError.self) { try CoxPH.fit(time: t, event: Self.event, covariates: Self.age, columns: 1) }
        #expect(throws: CoxError.self) {
            try CoxPH.fit(time: Self.time, event: [Bool](repeating: false, count: 10), covariates: Self.age, columns: 1)
        }
        #expect(throws: CoxError.self) { try CoxPH.fit(time: Self.time, event: Self.event, covariates: Self.age, columns: 2) }
        #expect(throws: CoxError.self) { try CoxPH.fit(time: [], event: [], covariates: [], columns: 1) }
        #expect(throws: CoxError.self) { try CoxPH.fit(time: [.nan], event: [true], covariates: [1], columns: 1) }
        #expect(throws: CoxError.self) {
            try CoxPH.fit(time: Self.time, event: Self.event, covariates: Self.age, columns: 1, initial: [.nan])
        }
    }

    /// Record order and the numbering of strata do not matter (up to rounding).
    @Test func orderAndStratumCodesDoNotMatter() throws {
        let strata = [3, 3, 7, 7, 3, 7, 3, 7, 3, 7]
        let a = try CoxPH.fit(time: Self.time, event: Self.event, covariates: Self.age, columns: 1, strata: strata)
        let perm = [9, 2, 5, 0, 7, 1, 8, 3, 6, 4]
        let b = try CoxPH.fit(time: perm.map { Self.time[$0] }, event: perm.map { Self.event[$0] },
                              covariates: perm.map { Self.age[$0] }, columns: 1, strata: perm.map { strata[$0] == 3 ? -1 : 40 })
        #expect(isClose(a.coefficients[0], b.coefficients[0], rel: 1e-12))
        #expect(isClose(a.variance[0], b.variance[0], rel: 1e-12))
        #expect(isClose(a.logLikelihood, b.logLikelihood, rel: 1e-13))
    }

    /// R's time fix (`aeqSurv`): times within √ε are the same time.
    @Test func nearlyEqualTimesAreTies() throws {
        var t = Self.time.map { $0 * 0.1 }
        let tied = try CoxPH.fit(time: t + [0.5], event: Self.event + [true], covariates: Self.age + [64], columns: 1)
        t.append(0.5 + 1e-12)   // 0.5 is t[0]; 0.1·5 ≠ 0.5 + 1e-12 in binary, but within √ε
        let nearly = try CoxPH.fit(time: t, event: Self.event + [true], covariates: Self.age + [64], columns: 1)
        #expect(tied.coefficients == nearly.coefficients)
        #expect(tied.logLikelihood == nearly.logLikelihood)
    }

    /// A covariate with few values and no strata takes the level form of the design
    /// (blocks reduced to counts per value); one explicit stratum takes the record
    /// form. Both agree up to rounding, with ties, censored-only times, times within
    /// √ε (relative to the mean |time|, so the exact mean is needed) and 2 or 3 values;
    /// and on continuous times with a tie here and there, where two values take the
    /// kernel's four-block lanes between the ties (`nensim_cox_two_levels_run`).
    @Test(arguments: [CoxTies.efron, .breslow])
    func levelFormMatchesRecordForm(_ ties: CoxTies) throws {
        var state: UInt64 = 777
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 11 }
        for (levels, continuous) in [(2, false), (3, false), (2, true), (3, true)] {
            var time: [Double] = [], event: [Bool] = [], z: [Double] = []
            for i in 0..<(continuous ? 4001 : 4000) {
                let g = i % levels
                var t = Double(1 + next() % 300) * (g == 1 ? 0.4 : 0.5)
                if continuous { t = next() % 97 == 0 ? 50 : Double(next() % (1 << 30)) * 0x1p-23 * (g == 1 ? 0.8 : 1) }
                if next() % 10 == 0 { t += 1e-7 }   // merges: 1e-7 / mean|t| < √ε < 1e-7
                time.append(t); event.append(next() % 5 != 0 || t > 140); z.append(Double(g) * 2 - 1)
            }
            let level = try CoxPH.fit(time: time, event: event, covariates: z, columns: 1, ties: ties)
            let record = try CoxPH.fit(time: time, event: event, covariates: z, columns: 1,
                                       strata: [Int](repeating: 0, count: time.count), ties: ties)
            #expect(isClose(level.coefficients[0], record.coefficients[0], rel: 1e-11))
            #expect(isClose(level.variance[0], record.variance[0], rel: 1e-11))
            #expect(isClose(level.logLikelihood, record.logLikelihood, rel: 1e-13))
            #expect(isClose(level.logLikelihoodNull, record.logLikelihoodNull, rel: 1e-13))
            #expect(isClose(level.score.statistic, record.score.statistic, rel: 1e-11))
            #expect(level.iterations == record.iterations && level.events == record.events)
        }
    }

    /// 0 iterations evaluates at the initial values: β = initial, tests refer to it.
    @Test func zeroIterationsReportsTheInitialValues() throws {
        let f = try CoxPH.fit(time: Self.time, event: Self.event, covariates: Self.age, columns: 1,
                              maxIterations: 0, initial: [0.05])
        #expect(f.coefficients == [0.05])
        #expect(f.iterations == 0)
        #expect(f.logLikelihood == f.logLikelihoodNull)
        #expect(abs(f.wald.statistic) < 1e-15)
    }
}

struct CoxDesignTests {
    /// The radix sort orders by descending time across signs, zeros, duplicates and
    /// magnitudes, and returns the times in that order.
    @Test(arguments: [5, 511, 512, 3000])
    func radixOrderMatchesAStableSort(_ n: Int) {
        var state: UInt64 = 12345
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 11 }
        let pool: [Double] = [0, -0.0, 1, -1, 1e-300, -1e300, 2.5, 2.5000000000000004, 1e15, -3.75, .leastNonzeroMagnitude]
        let time = (0..<n).map { i -> Double in
            i % 3 == 0 ? pool[Int(next() % UInt64(pool.count))] : Double(Int64(next() % 2_000_001) - 1_000_000) / 64
        }
        let (order, times) = radixSortedOrder(time, descending: true)
        // A permutation, returning the times it orders, in descending order. (Within a
        // tie the order is immaterial to the Cox sums.)
        #expect(Set(order.map(Int.init)) == Set(0..<n) && order.count == n)
        #expect(times == order.map { time[Int($0)] })
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 >= $1 })
        #expect(times == time.sorted(by: >))
    }
}
