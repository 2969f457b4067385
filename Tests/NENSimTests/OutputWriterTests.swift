import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import NENSim
import SurvivalStats
import Testing
import Figures

struct CSVTests {
    @Test func fieldsAreQuotedOnlyWhenNeeded() {
        #expect(CSV.field("prrt") == "prrt")
        #expect(CSV.field("a,b") == "\"a,b\"")
        #expect(CSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSV.field("two\nlines") == "\"two\nlines\"")
        #expect(CSV.record(["a", "b,c", "1"]) == "a,\"b,c\",1\r\n")
    }

    @Test func numbersRoundTripAtFullPrecision() {
        #expect(CSV.number(240) == "240")
        #expect(CSV.number(-3) == "-3")
        #expect(CSV.number(.nan) == "NA")
        #expect(CSV.number(nil) == "NA")
        #expect(CSV.number(.infinity) == "Inf")
        #expect(CSV.number(-.infinity) == "-Inf")
        #expect(CSV.number(1e300) == "1e+300")
        for x in [0.1, 1.0 / 3.0, 26.076809620810604, 1e-05, .leastNonzeroMagnitude, 123456789.125, -0.000123] {
            let text = CSV.number(x)
            #expect(Double(text) == x, "\(x) → \(text)")
            #expect(!text.contains(","))
        }
    }
}

struct RunFolderTests {
    func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("nensim-folder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func listing(_ url: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
    }

    @Test func filesAppearOnlyOnCommit() throws {
        let base = try scratch()
        defer { try? FileManager.default.removeItem(at: base) }
        let folder = try RunFolder.create(at: base.appendingPathComponent("run").path, force: false)
        try folder.write("a.csv", contents: "x\r\n1\r\n")
        #expect(listing(base) == [folder.temporary.lastPathComponent])
        #expect(listing(folder.temporary) == ["a.csv"])
        try folder.commit()
        #expect(listing(base) == ["run"])
        #expect(try String(contentsOf: base.appendingPathComponent("run/a.csv"), encoding: .utf8) == "x\r\n1\r\n")
        #expect(folder.files == ["a.csv"])
    }

    /// A file of several writeback steps (`OutputFile` starts the device writing every
    /// 8 MB) holds exactly what was written, in order: blocks large and small, raw and
    /// buffered.
    @Test func aLargeFileWrittenWithEarlyWritebackHoldsEveryByteInOrder() throws {
        let base = try scratch()
        defer { try? FileManager.default.removeItem(at: base) }
        let folder = try RunFolder.create(at: base.appendingPathComponent("run").path, force: false)
        var expected: [UInt8] = []
        let pattern = (0..<1_000_300).map { UInt8(truncatingIfNeeded: $0 % 251) }
        try folder.write("big.bin") { out in
            for k in 0..<60 {
                let size = k % 3 == 0 ? 1_000_003 : 70_001   // above and below the buffer's chunk
                let block = Array(pattern[(k % 251)..<(k % 251 + size)])
                if k % 2 == 0 { try out.write(bytes: block) } else { try block.withUnsafeBytes { try out.write(bytes: $0) } }
                expected += block
            }
        }
        try folder.commit()
        #expect(expected.count > 2 * 8 << 20)
        let written = try Data(contentsOf: base.appendingPathComponent("run/big.bin"))
        #expect(written.count == expected.count)
        #expect(written == Data(expected))
    }

    @Test func anExistingFolderIsRefusedWithoutForceAndReplacedWithIt() throws {
        let base = try scratch()
        defer { try? FileManager.default.removeItem(at: base) }
        let path = base.appendingPathComponent("run").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        try "old".write(toFile: path + "/arms.csv", atomically: false, encoding: .utf8)
        #expect(throws: NensimFailure.self) { try RunFolder.create(at: path, force: false) }
        do {
            _ = try RunFolder.create(at: path, force: false)
        } catch let f as NensimFailure {
            #expect(f.status == .cannotCreate)
        }
        let folder = try RunFolder.create(at: path, force: true)
        try folder.write("new.txt", contents: "new")
        #expect(listing(URL(fileURLWithPath: path)) == ["arms.csv"]) // untouched until the new folder is complete
        try folder.commit()
        #expect(listing(URL(fileURLWithPath: path)) == ["new.txt"])
        #expect(listing(base) == ["run"])
    }

