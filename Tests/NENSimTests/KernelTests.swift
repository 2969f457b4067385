import CKernels
import Foundation
import Testing
@testable import NENSim

struct KernelTests {
    @Test func philoxArrayKernelMatchesTheSwiftGenerator() {
        var stream = RandomStream(seed: 12345, arm: 7, replicate: 3, block: 99)
        let n = 1000
        var o0 = [UInt32](repeating: 0, count: n), o1 = o0, o2 = o0, o3 = o0
        nensim_philox4x32_10(stream.key0, stream.key1, 0, stream.block0, stream.block1, n, &o0, &o1, &o2, &o3)
        for j in 0..<n {
            let w = stream.nextWords()
            #expect(w.0 == o0[j] && w.1 == o1[j] && w.2 == o2[j] && w.3 == o3[j])
        }
    }

    /// fdlibm's log and exp are correctly rounded or within 1 ulp of glibc's.
    @Test func logAndExpAgreeWithLibmToAnUlp() {
        var stream = RandomStream(seed: 1, arm: 0, replicate: 0, block: 0)
        for _ in 0..<100_000 {
            let x = exp(stream.nextUniform() * 80 - 40)
            let a = nensim_log(x), b = log(x)
            #expect(abs(a - b) <= 1.0 * b.ulp.magnitude + 1e-300)
            let y = stream.nextUniform() * 1400 - 700
            let c = nensim_exp(y), d = exp(y)
            #expect(abs(c - d) <= 1.0 * d.ulp)
        }
    }

