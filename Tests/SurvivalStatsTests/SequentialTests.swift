import Foundation
import Testing
@testable import SurvivalStats

/// rpact's group-sequential designs (`Tests/Fixtures/R/make_rpact_fixtures.R`, rpact
/// 3.3.4): `getDesignGroupSequential(kMax, alpha, beta, sided, typeOfDesign,
/// informationRates, gammaA, typeBetaSpending, gammaB)`, its `getDesignCharacteristics`
/// shift and `getGroupSequentialProbabilities` exit probabilities.
enum RpactFixture {
    static let designs = try! FixtureTable.load("R/out-rpact/designs.csv")
    static let values = try! FixtureTable.load("R/out-rpact/boundaries.csv")

    struct Case: Sendable, CustomStringConvertible {
        let id: String
        let sides: Int
        let alpha: Double
        let beta: Double
        let spending: SpendingFunction
        let futility: SpendingFunction?
        let rates: [Double]
        var description: String { id }
    }

    static func spending(_ name: String, _ gamma: String) -> SpendingFunction? {
        switch name {
        case "asOF", "bsOF": return .obrienFleming
        case "asP", "bsP": return .pocock
        case "asHSD", "bsHSD": return .hwangShihDeCani(gamma: Expected.number(gamma))
        default: return nil
        }
    }

    static let cases: [Case] = designs.allRows().map { row in
        Case(id: row["case"]!, sides: Int(row["sided"]!)!, alpha: Expected.number(row["alpha"]!),
             beta: Expected.number(row["beta"]!), spending: spending(row["spending"]!, row["gamma"]!)!,
             futility: spending(row["beta_spending"]!, row["beta_gamma"]!), rates: Expected.numbers(row["rates"]!))
    }

    static func value(_ id: String, _ quantity: String) -> [Double]? {
        let rows = values.select(["case": id, "quantity": quantity])
        return rows.isEmpty ? nil : rows.sorted { Int($0["index"]!)! < Int($1["index"]!)! }.map { Expected.number($0["value"]!) }
    }
}

@Suite struct SequentialTests {
    func design(_ c: RpactFixture.Case, r: Int = 32) throws -> GroupSequentialDesign {
        try GroupSequentialDesign(informationRates: c.rates, alpha: c.alpha, sides: c.sides, spending: c.spending,
                                  beta: c.beta, futilitySpending: c.futility, gridParameter: r)
    }

