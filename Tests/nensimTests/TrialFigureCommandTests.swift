import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import nensim

/// `trial.svg` and `design.svg` from the commands (docs/TRIAL.md, "Outputs of sequential
/// trials and designs"): written by default, well-formed, naming the bounds of
/// boundaries.csv; `--figure-format` chooses the files, `none` writes none; a bad value
/// is one usage line before any folder exists.
struct TrialFigureCommandTests {
    static func wellFormed(_ data: Data) -> Bool {
        #if canImport(FoundationXML) || os(macOS)
        return XMLParser(data: data).parse()
        #else
        return true
        #endif
    }

    @Test func aSequentialTrialWritesTrialSVGWithTheBoundsOfBoundariesCSV() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(SequentialCommandTests.base + ["--looks", "0.5,0.75,1", "--sided", "1", "--alpha", "0.025",
                                                           "--beta-spending", "obf", "--out", dir.path, "--force"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("trial.svg"))
        let svg = try Data(contentsOf: dir.appendingPathComponent("trial.svg"))
        #expect(Self.wellFormed(svg))
        let text = String(decoding: svg, as: UTF8.self)
        let rows = try String(contentsOf: dir.appendingPathComponent("boundaries.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        for row in rows {
            let f = row.split(separator: ",", omittingEmptySubsequences: false)
            for column in [3, 4] { // efficacy_z, futility_z
                let z = try #require(Double(f[column]))
                #expect(text.contains(String(format: "%.3f", z)), "bound \(z) not in trial.svg")
            }
        }
    }

    @Test func figureFormatChoosesTheFilesAndNoneWritesNone() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let png = dir.appendingPathComponent("png"), none = dir.appendingPathComponent("none")
        var r = try CLI.run(SequentialCommandTests.base + ["--figure-format", "png,pdf", "--out", png.path])
        #expect(r.status == 0, "\(r.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: png.path).sorted()
        #expect(names.contains("trial.png") && names.contains("trial.pdf") && !names.contains("trial.svg"))
        r = try CLI.run(SequentialCommandTests.base + ["--figure-format", "none", "--out", none.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: none.path)).contains { $0.hasPrefix("trial.") && !$0.hasSuffix(".json") })
    }

    @Test(arguments: [(["--figure-format", "gif"], "--figure-format 'gif'"), (["--dpi", "10"], "--dpi 10")])
    func badFigureFlagsAreOneUsageLineAndNoFolder(extra: [String], message: String) throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("never")
        for command in [SequentialCommandTests.base, ["design", "--arms", "sunitinib,placebo"]] {
            let r = try CLI.run(command + extra + ["--out", out.path])
            #expect(r.status == 64, "\(r.stderr)")
            #expect(r.stderr.contains(message) && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
    }

    @Test func designWritesDesignSVGWithTheChosenAndSchoenfeldSizes() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["design", "--arms", "sunitinib,placebo", "--power", "0.8", "--replicates", "300", "--out", dir.path, "--force"])
        #expect(r.status == 0, "\(r.stderr)")
        let svg = try Data(contentsOf: dir.appendingPathComponent("design.svg"))
        #expect(Self.wellFormed(svg))
        let text = String(decoding: svg, as: UTF8.self)
        let json = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("design.json"))) as? [String: Any])
        let search = try #require(json["search"] as? [String: Any])
        let chosen = try #require((search["chosen"] as? [String: Any])?["patients"] as? Int)
        #expect(text.contains("smallest simulated n reaching it: \(chosen)"))
        let schoenfeld = try #require((search["schoenfeld"] as? [String: Any])?["patients"] as? Double)
        #expect(text.contains("Schoenfeld's n (= rpact's): \(String(format: "%.1f", schoenfeld))"))
        #expect(text.contains("target power 0.800"))
    }
}
