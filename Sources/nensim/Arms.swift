import ArgumentParser
import NENSim

struct Arms: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the evidence catalogue's arms, or one arm's figures with their source quotes.")

    @Argument(help: "An arm id to show in full.")
    var arm: String?

    @Flag(name: .long, help: "Print JSON for machines.")
    var json = false

    func run() throws {
        try reportingFailures {
            throw NensimFailure.usage("the evidence catalogue is not built yet")
        }
    }
}
