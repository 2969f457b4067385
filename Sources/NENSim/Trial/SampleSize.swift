import Foundation
import SurvivalStats

/// Schoenfeld's events and patients for a two-arm design (docs/TRIAL.md, "Sample size").
public struct SchoenfeldSampleSize: Sendable, Codable, Equatable {
    /// Hazard ratio experimental/control used: exact for proportional hazards
    /// (exponential arms, or Weibull PFS of one shape); otherwise the cumulative-hazard
    /// ratio at the control arm's median, H_e(m_c)/H_c(m_c) (`proportionalHazards` false).
    public var hazardRatio: Double
    public var proportionalHazards: Bool
    /// Both arms exponential on the endpoint (PFS, no other family): rpact's
    /// `getSampleSizeSurvival` model, whose events and patients these then equal
    /// (SampleSizeTests); otherwise rpact's exponential model does not describe the arms.
    public var exponentialArms: Bool
    /// Fixed-sample events (z₁₋α/s + z₁₋β)² / (p(1 − p) log²θ).
    public var eventsFixed: Double
    /// Group-sequential inflation (δ / (z₁₋α/s + z₁₋β))², 1 for a fixed design.
    public var inflation: Double
    /// Events of the design: eventsFixed · inflation.
    public var events: Double
    /// P(a patient's event is observed by the end of follow-up): entry uniform over the
    /// accrual, independent exponential dropout, allocation shares; scans ignored.
    public var eventProbability: Double
    /// Patients: events / eventProbability.
    public var patients: Double

    /// Schoenfeld's events for allocation share p (experimental), hazard ratio θ, a
    /// one- or two-sided α (the other tail ignored, as rpact's `getSampleSizeSurvival`)
    /// and power 1 − β; `drift` of a group-sequential design inflates it.
    public static func events(hazardRatio theta: Double, allocation p: Double, alpha: Double, sides: Int,
                              beta: Double, drift: Double? = nil) -> (fixed: Double, inflation: Double) {
        let z = Distributions.normalQuantile(1 - alpha / Double(sides)) + Distributions.normalQuantile(1 - beta)
        let fixed = z * z / (p * (1 - p) * log(theta) * log(theta))
        let inflation = drift.map { $0 * $0 / (z * z) } ?? 1
        return (fixed, inflation)
    }

    /// Computes the estimate for two arm models under a trial design template (its
    /// ratio, accrual, follow-up, dropout and endpoint; `alpha` of `sides` sides).
    public init(experimental: ArmModel, control: ArmModel, design: TrialDesign, sides: Int, power: Double,
                drift: Double?) {
        let os = design.endpoint == .os
        let sc = ArmSurvival(model: control, overall: os), se = ArmSurvival(model: experimental, overall: os)
        let ph = !os && experimental.pfsDistribution == nil && control.pfsDistribution == nil && experimental.pfs.shape == control.pfs.shape
        let theta: Double
        if ph {
            theta = pow(control.pfs.scale / experimental.pfs.scale, control.pfs.shape)
        } else {
            let mc = sc.median
            theta = -log(se.survival(mc)) / log(2)
        }
        let p = design.ratio.experimentalFraction
        let (fixed, inflation) = Self.events(hazardRatio: theta, allocation: p, alpha: design.alpha, sides: sides,
                                             beta: 1 - power, drift: drift)
        let follow = design.followUp ?? 12
        let (mue, muc) = (design.experimentalDropoutRate, design.dropoutRate)
        func probability(_ d: TrialDesign) -> Double {
            p * se.eventProbability(design: d, followUp: follow, dropoutRate: mue)
                + (1 - p) * sc.eventProbability(design: d, followUp: follow, dropoutRate: muc)
        }
        let events = fixed * inflation
        var prob = probability(design)
        var n = events / prob
        if design.accrualRates != nil {
            // Piecewise accrual: the end of accrual depends on n, so n = D / P(event | n)
            // by fixed-point iteration from the template's P (P rises with n: converges).
            // Stops when the whole number of patients P is evaluated at repeats.
            var d = design
            var seen = Set<Int>()
            for _ in 0..<50 {
                let whole = max(2, Int(n.rounded(.up)))
                guard seen.insert(whole).inserted else { break }
                d.patients = whole
                prob = probability(d)
                n = events / prob
            }
        }
        hazardRatio = theta
        proportionalHazards = ph
        exponentialArms = ph && control.pfs.shape == 1
        eventsFixed = fixed
        self.inflation = inflation
        self.events = events
        eventProbability = prob
        patients = n
    }
}

