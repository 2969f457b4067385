import SurvivalStats

extension EndpointTally {
    /// The counts as survival data for SurvivalStats (empty cells dropped; cell k at (k+1)·w).
    public func counts(gridWidth: Double) -> SurvivalCounts {
        SurvivalCounts(gridWidth: gridWidth, events: events, censored: censored)
    }
}
