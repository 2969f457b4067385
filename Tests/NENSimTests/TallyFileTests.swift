import Foundation
import Testing
@testable import NENSim

/// The checksum of tally files: SHA-256 against the NIST FIPS 180-4 example vectors
/// (csrc.nist.gov, "SHA256.pdf" and the one-block / two-block messages).
struct TallyChecksumTests {
    static let vectors: [(String, String)] = [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ]

    @Test(arguments: vectors)
    func nistVectors(message: String, digest: String) {
        #expect(SHA256.hex(Array(message.utf8)) == digest)
    }

    /// 55, 56 and 64 bytes straddle the padding boundary (one 0x80 byte and the
    /// 8-byte length must fit in the last block). Digests from Python hashlib.
    @Test func paddingBoundaries() {
        let expected = [
            55: "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
            56: "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",
            64: "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",
        ]
        for (n, digest) in expected { #expect(SHA256.hex([UInt8](repeating: 0x61, count: n)) == digest, "\(n) × 'a'") }
    }
}

struct ShardSpecTests {
    @Test(arguments: ["1/1", "3/7", "7/7", " 2 / 5 ", "100000/100000"])
    func validSpecsParse(text: String) throws {
        let s = try ShardSpec.parse(text)
        #expect(s.index >= 1 && s.index <= s.count)
    }

    @Test(arguments: ["0/3", "4/3", "1/0", "-1/3", "1/100001", "3", "a/b", "1/2/3", "", "/", "1.5/3"])
    func invalidSpecsAreUsageErrors(text: String) {
        #expect(throws: NensimFailure.self) { try ShardSpec.parse(text) }
        do { _ = try ShardSpec.parse(text) } catch let f as NensimFailure {
            #expect(f.status == .usage)
            #expect(f.parameters.first == .shard && f.message.pieces.first == .parameter(.shard))
        } catch { Issue.record("unexpected \(error)") }
    }

    /// The shards of a run partition its work items, whatever k (also k > items).
    @Test(arguments: [1, 2, 3, 7, 40])
    func shardsPartitionTheWorkItems(k: Int) throws {
        let total = 23
        var seen = [Int](repeating: 0, count: total)
        for i in 1...k {
            let s = try ShardSpec(index: i, count: k)
            let items = Array(s.workItems(total: total))
            #expect(items.count == s.workItemCount(total: total))
            for w in items { seen[w] += 1 }
        }
        #expect(seen.allSatisfy { $0 == 1 })
    }
}

struct TallyFileTests {
    static func request(n: Int, recordLimit: Int) -> SimulationRequest {
        SimulationRequest(arms: [EngineTests.model(id: "a"), EngineTests.model(id: "b", median: 20, shape: 0.8, cuts: [], binaries: [])],
                          patientsPerArm: n, seed: 17, design: StudyDesign(horizon: 60, accrual: 12, followUp: 24, dropoutPerYear: 0.05),
                          gridWidth: 0.25, blockSize: 300, threads: 2, recordLimit: recordLimit)
    }

    static func shardFiles(_ request: SimulationRequest, k: Int) throws -> [Data] {
        try (1...k).map { i in
            let shard = try ShardSpec(index: i, count: k)
            let result = Engine.run(request, shard: shard)
            return try TallyFile(shard: shard, result: result, reference: "a", tau: nil).encoded()
        }
    }

    static func merged(_ files: [Data]) throws -> ShardMerge.Merged {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nensim-tally-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let paths = try files.enumerated().map { i, data in
            let url = dir.appendingPathComponent("s\(i).nstally")
            try data.write(to: url)
            return url.path
        }
        return try ShardMerge.merge(paths: paths)
    }

    /// Merged shards equal the unsharded run exactly: tallies, and records bit for bit.
    @Test(arguments: [(1, 0), (3, 0), (7, 0), (1, 10_000), (3, 10_000), (7, 10_000)])
    func mergedShardsEqualTheUnshardedRun(k: Int, recordLimit: Int) throws {
        let request = Self.request(n: 2_950, recordLimit: recordLimit)
        let full = Engine.run(request)
        let m = try Self.merged(try Self.shardFiles(request, k: k))
        #expect(m.result.tallies == full.tallies)
        #expect((m.result.records == nil) == (full.records == nil))
        for (x, y) in zip(m.result.records ?? [], full.records ?? []) {
            #expect(x.pfsTime.map(\.bitPattern) == y.pfsTime.map(\.bitPattern))
            #expect(x.osTime.map(\.bitPattern) == y.osTime.map(\.bitPattern))
            #expect(x.pfsEvent == y.pfsEvent && x.osEvent == y.osEvent && x.responseTier == y.responseTier)
        }
        #expect(try m.scenario.hash() == TallyScenario(request: request, reference: "a", tau: nil).hash())
    }

