import Foundation
import Testing
@testable import NENSim

struct WeibullFitTests {
    /// The worked example of docs/MODEL.md: everolimus median = placebo 5 + 6 = 11 months, S(18) = 0.35.
    @Test func everolimusKnownAnswer() throws {
        let fit = try WeibullFitter.fit([
            SurvivalAnchor(time: 11, survival: 0.5, source: "median"),
            SurvivalAnchor(time: 18, survival: 0.35, source: "landmark18"),
        ])
        #expect(abs(fit.distribution.shape - 0.842951242796126) < 1e-12)
        #expect(abs(fit.distribution.scale - 16.99114911648639) < 1e-10)
        #expect(fit.maxAbsResidual < 1e-12)
        #expect(abs(fit.distribution.median - 11) < 1e-10)
    }

    @Test func oneAnchorGivesTheExponential() throws {
        let fit = try WeibullFitter.fit([SurvivalAnchor(time: 18, survival: 0.5, source: "median")])
        #expect(fit.distribution.shape == 1)
        #expect(abs(fit.distribution.median - 18) < 1e-12)
        #expect(fit.shapeRule == "exponential (one anchor)")
    }

    @Test func conflictingAnchorsLeaveResiduals() throws {
        // sirt-like: median 70 months but S(36) = 0.45 (median below 36 months).
        let fit = try WeibullFitter.fit([
            SurvivalAnchor(time: 70, survival: 0.5, source: "median"),
            SurvivalAnchor(time: 12, survival: 0.725, source: "os12"),
            SurvivalAnchor(time: 24, survival: 0.625, source: "os24"),
            SurvivalAnchor(time: 36, survival: 0.45, source: "os36"),
        ])
        #expect(fit.maxAbsResidual > 0.1)
        #expect(abs(fit.residuals.reduce(0, +)) < 1e-10) // least squares with an intercept
    }

    @Test func impossibleAnchorsAreRejected() {
        #expect(throws: WeibullFitError.self) {
            try WeibullFitter.fit([SurvivalAnchor(time: 6, survival: 1.2, source: "bad")])
        }
        #expect(throws: WeibullFitError.self) {
            // survival rising with time
            try WeibullFitter.fit([SurvivalAnchor(time: 6, survival: 0.3, source: "a"), SurvivalAnchor(time: 12, survival: 0.6, source: "b")])
        }
    }
}
