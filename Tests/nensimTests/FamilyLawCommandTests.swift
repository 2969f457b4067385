import Foundation
import Testing

/// `--set ARM.pfs.dist=pwexp`, `ARM.pfs.cuts`, `ARM.pfs.rates`, `ARM.pfs.cure` on the
/// command line (docs/MODEL.md, "Piecewise exponential and mixture cure").
struct FamilyLawCommandTests {
    static let badInputs: [([String], Int32)] = [
        (["--set", "everolimus.pfs.dist=pwexp", "--set", "everolimus.pfs.cuts=12,6", "--set", "everolimus.pfs.rates=0.1,0.1,0.1"], 65),
        (["--set", "everolimus.pfs.dist=pwexp", "--set", "everolimus.pfs.cuts=6", "--set", "everolimus.pfs.rates=-0.1,0.1"], 65),
        (["--set", "everolimus.pfs.dist=pwexp", "--set", "everolimus.pfs.cuts=6"], 64),
        (["--set", "everolimus.pfs.cuts=6,x"], 64),
        (["--set", "everolimus.pfs.cure=1"], 65),
        (["--set", "everolimus.pfs.cure=-0.2"], 65),
        (["--set", "everolimus.pfs.cure=0.7"], 65), // PFS figures at or below the cure fraction
    ]

    @Test(arguments: badInputs)
    func badPiecesOrCureGetOneLineAndTheirCode(arguments: [String], status: Int32) throws {
        let r = try CLI.run(["--arms", "everolimus", "--n", "100"] + arguments)
        #expect(r.status == status, "\(arguments): \(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.split(separator: "\n").filter { !$0.isEmpty }.count == 1, "\(arguments): \(r.stderr)")
    }

    @Test func aCureAndAPiecewiseArmRunWithTheirProvenanceAndTheSameBytesForAnyThreadCount() throws {
        let base = ["--arms", "everolimus,prrt", "--set", "everolimus.pfs.cure=0.1", "--set", "prrt.pfs.dist=pwexp",
                    "--n", "20000", "--seed", "5", "--exact-limit", "0", "--format", "table"]
        let runs = try [1, 2].map { try CLI.run(base + ["--threads", "\($0)"]) }
        for r in runs { #expect(r.status == 0, "\(r.stderr)") }
        #expect(runs[0].stdout == runs[1].stdout)
        #expect(runs[0].stdout.contains("pfs.cure") && runs[0].stdout.contains("pfs.tail_rate"), "\(runs[0].stdout)")
    }
}
