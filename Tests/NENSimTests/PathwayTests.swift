import Foundation
import Testing
@testable import NENSim

/// Treatment pathways: the engine, the attenuation, the guidance check.
struct PathwayTests {
    static func line(_ k: Int, _ model: ArmModel, evidence: Int? = nil, hr: Double = PathwayAssumption.laterLineHazardRatio) -> PathwayLine {
        PathwayLine(line: k, model: model, evidenceLine: evidence, laterLineHazardRatio: hr)
    }

    static func pathway(_ models: [ArmModel], evidence: Int? = nil, hr: Double = PathwayAssumption.laterLineHazardRatio) -> Pathway {
        Pathway(lines: models.enumerated().map { line($0.offset + 1, $0.element, evidence: evidence, hr: hr) })
    }

    static let designs: [StudyDesign] = [
        StudyDesign(),
        StudyDesign(horizon: 120, accrual: 24, followUp: 18, dropoutPerYear: 0.1),
        StudyDesign(horizon: 60, accrual: 0, followUp: 30),
    ]

    // MARK: One line = the single arm

    /// A one-line pathway uses its arm's stream and draw order, so its PFS1 and OS tallies,
    /// response tiers, binary outcomes and records equal `Engine.run` for that arm.
    @Test(arguments: [0, 1, 2])
    func oneLinePathwayReproducesTheSingleArmRun(design d: Int) throws {
        let models = [EngineTests.model(id: "alpha", median: 14, shape: 0.85, ppsMedian: 22, binaries: [0.3, 0.6]),
                      EngineTests.model(id: "beta", median: 9, shape: 1, ppsMedian: 30, cuts: [], binaries: [])]
        for model in models {
            let sim = SimulationRequest(arms: [model], patientsPerArm: 9_001, seed: 17, design: Self.designs[d], blockSize: 1000, threads: 2)
            let single = Engine.run(sim)
            let p = Self.pathway([model])
            #expect(p.streamID == streamID(ofArm: model.id))
            let path = PathwayEngine.run(PathwayRequest(pathways: [p], lineGap: 1, simulation: sim))
            let a = single.tallies[0], t = path.tallies[0]
            #expect(t.patients == a.patients)
            #expect(t.pfs1 == a.pfs)
            #expect(t.os == a.os)
            #expect(t.pfs2 == a.os) // no second line: PFS2 is death
            #expect(t.lines[0] == a.pfs)
            #expect(t.responseTiers[0] == a.responseTiers)
            #expect(t.binaryOutcomes[0] == a.binaryOutcomes)
            let r1 = try #require(single.records?[0]), r2 = try #require(path.records?[0])
            #expect(r1.pfsTime == r2.pfs1Time && r1.pfsEvent == r2.pfs1Event)
            #expect(r1.osTime == r2.osTime && r1.osEvent == r2.osEvent)
            #expect(r1.responseTier == r2.responseTier)
        }
    }

    /// Also without records (tallies only: PFS1 and OS scattered as the arm's, line 1 and
    /// PFS2 filled in from them or, under random censoring, line 1 counted), under fixed
    /// and random censoring.
    @Test(arguments: [0, 1])
    func oneLinePathwayOfACatalogueArmReproducesItsRun(design d: Int) throws {
        let calibrator = Calibrator(catalogue: try EvidenceCatalogue.bundled())
        for id in ["prrt", "tace", "everolimus"] {
            let model = try calibrator.model(for: id)
            let sim = SimulationRequest(arms: [model], patientsPerArm: 50_000, seed: 3, design: Self.designs[d], recordLimit: 0)
            let p = Pathway(lines: [PathwayLine(line: 1, model: model, evidenceLine: 2, laterLineHazardRatio: 1.25)])
            let single = Engine.run(sim).tallies[0]
            let path = PathwayEngine.run(PathwayRequest(pathways: [p], simulation: sim)).tallies[0]
            #expect(path.pfs1 == single.pfs && path.os == single.os, "\(id)")
            #expect(path.lines[0] == single.pfs && path.pfs2 == single.os, "\(id)")
            #expect(path.startedInFollowUp[0] == 50_000 && path.reached == [50_000], "\(id)")
            #expect(path.binaryOutcomes[0] == single.binaryOutcomes, "\(id)")
        }
    }

