import Testing
@testable import SurvivalStats

/// (start, stop] records in Cox and Kaplan–Meier: the identities R's counting-process
/// code satisfies (the R fixtures are compared in `AnalyzeCountingTests`).
struct CountingProcessTests {
    static let time: [Double] = [5, 8, 8, 12, 3, 9, 15, 4, 11, 7]
    static let event: [Bool] = [true, false, true, true, false, true, false, true, true, false]
    static let x: [Double] = [1, 0, 1, 0, 1, 1, 0, 0, 1, 0]

    /// Every record from 0 is right-censored data: the same fit as without `start`.
    @Test(arguments: [CoxTies.efron, .breslow])
    func startAtZeroIsTheRightCensoredFit(ties: CoxTies) throws {
        let plain = try CoxPH.fit(time: Self.time, event: Self.event, covariates: Self.x, columns: 1, ties: ties)
        let counting = try CoxPH.fit(time: Self.time, event: Self.event, covariates: Self.x, columns: 1, ties: ties,
                                     start: [Double](repeating: 0, count: Self.time.count))
        #expect(abs(plain.coefficients[0] - counting.coefficients[0]) <= 1e-12 * abs(plain.coefficients[0]))
        #expect(abs(plain.logLikelihood - counting.logLikelihood) <= 1e-12 * abs(plain.logLikelihood))
        #expect(abs(plain.variance[0] - counting.variance[0]) <= 1e-12 * plain.variance[0])
    }

    /// A record split in two at a time that is no event time, same covariate, is the same
    /// subject: the fit does not change (the risk sets are the same).
    @Test func splittingARecordChangesNothing() throws {
        let whole = try CoxPH.fit(time: Self.time, event: Self.event, covariates: Self.x, columns: 1)
        // Record 6 (0, 15] split into (0, 6] censored and (6, 15] censored.
        var start = [Double](repeating: 0, count: Self.time.count), time = Self.time, event = Self.event, x = Self.x
        time[6] = 6; start.append(6); time.append(15); event.append(false); x.append(x[6])
        let split = try CoxPH.fit(time: time, event: event, covariates: x, columns: 1, start: start)
        #expect(abs(whole.coefficients[0] - split.coefficients[0]) <= 1e-12 * abs(whole.coefficients[0]))
        #expect(abs(whole.variance[0] - split.variance[0]) <= 1e-12 * whole.variance[0])
        #expect(split.n == 11 && split.events == whole.events)
    }

    /// n.risk at t counts start < t ≤ stop: a record entering at 3 is not at risk at 3.
    @Test func atRiskCountsTheOpenStart() {
        let table = SurvivalCounts(start: [0, 0, 3, 1], stop: [4, 3, 7, 9], event: [true, false, true, true])
        #expect(table.time == [3, 4, 7, 9])
        #expect(table.atRisk == [3, 3, 2, 1])
        let km = KaplanMeier.fit(table)
        #expect(km.survival == [1, 2.0 / 3, 1.0 / 3, 0])
    }

    /// start ≥ stop is refused with R's words.
    @Test func anEmptyIntervalIsAnError() {
        #expect(throws: CoxError.self) {
            try CoxPH.fit(time: [2, 3], event: [true, true], covariates: [0, 1], columns: 1, start: [2, 0])
        }
    }
}