    @Test func aShardWrittenTwiceIsTheSameBytesAndDecodesToWhatWasWritten() throws {
        let request = Self.request(n: 1_000, recordLimit: 10_000)
        let a = try Self.shardFiles(request, k: 2), b = try Self.shardFiles(request, k: 2)
        #expect(a == b)
        let f = try TallyFile.decode(a[1])
        #expect(f.header.shard == (try ShardSpec(index: 2, count: 2)))
        #expect(try f.encoded() == a[1])
        #expect(f.header.scenario.arms[1].pfs == request.arms[1].pfs)
    }

    static func damage(_ data: Data, at offset: Int) -> Data {
        var d = data
        d[offset] ^= 0x01
        return d
    }

    /// Every kind of damage is caught, with its own message.
    @Test func damagedFilesAreRefused() throws {
        let good = try Self.shardFiles(Self.request(n: 1_000, recordLimit: 0), k: 1)[0]
        let cases: [(Data, String)] = [
            (Self.damage(good, at: good.count / 2), "checksum does not match"),
            (Self.damage(good, at: 40), "checksum does not match"),
            (good.prefix(good.count - 1), "truncated"),
            (good.prefix(good.count / 3), "truncated"),
            (Data("hello".utf8), "not a nensim tally file"),
            (Data("nensim-tally 3\n{}\n".utf8), "format version 3"),
            (Data(), "not a nensim tally file"),
        ]
        for (data, message) in cases {
            #expect(throws: TallyFileError.self) { try TallyFile.decode(data) }
            do { _ = try TallyFile.decode(data) } catch {
                #expect(error.message.contains(message), "\(error.message)")
            }
        }
    }

    /// A header changed and re-checksummed (by hand, or by another program) is still
    /// refused when it no longer fits its body or scenario.
    @Test func aResealedButInconsistentFileIsRefused() throws {
        let good = try Self.shardFiles(Self.request(n: 1_000, recordLimit: 0), k: 2)[0]
        var text = [UInt8](good.prefix(good.count - TallyFile.trailerBytes))
        func reseal(_ bytes: [UInt8]) -> Data { Data(bytes + Array("sha256 \(SHA256.hex(bytes))\n".utf8)) }
        let s = String(decoding: text, as: UTF8.self)
        // Claim to be shard 2/2: its work items and patients no longer fit.
        let edited = s.replacingOccurrences(of: "\"shard\":{\"count\":2,\"index\":1}", with: "\"shard\":{\"count\":2,\"index\":2}")
        #expect(edited != s)
        do { _ = try TallyFile.decode(reseal(Array(edited.utf8))); Issue.record("accepted") } catch {
            #expect(error.message.contains("work items"), "\(error.message)")
        }
        // Change the seed: the scenario hash no longer matches.
        let reseeded = s.replacingOccurrences(of: "\"seed\":17", with: "\"seed\":18")
        #expect(reseeded != s)
        do { _ = try TallyFile.decode(reseal(Array(reseeded.utf8))); Issue.record("accepted") } catch {
            #expect(error.message.contains("scenario hash"), "\(error.message)")
        }
        // A count changed in the body: the patients no longer add up.
        text[text.count - 8] &+= 1
        do { _ = try TallyFile.decode(reseal(text)); Issue.record("accepted") } catch {
            #expect(error.message.contains("do not add up"), "\(error.message)")
        }
    }

    @Test func setsThatAreNotOneCompleteRunAreRefusedNamingEachFile() throws {
        let request = Self.request(n: 1_000, recordLimit: 0)
        let three = try Self.shardFiles(request, k: 3)
        var other = request
        other.seed = 99
        let foreign = try Self.shardFiles(other, k: 3)[1]
        let sets: [([Data], [String])] = [
            ([three[0], three[2]], ["missing shard 2/3"]),
            ([three[0], three[1], three[1], three[2]], ["s2.nstally: shard 2/3 again"]),
            ([three[0], foreign, three[1], three[2]], ["s1.nstally: scenario", "seed 99 vs 17"]),
            ([three[0], three[1], three[2], try Self.shardFiles(request, k: 2)[0]], ["s3.nstally: shard 1/2 belongs to a run cut into 2"]),
        ]
        for (files, messages) in sets {
            do { _ = try Self.merged(files); Issue.record("merged") } catch let p as ShardMerge.Problems {
                #expect(p.status == .data)
                #expect(p.lines.count == 1, "\(p.lines)")
                for m in messages { #expect(p.description.contains(m), "\(p.lines)") }
            }
        }
    }
}
