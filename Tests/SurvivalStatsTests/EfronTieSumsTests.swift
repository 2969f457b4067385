import Foundation
import Testing
@testable import SurvivalStats

/// The closed-form Efron sums (`EfronTieSums`) against the term-by-term loop the Cox
/// likelihood used before (kept here only, as the reference), and a whole likelihood
/// on tallied cells against a per-death evaluation.
struct EfronTieSumsTests {
    /// The loop over the m terms, S₀⁽ᵏ⁾ = s0 + (k/m) d0, summed in long double where the
    /// platform has it (x86-64), so the reference's own rounding stays below the
    /// tolerance for m up to 10⁵.
    static func loop(terms m: Int, s0: Double, d0: Double) -> EfronTieSums {
        #if arch(x86_64) && !os(Windows)
        typealias Wide = Float80
        #else
        typealias Wide = Double
        #endif
        var l: Wide = 0, c: Wide = 0, cd: Wide = 0, c2: Wide = 0
        let s = Wide(s0), d = Wide(d0), mm = Wide(m)
        for k in 1...m {
            let f = Wide(k) / mm
            let denom = s + f * d
            l += Wide(log(Double(denom)))   // log of the rounded denominator, as the loop took it
            c += 1 / denom; cd += f / denom; c2 += 1 / (denom * denom)
        }
        return EfronTieSums(logDenominators: Double(l), inverse: Double(c), fraction: Double(cd), inverseSquare: Double(c2))
    }

    struct Tie: Sendable, CustomStringConvertible {
        let m: Int
        let s0: Double
        let d0: Double
        var description: String { "m \(m), s0 \(s0), d0 \(d0)" }
    }

    /// Ties from one death to 10⁵, with risk sets from empty (the latest time of a
    /// stratum) to 10⁶ times the deaths' sum (a grid cell deep in a large cohort), and
    /// sums of any scale (exp(η) far from 1).
    static let ties: [Tie] = {
        var out: [Tie] = []
        for m in [1, 2, 3, 7, 15, 16, 17, 40, 333, 4096, 100_000] {
            for ratio in [0.0, 1e-9, 0.01, 0.5, 1, 3.7, 15.9, 16.1, 100, 12_345.6, 1e6] {
                for scale in [1e-7, 1.0, 3e5] {
                    out.append(Tie(m: m, s0: ratio * Double(m) * scale, d0: Double(m) * scale))
                }
            }
        }
        return out
    }()

