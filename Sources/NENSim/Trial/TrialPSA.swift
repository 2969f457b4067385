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
        let (draws, figures) = try psaDraws(request, catalogue: catalogue, overrides: overrides, K: K)
        let out = draws.map { d -> TrialPSADraw in
            TrialPSADraw(draw: d, summary: TrialSummary(run(request.drawn(d)).replicates, alpha: request.design.alpha,
                                                                looks: request.design.sequential?.informationRates.count))
        }
        return (out, figures)
    }

    /// The K parameter draws of a trial PSA (no simulation), and the keys of what they redrew:
    /// figure ids and `assumption:ARM.PARAM` (sorted). `only`: just these draws (`PSA.sample`).
    public static func psaDraws(_ request: TrialRequest, catalogue: EvidenceCatalogue, overrides: ModelOverrides = ModelOverrides(),
                                K: Int, only: [Int]? = nil) throws -> (draws: [PSADraw], figures: [String]) {
        let arms = request.design.null ? [request.control.id] : [request.experimental.id, request.control.id]
        let draws = try PSA.sample(catalogue: catalogue, overrides: overrides, arms: arms, K: K, seed: request.seed, only: only)
        return (draws, RunPSA.figures(of: draws))
    }
}

extension TrialRequest {
    /// This request with the arms of PSA draw `d` (its arms are [experimental, control],
    /// or [control] under `--null`).
    public func drawn(_ d: PSADraw) -> TrialRequest {
        var r = self
        r.control = d.arms.last!
        if !design.null { r.experimental = d.arms[0] }
        return r
    }
}

extension PSADraw {
    /// The re-calibrated parameters of the arms of `roles` as (arm id, `--set` name), each
    /// once, in order: the `ARM.PARAM` columns of `psa.csv` and `assurance.csv`.
    static func parameterColumns(_ roles: [ArmModel]) -> [(arm: String, name: String)] {
        var out: [(arm: String, name: String)] = []
        var seen = Set<String>()
        for m in roles { for p in m.parameters where seen.insert("\(m.id).\(p.name)").inserted { out.append((m.id, p.name)) } }
        return out
    }

    /// The draw's value of parameter `name` of arm `arm`, nil when the arm has none.
    func parameter(arm: String, name: String) -> Double? {
        arms.first { $0.id == arm }?.parameters.first { $0.name == name }?.value
    }
}
