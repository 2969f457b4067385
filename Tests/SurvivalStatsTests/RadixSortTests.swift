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

    /// `DoubleSorter` (a trial's calendar times) gives `sort()`'s values bit for bit on
    /// every path: below 256, the top passes up to 2¹⁶ (with the insertion pass's
    /// fallback on values packed within 2⁻¹⁹), every pass above; ties, zeros, infinities.
    @Test(arguments: [0, 1, 255, 256, 3000, 1 << 16, 1 << 16 + 1])
    func doubleSorterIsSort(_ n: Int) {
        var rng = SplitMix64(seed: UInt64(n) &+ 5)
        let sorter = DoubleSorter(capacity: n + 3)
        for packed in [false, true] {
            var values: [Double] = (0..<n).map { i in
                if packed { return 7 + Double(rng.next() % 1_000_000) * 1e-13 }
                switch i % 5 {
                case 0: return Double(rng.next() % 40)                 // ties
                case 1: return i % 2 == 0 ? 0.0 : .infinity
                default: return Double(rng.next() % 1_000_000) / 997
                }
            }
            let expected = values.sorted()
            values.withUnsafeMutableBufferPointer { sorter.sort($0) }
            let same = values.elementsEqual(expected) { $0.bitPattern == $1.bitPattern }
            #expect(same, "n \(n), packed \(packed)")
        }
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

struct CountsFromRecordsTests {
    /// `SurvivalCounts(time:event:)` (radix keys, merged without intermediate copies)
    /// equals the table counted naively: NaN dropped, ±0 one time, ties merged, below
    /// and above the 256-record comparison-sort cut-off.
    @Test(arguments: [0, 1, 2, 255, 256, 257, 5000, 70_000])
    func equalsNaiveTable(_ n: Int) {
        var rng = SplitMix64(seed: UInt64(n) &+ 5)
        let time: [Double] = (0..<n).map { i in
            switch i % 6 {
            case 0: return Double(rng.next() % 40)
            case 1: return i % 4 == 1 ? -0.0 : 0.0
            case 2: return i % 50 == 2 ? .nan : -Double(rng.next() % 30) / 4
            default: return Double(rng.next() % 100_000) / 1e4
            }
        }
        let event: [Bool] = (0..<n).map { _ in rng.next() % 3 != 0 }
        var cells: [Double: (Double, Double)] = [:]
        for j in 0..<n where !time[j].isNaN {
            let key = time[j] == 0 ? 0.0 : time[j]
            var cell = cells[key] ?? (0, 0)
            if event[j] { cell.0 += 1 } else { cell.1 += 1 }
            cells[key] = cell
        }
        let keys = cells.keys.sorted()
        let table = SurvivalCounts(time: time, event: event)
        #expect(table.time.elementsEqual(keys) { $0 == $1 })
        #expect(table.events == keys.map { cells[$0]!.0 })
        #expect(table.censored == keys.map { cells[$0]!.1 })
        // The per-group form reads the same records without copying them.
        let codes: [Int32] = (0..<n).map { Int32($0 % 3) }
        for g in 0..<3 {
            let subset = (0..<n).filter { $0 % 3 == g }
            let expected = SurvivalCounts(time: subset.map { time[$0] }, event: subset.map { event[$0] })
            #expect(SurvivalCounts(time: time, event: event, codes: codes, selecting: Int32(g), timefix: true) == expected)
        }
    }

    /// Times that share their top 31 bits, which the top digits' passes of a table of up
    /// to 2¹⁶ records leave unsorted (`radixSortTopKeyRange`): a few among many are
    /// finished by its insertion pass, many by the full sort it falls back to; the
    /// table is the naive one either way (no time fix: such times would tie).
    @Test(arguments: [(5000, 12), (5000, 2500), (5000, 5000), (300, 300)])
    func timesSharingTheirTopBitsCountAsNaive(_ shape: (n: Int, dense: Int)) {
        var rng = SplitMix64(seed: UInt64(shape.n &* 31 &+ shape.dense))
        var time: [Double] = (0..<shape.n).map { i in
            i < shape.dense ? 1 + Double(rng.next() % 4096) * 0x1p-40 : Double(rng.next() % 1_000_000) / 1e4
        }
        time.shuffle(using: &rng)
        let event: [Bool] = (0..<shape.n).map { _ in rng.next() % 3 != 0 }
        var cells: [Double: (Double, Double)] = [:]
        for j in 0..<shape.n {
            var cell = cells[time[j]] ?? (0, 0)
            if event[j] { cell.0 += 1 } else { cell.1 += 1 }
            cells[time[j]] = cell
        }
        let keys = cells.keys.sorted()
        let table = SurvivalCounts(time: time, event: event, timefix: false)
        #expect(table.time.elementsEqual(keys) { $0 == $1 })
        #expect(table.events == keys.map { cells[$0]!.0 })
        #expect(table.censored == keys.map { cells[$0]!.1 })
    }

    /// The two-group loop of the log-rank test gives the general loop's sums bit for bit
    /// (an empty third group sends the same data through the general loop).
    @Test(arguments: [0.0, 1.0])
    func twoGroupLoopMatchesGeneralLoop(_ rho: Double) throws {
        var rng = SplitMix64(seed: 42)
        let n = 3000
        let time: [Double] = (0..<n).map { _ in Double(rng.next() % 500) / 10 }
        let event: [Bool] = (0..<n).map { _ in rng.next() % 4 != 0 }
        let group: [Int] = (0..<n).map { _ in Int(rng.next() % 2) }
        let a = SurvivalCounts(time: (0..<n).filter { group[$0] == 0 }.map { time[$0] }, event: (0..<n).filter { group[$0] == 0 }.map { event[$0] })
        let b = SurvivalCounts(time: (0..<n).filter { group[$0] == 1 }.map { time[$0] }, event: (0..<n).filter { group[$0] == 1 }.map { event[$0] })
        let two = try LogRank.test([a, b], rho: rho)
        let three = try LogRank.test([a, b, .empty], rho: rho)
        let records = try LogRank.test(time: time, event: event, group: group, rho: rho)
        #expect(two.chiSquare.bitPattern == three.chiSquare.bitPattern)
        #expect(two.observed == Array(three.observed.prefix(2)) && two.expected == Array(three.expected.prefix(2)))
        #expect(two.variance == [three.variance[0], three.variance[1], three.variance[3], three.variance[4]])
        #expect(records.chiSquare.bitPattern == two.chiSquare.bitPattern && records.variance == two.variance)
    }
}
