import Testing
@testable import NENSim

/// `BlockDriver.map`: items of very unequal cost, dealt to whichever worker is free, still
/// give `(0..<count).map(body)` — each result in its own slot, for any thread count.
struct BlockDriverTests {
    @Test func mapIsTheSerialMapForAnyThreadCountAndUnequalItems() {
        @Sendable func body(_ i: Int) -> UInt64 {
            // Item i costs about (i % 7)² × 2000 steps of a generator seeded by i.
            var x = UInt64(i) &* 0x9E37_79B9_7F4A_7C15 | 1
            for _ in 0..<((i % 7) * (i % 7) * 2000) { x ^= x << 13; x ^= x >> 7; x ^= x << 17 }
            return x
        }
        let expected = (0..<157).map(body)
        for threads in [1, 2, 3, 8] {
            #expect(BlockDriver.map(157, threads: threads, body) == expected, "threads \(threads)")
        }
        #expect(BlockDriver.map(0, threads: 2, body).isEmpty)
        #expect(BlockDriver.map(1, threads: 4, body) == [body(0)])
    }
}
