import Foundation
import Testing

/// `nensim reconstruct` end to end: a digitised curve with the digitiser's faults
/// (unsorted, a rising point, a point past the last at-risk time), patients.csv and
/// fidelity.csv as docs/PARAMETRIC.md describes them, and the refusals.
@Suite("nensim reconstruct")
struct ReconstructCommandTests {
    static let curve = """
    time,survival
    0,1
    2,0.9
    1,0.95
    3,0.86
    4,0.87
    5,0.8
    6,0.72
    8,0.66
    10,0.6
    12,0.55
    14,0.5
    16,0.47
    18,0.47
    22,0.47

    """
    static let risk = "time,n_risk\n0,100\n5,78\n10,55\n15,40\n"

    @Test("writes patients.csv and fidelity.csv and says what it cleaned")
    func writesFiles() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.curve.write(to: dir.appendingPathComponent("curve.csv"), atomically: true, encoding: .utf8)
        try Self.risk.write(to: dir.appendingPathComponent("risk.csv"), atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("rebuilt").path
        let r = try CLI.run(["reconstruct", dir.appendingPathComponent("curve.csv").path, "--at-risk", dir.appendingPathComponent("risk.csv").path, "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Reconstructed 100 patients"))
        #expect(r.stdout.contains("cleaning: sorted the digitised points by time"))
        #expect(r.stdout.contains("cleaning: lowered 1 digitised point"))
        let patients = try String(contentsOfFile: out + "/patients.csv", encoding: .utf8).split(separator: "\n")
        #expect(patients.first == "time,event" && patients.count == 101)
        // No events on the flat tail after t = 16.
        let late = patients.dropFirst().map { $0.split(separator: ",") }.filter { Double($0[0])! > 16 && $0[1] == "1" }
        #expect(late.isEmpty)
        let fidelity = try String(contentsOfFile: out + "/fidelity.csv", encoding: .utf8).split(separator: "\n")
        #expect(fidelity.first == "quantity,time,published,reconstructed,difference")
        let risk = fidelity.filter { $0.hasPrefix("n_risk,") }.map { $0.split(separator: ",").map(String.init) }
        #expect(risk.count == 4)
        // Published numbers at risk are met exactly at the interval starts.
        #expect(risk.allSatisfy { $0[4] == "0" }, "\(risk)")
        let maxRow = fidelity.first { $0.hasPrefix("max_abs_survival_difference,") }!.split(separator: ",")
        #expect(Double(maxRow[3])! < 0.02)
    }

    @Test("a missing column, a missing file and rising numbers at risk are refused with one line")
    func refusals() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let curve = dir.appendingPathComponent("curve.csv"), risk = dir.appendingPathComponent("risk.csv")
        try "t,s\n0,1\n1,0.5\n".write(to: curve, atomically: true, encoding: .utf8)
        try "time,n_risk\n0,10\n".write(to: risk, atomically: true, encoding: .utf8)
        let column = try CLI.run(["reconstruct", curve.path, "--at-risk", risk.path, "--out", dir.appendingPathComponent("o").path])
        #expect(column.status == 65 && column.stderr.contains("no column 'time'"))
        let missing = try CLI.run(["reconstruct", "/nonexistent.csv", "--at-risk", risk.path, "--out", dir.appendingPathComponent("o").path])
        #expect(missing.status == 66)
        try "time,survival\n0,1\n1,0.5\n".write(to: curve, atomically: true, encoding: .utf8)
        try "time,n_risk\n0,10\n1,12\n".write(to: risk, atomically: true, encoding: .utf8)
        let rising = try CLI.run(["reconstruct", curve.path, "--at-risk", risk.path, "--out", dir.appendingPathComponent("o").path])
        #expect(rising.status == 65 && rising.stderr.contains("numbers at risk never grow"))
        #expect(rising.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("o").path))
    }
}
