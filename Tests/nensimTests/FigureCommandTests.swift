import Foundation
import Testing

/// The figure flags of `run` and `--pathways`, through the binary: every figure format,
/// the resolution, labels, and one-line refusals of bad values.
struct FigureCommandTests {
    static func bigEndian(_ b: [UInt8], _ at: Int) -> Int {
        Int(b[at]) << 24 | Int(b[at + 1]) << 16 | Int(b[at + 2]) << 8 | Int(b[at + 3])
    }

    /// `nensim --arms prrt,everolimus --figure-format svg,pdf,png --dpi 300`: three valid
    /// files of one page size; the PNG is that size at 300 dpi.
    @Test func allThreeFigureFormatsAreWrittenAndValid() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("run")
        let r = try CLI.run(["--arms", "prrt,everolimus", "--n", "2000", "--figure-format", "svg,pdf,png", "--dpi", "300",
                             "--labels", "prrt=¹⁷⁷Lu-DOTATATE", "--out", out.path, "-q"])
        #expect(r.status == 0, "\(r.stderr)")
        let svg = String(decoding: try Data(contentsOf: out.appendingPathComponent("km.svg")), as: UTF8.self)
        let pdf = String(decoding: try Data(contentsOf: out.appendingPathComponent("km.pdf")), as: UTF8.self)
        let png = [UInt8](try Data(contentsOf: out.appendingPathComponent("km.png")))
        // The page size in points, from the SVG's width and height.
        func attribute(_ name: String) throws -> Double {
            let range = try #require(svg.range(of: #"\#(name)="([0-9.]+)pt""#, options: .regularExpression))
            return try #require(Double(svg[range].dropFirst(name.count + 2).dropLast(3)))
        }
        let width = try attribute("width"), height = try attribute("height")
        #expect(svg.contains("Progression-free survival") && svg.contains("Overall survival") && svg.contains("Number at risk"))
        #expect(svg.contains("¹⁷⁷Lu-DOTATATE") && svg.contains("log-rank p"))
        #expect(pdf.hasPrefix("%PDF-") && pdf.contains("/Count 1"))
        #expect(pdf.contains("/MediaBox [ 0 0 \(Int(width)) \(Int(height)) ]"))
        #expect(Array(png[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(Self.bigEndian(png, 16) == Int((width * 300 / 72).rounded(.up)))
        #expect(Self.bigEndian(png, 20) == Int((height * 300 / 72).rounded(.up)))
    }

    @Test func pathwayFiguresComeInTheAskedFormats() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("p")
        let r = try CLI.run(["--pathways", "ssa>prrt>everolimus,ssa>everolimus>prrt", "--n", "1000", "--figure-format", "png,svg",
                             "--out", out.path, "-q"])
        #expect(r.status == 0, "\(r.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(names == ["km_pathways.csv", "km_pathways.png", "km_pathways.svg", "pathways.csv"])
        let svg = try String(contentsOf: out.appendingPathComponent("km_pathways.svg"), encoding: .utf8)
        // Pathway labels in full, never cut to "ssa>prrt>ever…".
        #expect(svg.contains("SSA → PRRT → Everolimus") && svg.contains("SSA → Everolimus → PRRT"))
        #expect(!svg.contains("…"))
    }

    @Test(arguments: [
        (["--figure-format", "gif"], "--figure-format 'gif'"),
        (["--dpi", "5"], "--dpi 5.0: must be between 36 and 1200"),
        (["--labels", "prrt"], "--labels 'prrt'"),
        (["--palette", "#00000"], "--palette: '#00000' is not a colour"),
        (["--xmax", "0"], "--xmax 0.0: must be a positive number"),
        (["--break-every", "0.001"], "--break-every 0.001: more than 100 breaks"),
    ])
    func badFigureFlagsAreOneLineUsageErrors(flags: [String], message: String) throws {
        let r = try CLI.run(["--arms", "prrt", "--n", "100"] + flags)
        #expect(r.status == 64)
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    }
}

/// `report.html`: one self-contained page with every section, rendered by a real browser.
struct ReportPageCommandTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    func writeReport(_ dir: URL) throws -> URL {
        let out = dir.appendingPathComponent("run")
        let r = try CLI.run(["--arms", "prrt,everolimus", "--n", "2000", "--format", "html", "--out", out.path, "-q"])
        #expect(r.status == 0, "\(r.stderr)")
        return out.appendingPathComponent("report.html")
    }

    @Test func theReportHasEverySectionAndFetchesNothing() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let html = try String(contentsOf: try writeReport(dir), encoding: .utf8)
        for id in ["figure", "survival", "comparisons", "responses", "assumptions", "provenance"] {
            #expect(html.contains("id=\"\(id)\""), "section \(id)")
        }
        #expect(html.contains("data:image/svg+xml;base64,"))
        // Self-contained: no external reference of any kind.
        for needle in ["http://", "https://", "<script", "<link", "src=\"/", "src=\"file"] {
            #expect(!html.contains(needle), "\(needle)")
        }
        #expect(html.contains("Everolimus") && html.contains("PRRT") && html.contains("「"))
    }

    /// The page says what the terminal report says about each number's basis: a basis
    /// column in the survival and comparison tables (everolimus OS `mixed`: external
    /// RADIANT-3 OS), the legend, and each plausibility warning (PRRT's short
    /// post-progression median).
    @Test func theReportShowsEachBasisAndEveryWarning() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let html = try String(contentsOf: try writeReport(dir), encoding: .utf8)
        let comparisons = try #require(html.components(separatedBy: "id=\"comparisons\"").last?.components(separatedBy: "id=\"responses\"").first)
        #expect(comparisons.contains("<th class=\"text\">basis</th>"))
        #expect(comparisons.contains("<span class=\"status status-mixed\">mixed</span>"))
        #expect(comparisons.contains("‡ assumption = rests on a modelling assumption"))
        #expect(comparisons.contains("Everolimus OS: external figures from Yao JC"))
        #expect(html.components(separatedBy: "<th class=\"text\">basis</th>").count - 1 == 3)
        #expect(html.contains("Plausibility warnings"))
        #expect(html.contains("prrt pps.median = 3.7"))
    }

    @Test(.enabled(if: ReportPageCommandTests.chromium != nil, "Chromium is not installed: the rendering check is skipped"))
    func theReportRendersInHeadlessChromium() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let page = try writeReport(dir)
        let shot = dir.appendingPathComponent("shot.png")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.chromium!)
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1200,2400",
                       "--screenshot=\(shot.path)", page.absoluteString]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let png = [UInt8](try Data(contentsOf: shot))
        #expect(Array(png.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
        #expect(FigureCommandTests.bigEndian(png, 16) == 1200)
        #expect(png.count > 50_000) // a blank page compresses to a few kilobytes
    }
}
