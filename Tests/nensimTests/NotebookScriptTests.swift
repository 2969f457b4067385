import Foundation
import Testing

/// notebooks/plot_km.py on fresh run and pathways folders: it reads both and writes a PNG
/// of one panel per endpoint with its risk table (skipped without python3 + matplotlib).
struct NotebookScriptTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("notebooks/plot_km.py")

    /// python3 as found on PATH.
    static let env = URL(fileURLWithPath: "/usr/bin/env")

    /// python3 with pandas and matplotlib importable.
    static let python: Bool = {
        guard let r = try? CLI.run(["python3", "-c", "import matplotlib, pandas"], executable: env) else { return false }
        return r.status == 0
    }()

    /// The PNG's pixel width and height (IHDR).
    static func size(_ url: URL) throws -> (width: Int, height: Int) {
        let png = [UInt8](try Data(contentsOf: url))
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        return (FigureCommandTests.bigEndian(png, 16), FigureCommandTests.bigEndian(png, 20))
    }

    @Test(.enabled(if: NotebookScriptTests.python, "python3 with matplotlib and pandas is absent: the notebook script is not checked"))
    func plotScriptDrawsRunAndPathwayFolders() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try CLI.run(["--arms", "prrt,everolimus", "--n", "1000", "--out", "run", "-q"], currentDirectory: dir)
        let pathways = try CLI.run(["--pathways", "ssa>prrt>everolimus,ssa>everolimus>prrt", "--n", "1000", "--out", "pw", "-q"],
                                   currentDirectory: dir)
        #expect(run.status == 0 && pathways.status == 0, "\(run.stderr)\(pathways.stderr)")
        var sizes: [(width: Int, height: Int)] = []
        for folder in ["run", "pw"] {
            let r = try CLI.run(["python3", Self.script.path, folder], currentDirectory: dir, executable: Self.env)
            #expect(r.status == 0, "plot_km.py \(folder): \(r.stderr)")
            #expect(r.stdout.contains("wrote \(folder)/km.png"))
            sizes.append(try Self.size(dir.appendingPathComponent("\(folder)/km.png")))
        }
        // 6 in per panel at 120 dpi, cropped to the drawing: two panels, then three (PFS1, PFS2, OS).
        #expect((1_000...1_500).contains(sizes[0].width) && (550...800).contains(sizes[0].height), "\(sizes[0])")
        #expect((1_500...2_200).contains(sizes[1].width) && (550...800).contains(sizes[1].height), "\(sizes[1])")
    }
}