    @Test func forceReplacesOnlyWhatLooksLikeARunFolder() throws {
        let base = try scratch()
        defer { try? FileManager.default.removeItem(at: base) }
        let fm = FileManager.default
        try fm.createDirectory(at: base.appendingPathComponent("project/src"), withIntermediateDirectories: true)
        try "x".write(to: base.appendingPathComponent("notes.txt"), atomically: false, encoding: .utf8)
        try fm.createDirectory(at: base.appendingPathComponent("other"), withIntermediateDirectories: true)
        try "x".write(to: base.appendingPathComponent("other/thesis.tex"), atomically: false, encoding: .utf8)
        for name in ["project", "notes.txt", "other", "."] {
            do {
                _ = try RunFolder.create(at: base.appendingPathComponent(name).path, force: true)
                Issue.record("--force accepted \(name)")
            } catch let f as NensimFailure {
                #expect(f.status == .cannotCreate && (f.message.contains("‹force› will not replace") || f.message.contains("is not a folder")), "\(name): \(f)")
            }
        }
        #expect(listing(base) == ["notes.txt", "other", "project"])
    }

    @Test func abandonRemovesTheTemporaryFolderAndTheParentsItMade() throws {
        let base = try scratch()
        defer { try? FileManager.default.removeItem(at: base) }
        let folder = try RunFolder.create(at: base.appendingPathComponent("x/y/run").path, force: false)
        try folder.write("a.csv", contents: "1")
        folder.abandon()
        folder.abandon()
        #expect(listing(base).isEmpty)
        #expect(throws: NensimFailure.self) { try folder.write("b.csv", contents: "2") }
        #expect(throws: NensimFailure.self) { try folder.commit() }
    }

    @Test func aFailingWriterLeavesNoPartialFile() throws {
        let base = try scratch()
        defer { try? FileManager.default.removeItem(at: base) }
        let folder = try RunFolder.create(at: base.appendingPathComponent("run").path, force: false)
        #expect(throws: NensimFailure.self) {
            try folder.write("big.csv") { out in
                try out.write(String(repeating: "x", count: 1 << 19))
                throw NensimFailure.io("disk full (simulated)")
            }
        }
        #expect(listing(folder.temporary).isEmpty)
        folder.abandon()
        #expect(listing(base).isEmpty)
    }

    @Test func anUncreatableFolderIsCannotCreate() throws {
        let base = try scratch()
        defer { try? FileManager.default.removeItem(at: base) }
        let file = base.appendingPathComponent("plain-file")
        try "x".write(to: file, atomically: false, encoding: .utf8)
        for path in [file.appendingPathComponent("run").path, "/proc/nensim-no-such/run"] {
            do {
                _ = try RunFolder.create(at: path, force: false)
                Issue.record("\(path) was created")
            } catch let f as NensimFailure {
                #expect(f.status == .cannotCreate, "\(path): \(f)")
            }
        }
        #expect(listing(base) == ["plain-file"])
    }
}

struct SummaryTests {
    static func smallRun(threads: Int = 2, n: Int = 500) throws -> (SimulationRequest, SimulationResult, RunReport, EvidenceCatalogue) {
        let catalogue = try EvidenceCatalogue.bundled()
        let calibrator = Calibrator(catalogue: catalogue, overrides: ModelOverrides())
        let models = try ["prrt", "everolimus"].map { try calibrator.model(for: $0) }
        let request = SimulationRequest(arms: models, patientsPerArm: n, seed: 7, threads: threads)
        let result = Engine.run(request)
        return (request, result, try Reporter.report(result, reference: "prrt"), catalogue)
    }

    @Test func theScenarioHashIgnoresThreadsAndTimeButNotTheSeed() throws {
        let (r1, _, rep1, cat) = try Self.smallRun(threads: 1)
        let (r2, _, rep2, _) = try Self.smallRun(threads: 2)
        let m1 = try RunManifest(request: r1, report: rep1, catalogue: cat, commandLine: ["a"], gitCommit: "x", timestamp: Date(timeIntervalSince1970: 0))
        let m2 = try RunManifest(request: r2, report: rep2, catalogue: cat, commandLine: ["b"], gitCommit: "y", timestamp: Date())
        #expect(m1.scenarioHash == m2.scenarioHash)
        #expect(m1.scenarioHash.count == 64)
        #expect(m1.timestamp == "1970-01-01T00:00:00Z")
        var r3 = r1
        r3.seed = 8
        #expect(try Scenario(request: r3, reference: "prrt", tau: rep1.tau, landmarkTimes: rep1.landmarkTimes).hash() != m1.scenarioHash)
        // Canonical JSON: sorted keys, no whitespace.
        let text = String(decoding: try m1.scenario.canonicalJSON(), as: UTF8.self)
        #expect(!text.contains(" ") && !text.contains("\n"))
        #expect(text.hasPrefix("{\"arms\":[{\"binary_outcomes\""))
    }

