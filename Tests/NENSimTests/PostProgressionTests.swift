import Foundation
import Testing
@testable import NENSim

struct PostProgressionTests {
    /// With exponential PFS (rate a) and PPS (rate b), OS is hypo-exponential:
    /// S(t) = (b e^{−a t} − a e^{−b t}) / (b − a).
    @Test(arguments: [(0.05, 0.02, 30.0), (0.1, 0.3, 12.0), (0.04, 0.04001, 60.0)])
    func matchesTheHypoexponentialClosedForm(a: Double, b: Double, t: Double) {
        let pfs = Weibull(shape: 1, scale: 1 / a)
        let exact = (b * exp(-a * t) - a * exp(-b * t)) / (b - a)
        #expect(abs(OverallSurvival.survival(at: t, pfs: pfs, ppsRate: b) - exact) < 1e-10)
    }

    @Test func weibullPFSWithUnboundedDensityIntegratesAccurately() {
        // Compare with a fine trapezoid in the raw variable on the by-parts form.
        let pfs = Weibull(shape: 0.6, scale: 20), mu = 0.05, t = 40.0
        let n = 400_000
        var sum = 0.0
        for i in 0...n {
            let u = t * Double(i) / Double(n)
            let f = mu * (1 - pfs.survival(u)) * exp(-mu * (t - u))
            sum += (i == 0 || i == n) ? f / 2 : f
        }
        let reference = 1 - sum * t / Double(n)
        #expect(abs(OverallSurvival.survival(at: t, pfs: pfs, ppsRate: mu) - reference) < 1e-8)
    }

    @Test func oneOSMedianIsHitExactly() throws {
        let pfs = Weibull(shape: 1, median: 26)
        let fit = try PostProgressionFitter.fit(anchors: [SurvivalAnchor(time: 32, survival: 0.5, source: "os.median")], pfs: pfs)
        #expect(abs(OverallSurvival.quantile(0.5, pfs: pfs, ppsRate: fit.rate) - 32) < 1e-6)
        #expect(fit.maxAbsResidual < 1e-8)
    }

    @Test func osShorterThanPFSIsInfeasible() {
        #expect(throws: PostProgressionFitter.Failure.self) {
            try PostProgressionFitter.fit(anchors: [SurvivalAnchor(time: 10, survival: 0.5, source: "os.median")], pfs: Weibull(shape: 1, median: 20))
        }
    }
}
