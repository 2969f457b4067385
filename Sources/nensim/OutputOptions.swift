import ArgumentParser
import Figures
import Foundation
import NENSim

/// When to draw the progress bar on stderr.
enum ProgressMode: String, ExpressibleByArgument, CaseIterable {
    /// On a terminal, for runs longer than about a second.
    case auto
    /// Also when stderr is not a terminal (still only after about a second).
    case always
    case never
}

/// The flags that say what a run writes and where (`@OptionGroup var output: OutputOptions`),
/// shared by `run` and, later, `trial` and `merge`.
struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Output folder (default: notebooks-out/<arms>-n<N>-seed<S>-<hash of the scenario>). Never overwritten without --force.", valueName: "dir"))
    var out: String?

    @Flag(name: .long, help: "Replace an existing output folder (only after the new one is complete).")
    var force = false

    @Option(name: .long, help: ArgumentHelp("What to produce: any of table,csv,json,svg,pdf,png,html, comma-separated; all = table,csv,json,svg,html.", valueName: "list"))
    var format: String = "all"

    @Option(name: .long, help: "Progress bar on stderr: auto (on a terminal, for runs over ~1 s), always, never.")
    var progress: ProgressMode = .auto

    @Flag(name: [.customShort("q"), .long], help: "Print nothing but errors (no table, no progress bar).")
    var quiet = false

    @Flag(name: .long, help: "Also write patients.csv, one row per simulated patient (needs n ≤ --exact-limit).")
    var patients = false

    @Option(name: .customLong("figure-format"), help: ArgumentHelp("Figure files: any of svg,pdf,png, comma-separated (default: the figure formats in --format).", valueName: "list"))
    var figureFormat: String?

    @Option(name: .long, help: ArgumentHelp("Resolution of PNG figures, 36 … 1200 dots per inch.", valueName: "dpi"))
    var dpi: Double = 150

    @Option(name: .long, help: ArgumentHelp("Title of the figure (default: the arms compared).", valueName: "text"))
    var title: String?

    @Option(name: .long, help: ArgumentHelp("Curve labels, e.g. prrt=\"¹⁷⁷Lu-DOTATATE\",ssa=Octreotide (default: SSA, PRRT, Everolimus, …).", valueName: "id=text,…"))
    var labels: String?

    @Option(name: .long, help: ArgumentHelp("Curve colours: okabe-ito (default), grey, or #RRGGBB,#RRGGBB,…", valueName: "palette"))
    var palette: String?

    @Option(name: .long, help: ArgumentHelp("Right end of the figure's time axis in months (default: the horizon, or the end of follow-up).", valueName: "months"))
    var xmax: Double?

    @Option(name: .customLong("break-every"), help: ArgumentHelp("Distance between time-axis breaks in months (default: chosen from the range).", valueName: "months"))
    var breakEvery: Double?

    @Flag(name: .customLong("no-censor-marks"), help: "Leave out the censoring marks (+) on the curves.")
    var noCensorMarks = false

    /// Censoring marks are on by default now; the old flag is still accepted.
    @Flag(name: .customLong("censor-ticks"), help: .hidden)
    var censorTicks = false

    func validate() throws {
        do { _ = try OutputFormat.parseList(format) } catch let f as NensimFailure { throw validationError(f) }
        _ = try figureStyle()
    }

    /// The figure's look and files, from the figure flags.
    /// - Throws: `ValidationError` naming the flag and the accepted values.
    func figureStyle() throws -> FigureStyle {
        var style = FigureStyle()
        if let figureFormat {
            do { style.formats = try FigureStyle.parseFormats(figureFormat) } catch {
                throw ValidationError("--figure-format '\(figureFormat)': choose from svg, pdf, png (comma-separated)")
            }
        } else {
            style.formats = OutputFormat.figureFormats(formats)
        }
        guard FigureStyle.dpiRange.contains(dpi) else {
            throw ValidationError("--dpi \(dpi): must be between 36 and 1200")
        }
        style.dpi = dpi
        if let title { style.title = title }
        if let labels {
            do { style.labels = try FigureStyle.parseLabels(labels) } catch {
                throw ValidationError("--labels '\(labels)': expected id=label pairs separated by commas, e.g. prrt=PRRT,ssa=SSA")
            }
        }
        if let palette {
            do { style.palette = try FigureStyle.parsePalette(palette) } catch FigureStyleError.colour(let word) {
                throw ValidationError("--palette: '\(word)' is not a colour (#RRGGBB) and '\(palette)' is not a palette (okabe-ito, grey)")
            }
            guard !style.palette.isEmpty else { throw ValidationError("--palette: give at least one colour") }
        }
        if let xmax {
            guard xmax > 0, xmax.isFinite, xmax <= 1200 else { throw ValidationError("--xmax \(xmax): must be a positive number of months, at most 1200") }
            style.xMax = xmax
        }
        if let breakEvery {
            guard breakEvery > 0, breakEvery.isFinite else { throw ValidationError("--break-every \(breakEvery): must be a positive number of months") }
            let top = xmax ?? 1200
            guard top / breakEvery <= 100 else { throw ValidationError("--break-every \(breakEvery): more than 100 breaks on the axis; choose a larger step") }
            style.breakEvery = breakEvery
        }
        style.censorMarks = !noCensorMarks
        return style
    }

    /// The formats asked for (validated in `validate()`).
    var formats: Set<OutputFormat> { (try? OutputFormat.parseList(format)) ?? OutputFormat.all }

    /// Whether the text table goes to stdout.
    var printsTable: Bool { formats.contains(.table) && !quiet }

    /// Whether a run folder is made.
    var writesFiles: Bool { !formats.subtracting([.table]).isEmpty || patients || figureFormat != nil }

    /// `notebooks-out/prrt-everolimus-n100000-seed1-3fa9c2d1`: the arms, n and seed, then
    /// the first 8 hex digits of the scenario's hash (every calibrated parameter, the
    /// design, overrides, PSA draws, tau, the reference; `TallyScenario.hash`), so two
    /// commands that simulate different things never share a folder, and a merged run
    /// lands where the unsharded one would (characters other than letters, digits, `_`,
    /// `.` and `-` in arm ids become `_`).
    static func defaultFolder(arms: [String], n: Int, seed: UInt64, scenario: TallyScenario) throws -> String {
        let safe = arms.map { id in
            String(id.map { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) ? $0 : "_" })
        }
        return "notebooks-out/\(safe.joined(separator: "-"))-n\(n)-seed\(seed)-\(try scenario.hash().prefix(8))"
    }

    /// Checks what can be checked before simulating: `--patients` needs records.
    func check(_ request: SimulationRequest) throws {
        if patients, !request.keepsRecords {
            throw NensimFailure.usage("--patients needs individual patient records, which are kept only when --n (\(request.patientsPerArm)) is at most --exact-limit (\(request.recordLimit))")
        }
    }

    /// Starts the output side of a run before it simulates: makes the temporary run
    /// folder (so an unwritable or existing folder fails before any work), arms the
    /// interrupt handler that removes it, and starts the progress bar on the simulation
    /// (then statistics, `psa` draws if any, and writing when the run writes files).
    /// `simulates`: false when the results exist already (`merge`): no simulating phase.
    func begin(defaultFolder: String, request: SimulationRequest, psa: Int? = nil, simulates: Bool = true) throws -> OutputSession {
        Console.quiet = quiet
        Interrupts.install()
        let folder = writesFiles ? try RunFolder.create(at: out ?? defaultFolder, force: force) : nil
        let plan: [ProgressPhase] = (simulates ? [.simulating] : []) + [.statistics] + (psa == nil ? [] : [.psa]) + (folder == nil ? [] : [.writing])
        let bar = progressBar(plan: plan, total: request.arms.count * request.patientsPerArm)
        return OutputSession(options: self, folder: folder, bar: bar, started: Date())
    }

    /// Whether the progress bar shows: never with `-q`; on a terminal (stderr) in auto mode.
    var showsProgress: Bool {
        !quiet && (progress == .always || (progress == .auto && isatty(STDERR_FILENO) == 1))
    }

    /// A started progress bar over `plan` (its first phase has `total` units), guarded by
    /// the interrupt handler; nil when `showsProgress` is false.
    func progressBar(plan: [ProgressPhase], total: Int) -> ProgressBar? {
        ProgressBar.started(plan: plan, total: total, shows: showsProgress)
    }
}

