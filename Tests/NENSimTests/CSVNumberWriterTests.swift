import Foundation
import Testing
import CKernels
@testable import NENSim
import SurvivalStats

/// Numbers written in place (`CSV.append(_:to:)`) against the text forms they replace
/// (`CSV.number`, `CSVWriter.number`), and the thinned KM rows.
struct CSVWriterTests {
    static func appended(_ x: Double, below: Double = 9_007_199_254_740_994) -> String {
        var b: [UInt8] = []
        CSV.append(x, to: &b, integralBelow: below)
        return String(decoding: b, as: UTF8.self)
    }

    @Test func appendedNumbersAreTheTextForms() {
        var values: [Double] = [0, -0.0, 1, -1, 0.1, 1e-5, 1e15, 1e15 - 1, 9_007_199_254_740_992, 9_007_199_254_740_994, 1e16, 1e300,
                                -1e-300, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .leastNormalMagnitude, .nan, .infinity, -.infinity,
                                123456789.125, 0.30000000000000004, 2.5e-7, -7.25]
        var state: UInt64 = 0x1234_5678
        for _ in 0..<20_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let x = Double(bitPattern: state)
            if x.isFinite { values.append(x) }
            values.append(Double(state >> 11) / Double(1 << 53) * 100)
            values.append((Double(state >> 40) / 8).rounded())
        }
        for x in values {
            #expect(Self.appended(x) == CSV.number(x), "\(x)")
            #expect(Self.appended(x, below: 1e15) == CSVWriter.number(x), "\(x)")
        }
    }

    /// The bytes written without a `String` are `description`'s, on the hard cases of
    /// shortest round-trip formatting (long fractions below 1 among them) and on random
    /// finite bit patterns.
    @Test func shortestBytesAreDescription() {
        var values: [Double] = [0, -0.0, 0.1, 0.2, 0.3, 1e-5, 1e-4, 9.999999999999999e-5, 1e16, 1e15, 9_007_199_254_740_993,
                                2.5e-7, 5e-324, -5e-324, .leastNormalMagnitude, .leastNormalMagnitude.nextDown, .greatestFiniteMagnitude,
                                -.greatestFiniteMagnitude, 1.0000000000000002, 0.9999999999999999, 123456789012345680, 2.2250738585072014e-308,
                                1e23, 8.41e21, 5e-310, .pi, -.pi, .infinity, -.infinity, 0.30000000000000004, 1e-7, 1.7976931348623157e308,
                                0.9090909090909091, -0.9090909090909091, 0.09534625892455922]
        var state: UInt64 = 0x9E37_79B9
        for _ in 0..<20_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            if Double(bitPattern: state).isFinite { values.append(Double(bitPattern: state)) }
            values.append(Double(state >> 11) / Double(1 << 53))
        }
        for x in values {
            var b: [UInt8] = []
            CSV.appendShortest(x, to: &b)
            #expect(String(decoding: b, as: UTF8.self) == x.description, "\(x.bitPattern)")
        }
    }

    /// The CKernels' Dragonbox digits (`nensim_shortest`, the fast path of `appendShortest`)
    /// give `description`'s bytes for every finite non-integral x, in plain notation from
    /// 10⁻⁴ and exponential below: short decimals, the ends of each decade (among them the
    /// switch at 10⁻⁴), subnormals, and random values of every decade (random 52-bit
    /// fractions and random bit patterns of every exponent).
    @Test func shortestDigitsAreDescriptionForEveryNonIntegralValue() {
        var values: [Double] = [0.5, 0.25, 0.125, 12.5, 0.001, 0.002, 0.1, 0.2, 0.3, 0.7, 1.5, 2.675, 1e14 + 0.5, 999_999_999_999_999.9,
                                0.30000000000000004, 0.9999999999999999, 1.0000000000000002, 0.09534625892455922, 1.7976931348623157e3,
                                1e-4, 9.9999e-5, 1e-5, 2.5e-9, 5e-324, 1e-300, .leastNormalMagnitude, .leastNormalMagnitude.nextDown,
                                4_503_599_627_370_495.5, 0.0001, 0.00012345]
        // Every power of two (the shorter interval below x) and its neighbours.
        for e in -1074...52 {
            let p = Double(sign: .plus, exponent: e, significand: 1)
            values += [p, p.nextUp, p.nextDown]
        }
        for e in -324...15 {
            let p = pow(10.0, Double(e))
            values += [p, p.nextUp, p.nextDown, p.nextUp.nextUp, (p * 1.5).nextDown, p * 3.3333333333333335]
        }
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state }
        for _ in 0..<60_000 {
            let decade = Double(Int(next() % 30) - 15)
            values.append((1 + Double(next() >> 11) / Double(1 << 53) * 9) * pow(10, decade))
            // A random pattern of any exponent up to 2^52 (subnormals among them).
            let exponent = next() % (1023 + 52)
            values.append(Double(bitPattern: (exponent << 52) | (next() & ((1 << 52) - 1))) * (next() % 2 == 0 ? 1 : -1))
            // Few significant digits (times and fractions as people write them).
            values.append(Double(next() % 100_000) / [1e3, 1e4, 1e5, 1e7, 7, 3][Int(next() % 6)])
        }
        var t = [UInt8](repeating: 0, count: 48)
        var fast = 0
        for x in values where x.isFinite && x != x.rounded(.towardZero) {
            let n = nensim_shortest(x, &t)
            #expect(String(decoding: t[0..<n], as: UTF8.self) == x.description, "\(x.bitPattern)")
            if n > 0 { fast += 1 }
        }
        #expect(fast > values.count / 2, "the fast path formatted \(fast) of \(values.count)")
        for x in [1e15, 2.0, -7.0, 0, -0.0, .nan, .infinity, -.infinity, 1e300] { #expect(nensim_shortest(x, &t) == 0, "\(x)") }
    }

    /// km.csv's rows made by the CKernels (`nensim_km_rows`, as `writeKaplanMeierRows`
    /// uses it) are the bytes of the Swift row appender, for every kind of value (NA,
    /// ±Inf, -0, integral, exponential, plain; repeated from the row before or not) and
    /// thinned or not; a row holding an integral value of 10¹⁵ or more is left to the
    /// Swift appender, and the rows of
    /// `formatKaplanMeierRows` around it are the same bytes.
    @Test func kernelRowsAreTheSwiftRowsBytes() {
        var state: UInt64 = 0x51_7CC1_B727_220A
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state }
        let special: [Double] = [.nan, .infinity, -.infinity, -0.0, 0, 1, 7, 1e-5, 2.5e-9, 0.0001, 12.5, 999_999_999_999_999, -3.25, 5e-324]
        func value() -> Double {
            switch next() % 4 {
            case 0: special[Int(next() % UInt64(special.count))]
            case 1: Double(next() % 1_000_000)
            case 2: Double(next() >> 11) / Double(1 << 53) * pow(10, Double(Int(next() % 12) - 8))
            default: Double(bitPattern: next() & 0x7FEF_FFFF_FFFF_FFFF) * (next() % 2 == 0 ? 1 : -1)
            }
        }
        let m = 3_000
        var columns = (0..<8).map { _ in (0..<m).map { _ in value() } }
        // Rows of censorings only: the estimate, its error and bounds repeat the row
        // before's, bit for bit (the kernel copies their text), also after a row of
        // the Swift appender's and across thinned rows.
        for r in 1..<m {
            switch next() % 6 {
            case 0, 1: for c in 4..<8 { columns[c][r] = columns[c][r - 1] }
            case 2: for c in 4..<7 { columns[c][r] = columns[c][r - 1] }   // three of the four: made again
            default: break
            }
        }
        for c in 4..<8 { columns[c][1235] = columns[c][1234]; columns[c][1236] = columns[c][1234] }
        columns[1][1234] = 1e15   // left to the Swift appender
        columns[6][2900] = -2e17
        // A label the kernel copies as 32 bytes, and one longer than that.
        let labels = [Array("arm \"A\", 2".utf8), Array(String(repeating: "a longer arm label ", count: 3).utf8)]
        let held = columns.map { column -> UnsafeMutableBufferPointer<Double> in
            let b = UnsafeMutableBufferPointer<Double>.allocate(capacity: column.count)
            _ = b.initialize(from: column)
            return b
        }
        defer { held.forEach { $0.deallocate() } }
        let c = held.map { UnsafeBufferPointer($0) }
        let km = KaplanMeierColumns(time: c[0], nRisk: c[1], nEvent: c[2], nCensor: c[3], survival: c[4], stdErr: c[5], lower: c[6], upper: c[7])
        for label in labels {
            label.withUnsafeBufferPointer { label in
                for rows in [nil, (0..<m).filter { $0 % 3 != 1 }.map(Int64.init)] as [[Int64]?] {
                    let count = rows?.count ?? m
                    var expected: [UInt8] = []
                    for r in 0..<count { AnalysisResult.appendKaplanMeierRow(label, km, rows.map { Int($0[r]) } ?? r, to: &expected) }
                    var buffer = [UInt8](repeating: 0, count: count * (label.count + 8 * 26 + 1) + 64)
                    let filled = buffer.withUnsafeMutableBufferPointer {
                        AnalysisResult.formatKaplanMeierRows(label, km, rows, 0..<count, into: $0)
                    }
                    #expect(filled == expected.count)
                    #expect(Array(buffer[0..<filled]) == expected)
                }
            }
        }
    }

    @Test func thinnedRowsKeepTheEndsAndEveryRowWhenFew() {
        var t: [Double] = [], e: [Bool] = []
        for i in 0..<5000 { t.append(Double(i % 2500) / 7 + 0.01); e.append(i % 3 != 0) }
        let km = KaplanMeier.fit(time: t, event: e)
        let all = CSV.thinnedRows(km, points: nil)
        #expect(all == Array(km.time.indices))
        #expect(CSV.thinnedRows(km, points: km.time.count) == all)
        let few = CSV.thinnedRows(km, points: 100)
        #expect(few.first == 0 && few.last == km.time.count - 1 && few.count < km.time.count / 4 && few.count >= 100)
        // Between kept rows, the curve moves less than 1/100 of either axis.
        for (a, b) in zip(few, few.dropFirst()) where b > a + 1 {
            #expect(km.survival[a] - km.survival[b - 1] < 0.01)
            #expect(km.time[b - 1] - km.time[a] < (km.time.last! - km.time.first!) / 100)
        }
    }
}
