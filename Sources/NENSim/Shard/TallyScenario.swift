import Foundation

/// Everything that determines a run's numbers and its report, and nothing else (not
/// the thread count, the time or where files go): what a tally file carries so that
/// `nensim merge` can rebuild the unsharded run's report without the flags, and what
/// its scenario hash is taken of. Two shards with the same scenario hash were cut from
/// the same run.
///
/// The arms are the whole calibrated `ArmModel`s (parameters, provenance, notes), so
/// merge prints the same table as `run`; the nensim version is part of it because
/// another version may draw different patients from the same seed.
public struct TallyScenario: Codable, Sendable {
    public var nensimVersion: String
    public var arms: [ArmModel]
    public var patientsPerArm: Int
    public var seed: UInt64
    public var replicate: UInt32
    public var design: StudyDesign
    /// Width of a tally cell, months.
    public var gridWidth: Double
    public var blockSize: Int
    /// `--exact-limit`: individual records are kept when patientsPerArm ≤ recordLimit.
    public var recordLimit: Int
    /// The arm the others are compared with (resolved: nil only for a single arm).
    public var reference: String?
    /// `--tau` as given (nil: the report's default).
    public var tau: Double?
    public var landmarkTimes: [Double]
    /// `--psa K` (absent without it, so a run without PSA hashes as before).
    public var psa: Int?
    /// `--economics FILE` and the economic report's settings (absent without it, so a run
    /// without economics hashes as before).
    public var economics: EconomicsScenario?

    /// - Parameters: `economics`: the report's settings when `request.economics` is set
    ///   (default: the default willingness-to-pay values, no population EVPI).
    public init(request: SimulationRequest, reference: String?, tau: Double?,
                landmarkTimes: [Double] = Reporter.defaultLandmarks, economics: EconomicsScenario? = nil) {
        nensimVersion = NENSimInfo.version
        arms = request.arms
        patientsPerArm = request.patientsPerArm
        seed = request.seed
        replicate = request.replicate
        design = request.design
        gridWidth = request.gridWidth
        blockSize = request.blockSize
        recordLimit = request.recordLimit
        self.reference = reference
        self.tau = tau
        self.landmarkTimes = landmarkTimes
        self.economics = request.economics.map { inputs in
            var e = economics ?? EconomicsScenario(inputs: inputs)
            e.inputs = inputs
            return e
        }
    }

    /// The request this scenario describes, run with `threads` workers.
    public func request(threads: Int = 1) -> SimulationRequest {
        var r = SimulationRequest(arms: arms, patientsPerArm: patientsPerArm, seed: seed, replicate: replicate, design: design,
                                  gridWidth: gridWidth, blockSize: blockSize, threads: threads, recordLimit: recordLimit)
        r.economics = economics?.inputs
        return r
    }

    /// Work items of the whole run (arms × blocks per arm).
    public var totalWorkItems: Int { arms.count * request().blocksPerArm }

    /// The canonical JSON the hash is taken of: snake_case keys, sorted, no whitespace,
    /// numbers in shortest round-trip form (so decoding gives back the same doubles),
    /// non-finite numbers as the strings "NaN", "+Inf", "-Inf"; UTF-8.
    public func canonicalJSON() throws -> Data { try TallyJSON.encoder().encode(self) }

    /// SHA-256 of `canonicalJSON()`, 64 lowercase hex digits.
    public func hash() throws -> String { SHA256.hex(try canonicalJSON()) }

    /// The first field in which `other` differs from this scenario, in words (for
    /// merge's message when two shards are not of one run), or nil when none does.
    public func firstDifference(from other: TallyScenario) -> String? {
        func d<T: Equatable>(_ name: String, _ a: T, _ b: T, _ show: (T) -> String) -> String? {
            a == b ? nil : "\(name) \(show(b)) vs \(show(a))"
        }
        let checks: [String?] = [
            d("nensim version", nensimVersion, other.nensimVersion) { $0 },
            d("arms", arms.map(\.id), other.arms.map(\.id)) { $0.joined(separator: ",") },
            d("n", patientsPerArm, other.patientsPerArm) { String($0) },
            d("seed", seed, other.seed) { String($0) },
            d("replicate", replicate, other.replicate) { String($0) },
            d("design", design, other.design) { "'\($0.summary)'" },
            d("grid width", gridWidth, other.gridWidth) { "\($0 * daysPerMonth) day(s)" },
            d("block size", blockSize, other.blockSize) { String($0) },
            d("exact limit", recordLimit, other.recordLimit) { String($0) },
            d("reference", reference, other.reference) { $0 ?? "none" },
            d("tau", tau, other.tau) { $0.map { "\($0)" } ?? "default" },
            d("landmarks", landmarkTimes, other.landmarkTimes) { $0.map { "\($0)" }.joined(separator: ",") },
            d("PSA draws", psa, other.psa) { $0.map(String.init) ?? "none" },
            d("economics", economics == nil, other.economics == nil) { $0 ? "none" : "economic inputs" },
            d("economic inputs", economics, other.economics) { $0.map { "from \($0.inputs.file ?? "code")" } ?? "none" },
        ]
        if let first = checks.compactMap({ $0 }).first { return first }
        for (a, b) in zip(arms, other.arms) {
            let x = try? TallyJSON.encoder().encode(a), y = try? TallyJSON.encoder().encode(b)
            if x != y { return "calibrated parameters of arm \(a.id) (other overrides or another evidence file)" }
        }
        return nil
    }
}

/// The JSON conventions of tally files (header and scenario).
enum TallyJSON {
    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        return e
    }

    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        return d
    }
}