/// One run's outputs in progress: the (uncommitted) folder and the progress bar.
/// `close()` abandons the folder unless `finish` committed it.
final class OutputSession {
    let options: OutputOptions
    let folder: RunFolder?
    let bar: ProgressBar?
    let started: Date

    init(options: OutputOptions, folder: RunFolder?, bar: ProgressBar?, started: Date) {
        self.options = options
        self.folder = folder
        self.bar = bar
        self.started = started
    }

    /// The engine's progress callback (nil without a bar).
    var progress: (@Sendable (Int) -> Void)? { bar?.callback }

    /// The progress bar as the library's sink for the later phases (nil without a bar).
    var sink: (any ProgressSink)? { bar }

    /// Writes every file, runs `beforeCommit` (printing the report: a failed stdout then
    /// leaves no folder behind) and moves the folder into place.
    /// `extraCSV`: further CSV files (name, contents) written with the csv format, e.g. `psa.csv`.
    func finish(request: SimulationRequest, report: RunReport, models: [ArmModel], result: SimulationResult,
                catalogue: EvidenceCatalogue, evidenceFile: String?, extraCSV: [(name: String, contents: String)] = [],
                economics: EconomicsReport? = nil, beforeCommit: () throws -> Void = {}) throws {
        guard let folder else {
            bar?.complete()
            return try beforeCommit()
        }
        bar?.begin(.writing, total: 1)
        let manifest = try RunManifest(request: request, report: report, catalogue: catalogue, commandLine: CommandLine.arguments,
                                       gitCommit: BuildInfo.gitCommit(), timestamp: started, evidenceFile: evidenceFile)
        try RunOutputWriter.write(report: report, models: models, result: result, manifest: manifest, to: folder,
                                  formats: options.formats, patients: options.patients, style: try options.figureStyle(),
                                  economics: economics)
        if options.formats.contains(.csv) {
            for file in extraCSV { try folder.write(file.name, contents: file.contents) }
        }
        bar?.advance(1)
        bar?.complete() // before the table, which goes to the same terminal
        try beforeCommit()
        try folder.commit()
        Console.note("wrote \(folder.files.count) files to \(folder.displayName)/")
    }

