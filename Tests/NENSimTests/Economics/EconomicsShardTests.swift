import Foundation
import Testing
@testable import NENSim

/// Economic sums through shard files (docs/TALLY-FORMAT.md, "Economics"): a run with
/// economic inputs writes format version 2 with each arm's exact sums, merge adds them,
/// and the merged run's economic report equals the single run's, CSV byte for byte.
struct EconomicsShardTests {
    static func request() throws -> SimulationRequest {
        let calibrator = Calibrator(catalogue: try EvidenceCatalogue.bundled())
        var r = SimulationRequest(arms: try ["prrt", "everolimus", "tace"].map { try calibrator.model(for: $0) }, patientsPerArm: 7_000,
                                  seed: 4, blockSize: 500, threads: 2, recordLimit: 0)
        r.economics = try AccrualKernelTests.example()
        return r
    }

    static func settings(_ inputs: EconomicInputs) -> EconomicsScenario { EconomicsScenario(inputs: inputs, wtp: [20_000, 50_000]) }

    @Test(arguments: [1, 3])
    func mergedEconomicShardsGiveTheSingleRunsReportByteForByte(k: Int) throws {
        let request = try Self.request()
        let scenario = Self.settings(request.economics!)
        let single = Engine.run(request)
        let expected = scenario.report(single, reference: "prrt")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("econ-shards-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var paths: [String] = []
        for i in 1...k {
            let shard = try ShardSpec(index: i, count: k)
            let file = try TallyFile(shard: shard, result: Engine.run(request, shard: shard), reference: "prrt", tau: nil, economics: scenario)
            let data = try file.encoded()
            #expect(data.starts(with: Array("nensim-tally 2\n".utf8)))
            let path = dir.appendingPathComponent("s.shard-\(i)-of-\(k).nstally").path
            try data.write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        let merged = try ShardMerge.merge(paths: paths.reversed())
        #expect(merged.scenario.economics == scenario)
        #expect(merged.result.tallies.map(\.economics) == single.tallies.map(\.economics))
        let report = try #require(merged.scenario.economics).report(merged.result, reference: merged.scenario.reference)
        #expect(report.armsCSV() == expected.armsCSV())
        #expect(report.incrementalCSV() == expected.incrementalCSV())
        #expect(report == expected)
    }

    /// Without economics a file is version 1, as before; a file of another version is refused
    /// in one line, and the bundled version-1 file still reads.
    @Test func versionsAreWrittenAndCheckedAsDocumented() throws {
        var request = try Self.request()
        request.economics = nil
        request.patientsPerArm = 600
        let shard = try ShardSpec(index: 1, count: 2)
        let plain = try TallyFile(shard: shard, result: Engine.run(request, shard: shard), reference: "prrt", tau: nil).encoded()
        #expect(plain.starts(with: Array("nensim-tally 1\n".utf8)))
        #expect(try TallyFile.decode(plain).tallies.allSatisfy { $0.economics == nil })
        var future = [UInt8](plain)
        future[13] = UInt8(ascii: "3")
        #expect(throws: TallyFileError.self) { try TallyFile.decode(Data(future)) }
        do { _ = try TallyFile.decode(Data(future)) } catch {
            #expect(error.message.contains("version 3") && error.message.contains("1 and 2"), "\(error.message)")
            #expect(!error.message.contains("\n"))
        }
        // A version-1 fixture written before economics existed.
        let fixture = AccrualKernelTests.repository.appendingPathComponent("Tests/Fixtures/fuzz/run.shard-1-of-2.nstally")
        let old = try TallyFile.decode(Data(contentsOf: fixture))
        #expect(old.header.formatVersion == 1 && old.header.scenario.economics == nil)
    }

    /// A shard whose economic sums do not cover its patients is refused.
    @Test func economicSumsOfTheWrongPatientsAreRefused() throws {
        var request = try Self.request()
        request.patientsPerArm = 900
        let shard = try ShardSpec(index: 2, count: 3)
        var result = Engine.run(request, shard: shard)
        result.tallies[1].economics!.patients += 1
        let data = try TallyFile(shard: shard, result: result, reference: "prrt", tau: nil, economics: Self.settings(request.economics!)).encoded()
        do {
            _ = try TallyFile.decode(data)
            Issue.record("decoded")
        } catch {
            #expect(error.message.contains("arm everolimus: economic sums"), "\(error.message)")
        }
    }
}