    // MARK: Ordering of endpoints

    /// PFS1 ≤ PFS2 ≤ OS for every patient, event flags nested, lines in time order.
    @Test(arguments: [0.0, 1.0, 6.0])
    func endpointsAreOrderedForEveryPatient(gap: Double) throws {
        let models = [EngineTests.model(id: "a", median: 20, shape: 0.9, ppsMedian: 10),
                      EngineTests.model(id: "b", median: 8, shape: 1.2, ppsMedian: 4),
                      EngineTests.model(id: "c", median: 5, shape: 1, ppsMedian: 25)]
        for design in Self.designs {
            let sim = SimulationRequest(arms: [], patientsPerArm: 20_000, seed: 5, design: design, blockSize: 777)
            let r = PathwayEngine.run(PathwayRequest(pathways: [Self.pathway(models)], lineGap: gap, simulation: sim))
            let rec = try #require(r.records?[0])
            for i in rec.osTime.indices {
                #expect(rec.pfs1Time[i] <= rec.pfs2Time[i] && rec.pfs2Time[i] <= rec.osTime[i], "patient \(i)")
                #expect(!rec.osEvent[i] || rec.pfs2Event[i], "patient \(i): death without PFS2 event")
                #expect(!rec.pfs2Event[i] || rec.pfs1Event[i], "patient \(i): PFS2 event without PFS1 event")
                var last = -1.0
                for k in 0..<rec.linesReached[i] {
                    #expect(rec.lineStart[k][i] >= last, "patient \(i) line \(k + 1)")
                    last = rec.lineStart[k][i]
                }
                for k in rec.linesReached[i]..<3 { #expect(rec.lineStart[k][i].isNaN) }
            }
            let t = r.tallies[0]
            #expect(t.patients == 20_000)
            #expect(t.reached[0] == 20_000 && t.reached[0] >= t.reached[1] && t.reached[1] >= t.reached[2])
            let total: (EndpointTally) -> Int = { $0.events.reduce(0, +) + $0.censored.reduce(0, +) }
            #expect(total(t.pfs1) == 20_000 && total(t.pfs2) == 20_000 && total(t.os) == 20_000)
            for k in 0..<3 { #expect(total(t.lines[k]) == t.startedInFollowUp[k]) }
            if gap == 0 { #expect(t.reached[2] == 20_000) } // no gap, no death before the last line
        }
    }

    // MARK: Distributions

    /// Time on line k follows the arm's Weibull with hazard × h: the empirical CDF at the
    /// model's deciles lies within 4 binomial SE, and the Kolmogorov–Smirnov distance is
    /// below its 0.1 % critical value 1.949/√m.
    @Test func timeOnEachLineFollowsTheAttenuatedCalibratedPFS() throws {
        let models = [EngineTests.model(id: "a", median: 12, shape: 0.85, ppsMedian: 20, coupling: 1),
                      EngineTests.model(id: "b", median: 10, shape: 1, ppsMedian: 6),
                      EngineTests.model(id: "c", median: 7, shape: 1.4, ppsMedian: 12, coupling: 0)]
        let p = Self.pathway(models, evidence: nil, hr: 1.5) // lines 2 and 3: h = 1.5, 2.25
        #expect(p.lines.map(\.hazardMultiplier) == [1, 1.5, 2.25])
        let sim = SimulationRequest(arms: [], patientsPerArm: 60_000, seed: 2024, design: StudyDesign(horizon: 1200), recordLimit: 60_000)
        let r = PathwayEngine.run(PathwayRequest(pathways: [p], lineGap: 2, simulation: sim))
        let rec = try #require(r.records?[0])
        for (k, line) in p.lines.enumerated() {
            let times = rec.lineTime[k].filter { !$0.isNaN }.sorted()
            let m = Double(times.count)
            #expect(rec.lineEvent[k].filter { $0 }.count == times.count, "line \(k + 1): censored within 1200 months")
            let dist = line.attenuatedPFS
            for q in stride(from: 0.1, through: 0.9, by: 0.1) {
                let below = Double(times.filter { $0 <= dist.quantile(q) }.count) / m
                #expect(abs(below - q) <= 4 * (q * (1 - q) / m).squareRoot(), "line \(k + 1) decile \(q): \(below)")
            }
            var d = 0.0
            for (i, t) in times.enumerated() {
                let f = 1 - line.survival(t)
                d = max(d, abs(f - Double(i) / m), abs(f - Double(i + 1) / m))
            }
            #expect(d <= 1.949 / m.squareRoot(), "line \(k + 1): KS distance \(d)")
        }
    }

    /// Death in the gap: P(start line 2) = exp(−μ₁·gap), μ₁ the PPS rate of line 1.
    @Test(arguments: [0.5, 3.0])
    func shareReachingTheNextLineMatchesTheGapMortality(gap: Double) {
        let a = EngineTests.model(id: "a", median: 10, ppsMedian: 8), b = EngineTests.model(id: "b", median: 6)
        let n = 100_000
        let sim = SimulationRequest(arms: [], patientsPerArm: n, seed: 8, recordLimit: 0)
        let t = PathwayEngine.run(PathwayRequest(pathways: [Self.pathway([a, b])], lineGap: gap, simulation: sim)).tallies[0]
        let p = exp(-a.ppsRate * gap)
        #expect(abs(Double(t.reached[1]) / Double(n) - p) <= 4 * (p * (1 - p) / Double(n)).squareRoot())
    }

    // MARK: Determinism

    @Test(arguments: [2, 3, 8])
    func resultsAreIdenticalForAnyThreadCount(threads: Int) throws {
        let models = [EngineTests.model(id: "a"), EngineTests.model(id: "b", median: 20, shape: 0.8, binaries: [0.4, 0.1])]
        let pathways = [Self.pathway(models), Self.pathway(models.reversed()), Self.pathway([models[1]])]
        var one = SimulationRequest(arms: [], patientsPerArm: 20_001, seed: 7, blockSize: 1000, threads: 1)
        var many = one
        many.threads = threads
        let r1 = PathwayEngine.run(PathwayRequest(pathways: pathways, simulation: one))
        let r2 = PathwayEngine.run(PathwayRequest(pathways: pathways, simulation: many))
        #expect(r1.tallies == r2.tallies)
        let same = r1.records?[0].osTime == r2.records?[0].osTime // (a Bool: no dump of 20 000 numbers on failure)
        #expect(same)
        let bits: (PathwayResult) -> [[UInt64]]? = { $0.records?[1].lineTime.map { $0.map(\.bitPattern) } } // NaN: line not started
        let sameLines = bits(r1) == bits(r2)
        #expect(sameLines)
        one.recordLimit = 0
        #expect(PathwayEngine.run(PathwayRequest(pathways: pathways, simulation: one)).tallies == r1.tallies)
        // A pathway's patients do not depend on the other pathways run beside it.
        let alone = PathwayEngine.run(PathwayRequest(pathways: [pathways[1]], simulation: many))
        #expect(alone.tallies[0] == r1.tallies[1])
    }

    // MARK: Attenuation

    @Test func hazardMultiplierAppliesOnlyBeyondTheEvidenceLine() {
        let m = EngineTests.model()
        #expect(Self.line(1, m, evidence: 2, hr: 1.5).hazardMultiplier == 1)
        #expect(Self.line(2, m, evidence: 2, hr: 1.5).hazardMultiplier == 1)
        #expect(Self.line(3, m, evidence: 2, hr: 1.5).hazardMultiplier == 1.5)
        #expect(Self.line(4, m, evidence: 2, hr: 1.5).hazardMultiplier == 2.25)
        #expect(Self.line(2, m, evidence: nil, hr: 1.5).hazardMultiplier == 1.5)
        let l = Self.line(3, m, evidence: 1, hr: 1.2)
        for t in [1.0, 6, 24] { #expect(abs(l.attenuatedPFS.survival(t) - pow(m.pfs.survival(t), 1.44)) < 1e-12) }
    }

    @Test func settingsSplitLaterLineOverridesFromModelOverrides() throws {
        let (later, rest) = try PathwaySettings.splitAssignments(["prrt.later_line_hr=1.5", "prrt.pfs.median=30", "SSA.Later_Line_HR = 2"])
        #expect(later == ["prrt": 1.5, "ssa": 2])
        #expect(rest == ["prrt.pfs.median=30"])
        #expect(throws: NensimFailure.usage("\(.override) 'prrt.later_line_hr=x': 'x' is not a finite number")) {
            try PathwaySettings.splitAssignments(["prrt.later_line_hr=x"])
        }
        #expect(throws: NensimFailure.self) { try PathwaySettings(lineGap: -1).validate() }
        #expect(throws: NensimFailure.self) { try PathwaySettings(laterLineHazardRatio: 0).validate() }
        #expect(throws: NensimFailure.self) { try PathwaySettings(laterLineByArm: ["prrt": .infinity]).validate() }
        let s = PathwaySettings()
        #expect(s.lineGapStatus == .assumption && s.laterLineStatus == .assumption)
        #expect(PathwaySettings(lineGap: 2).lineGapStatus == .override)
    }

    // MARK: Parsing

    @Test func pathwayListsParseToCanonicalIDs() throws {
        let c = try EvidenceCatalogue.bundled()
        #expect(try PathwayList.parse("ssa>prrt>everolimus, SSA > everolimus > PPRT", catalogue: c)
            == [["ssa", "prrt", "everolimus"], ["ssa", "everolimus", "prrt"]])
        #expect(try PathwayList.parse("prrt>everolimus>prrt", catalogue: c) == [["prrt", "everolimus", "prrt"]]) // rechallenge
    }

    static let badPathways: [(String, String)] = [
        ("ssa>prtt", "‹pathways› 'ssa>prtt': unknown arm 'prtt' — did you mean 'prrt'?"),
        ("ssa>>prrt", "‹pathways› 'ssa>>prrt': line 2 is empty"),
        ("ssa>", "‹pathways› 'ssa>': line 2 is empty"),
        ("ssa,,prrt", "‹pathways› 'ssa,,prrt': pathway 2 is empty"),
        ("", "‹pathways› is empty"),
        ("ssa>octreotide", "‹pathways› 'ssa>octreotide': line 2 repeats line 1 (ssa)"),
        ("ssa>prrt,ssa>pprt", "‹pathways›: 'ssa>prrt' is listed twice"),
        ("ssa>prrt>ssa>prrt>ssa>prrt>ssa>prrt>ssa", "‹pathways› 'ssa>prrt>ssa>prrt>ssa>prrt>ssa>prrt>ssa': 9 lines; at most 8"),
    ]

    @Test(arguments: badPathways)
    func badPathwayListsAreUsageErrors(text: String, message: String) throws {
        let c = try EvidenceCatalogue.bundled()
        do {
            _ = try PathwayList.parse(text, catalogue: c)
            Issue.record("'\(text)' parsed")
        } catch let f as NensimFailure {
            #expect(f.status == .usage)
            #expect(f.description.hasPrefix(message), "\(f.message)")
            #expect(!f.message.contains("\n"))
        }
    }

    @Test func populationProfilesParse() throws {
        #expect(try PatientProfile.parse("sstr=negative, grade=g1,site=Midgut,ki67=12%")
            == PatientProfile(site: "midgut", grade: "G1", ki67Percent: 12, sstr: "negative"))
        for bad in ["sstr=maybe", "grade=G4", "site=midgt", "ki67=200", "colour=blue", "grade"] {
            #expect(throws: NensimFailure.self, "\(bad)") { try PatientProfile.parse(bad) }
        }
        #expect(throws: NensimFailure.usage("\(.population) site=midgt: unknown site — did you mean 'midgut'?")) {
            try PatientProfile.parse("site=midgt")
        }
    }

