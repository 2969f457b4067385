import Foundation
import Testing
@testable import SurvivalStats

/// survreg reference values: `Tests/Fixtures/R/make_survreg_fixtures.R` →
/// `R/out-survreg/survreg.csv` (R 4.2.2, survival 3.5.3), e.g.
/// `survreg(Surv(time, status) ~ age + sex, data = lung, dist = "weibull")`.
struct SurvregCase: CustomStringConvertible, Sendable {
    let name: String
    let dataset: String
    let timeColumn: String
    let eventColumn: String
    let eventCode: Double
    let covariates: [String]
    var description: String { name }

    static let all: [SurvregCase] = [
        .init(name: "lung_null", dataset: "lung", timeColumn: "time", eventColumn: "status", eventCode: 2, covariates: []),
        .init(name: "lung_age_sex", dataset: "lung", timeColumn: "time", eventColumn: "status", eventCode: 2, covariates: ["age", "sex"]),
        .init(name: "veteran_null", dataset: "veteran", timeColumn: "time", eventColumn: "status", eventCode: 1, covariates: []),
        .init(name: "veteran_trt_karno", dataset: "veteran", timeColumn: "time", eventColumn: "status", eventCode: 1, covariates: ["trt", "karno"]),
        .init(name: "ovarian_null", dataset: "ovarian", timeColumn: "futime", eventColumn: "fustat", eventCode: 1, covariates: []),
        .init(name: "ovarian_age_ecog", dataset: "ovarian", timeColumn: "futime", eventColumn: "fustat", eventCode: 1, covariates: ["age", "ecog.ps"]),
    ]

    func data() throws -> (time: [Double], event: [Bool], covariates: [Double]) {
        let table = try FixtureTable.load("data/\(dataset).csv")
        let time = table.numbers(timeColumn)
        let event = table.numbers(eventColumn).map { $0 == eventCode }
        let columns = covariates.map { table.numbers($0) }
        var z: [Double] = []
        for i in time.indices { for c in columns { z.append(c[i]) } }
        return (time, event, z)
    }
}

/// One survreg fit's numbers from the fixture.
struct SurvregReference {
    let estimate: [Double], se: [Double], variance: [Double], loglik: Double, n: Int, nevent: Int

    static func load(_ caseName: String, _ dist: String) throws -> SurvregReference {
        let table = try FixtureTable.load("R/out-survreg/survreg.csv")
        let cases = table.strings("case"), dists = table.strings("dist"), q = table.strings("quantity"), v = table.strings("value")
        func values(_ name: String) -> [Double] {
            table.rows.indices.filter { cases[$0] == caseName && dists[$0] == dist && q[$0] == name }.map { Double(v[$0])! }
        }
        return SurvregReference(estimate: values("estimate"), se: values("se"), variance: values("var"),
                                loglik: values("loglik")[0], n: Int(values("n")[0]), nevent: Int(values("nevent")[0]))
    }
}

func relativeDifference(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(abs(b), 1e-300) }

@Suite("Parametric fits equal R survreg")
struct SurvregEqualityTests {
    static let arguments: [(SurvregCase, ParametricFamily)] = SurvregCase.all.flatMap { c in ParametricFamily.survregFamilies.map { (c, $0) } }

    @Test("coefficients, log(scale), log-likelihood and SEs equal survreg to 1e-6 relative", arguments: arguments)
    func equalsSurvreg(_ c: SurvregCase, _ family: ParametricFamily) throws {
        let (time, event, z) = try c.data()
        let fit = try ParametricFit.fit(family, time: time, event: event, covariates: z, covariateNames: c.covariates)
        let ref = try SurvregReference.load(c.name, family.rawValue)
        #expect(fit.n == ref.n && fit.events == ref.nevent)
        #expect(fit.estimates.count == ref.estimate.count)
        for j in ref.estimate.indices {
            // A coefficient near 0 is compared on the scale of its standard error.
            let scale = max(abs(ref.estimate[j]), ref.se[j])
            #expect(abs(fit.estimates[j] - ref.estimate[j]) / scale < 1e-6, "\(fit.parameterNames[j]): \(fit.estimates[j]) vs \(ref.estimate[j])")
            #expect(relativeDifference(fit.standardErrors[j], ref.se[j]) < 1e-6, "se \(fit.parameterNames[j]): \(fit.standardErrors[j]) vs \(ref.se[j])")
        }
        #expect(relativeDifference(fit.logLikelihood, ref.loglik) < 1e-6 / 100, "loglik \(fit.logLikelihood) vs \(ref.loglik)")
    }
}
