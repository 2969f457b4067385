import SurvivalStats

/// The statistics of one trial replicate: control (group 0) against experimental
/// (group 1). The analysis itself lives in SurvivalStats (`TwoGroupWorkspace`, the one
/// two-group analysis, under R's time fix; docs/STATISTICS.md, "Tied times").
public typealias TwoArmStatistics = TwoGroupStatistics