    // MARK: Guidance

    static let guidanceCases: [(String, String, [String])] = [
        // (pathway, population, expected "rule:line:arm" warnings)
        ("everolimus>ssa", "grade=G1,site=midgut", ["sequence:1:everolimus"]),
        ("everolimus>ssa", "grade=G1,site=pancreas", []), // §33: approved for pancreatic NEN
        ("ssa>prrt>everolimus", "sstr=positive,grade=G1,site=midgut,ki67=3", []),
        ("ssa>everolimus>prrt", "", []),
        ("prrt>ssa", "", ["sequence:1:prrt"]),
        ("tace>prrt", "", ["sequence:2:prrt"]),
        ("ssa>prrt", "sstr=negative", ["sstr:1:ssa", "sstr:2:prrt"]),
        ("stz_5fu>ssa", "grade=G1", ["grade:1:stz_5fu"]),
        ("ssa>captem", "grade=G2", []),
        ("interferon>ssa", "", ["sequence:1:interferon"]),
        ("ssa>interferon", "", []),
        ("ssa>everolimus", "grade=G3,ki67=30", ["grade:1:ssa", "ki67:1:ssa", "grade:2:everolimus"]),
    ]

    @Test(arguments: guidanceCases)
    func guidanceWarnsWhereThePathwayGoesAgainstTheSource(pathway: String, population: String, expected: [String]) throws {
        let c = try EvidenceCatalogue.bundled()
        let ids = try PathwayList.parse(pathway, catalogue: c)[0]
        let profile = population.isEmpty ? PatientProfile() : try PatientProfile.parse(population)
        let warnings = PathwayGuidance.check(pathway: ids, profile: profile, catalogue: c)
        #expect(warnings.map { "\($0.rule):\($0.line):\($0.arm)" } == expected)
        for w in warnings {
            #expect(w.message.contains("「\(w.source.quote)」"))
            #expect(!w.message.contains("\n"))
        }
    }

