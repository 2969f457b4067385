import ArgumentParser
import Foundation
import NENSim

struct Arms: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the evidence catalogue's arms, or one arm's figures with their source quotes.",
        discussion: "Without ARM: one line per arm (line of therapy, endpoints with figures, figures by status, calibrating figures). With ARM: its population, statements and every figure with value, quote, gloss, status, citation and use."
    )

    @Argument(help: "An arm id or alias to show in full (e.g. prrt).")
    var arm: String?

    @Flag(name: .long, help: "Print JSON for machines (the arm, or the whole catalogue).")
    var json = false

    @OptionGroup var evidence: EvidenceOptions

    func run() throws {
        try reportingFailures {
            let catalogue = try evidence.catalogue()
            let text: String
            if let arm {
                let found = try catalogue.arm(arm)
                text = json ? try EvidenceCatalogue.jsonText(found) : found.detailText
            } else {
                text = json ? try EvidenceCatalogue.jsonText(catalogue) : catalogue.tableText
            }
            try Console.out(text, newline: false)
        }
    }
}