    static func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-12) -> Bool {
        abs(a - b) <= tolerance * max(abs(a), abs(b))
    }

    @Test("Efron sums in closed form equal the loop over every death to 1e-12", arguments: ties)
    func closedFormEqualsTheLoop(_ t: Tie) {
        let closed = EfronTieSums(terms: t.m, s0: t.s0, d0: t.d0)
        let reference = Self.loop(terms: t.m, s0: t.s0, d0: t.d0)
        // The log sum is compared relative to Σ |log S₀⁽ᵏ⁾| (its terms change sign when
        // the sums are near 1, and the loop's logs are each rounded).
        var magnitude = 0.0
        if t.m <= 100_000 {
            for k in 1...t.m { magnitude += abs(log(t.s0 + Double(k) / Double(t.m) * t.d0)) }
        } else {
            magnitude = abs(reference.logDenominators)
        }
        #expect(abs(closed.logDenominators - reference.logDenominators) <= 1e-12 * max(magnitude, 1e-300), "log \(closed.logDenominators) vs \(reference.logDenominators)")
        #expect(Self.close(closed.inverse, reference.inverse), "Σ 1/S \(closed.inverse) vs \(reference.inverse)")
        #expect(Self.close(closed.fraction, reference.fraction), "Σ f/S \(closed.fraction) vs \(reference.fraction)")
        #expect(Self.close(closed.inverseSquare, reference.inverseSquare), "Σ 1/S² \(closed.inverseSquare) vs \(reference.inverseSquare)")
    }

    @Test func xMinusLog1pHasNoCancellation() {
        // x − log(1+x) = x²/2 − x³/3 + …; at x = 1e-8 the difference is 5e-17.
        #expect(Self.close(EfronTieSums.xMinusLog1p(1e-8), 1e-16 / 2 - 1e-24 / 3, 1e-15))
        #expect(EfronTieSums.xMinusLog1p(0) == 0)
        for x in [0.01, 0.2, 0.249, 0.25, 3.0] {
            #expect(Self.close(EfronTieSums.xMinusLog1p(x), Double(Float80(x) - Float80(log1p(x))), 1e-13))
        }
    }

    @Test func nonFiniteSumsGiveNaNNotATrap() {
        #expect(EfronTieSums(terms: 5, s0: .infinity, d0: 1).logDenominators.isNaN)
        #expect(EfronTieSums(terms: 5, s0: .nan, d0: 1).inverse.isNaN)
        // Deaths below the risk set's last bit: every denominator is s0.
        let flat = EfronTieSums(terms: 4, s0: 1e300, d0: 1e-60)
        #expect(flat.logDenominators == 4 * log(1e300) && flat.inverse == 4 / 1e300)
    }

    /// ℓ(β), U(β) and I(β) of two groups tallied on a grid (thousands of deaths per
    /// cell), through `CoxLikelihood` (closed-form ties), against the Efron sums taken
    /// death by death.
    @Test(arguments: [CoxTies.efron, .breslow])
    func talliedLikelihoodEqualsThePerDeathSums(_ ties: CoxTies) {
        // Two arms, 60 cells, deaths ∝ a hazard, censoring in every third cell.
        var times: [Double] = [], events: [Bool] = [], counts: [Double] = [], x: [Double] = []
        for g in 0..<2 {
            var atRisk = 200_000.0
            for cell in 1...60 {
                let deaths = (atRisk * (g == 0 ? 0.03 : 0.02)).rounded()
                let censored = cell % 3 == 0 ? (atRisk * 0.01).rounded() : 0
                times.append(Double(cell)); events.append(true); counts.append(deaths); x.append(Double(g))
                if censored > 0 { times.append(Double(cell)); events.append(false); counts.append(censored); x.append(Double(g)) }
                atRisk -= deaths + censored
            }
        }
        let design = CoxDesign(time: times, event: events, count: counts, covariates: x, columns: 1, strata: nil)
        var likelihood = CoxLikelihood(design: design, ties: ties)
        let xs = design.levelValues.isEmpty ? nil : design.levelValues
        #expect(xs == nil)   // counts: the record form
        for beta in [0.0, -0.4, 0.9] {
            let loglik = likelihood.evaluate([beta])
            let reference = Self.perDeath(design: design, beta: beta, ties: ties)
            #expect(Self.close(loglik, reference.loglik, 1e-12), "ℓ \(loglik) vs \(reference.loglik)")
            #expect(abs(likelihood.score[0] - reference.score) <= 1e-12 * reference.scoreScale, "U \(likelihood.score[0]) vs \(reference.score)")
            #expect(Self.close(likelihood.information[0], reference.information, 1e-11), "I \(likelihood.information[0]) vs \(reference.information)")
        }
    }

    /// The Efron (or Breslow) likelihood of a one-covariate design, one term per death,
    /// in long double: ℓ, U, I = Σ_terms (E[x²] − E[x]²) and the scale of U's terms.
    static func perDeath(design: CoxDesign, beta: Double, ties: CoxTies) -> (loglik: Double, score: Double, scoreScale: Double, information: Double) {
        typealias Wide = Float80
        var loglik: Wide = 0, score: Wide = 0, scale: Wide = 0, information: Wide = 0
        var s0: Wide = 0, s1: Wide = 0, s2: Wide = 0
        var start = 0
        for b in 0..<design.blockEnd.count {
            let end = design.blockEnd[b]
            var d0: Wide = 0, d1: Wide = 0, d2: Wide = 0, m = 0
            for i in start..<end {
                let xi = Wide(design.x[i]), r = Wide(design.count[i]) * Wide(exp(design.x[i] * beta))
                if design.event[i] {
                    d0 += r; d1 += r * xi; d2 += r * xi * xi; m += Int(design.count[i])
                    loglik += Wide(design.count[i]) * xi * Wide(beta); score += Wide(design.count[i]) * xi
                    scale += abs(Wide(design.count[i]) * xi)
                } else { s0 += r; s1 += r * xi; s2 += r * xi * xi }
            }
            for k in 0..<m {
                let f: Wide = ties == .efron ? Wide(k + 1) / Wide(m) : 1
                let a0 = s0 + f * d0, a1 = s1 + f * d1, a2 = s2 + f * d2
                loglik -= Wide(log(Double(a0)))
                score -= a1 / a0; scale += abs(a1 / a0)
                information += a2 / a0 - (a1 / a0) * (a1 / a0)
            }
            s0 += d0; s1 += d1; s2 += d2
            start = end
        }
        return (Double(loglik), Double(score), Double(scale), Double(information))
    }
}
