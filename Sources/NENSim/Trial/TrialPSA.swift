import Foundation

extension TrialSimulator {
    /// Probabilistic sensitivity analysis of a trial design: K parameter draws
    /// (`PSA.sample`) of the request's arms, each simulated with the request's replicates
    /// and seed — the same random numbers as the base case (common random numbers), so
    /// differences between draws come from the parameters alone.
    /// - Returns: the draws with their summaries, and the ids of the redrawn figures.
    /// - Complexity: K times the base case.
    public static func psa(_ request: TrialRequest, catalogue: EvidenceCatalogue, overrides: ModelOverrides = ModelOverrides(),
                           K: Int) throws -> (draws: [TrialPSADraw], figures: [String]) {
        let arms = request.design.null ? [request.control.id] : [request.experimental.id, request.control.id]
        let figures = try PSA.rangeFigures(catalogue: catalogue, arms: arms).map(\.id)
        let draws = try PSA.sample(catalogue: catalogue, overrides: overrides, arms: arms, K: K, seed: request.seed)
        let out = draws.map { d -> TrialPSADraw in
            var r = request
            r.control = d.arms.last!
            if !request.design.null { r.experimental = d.arms[0] }
            return TrialPSADraw(draw: d, summary: TrialSummary(run(r).replicates, alpha: request.design.alpha))
        }
        return (out, figures)
    }
}
