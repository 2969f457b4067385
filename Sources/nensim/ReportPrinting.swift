import Foundation
import NENSim

/// Prints a run's report on stdout as `run` does: a two-line heading, a blank line,
/// the table. `merge` prints through this too, so a merged run's output is the
/// unsharded run's byte for byte.
/// With `psa`, its table follows after a blank line.
func printReport(_ report: RunReport, request: SimulationRequest, psa: RunPSAResult? = nil) throws {
    var header = "nensim \(NENSimInfo.version): \(request.arms.count) arm(s) × \(request.patientsPerArm) patients, seed \(request.seed); \(request.design.summary)"
    header += "\nstatistics from \(report.dataBasis)"
    try Console.out(header)
    try Console.out("")
    try Console.out(report.renderTable(models: request.arms))
    if let psa {
        try Console.out("")
        try Console.out(RunPSA.render(psa))
    }
}