    @Test func everyFigureOfEveryParameterIsInTheManifest() throws {
        let (request, _, report, catalogue) = try Self.smallRun()
        let m = try RunManifest(request: request, report: report, catalogue: catalogue, commandLine: [], gitCommit: "unknown", timestamp: Date())
        for (arm, model) in zip(m.arms, request.arms) {
            let ids = Set(arm.figures.map(\.id))
            for p in model.parameters { #expect(Set(p.figures).isSubset(of: ids)) }
            for f in arm.figures { #expect(!f.quote.isEmpty && f.status != "unknown") }
        }
        #expect(m.assumptions.contains { $0.arm == "everolimus" && $0.parameter == "response.coupling" })
        // Everolimus OS rests on RADIANT-3's final OS (external), no longer on the assumed PPS median.
        #expect(!m.assumptions.contains { $0.arm == "everolimus" && $0.parameter == "pps.median" })
        #expect(m.arms.first { $0.id == "everolimus" }?.bases.first { $0.endpoint == "os" }?.citations.first?.contains("RADIANT-3") == true)
    }

    @Test func nonFiniteNumbersBecomeNull() throws {
        let json = String(decoding: try SummaryJSON.encode(Estimate(.nan, .infinity, -.infinity), pretty: false), as: UTF8.self)
        #expect(json == "{\"estimate\":null,\"lower\":null,\"upper\":null}")
    }
}

struct KaplanMeierFigureTests {
    /// 6 arms × 10^6 patients on the one-day grid: the figure files stay small (curves
    /// are thinned to one step per half point), and every label is in the SVG's text.
    @Test func theFigureStaysSmallForLargeCohorts() throws {
        var curves: [KaplanMeierPlot.Curve] = []
        for a in 0..<6 {
            let cells = 7305
            var events = [Int](repeating: 0, count: cells), censored = [Int](repeating: 0, count: cells)
            var atRisk = 1_000_000.0
            let hazard = 0.02 + 0.004 * Double(a)
            for k in 0..<cells {
                let d = (atRisk * hazard / daysPerMonth).rounded()
                events[k] = Int(d); atRisk -= d
                if k % 50 == 0 { let c = (atRisk * 0.01).rounded(); censored[k] = Int(c); atRisk -= c }
            }
            censored[cells - 1] += Int(atRisk)
            let km = KaplanMeier.fit(SurvivalCounts(gridWidth: 1 / daysPerMonth, events: events, censored: censored))
            curves.append(.init(label: "Arm \(a) & <co>", km: km))
        }
        let plot = KaplanMeierPlot(title: "t", subtitle: "s", footnotes: ["f"],
                                   panels: [.init(title: "PFS", curves: curves), .init(title: "OS", curves: curves)])
        let drawing = plot.drawing()
        let svg = try drawing.render(as: .svg)
        #expect(svg.count < 1_500_000)
        let text = String(decoding: svg, as: UTF8.self)
        #expect(text.contains("Arm 0 &amp; &lt;co&gt;"))
        #expect(text.contains("Number at risk"))
        let bands = drawing.operations.filter { if case .fill(_, let c) = $0 { return c.alpha < 1 && c.alpha > 0.1 } else { return false } }
        #expect(bands.count == 12) // a CI band per arm and panel
        #expect(try drawing.render(as: .pdf).count < 1_500_000)
    }

    @Test func defaultLabelsWriteAcronymsInCapitalsAndNamesWithoutTheirGloss() {
        #expect(FigureStyle.label(id: "prrt", name: "Peptide receptor radionuclide therapy (90Y/177Lu-labelled SSA)") == "PRRT")
        #expect(FigureStyle.label(id: "everolimus", name: "Everolimus (oral mTOR inhibitor)") == "Everolimus")
        #expect(FigureStyle.label(id: "stz_5fu", name: "Streptozocin + 5-fluorouracil") == "Streptozocin + 5-fluorouracil")
        #expect(FigureStyle.label(id: "my_arm", name: "") == "my_arm")
    }

    @Test func figureOptionsParseOrSayWhatIsWrong() throws {
        #expect(try FigureStyle.parseFormats("png, SVG,png") == [.png, .svg])
        #expect(throws: FigureStyleError.format("gif")) { try FigureStyle.parseFormats("svg,gif") }
        #expect(try FigureStyle.parseLabels("prrt=¹⁷⁷Lu-DOTATATE, ssa = Octreotide") == ["prrt": "¹⁷⁷Lu-DOTATATE", "ssa": "Octreotide"])
        #expect(throws: FigureStyleError.label("prrt")) { try FigureStyle.parseLabels("prrt") }
        #expect(try FigureStyle.parsePalette("#000000,#FFFFFF") == [.black, .white])
        #expect(throws: FigureStyleError.colour("blue")) { try FigureStyle.parsePalette("#000000,blue") }
    }
}
