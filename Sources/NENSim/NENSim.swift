/// NENSim: the GEP-NEN domain — evidence catalogue, calibration, arm models,
/// random streams, Monte Carlo engine, tallies and reports.
public enum NENSimInfo {
    public static let version = "0.1.0"
}