/// An arm's survival function of the endpoint on a grid: PFS Weibull, or OS = PFS +
/// exponential post-progression survival (the convolution done numerically).
struct ArmSurvival {
    let model: ArmModel
    let overall: Bool

    init(model: ArmModel, overall: Bool) {
        self.model = model
        self.overall = overall
    }

    /// S(t). OS: S_P(t) + ∫₀ᵗ f_P(s) e^(−λ(t−s)) ds by Simpson's rule on 400 panels.
    func survival(_ t: Double) -> Double {
        // Other families or deaths without progression: the model's own curves (docs/MODEL.md, "Families").
        if !model.hasDefaultFamilies { return overall ? model.osSurvival(at: t) : model.pfsSurvival(at: t) }
        let w = model.pfs
        guard overall, t > 0 else { return w.survival(t) }
        let lambda = model.ppsRate
        let n = 400
        let h = t / Double(n)
        var sum = 0.0
        for i in 0...n {
            let s = Double(i) * h
            let f = s == 0 ? (w.shape < 1 ? 0 : w.density(max(s, 1e-12))) : w.density(s)
            let c = i == 0 || i == n ? 1.0 : (i % 2 == 1 ? 4.0 : 2.0)
            sum += c * f * exp(-lambda * (t - s))
        }
        return w.survival(t) + sum * h / 3
    }

    /// The median of S by bisection.
    var median: Double {
        if !model.hasDefaultFamilies { return overall ? model.osMedian : model.pfsMedian }
        guard overall else { return model.pfs.median }
        var lo = 0.0, hi = model.pfs.median + 10 / model.ppsRate
        for _ in 0..<80 {
            let m = 0.5 * (lo + hi)
            if survival(m) > 0.5 { lo = m } else { hi = m }
        }
        return 0.5 * (lo + hi)
    }

    /// P(event) under the design's entry: uniform over the accrual, or under piecewise
    /// rates the mixture over the periods used (each uniform over its period, followed
    /// to the end of accrual plus `f`).
    func eventProbability(design: TrialDesign, followUp f: Double, dropoutRate mu: Double) -> Double {
        guard let pieces = design.accrualRates else { return eventProbability(accrual: design.accrual, followUp: f, dropoutRate: mu) }
        let end = design.accrual
        return AccrualRates.periods(patients: design.patients, pieces).reduce(0) { sum, period in
            sum + period.share * eventProbability(accrual: period.end - period.start, followUp: end - period.end + f, dropoutRate: mu)
        }
    }

    /// G(τ) = P(event by τ before an exponential dropout at rate μ)
    ///      = 1 − e^(−μτ) S(τ) − μ ∫₀^τ e^(−μt) S(t) dt, averaged over τ uniform on
    /// [F, A + F] (entry uniform over the accrual A). Simpson's rule, 200 panels each.
    func eventProbability(accrual a: Double, followUp f: Double, dropoutRate mu: Double) -> Double {
        func g(_ tau: Double) -> Double {
            guard tau > 0 else { return 0 }
            var integral = 0.0
            if mu > 0 {
                let n = 200, h = tau / Double(n)
                for i in 0...n {
                    let t = Double(i) * h
                    let c = i == 0 || i == n ? 1.0 : (i % 2 == 1 ? 4.0 : 2.0)
                    integral += c * exp(-mu * t) * survival(t)
                }
                integral *= h / 3
            }
            return 1 - exp(-mu * tau) * survival(tau) - mu * integral
        }
        guard a > 0 else { return g(f) }
        let n = 200, h = a / Double(n)
        var sum = 0.0
        for i in 0...n {
            let c = i == 0 || i == n ? 1.0 : (i % 2 == 1 ? 4.0 : 2.0)
            sum += c * g(f + Double(i) * h)
        }
        return sum * h / 3 / a
    }
}

/// The simulated power of one sample size.
public struct PowerAtSize: Sendable, Codable, Equatable {
    public var patients: Int
    public var power: MonteCarloEstimate
    public var events: MonteCarloEstimate
}

/// The result of the search: Schoenfeld's start, every size simulated, and the answer.
public struct SampleSizeSearch: Sendable, Codable, Equatable {
    public var schoenfeld: SchoenfeldSampleSize
    public var targetPower: Double
    public var step: Int
    public var replicates: Int
    /// Sizes simulated, ascending.
    public var evaluations: [PowerAtSize]
    /// The smallest simulated size whose power reached the target, and the size one
    /// step below it (nil when the search could not bracket the target).
    public var chosen: PowerAtSize?
    public var below: PowerAtSize?