    /// The array log (the two-group Cox fit's) has `nensim_log`'s bits in every lane and
    /// the tail, exact answers where `nensim_log` takes no argument (0, −0, +∞, negatives,
    /// NaN), and subnormals within an ulp of libm.
    @Test func logArrayIsTheKernelsLogForEveryDouble() {
        var stream = RandomStream(seed: 9, arm: 0, replicate: 0, block: 0)
        let normal = (0..<1003).map { _ in exp(stream.nextUniform() * 1400 - 700) } + [Double.leastNormalMagnitude, .greatestFiniteMagnitude, 1]
        var out = [Double](repeating: 0, count: normal.count)
        nensim_log_array(normal, &out, normal.count)
        let sameBits = zip(normal, out).allSatisfy { nensim_log($0).bitPattern == $1.bitPattern }
        #expect(sameBits)
        for (x, bits) in Self.logBits {
            var one = [0.0]
            nensim_log_array([x], &one, 1)
            #expect(one[0].bitPattern == bits, "log array \(x)")
        }
        let special: [Double] = [0, -0.0, .infinity, -1, -.infinity, .nan, -.leastNormalMagnitude]
        var result = [Double](repeating: 0, count: special.count)
        nensim_log_array(special, &result, special.count)
        #expect(result[0] == -.infinity && result[1] == -.infinity && result[2] == .infinity)
        let nans = result[3...].allSatisfy { $0.isNaN }
        #expect(nans)
        let subnormal: [Double] = [.leastNonzeroMagnitude, 1e-310, 2.2250738585072e-308, 4e-320]
        var logs = [Double](repeating: 0, count: subnormal.count)
        nensim_log_array(subnormal, &logs, subnormal.count)
        for (x, y) in zip(subnormal, logs) { #expect(abs(y - log(x)) <= log(x).ulp.magnitude, "log \(x)") }
    }

    /// A trial's analysis set by selects equals the loop it replaced: enrolled patients
    /// only, event when it comes by dropout and analysis, else censored at min(analysis −
    /// entry, dropout) ≥ 0, rounded down to a scan when one is given; strata copied.
    @Test func trialRecordsAreTheAnalysisSetLoop() {
        var stream = RandomStream(seed: 21, arm: 0, replicate: 0, block: 0)
        let n = 1003
        let entry = (0..<n).map { _ in stream.nextUniform() * 24 }
        let eventTime = (0..<n).map { _ in -log(stream.nextUniform()) * 15 }
        let dropout = (0..<n).map { i in i % 5 == 0 ? Double.infinity : -log(stream.nextUniform()) * 60 }
        let allocation = (0..<n).map { _ in UInt8(stream.nextWords().0 & 1) }
        let stratum = (0..<n).map { _ in UInt8(stream.nextWords().0 % 3) }
        for (analysis, scan) in [(30.0, 0.0), (30.0, 2.75), (12.0, 1.0), (1e9, 0.0)] {
            var time = [Double](), event = [Bool](), group = [UInt8](), strata = [UInt8]()
            for j in 0..<n where entry[j] < analysis {
                let limit = min(analysis - entry[j], dropout[j])
                let isEvent = eventTime[j] <= dropout[j] && entry[j] + eventTime[j] <= analysis
                var c = max(limit, 0)
                if scan > 0 { c = (c / scan).rounded(.down) * scan }
                time.append(isEvent ? eventTime[j] : c); event.append(isEvent); group.append(allocation[j]); strata.append(stratum[j])
            }
            var t = [Double](repeating: -1, count: n), e = [Bool](repeating: false, count: n)
            var g = [UInt8](repeating: 9, count: n), st = [UInt8](repeating: 9, count: n)
            var experimental: Int64 = 0
            let m = Int(nensim_trial_records(Int64(n), entry, eventTime, dropout, allocation, stratum, analysis, scan, &t, &e, &g, &st, &experimental))
            #expect(m == time.count, "analysis \(analysis)")
            let same = zip(t[0..<m], time).allSatisfy { $0.bitPattern == $1.bitPattern } && Array(e[0..<m]) == event
                && Array(g[0..<m]) == group && Array(st[0..<m]) == strata
            #expect(same, "analysis \(analysis), scan \(scan)")
            #expect(Int(experimental) == group.reduce(0) { $0 + Int($1) })
        }
    }

    @Test func negLogOfWordsIsAnExponentialVariate() {
        let words: [UInt32] = [0, 1, 0x8000_0000, UInt32.max, 123_456_789]
        var out = [Double](repeating: 0, count: words.count)
        nensim_neglog_u32(words, &out, words.count)
        for (w, e) in zip(words, out) {
            let reference = -log(RandomStream.uniform32(w))
            #expect(abs(e - reference) <= 2 * reference.ulp)
        }
    }

    @Test func scaledPowMatchesPow() {
        var xs = (1...1000).map { Double($0) * 0.0371 }
        let reference = xs.map { 2.5 * pow($0, 1 / 0.84) }
        nensim_scaled_pow(&xs, 1 / 0.84, 2.5, xs.count)
        for (a, b) in zip(xs, reference) { #expect(abs(a - b) <= 1e-14 * b) }
    }

    // MARK: Pinned bits
    //
    // The header promises the same bits on every machine. These are the bit patterns the
    // kernels give on fixed inputs, obtained by calling them from a small C program
    // (clang -O2 with the AVX2 and AVX-512 clones, and gcc -O0, scalar: identical output), so a
    // compiler, libm or instruction-set change that moves a single bit fails here.
    // Philox's three cases are the Random123 known-answer vectors (kat_vectors,
    // philox4x32 10): counter 0 / key 0, all ones, and the digits of π.

    static let logBits: [(Double, UInt64)] = [
        (0.5, 0xbfe6_2e42_fefa_39ef), (1, 0), (1.5, 0x3fd9_f323_ecbf_984c), (2, 0x3fe6_2e42_fefa_39ef),
        (3.141592653589793, 0x3ff2_50d0_48e7_a1bd), (1e-10, 0xc037_069e_2aa2_aa5b),
        (12345.678, 0x4022_d795_5979_1e31), (0.999999, 0xbeb0_c6f8_2d74_d230),
    ]
    static let expBits: [(Double, UInt64)] = [
        (-700, 0x00d1_4f2b_0fb9_307f), (-20.5, 0x3e15_7a3a_feed_00ab), (-1, 0x3fd7_8b56_362c_ef38),
        (-1e-5, 0x3fef_ffeb_0751_5653), (0, 0x3ff0_0000_0000_0000), (0.693, 0x3fff_fecb_5cda_67f1),
        (1, 0x4005_bf0a_8b14_576a), (10.25, 0x40db_9ea2_aed2_a0f2), (300, 0x5afc_05c0_a716_6b4a),
    ]
    static let negLogBits: [(UInt32, UInt64)] = [
        (0, 0x4036_dfb5_16f2_0bbf), (1, 0x4035_c676_6f47_3b8e), (12345, 0x4029_84f2_8845_ea25),
        (0x8000_0000, 0x3fe6_2e42_feda_39ef), (0xdead_beef, 0x3fc1_d96a_c64c_5278), (UInt32.max, 0x3de0_0000_0004_0000),
    ]
    /// x ↦ λ·x^(1/k) with everolimus's calibrated Weibull (k = 0.842951242796126, λ = 16.99114911648639).
    static let powBits: [(Double, UInt64)] = [
        (0.01, 0x3fb2_7191_4ff5_1583), (0.5, 0x401d_dd8b_0deb_e4c9), (1, 0x4030_fdbb_f2d0_c4b2),
        (2.7, 0x404b_99d4_2783_3b14), (22.9, 0x4085_ca3c_0865_c80e),
    ]

    @Test func logExpAndWeibullPowerGiveThePinnedBits() {
        for (x, bits) in Self.logBits { #expect(nensim_log(x).bitPattern == bits, "log \(x)") }
        for (x, bits) in Self.expBits { #expect(nensim_exp(x).bitPattern == bits, "exp \(x)") }
        for (w, bits) in Self.negLogBits {
            #expect(nensim_neglog_word(w).bitPattern == bits, "neglog word \(w)")
            var out = [0.0]
            nensim_neglog_u32([w], &out, 1)
            #expect(out[0].bitPattern == bits, "neglog array \(w)")
        }
        let k = 0.842951242796126, lambda = 16.99114911648639
        for (x, bits) in Self.powBits {
            #expect(nensim_scaled_pow1(x, 1 / k, lambda).bitPattern == bits, "pow1 \(x)")
            // The array kernel (vectorised, several lanes) on a longer array gives the same bits in every lane.
            var xs = [Double](repeating: x, count: 37)
            nensim_scaled_pow(&xs, 1 / k, lambda, xs.count)
            #expect(xs.allSatisfy { $0.bitPattern == bits }, "pow array \(x)")
        }
    }

    /// The array kernels run in whichever clone the processor selects (AVX-512, AVX2 or
    /// scalar; docs/RANDOM.md): on 10⁵ inputs every lane must give the bits of the scalar
    /// form, which is compiled for the baseline instruction set only.
    @Test func arrayKernelsGiveTheScalarBitsInEveryLane() {
        let n = 100_003 // not a multiple of any vector width: the remainder loop is checked too
        var words = [UInt32](repeating: 0, count: n)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in 0..<n {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            words[i] = UInt32(truncatingIfNeeded: state >> 32)
        }
        words[0] = 0; words[1] = .max
        var e = [Double](repeating: 0, count: n)
        nensim_neglog_u32(words, &e, n)
        #expect((0..<n).allSatisfy { e[$0].bitPattern == nensim_neglog_word(words[$0]).bitPattern })
        for (power, scale) in [(1 / 0.842951242796126, 16.99114911648639), (1 / 1.7, 30.0), (1 / 0.4, 2.5)] {
            var t = e
            nensim_scaled_pow(&t, power, scale, n)
            #expect((0..<n).allSatisfy { t[$0].bitPattern == nensim_scaled_pow1(e[$0], power, scale).bitPattern },
                    "power \(power)")
        }
    }

    @Test func philoxGivesTheRandom123KnownAnswers() {
        func call(_ key: (UInt32, UInt32), _ c: (UInt32, UInt32, UInt32, UInt32)) -> [UInt32] {
            var o = [UInt32](repeating: 0, count: 4)
            let first = UInt64(c.0) | UInt64(c.1) << 32
            nensim_philox4x32_10_interleaved(key.0, key.1, first, c.2, c.3, 1, &o)
            return o
        }
        #expect(call((0, 0), (0, 0, 0, 0)) == [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8])
        #expect(call((.max, .max), (.max, .max, .max, .max)) == [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd])
        #expect(call((0xa409_3822, 0x299f_31d0), (0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344))
                == [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1])
        // The Swift generator agrees with the C kernel on the same counter.
        let w = Philox4x32_10.block(counter: (0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344), key: (0xa409_3822, 0x299f_31d0))
        #expect([w.0, w.1, w.2, w.3] == [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1])
    }

    /// The array Philox forms, eight calls at a time in vector lanes, give the Swift
    /// generator's words for every call, also where the low counter word wraps inside a
    /// group of eight and for counts that leave a remainder.
    @Test func philoxArrayFormsGiveTheScalarWordsAcrossCounterCarries() {
        let key = (UInt32(0x1234_5678), UInt32(0x9abc_def0)), block = (UInt32(77), UInt32(0xdead_beef))
        for first: UInt64 in [0, 5, 4096, 0xffff_fff0, 0xffff_fffb, 0x1_ffff_fffc, .max - 6] {
            for n in [0, 1, 7, 8, 9, 17, 40] {
                var o0 = [UInt32](repeating: 0, count: n), o1 = o0, o2 = o0, o3 = o0
                var inter = [UInt32](repeating: 0, count: 4 * n)
                nensim_philox4x32_10(key.0, key.1, first, block.0, block.1, n, &o0, &o1, &o2, &o3)
                nensim_philox4x32_10_interleaved(key.0, key.1, first, block.0, block.1, n, &inter)
                for j in 0..<n {
                    let c = first &+ UInt64(j)
                    let w = Philox4x32_10.block(counter: (UInt32(truncatingIfNeeded: c), UInt32(truncatingIfNeeded: c >> 32), block.0, block.1), key: key)
                    #expect([o0[j], o1[j], o2[j], o3[j]] == [w.0, w.1, w.2, w.3], "first \(first), call \(j)")
                    #expect(Array(inter[4 * j ..< 4 * j + 4]) == [w.0, w.1, w.2, w.3], "first \(first), call \(j)")
                }
            }
        }
    }

    /// A cut p as a word threshold T = `cutWord(p)` decides exactly as the uniform does:
    /// uniform32(w) ≥ p ⇔ w ≥ T, checked at the edge words T − 1, T, T + 1 of each cut
    /// (and at 0 and 2³² − 1), for the catalogue's cuts, random ones, cuts on the
    /// uniforms' own values and their neighbours, and out-of-range ones.
    @Test func cutWordDecidesAsTheUniformAtEachCutsEdgeWords() throws {
        var cuts: [Double] = [0, 1, -0.25, 1.5, .nan, .infinity, -.infinity, 0x1p-40, 1 - 0x1p-53, 0.5]
        let calibrator = Calibrator(catalogue: try EvidenceCatalogue.bundled())
        for id in ["ssa", "everolimus", "sunitinib", "prrt", "tace", "rfa"] {
            cuts += try calibrator.model(for: id).responseCuts.map(\.probability)
        }
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        for _ in 0..<2000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let u = Double(state >> 11) * 0x1p-53
            let w = UInt32(truncatingIfNeeded: state >> 20)
            let exact = RandomStream.uniform32(w)
            cuts += [u, exact, exact.nextUp, exact.nextDown]
        }
        for p in cuts {
            let t = cutWord(p)
            #expect(t <= 1 << 32)
            let edges = [Int64(t) - 1, Int64(t), Int64(t) + 1, 0, Int64(UInt32.max)].filter { $0 >= 0 && $0 <= Int64(UInt32.max) }
            for e in edges {
                let w = UInt32(e)
                #expect((RandomStream.uniform32(w) >= p) == (UInt64(w) >= t), "cut \(p), word \(w)")
            }
        }
    }

    /// `nensim_response_tiers` gives each patient the tier of the uniform loop it replaces
    /// (the number of ascending cuts at or below uniform32(w0)), the coupled rank, and the
    /// per-tier counts, on words placed on every cut's edges.
    @Test func responseTierKernelGivesTheTiersOfTheUniformLoop() {
        let cutSets: [[Double]] = [[0.05], [0.02, 0.3, 0.7], [0, 0.5, 0.5, 1], [0.1, 0.2, 0.3, 0.4, 0.9]]
        var state: UInt64 = 42
        for cuts in cutSets {
            let t = cuts.map(cutWord)
            let n = 1001
            var w0 = [UInt32](repeating: 0, count: n), w1 = w0, w2 = w0
            for i in 0..<n {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                w0[i] = UInt32(truncatingIfNeeded: state >> 32); w1[i] = UInt32(truncatingIfNeeded: state >> 7); w2[i] = UInt32(truncatingIfNeeded: state)
            }
            for (j, c) in t.enumerated() where c <= UInt64(UInt32.max) {
                w0[3 * j] = UInt32(c); if c > 0 { w0[3 * j + 1] = UInt32(c - 1) }; if c < UInt64(UInt32.max) { w0[3 * j + 2] = UInt32(c + 1) }
            }
            let coupling = wordThreshold(0.6)
            var tier = [Int](repeating: -1, count: n), rank = [UInt32](repeating: 0, count: n)
            var counts = [Int](repeating: 0, count: cuts.count + 1)
            nensim_response_tiers(t, t.count, coupling, w0, w1, w2, n, &tier, &rank, &counts)
            var expected = [Int](repeating: 0, count: cuts.count + 1)
            for i in 0..<n {
                let u = RandomStream.uniform32(w0[i])
                var k = 0
                while k < cuts.count && u >= cuts[k] { k += 1 }
                expected[k] += 1
                #expect(tier[i] == k, "cuts \(cuts), word \(w0[i])")
                #expect(rank[i] == (UInt64(w1[i]) < coupling ? w0[i] : w2[i]))
            }
            #expect(counts == expected, "cuts \(cuts)")
        }
    }

    /// `nensim_tally_scatter` counts each patient where the per-patient loop it replaces
    /// did (cell min(⌊min(T, c)/w⌋, last), event when T ≤ c), for PFS and OS, with ties
    /// T = c, times on cell edges, past the horizon and +∞ (cured), fixed and random
    /// censoring, and writes the same observed times and flags for records.
    @Test func tallyScatterCountsWhereThePatientLoopDid() {
        let n = 1500, cells = 40, width = 0.25, last = cells - 1
        var uniforms = TestUniforms(seed: 7)
        func next() -> Double { uniforms.next() }
        var pfs = (0..<n).map { _ in next() * 12 }, pps = (0..<n).map { _ in next() * 6 }
        let censor = (0..<n).map { _ in next() * 11 }
        for i in stride(from: 0, to: n, by: 7) { pfs[i] = censor[i] }                 // PFS tie
        for i in stride(from: 3, to: n, by: 11) { pps[i] = 0; pfs[i] = censor[i] }    // OS tie
        for i in stride(from: 5, to: n, by: 13) { pfs[i] = Double(i % cells) * width } // cell edges
        for i in stride(from: 9, to: n, by: 17) { pfs[i] = .infinity }
        for random in [false, true] {
            let fixed = 9.75
            var pe = [Int](repeating: 0, count: cells), pc = pe, oe = pe, oc = pe
            var xpe = pe, xpc = pe, xoe = pe, xoc = pe
            var pt = [Double](repeating: 0, count: n), ot = pt, pev = [Bool](repeating: false, count: n), oev = pev
            censor.withUnsafeBufferPointer { cb in
                nensim_tally_scatter(pfs, pps, random ? cb.baseAddress : nil, fixed, n, 1 / width, last,
                                     &pe, &pc, &oe, &oc, &pt, &pev, &ot, &oev)
            }
            for i in 0..<n {
                let c = random ? censor[i] : fixed
                let p = pfs[i], o = pfs[i] + pps[i]
                let po = min(p, c), oo = min(o, c)
                let pCell = min(Int(po * (1 / width)), last), oCell = min(Int(oo * (1 / width)), last)
                if p <= c { xpe[pCell] += 1 } else { xpc[pCell] += 1 }
                if o <= c { xoe[oCell] += 1 } else { xoc[oCell] += 1 }
                #expect(pt[i].bitPattern == po.bitPattern && ot[i].bitPattern == oo.bitPattern && pev[i] == (p <= c) && oev[i] == (o <= c))
            }
            #expect(pe == xpe && pc == xpc && oe == xoe && oc == xoc, "random censoring \(random)")
            #expect(pe.reduce(0, +) + pc.reduce(0, +) == n)
        }
    }
    /// `nensim_philox4x32_10_strided` (the pathways' later lines, each patient at its own
    /// share of the stream) gives the Swift generator's words at every counter base +
    /// index × share: strided, repeated, descending, across the low word's carry and the
    /// 64-bit wrap, with and without a remainder.
    @Test func philoxAtStridedCountersGivesTheScalarWords() {
        let key = (UInt32(0x0bad_cafe), UInt32(0x1357_9bdf)), block = (UInt32(3), UInt32(0x8000_0001))
        let cases: [(base: UInt64, share: UInt64, index: [Int32])] = [
            (0, 1, []),
            (0, 1, [0]),
            (5, 3, Array(0..<9)),
            (0xffff_fff0, 2, Array(0..<17)),
            (40, 1 << 32, [7, 7, 7, 1, 0, 40, 3, 12, 9]),
            (.max - 20, 5, Array(0..<13)),   // wraps past 2^64
            (1, 4096, Array((0..<40).reversed())),
            (123_456_789, 11, (0..<70).map { Int32($0 * $0 % 997) }),
        ]
        for c in cases {
            let n = c.index.count
            var o0 = [UInt32](repeating: 0, count: n), o1 = o0, o2 = o0, o3 = o0
            nensim_philox4x32_10_strided(key.0, key.1, c.base, c.share, c.index, block.0, block.1, n, &o0, &o1, &o2, &o3)
            for (j, i) in c.index.enumerated() {
                let counter = c.base &+ UInt64(i) &* c.share
                let w = Philox4x32_10.block(counter: (UInt32(truncatingIfNeeded: counter), UInt32(truncatingIfNeeded: counter >> 32), block.0, block.1), key: key)
                #expect([o0[j], o1[j], o2[j], o3[j]] == [w.0, w.1, w.2, w.3], "counter \(counter)")
            }
        }
    }

    /// `nensim_pathway_compact` (eight slots at a time with AVX-512, the rest one at a time)
    /// is the one-slot-at-a-time loop it replaced, bit for bit: who is kept, in order, with
    /// censoring and start, and every slot's death and line, for post-progression times
    /// below, at and above the gap, NaN (kept), none kept, all kept, and counts that are
    /// and are not multiples of eight.
    @Test func pathwayCompactionIsTheSlotBySlotLoop() {
        var uniforms = TestUniforms(seed: 17)
        let gap = 0.75
        for (m, mode) in [(0, 0), (1, 0), (7, 0), (8, 0), (9, 0), (1000, 0), (1003, 0), (64, 1), (64, 2), (131, 3)] {
            let capacity = 2 * m + 5
            // Distinct patients in increasing order, as the line loop keeps them.
            var patients = Array(0..<capacity).filter { _ in uniforms.next() < 0.6 }
            while patients.count < m { patients.append((patients.last ?? -1) + 1 + Int(uniforms.next() * 3)) }
            let idx0 = patients.prefix(m).map(Int32.init), n = (patients.prefix(m).max() ?? 0) + 1
            let cen0 = (0..<m).map { _ in uniforms.next() * 20 }, prog = (0..<m).map { _ in uniforms.next() * 10 }
            let pps: [Double] = (0..<m).map { j in
                switch mode {
                case 1: return 0.1          // nobody goes on
                case 2: return 5            // everybody goes on
                case 3: return j % 3 == 0 ? .nan : gap
                default:
                    let u = uniforms.next()
                    return u < 0.1 ? gap : (u < 0.15 ? .nan : u * 2)
                }
            }
            // The slot-by-slot loop.
            var idxA = idx0, cenA = cen0, startA = [Double](repeating: -1, count: m)
            var deathA = [Double](repeating: -1, count: n), reachedA = [Int32](repeating: -1, count: n)
            var keptA = 0
            for j in 0..<m {
                let i = Int(idxA[j]), p = prog[j], x = pps[j]
                deathA[i] = p + x; reachedA[i] = 2
                idxA[keptA] = idxA[j]; cenA[keptA] = cenA[j]; startA[keptA] = p + gap
                keptA += x < gap ? 0 : 1
            }
            var idxB = idx0, cenB = cen0, startB = [Double](repeating: -1, count: m)
            var deathB = [Double](repeating: -1, count: n), reachedB = [Int32](repeating: -1, count: n)
            let keptB = nensim_pathway_compact(m, gap, 2, &idxB, &cenB, &startB, prog, pps, &deathB, &reachedB)
            #expect(keptB == keptA, "m \(m), mode \(mode)")
            #expect(Array(idxB.prefix(keptA)) == Array(idxA.prefix(keptA)))
            #expect(cenB.prefix(keptA).map(\.bitPattern) == cenA.prefix(keptA).map(\.bitPattern))
            #expect(startB.prefix(keptA).map(\.bitPattern) == startA.prefix(keptA).map(\.bitPattern))
            #expect(deathB.map(\.bitPattern) == deathA.map(\.bitPattern) && reachedB == reachedA, "m \(m), mode \(mode)")
        }
    }

    /// `nensim_tally_spans` counts each span [s, e) where the pathway's line loop did: only
    /// spans that start before their censoring time c, in cell min(⌊(min(e, c) − s)/w⌋,
    /// last), an event when e ≤ c; and with no starts every span from 0, counted (also
    /// when c ≤ 0). Ties e = c and s = c, cell edges, +∞ (cured), fixed and random
    /// censoring; the count returned is the spans counted. (Spans end at or after their
    /// start, as the kernel's contract asks.)
    @Test func spanTallyCountsWhereTheLineLoopDid() {
        let n = 1300, cells = 30, width = 0.5, last = cells - 1
        var uniforms = TestUniforms(seed: 11)
        func next() -> Double { uniforms.next() }
        var start = (0..<n).map { _ in next() * 8 }
        var end = start.map { $0 + next() * 10 }
        var censor = (0..<n).map { _ in next() * 14 }
        for i in stride(from: 0, to: n, by: 7) { censor[i] = end[i] }                  // event tie, random c
        for i in stride(from: 10, to: n, by: 23) where start[i] < 11.5 { end[i] = 11.5 } // event tie, fixed c
        for i in stride(from: 2, to: n, by: 9) { start[i] = censor[i]; end[i] = start[i] + 1 } // starts at c: not counted
        for i in stride(from: 4, to: n, by: 13) { end[i] = start[i] + Double(i % cells) * width } // cell edges
        for i in stride(from: 6, to: n, by: 17) { end[i] = .infinity }
        censor[1] = 0; censor[8] = -0.0
        for random in [false, true] {
            for fromZero in [false, true] {
                let fixed = 11.5
                var ev = [Int](repeating: 0, count: cells), ce = ev, xev = ev, xce = ev
                var expected = 0
                let counted = censor.withUnsafeBufferPointer { cb in
                    start.withUnsafeBufferPointer { sb in
                        nensim_tally_spans(fromZero ? nil : sb.baseAddress, end, random ? cb.baseAddress : nil, fixed, n,
                                           1 / width, last, &ev, &ce)
                    }
                }
                for i in 0..<n {
                    let c = random ? censor[i] : fixed, s = fromZero ? 0 : start[i]
                    guard fromZero || s < c else { continue }
                    expected += 1
                    let cell = min(Int((min(end[i], c) - s) * (1 / width)), last)
                    if end[i] <= c { xev[cell] += 1 } else { xce[cell] += 1 }
                }
                #expect(ev == xev && ce == xce, "random censoring \(random), from zero \(fromZero)")
                #expect(counted == expected && ev.reduce(0, +) + ce.reduce(0, +) == expected)
                if fromZero { #expect(counted == n) }
            }
        }
    }

    /// `nensim_pathway_endpoints` counts PFS1, PFS2 and OS as three `nensim_tally_spans`
    /// from time 0 would, with a NaN PFS2 (no second progression) replaced by the death
    /// time in place; without PFS2's arrays PFS2 is filled in and not counted. Passes of
    /// 512 patients cut at 0, 1, 511, 512, 513 and 1300; fixed and random censoring, ties.
    @Test func pathwayEndpointsAreThreeSpanTalliesFromZero() {
        let cells = 25, width = 0.5, last = cells - 1, fixed = 9.25
        var uniforms = TestUniforms(seed: 23)
        for n in [0, 1, 511, 512, 513, 1300] {
            let pfs1 = (0..<n).map { _ in uniforms.next() * 10 }
            let death = pfs1.map { $0 + uniforms.next() * 6 }
            let pfs2: [Double] = (0..<n).map { i in uniforms.next() < 0.3 ? .nan : pfs1[i] + (death[i] - pfs1[i]) * uniforms.next() }
            var censor = (0..<n).map { _ in uniforms.next() * 14 }
            for i in stride(from: 0, to: n, by: 5) { censor[i] = death[i] }   // OS event tie
            for i in stride(from: 3, to: n, by: 11) { censor[i] = pfs1[i] }   // PFS1 event tie
            let filled = pfs2.indices.map { pfs2[$0].isNaN ? death[$0] : pfs2[$0] }
            for random in [false, true] {
                for countsPFS2 in [false, true] {
                    let zeros = [Int](repeating: 0, count: cells)
                    var e1 = zeros, c1 = zeros, e2 = zeros, c2 = zeros, e3 = zeros, c3 = zeros
                    var want = [[Int]](repeating: zeros, count: 6)
                    var q = pfs2
                    censor.withUnsafeBufferPointer { cb in
                        let c = random ? cb.baseAddress : nil
                        if countsPFS2 {
                            nensim_pathway_endpoints(pfs1, &q, death, c, fixed, n, 1 / width, last, &e1, &c1, &e2, &c2, &e3, &c3)
                        } else {
                            nensim_pathway_endpoints(pfs1, &q, death, c, fixed, n, 1 / width, last, &e1, &c1, nil, nil, &e3, &c3)
                        }
                        for (k, end) in [pfs1, filled, death].enumerated() where k != 1 || countsPFS2 {
                            var events = zeros, censored = zeros
                            _ = nensim_tally_spans(nil, end, c, fixed, n, 1 / width, last, &events, &censored)
                            want[2 * k] = events; want[2 * k + 1] = censored
                        }
                    }
                    #expect([e1, c1, e2, c2, e3, c3] == want, "n \(n), random censoring \(random), PFS2 counted \(countsPFS2)")
                    #expect(q.map(\.bitPattern) == filled.map(\.bitPattern))
                }
            }
        }
    }

    /// The pathway's slot passes are their loops: line 1's slots, a later line's
    /// progressions (and PFS2 on line 2), the deaths after the last line, and the binary
    /// outcomes' counts below a word threshold (0, 2³², and between).
    @Test func pathwaySlotPassesAreTheirLoops() {
        var uniforms = TestUniforms(seed: 29)
        for n in [0, 1, 7, 8, 9, 1003] {
            let pfs1 = (0..<n).map { _ in uniforms.next() * 10 }, pps1 = (0..<n).map { _ in uniforms.next() * 5 }
            let censor = (0..<n).map { _ in uniforms.next() * 20 }
            for random in [false, true] {
                var idx = [Int32](repeating: -1, count: n), cen = [Double](repeating: -1, count: n)
                var start = cen, progression = cen, pps = cen, pfs2 = cen
                censor.withUnsafeBufferPointer { cb in
                    nensim_pathway_first_slots(n, random ? cb.baseAddress : nil, 7.5, pfs1, pps1, &idx, &cen, &start, &progression, &pps, &pfs2)
                }
                #expect(idx == (0..<n).map(Int32.init) && cen == (random ? censor : [Double](repeating: 7.5, count: n)))
                #expect(start == [Double](repeating: 0, count: n) && progression == pfs1 && pps == pps1 && pfs2.allSatisfy(\.isNaN))
            }
            // Slots of distinct, increasing patients out of 2n + 1.
            let patients = Array((0..<(2 * n + 1)).filter { _ in uniforms.next() < 0.5 }.prefix(n))
            let m = patients.count, idx = patients.map(Int32.init), size = 2 * n + 1
            let start = (0..<m).map { _ in uniforms.next() * 10 }, time = (0..<m).map { _ in uniforms.next() * 4 }
            for line2 in [false, true] {
                var progression = [Double](repeating: -1, count: m), pfs2 = [Double](repeating: .nan, count: size)
                if line2 { nensim_pathway_progressions(m, idx, start, time, &progression, &pfs2) }
                else { nensim_pathway_progressions(m, idx, start, time, &progression, nil) }
                #expect(progression.map(\.bitPattern) == (0..<m).map { (start[$0] + time[$0]).bitPattern })
                var want = [Double](repeating: .nan, count: size)
                if line2 { for j in 0..<m { want[patients[j]] = start[j] + time[j] } }
                #expect(pfs2.map(\.bitPattern) == want.map(\.bitPattern), "line 2: \(line2)")
            }
            var death = [Double](repeating: -1, count: size), reached = [Int32](repeating: -1, count: size)
            nensim_pathway_deaths(m, 3, idx, start, time, &death, &reached)
            var wantDeath = [Double](repeating: -1, count: size), wantReached = [Int32](repeating: -1, count: size)
            for j in 0..<m { wantDeath[patients[j]] = start[j] + time[j]; wantReached[patients[j]] = 3 }
            #expect(death.map(\.bitPattern) == wantDeath.map(\.bitPattern) && reached == wantReached)
            let words = (0..<n).map { _ in UInt32(uniforms.next() * 0x1p32) }
            for threshold: UInt64 in [0, 1, UInt64(words.first ?? 5), 1 << 31, UInt64(UInt32.max), 1 << 32] {
                #expect(nensim_count_below(words, n, threshold) == words.filter { UInt64($0) < threshold }.count, "threshold \(threshold)")
            }
        }
    }
}

/// Uniforms on [0, 1) from a 64-bit LCG (Knuth's MMIX constants), 53 bits each: test data
/// that does not depend on the engine's generator.
struct TestUniforms {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(state >> 11) * 0x1p-53
    }
}
