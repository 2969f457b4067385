import ArgumentParser
import NENSim

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate cohorts under treatment arms and compare them (the default command)."
    )

    @Option(name: .long, help: "Comma-separated arm ids, e.g. prrt,everolimus (see `nensim arms`).")
    var arms: String

    @Option(name: .long, help: "Patients per arm.")
    var n: Int = 10_000

    @Option(name: .long, help: "Random seed; the same seed gives the same output for any thread count.")
    var seed: UInt64 = 20_261_127

    func run() throws {
        try reportingFailures {
            throw NensimFailure.usage("the simulation engine is not built yet")
        }
    }
}
