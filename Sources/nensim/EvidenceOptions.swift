import ArgumentParser
import Foundation
import NENSim

/// The `--evidence FILE` option, shared by the commands that read the catalogue
/// (`@OptionGroup var evidence: EvidenceOptions`).
struct EvidenceOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "A JSON evidence file laid over the bundled catalogue (adds arms; figures with an existing id replace it).",
        valueName: "file"))
    var evidence: String?

    /// The bundled catalogue, merged with `--evidence` when given.
    ///
    /// - Throws: `NensimFailure` (.noInput when the file is missing, .data when it is malformed).
    func catalogue() throws -> EvidenceCatalogue {
        let bundled = try EvidenceCatalogue.bundled()
        guard let evidence else { return bundled }
        return try bundled.merging(contentsOf: URL(fileURLWithPath: evidence))
    }
}