    /// Simulated power of a replicate set: P(reject in the experimental arm's favour) —
    /// one-sided p < α (sides 1), two-sided p < α with HR < 1 (sides 2), or the upper
    /// bound crossed (sequential).
    static func power(_ outcomes: [ReplicateOutcome], design: TrialDesign, sides: Int) -> MonteCarloEstimate {
        let hits: Int
        if design.sequential != nil {
            hits = outcomes.count { $0.decision == .upper }
        } else if sides == 1 {
            hits = outcomes.count { $0.pOneSided < design.alpha }
        } else {
            hits = outcomes.count { $0.pTwoSided < design.alpha && $0.z < 0 }
        }
        return .proportion(hits, of: outcomes.count)
    }

    /// Searches n on a grid of `step` (default 1 % of Schoenfeld's n, at least 2) with
    /// common random numbers — every size runs the same replicate seeds — bracketing the
    /// target from Schoenfeld's n by doubling moves, then bisecting to one step.
    /// - Parameters: `template` gives the design; its `patients` and (fixed designs)
    ///   `targetEvents` are replaced: fixed designs are analysed at accrual + follow-up,
    ///   sequential ones at their looks with D = ⌈Schoenfeld's events⌉.
    public static func run(experimental: ArmModel, control: ArmModel, template: TrialDesign, sides: Int,
                           power target: Double, replicates: Int, seed: UInt64, threads: Int, step: Int? = nil,
                           maxPatients: Int = 1_000_000) throws -> SampleSizeSearch {
        var design = template
        let drift = try design.sequential.map { try $0.boundaries(alpha: design.alpha).drift }
        let start = SchoenfeldSampleSize(experimental: experimental, control: control, design: design, sides: sides,
                                         power: target, drift: drift)
        if design.followUp == nil { design.followUp = 12 }
        if design.sequential != nil {
            design.targetEvents = Int(start.events.rounded(.up))
        } else {
            design.targetEvents = nil
        }
        let n0 = max(4, Int(start.patients.rounded()))
        let h = max(2, step ?? Int((Double(n0) * 0.01).rounded()))
        var cache = [Int: PowerAtSize]()
        func evaluate(_ n: Int) throws -> PowerAtSize {
            if let hit = cache[n] { return hit }
            var d = design
            d.patients = n
            if let e = d.targetEvents, e > n { d.targetEvents = n }
            let request = TrialRequest(experimental: experimental, control: control, design: d, replicates: replicates,
                                       seed: seed, threads: threads)
            try request.validate()
            let out = TrialSimulator.run(request).replicates
            let result = PowerAtSize(patients: n, power: power(out, design: d, sides: sides),
                                     events: .mean(out.map { Double($0.events) }))
            cache[n] = result
            return result
        }
        func reaches(_ p: PowerAtSize) -> Bool { (p.power.value ?? 0) >= target }
        var lo: Int?, hi: Int?
        var n = n0
        if reaches(try evaluate(n)) { hi = n } else { lo = n }
        var move = h
        while lo == nil || hi == nil {
            if hi == nil {
                n = min(maxPatients, n + move)
                if reaches(try evaluate(n)) { hi = n } else { lo = n; if n == maxPatients { break } }
            } else {
                n = max(2, n - move)
                if !reaches(try evaluate(n)) { lo = n } else { hi = n; if n == 2 { break } }
            }
            move *= 2
        }
        if var l = lo, var u = hi {
            while u - l > h {
                let mid = l + ((u - l) / 2 / h) * h
                let m = mid == l ? l + h : mid
                if m >= u { break }
                if reaches(try evaluate(m)) { u = m } else { l = m }
            }
            lo = l; hi = u
        }
        var chosen = hi.map { cache[$0]! }
        var below = lo.map { cache[$0]! }
        if let c = chosen, below == nil || below!.patients != c.patients - h, c.patients - h >= 2 {
            below = try evaluate(c.patients - h)
            if reaches(below!) { chosen = below; below = try evaluate(c.patients - 2 * h) }
        }
        return SampleSizeSearch(schoenfeld: start, targetPower: target, step: h, replicates: replicates,
                                evaluations: cache.values.sorted { $0.patients < $1.patients }, chosen: chosen, below: below)
    }
}
