import Testing
@testable import SurvivalStats

struct RadixSortTests {
    /// Same order as `sort()` on values with negatives, zeros of both signs, infinities,
    /// subnormals, many ties and wide exponents.
    @Test(arguments: [0, 1, 2, 255, 256, 1000, 50_000])
    func agreesWithSort(_ n: Int) {
        var rng = SplitMix64(seed: UInt64(n) &+ 17)
        var values: [Double] = (0..<n).map { i in
            switch i % 7 {
            case 0: return Double(rng.next() % 50)                       // ties
            case 1: return -Double(rng.next() % 1000) / 7
            case 2: return Double(bitPattern: rng.next() & ~(1 << 63))   // any positive, incl. huge, subnormal
            case 3: return i % 2 == 0 ? 0.0 : -0.0
            case 4: return i % 3 == 0 ? .infinity : -.infinity
            default: return Double(rng.next() % 1_000_000) / 1000
            }
        }.filter { !$0.isNaN }
        var expected = values
        expected.sort()
        radixSort(&values)
        #expect(values.elementsEqual(expected) { $0 == $1 })
    }

    /// The permutation is the stable sort's (ties keep their input order), ascending
    /// and descending, and `sorted` holds the values in that order bit for bit.
    @Test(arguments: [0, 1, 2, 300, 20_000])
    func sortedOrderIsTheStableSortPermutation(_ n: Int) {
        var rng = SplitMix64(seed: UInt64(n) &+ 99)
        let values: [Double] = (0..<n).map { i in
            i % 5 == 0 ? Double(rng.next() % 20) : i % 5 == 1 ? -Double(rng.next() % 1000 + 1) / 3 : Double(rng.next() % 100_000) / 1e4
        }
        for descending in [false, true] {
            let expected = values.indices.sorted { a, b in
                values[a] != values[b] ? (descending ? values[a] > values[b] : values[a] < values[b]) : a < b
            }
            let (order, sorted) = radixSortedOrder(values, descending: descending)
            #expect(order.map(Int.init) == expected)
            #expect(sorted.map(\.bitPattern) == expected.map { values[$0].bitPattern })
        }
    }
}

/// Small deterministic generator for tests (SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