    static func close(_ a: [Double], _ b: [Double], _ tol: Double) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tol }
    }

    @Test("boundaries and drift equal rpact's to 1e-6", arguments: RpactFixture.cases)
    func boundariesMatchRpact(_ c: RpactFixture.Case) throws {
        let d = try design(c)
        let critical = try #require(RpactFixture.value(c.id, "critical"))
        #expect(Self.close(d.efficacy, critical, 1e-6), "efficacy \(d.efficacy) vs rpact \(critical)")
        if let fut = RpactFixture.value(c.id, "futility") {
            let a = try #require(d.futility)
            #expect(Self.close(Array(a.dropLast()), fut, 1e-6), "futility \(a) vs rpact \(fut)")
            #expect(a.last == d.efficacy.last)
        } else {
            #expect(d.futility == nil)
        }
        let drift = try #require(RpactFixture.value(c.id, "drift"))[0]
        #expect(abs(d.drift - drift) <= 1e-6, "drift \(d.drift) vs rpact \(drift)")
    }

    @Test("exit probabilities per look under H0 and H1 equal rpact's to 1e-6", arguments: RpactFixture.cases)
    func exitProbabilitiesMatchRpact(_ c: RpactFixture.Case) throws {
        let d = try design(c)
        let drift = try #require(RpactFixture.value(c.id, "drift"))[0]
        let h0 = d.exitProbabilities(drift: 0, honouringFutility: false)
        #expect(Self.close(h0.map(\.efficacy), try #require(RpactFixture.value(c.id, "exit_upper_h0")), 1e-6))
        let h1 = d.exitProbabilities(drift: drift)
        #expect(Self.close(h1.map(\.efficacy), try #require(RpactFixture.value(c.id, "exit_upper_h1")), 1e-6))
        if let lower = RpactFixture.value(c.id, "exit_lower_h1") {
            #expect(Self.close(h1.map(\.lower), lower, 1e-6), "\(h1.map(\.lower)) vs \(lower)")
        }
        if let upper = RpactFixture.value(c.id, "exit_upper_h0f") {
            let h0f = d.exitProbabilities(drift: 0)
            #expect(Self.close(h0f.map(\.efficacy), upper, 1e-6))
            #expect(Self.close(h0f.map(\.lower), try #require(RpactFixture.value(c.id, "exit_lower_h0")), 1e-6))
        } else if c.sides == 2 {
            #expect(Self.close(h0.map(\.lower), try #require(RpactFixture.value(c.id, "exit_lower_h0")), 1e-6))
        }
    }

    @Test("the type I error of the efficacy bounds is α, and the finer grid agrees to 3e-8")
    func gridConverges() throws {
        let c = RpactFixture.cases.first { $0.id == "hsd1f" }!
        let coarse = try design(c), fine = try design(c, r: 64)
        #expect(Self.close(coarse.efficacy, fine.efficacy, 3e-8))
        #expect(Self.close(coarse.futility!, fine.futility!, 3e-8))
        #expect(abs(coarse.drift - fine.drift) <= 3e-8)
        let spent = coarse.exitProbabilities(drift: 0, honouringFutility: false).reduce(0) { $0 + $1.efficacy }
        #expect(abs(spent - c.alpha) <= 1e-10)
    }

    @Test("one look: the bound is the fixed-sample quantile and the drift z₁₋α/s + z₁₋β")
    func oneLookIsFixedSample() throws {
        let d = try GroupSequentialDesign(informationRates: [1], alpha: 0.05, sides: 2, spending: .obrienFleming, beta: 0.1)
        #expect(abs(d.efficacy[0] - Distributions.normalQuantile(0.975)) <= 1e-12)
        // Power counts the upper crossing only (rpact's default for two-sided designs).
        #expect(abs(d.drift - Distributions.normalQuantile(0.975) - Distributions.normalQuantile(0.9)) <= 1e-9)
    }

    @Test("spending functions spend nothing at 0 and everything at 1",
          arguments: [SpendingFunction.obrienFleming, .pocock, .hwangShihDeCani(gamma: -4), .hwangShihDeCani(gamma: 0), .hwangShihDeCani(gamma: 2)])
    func spendingEnds(_ f: SpendingFunction) {
        for sides in [1, 2] {
            #expect(f.spent(0.05, at: 0, sides: sides) == 0)
            #expect(abs(f.spent(0.05, at: 1, sides: sides) - 0.05) <= 1e-15)
            #expect(f.spent(0.05, at: 0.3, sides: sides) < f.spent(0.05, at: 0.6, sides: sides))
        }
    }

    @Test("bad designs are refused with a typed error")
    func refusals() {
        #expect(throws: SequentialError.informationRates([0.5, 0.4, 1])) {
            try GroupSequentialDesign(informationRates: [0.5, 0.4, 1], alpha: 0.025, spending: .pocock)
        }
        #expect(throws: SequentialError.informationRates([0.5, 0.9])) {
            try GroupSequentialDesign(informationRates: [0.5, 0.9], alpha: 0.025, spending: .pocock)
        }
        #expect(throws: SequentialError.futilityNeedsOneSided) {
            try GroupSequentialDesign(informationRates: [0.5, 1], alpha: 0.05, sides: 2, spending: .pocock, futilitySpending: .pocock)
        }
        #expect(throws: SequentialError.sides(3)) {
            try GroupSequentialDesign(informationRates: [1], alpha: 0.05, sides: 3, spending: .pocock)
        }
    }
}
