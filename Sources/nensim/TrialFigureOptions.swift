import ArgumentParser
import Figures
import Foundation
import NENSim

/// The figure flags of `trial` and `design` (trial.svg, design.svg): the same spelling
/// as `run`'s `--figure-format` and `--dpi`, plus `none` to write no figure.
struct TrialFigureOptions: ParsableArguments {
    @Option(name: .customLong("figure-format"), help: ArgumentHelp("Figure files: any of svg,pdf,png, comma-separated, or none (default svg).", valueName: "list"))
    var figureFormat: String = "svg"

    @Option(name: .long, help: ArgumentHelp("Resolution of PNG figures, 36 … 1200 dots per inch.", valueName: "dpi"))
    var dpi: Double = 150

    func validate() throws {
        _ = try formats()
        guard FigureStyle.dpiRange.contains(dpi) else {
            throw ValidationError("--dpi \(dpi): must be between 36 and 1200")
        }
    }

    /// The figure formats to write; empty for `none`.
    func formats() throws -> [FigureFormat] {
        if figureFormat.trimmingCharacters(in: .whitespaces).lowercased() == "none" { return [] }
        do { return try FigureStyle.parseFormats(figureFormat) } catch {
            throw ValidationError("--figure-format '\(figureFormat)': choose from svg, pdf, png (comma-separated) or none")
        }
    }
}
