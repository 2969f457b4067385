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
}