    /// Every sentence a guidance rule quotes is verbatim in the source (whitespace aside).
    @Test(.enabled(if: sourceTextAvailable, sourceTextMissingReason))
    func guidanceQuotesAreVerbatimInTheSource() throws {
        let data = try #require(FileManager.default.contents(atPath: sourceTextURL.path),
                                "source text not found at \(sourceTextURL.path): CI needs shared/ beside the clone")
        let source = withoutWhitespace(String(decoding: data, as: UTF8.self))
        for (key, q) in PathwayGuidance.quotes {
            #expect(source.contains(withoutWhitespace(q.quote)), "\(key): not in the source: \(q.quote)")
        }
        // The second-line rules quote the arms' own catalogue statements.
        let c = try EvidenceCatalogue.bundled()
        for id in ["everolimus", "prrt", "interferon"] {
            let q = try #require(PathwayGuidance.quotes["\(id).second_line"])
            #expect(try c.arm(id).statements.contains { $0.quote == q.quote }, "\(id)")
        }
    }

    // MARK: Report

    @Test func reportComparesPathwaysAndWritesFilesAtomically() throws {
        let a = EngineTests.model(id: "a", median: 20), b = EngineTests.model(id: "b", median: 8)
        let sim = SimulationRequest(arms: [], patientsPerArm: 4_000, seed: 1)
        let request = PathwayRequest(pathways: [Self.pathway([a, b]), Self.pathway([b, a])], simulation: sim)
        let (report, curves) = try PathwayReporter.report(PathwayEngine.run(request))
        #expect(report.reference == "a>b")
        #expect(report.comparisons.map(\.endpoint) == ["pfs1", "pfs2", "os"])
        #expect(report.comparisons[0].hazardRatio.estimate > 1.5) // b first progresses sooner
        #expect(curves.map(\.endpoint) == ["pfs1", "pfs2", "os", "line1", "line2", "pfs1", "pfs2", "os", "line1", "line2"])
        #expect(report.renderTable().contains("Against a>b"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nensim-pathways-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Written as the command writes them: through the one atomic writer.
        let folder = try RunFolder.create(at: dir.path, force: false)
        try folder.write("pathways.csv", contents: PathwayFiles.summaryCSV(report))
        try folder.write("km_pathways.csv", contents: PathwayFiles.curvesCSV(curves))
        try folder.commit()
        let files = folder.files.map { dir.appendingPathComponent($0) }
        #expect(files.map(\.lastPathComponent) == ["pathways.csv", "km_pathways.csv"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["km_pathways.csv", "pathways.csv"])
        let summary = try String(contentsOf: files[0], encoding: .utf8).split(separator: "\n")
        #expect(summary.count == 1 + 2 * 5)
        let header = summary[0].split(separator: ",", omittingEmptySubsequences: false)
        #expect(summary.allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == header.count })
        #expect(try String(contentsOf: files[1], encoding: .utf8).hasPrefix("pathway,endpoint,time,n_risk,n_event,n_censor,surv,surv_se,lower,upper\n"))
    }
}
