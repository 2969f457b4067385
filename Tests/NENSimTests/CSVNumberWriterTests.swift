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

    /// The CKernels' Ryu digits in plain notation (`nensim_shortest_plain`, the fast path
    /// of `appendShortest`) give `description`'s bytes over its whole range 1e-3 ≤ |x| <
    /// 1e15: short decimals, the ends of each decade, and random values of every decade
    /// (random 52-bit fractions and random bit patterns of its exponents).
    @Test func ryuPlainDigitsAreDescriptionOverTheirRange() {
        var values: [Double] = [0.5, 0.25, 0.125, 12.5, 0.001, 0.002, 0.1, 0.2, 0.3, 0.7, 1.5, 2.675, 1e14 + 0.5, 999_999_999_999_999.9,
                                0.30000000000000004, 0.9999999999999999, 1.0000000000000002, 0.09534625892455922, 1.7976931348623157e3]
        for e in -3...14 {
            let p = pow(10.0, Double(e))
            values += [p.nextUp, p.nextDown, p.nextUp.nextUp, (p * 1.5).nextDown, p * 3.3333333333333335]
        }
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state }
        for _ in 0..<60_000 {
            let decade = Double(Int(next() % 18) - 3)
            values.append((1 + Double(next() >> 11) / Double(1 << 53) * 9) * pow(10, decade))
            // A random pattern with an exponent of the range (2^-10 … 2^49).
            let exponent = UInt64(1023 - 10) + next() % 60
            values.append(Double(bitPattern: (exponent << 52) | (next() & ((1 << 52) - 1))) * (next() % 2 == 0 ? 1 : -1))
            // Few significant digits (times and fractions as people write them).
            values.append(Double(next() % 100_000) / [1e3, 1e4, 1e5, 7, 3][Int(next() % 5)])
        }
        var fast = 0
        for x in values {
            var b: [UInt8] = []
            CSV.appendShortest(x, to: &b)
            #expect(String(decoding: b, as: UTF8.self) == x.description, "\(x.bitPattern)")
            var t = [UInt8](repeating: 0, count: 32)
            if nensim_shortest_plain(x, &t) > 0 { fast += 1 }
        }
        #expect(fast > values.count * 9 / 10, "the fast path formatted \(fast) of \(values.count)")
        var t = [UInt8](repeating: 0, count: 32)
        for x in [0.000999, 1e15, 2.0, -7.0, .nan, .infinity, 1e-5] { #expect(nensim_shortest_plain(x, &t) == 0, "\(x)") }
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
