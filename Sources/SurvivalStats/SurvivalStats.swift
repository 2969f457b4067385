/// SurvivalStats: survival statistics on any (time, event, group, strata, covariates)
/// data or on grouped counts — Kaplan–Meier, log-rank family, Cox, RMST, binomial
/// intervals and the distribution functions they need. It knows nothing of NEN.
/// Definitions follow R's `survival` package; tests compare with numbers R produced.
public enum SurvivalStatsInfo {
    public static let version = "0.1.0"
}
