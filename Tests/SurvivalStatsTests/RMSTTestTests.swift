import Foundation
import Testing
@testable import SurvivalStats

/// The RMST-difference test against `Tests/Fixtures/R/make_rmst_fixtures.R` (R 4.2.2,
/// survival 3.5-3): `summary(survfit(Surv(time, event) ~ group), rmean = tau)$table`
/// per group, the difference group 1 − group 0 with se √(se₀² + se₁²), z and normal p.
@Suite struct RMSTTestTests {
    static let values = try! FixtureTable.load("R/out-rmst/rmst.csv")

    static func value(_ id: String, _ tau: Double, _ q: String) -> Double {
        Expected.number(values.select(["case": id, "tau": "\(Int(tau))", "quantity": q])[0]["value"]!)
    }

    static let cases: [(String, Double)] = ["delayed", "ph", "crossing"].flatMap { id in [6.0, 12, 24].map { (id, $0) } }

    @Test("the RMST difference, its SE, z and p equal R's rmean", arguments: cases)
    func rmstDifferenceMatchesR(_ id: String, _ tau: Double) throws {
        let d = try FixtureTable.load("R/out-nph/data_\(id).csv").allRows()
        let r = RMST.test(time: d.map { Expected.number($0["time"]!) }, event: d.map { $0["event"] == "1" },
                          group: d.map { UInt8($0["group"]!)! }, tau: tau)
        #expect(abs(r.difference - Self.value(id, tau, "difference")) <= 1e-10)
        #expect(abs(r.standardError - Self.value(id, tau, "se")) <= 1e-10)
        #expect(abs(r.z - Self.value(id, tau, "z")) <= 1e-9)
        #expect(abs(r.pOneSided - Self.value(id, tau, "p_one_sided")) <= 1e-9)
        #expect(abs(r.pTwoSided - Self.value(id, tau, "p_two_sided")) <= 1e-9)
    }

    /// Known answer: exponential groups of rates λ₀ = log 2 / 6 and λ₁ = log 2 / 9 per
    /// month without censoring before τ = 12 have RMST (1 − e^{−λτ})/λ; 4000 records per
    /// group give the difference within 4 of its SEs, and that SE within 10 % of the
    /// asymptotic √(Σ_g Var_g / n_g), Var = ∫₀^τ (∫_t^τ S)² λ/S dt for exponential S.
    @Test func exponentialGroupsGiveTheClosedFormRMST() {
        var rng = SplitMix64(seed: 17)
        let n = 4000, tau = 12.0
        let rates: [Double] = [log(2.0) / 6, log(2.0) / 9]
        var time = [Double](), event = [Bool](), group = [UInt8]()
        for g in 0..<2 {
            for _ in 0..<n {
                time.append(-log(1 - Double.random(in: 0..<1, using: &rng)) / rates[g]); event.append(true); group.append(UInt8(g))
            }
        }
        let r = RMST.test(time: time, event: event, group: group, tau: tau)
        func rmst(_ l: Double) -> Double { (1 - exp(-l * tau)) / l }
        let truth = rmst(rates[1]) - rmst(rates[0])
        #expect(abs(r.difference - truth) <= 4 * r.standardError, "difference \(r.difference) vs \(truth) ± \(r.standardError)")
        // Asymptotic variance by the trapezoidal rule on a fine grid.
        func variance(_ l: Double) -> Double {
            let steps = 20_000, h = tau / Double(steps)
            var v = 0.0
            for k in 0...steps {
                let t = Double(k) * h
                let tail = (exp(-l * t) - exp(-l * tau)) / l
                let f = tail * tail * l / exp(-l * t)
                v += (k == 0 || k == steps ? 0.5 : 1) * f * h
            }
            return v
        }
        let se = ((variance(rates[0]) + variance(rates[1])) / Double(n)).squareRoot()
        #expect(abs(r.standardError / se - 1) <= 0.1, "se \(r.standardError) vs asymptotic \(se)")
    }
}