    /// Abandons an uncommitted folder (call on every exit path, e.g. in `defer`).
    func close() {
        // After a signal, the signal thread removes the folder and exits 128 + signal;
        // a write it cancelled lands here with an error that must not win that race.
        while Interrupts.isExiting { sleep(1) }
        bar?.finish()
        folder?.abandon()
    }
}

/// What the binary knows about its own build.
enum BuildInfo {
    /// The git commit of the checkout the binary lives in (`git rev-parse HEAD`, with
    /// `-dirty` when tracked files have uncommitted changes), found by walking up from
    /// the executable to a folder with `Package.swift` and `.git`. SwiftPM has no
    /// build-time hook for this, so it is read at run time; "unknown" for an installed
    /// binary outside a checkout or without git. `NENSIM_GIT_COMMIT` overrides it
    /// (for packagers).
    static func gitCommit() -> String {
        if let v = ProcessInfo.processInfo.environment["NENSIM_GIT_COMMIT"], !v.isEmpty { return v }
        var dir = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let fm = FileManager.default
        while dir.path != "/" {
            if fm.fileExists(atPath: dir.appendingPathComponent("Package.swift").path),
               fm.fileExists(atPath: dir.appendingPathComponent(".git").path) {
                // Several nensim processes may ask at once (a shard array, parallel tests):
                // git is told to take no optional locks, and a failed call is retried.
                guard let head = (0..<3).lazy.compactMap({ _ in git(["rev-parse", "HEAD"], in: dir) }).first(where: { $0.count == 40 })
                else { return "unknown" }
                let dirty = git(["status", "--porcelain", "--untracked-files=no"], in: dir).map { !$0.isEmpty } ?? false
                return dirty ? head + "-dirty" : head
            }
            dir = dir.deletingLastPathComponent()
        }
        return "unknown"
    }

    private static func git(_ arguments: [String], in dir: URL) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "--no-optional-locks", "-C", dir.path] + arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
