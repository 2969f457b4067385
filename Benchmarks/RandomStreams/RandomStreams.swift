// Throughput of the random streams the engine draws from (Sources/NENSim/Random).
//
// Every benchmark is scaled by 1M (`scalingFactor: .mega`): one measured iteration makes
// 1,000,000 draws (`benchmark.scaledIterations`), so the wall clock marked `*` is in ns
// per draw and the throughput in millions of draws per second. Setup (stream construction, buffer allocation) happens
// before `benchmark.startMeasurement()`; results go through `blackHole`. The variates
// are passed as types (`Variate`), not closures, so each loop is specialised and the
// draw inlined, as it is in the engine.
import Benchmark
import NENSim

/// One kind of draw from a stream.
protocol Variate {
    static func draw(_ stream: inout RandomStream) -> Double
}

enum Uniform: Variate { static func draw(_ s: inout RandomStream) -> Double { s.nextUniform() } }
enum Exponential: Variate { static func draw(_ s: inout RandomStream) -> Double { s.nextExponential() } }
enum Normal: Variate { static func draw(_ s: inout RandomStream) -> Double { s.nextNormal() } }
enum Weibull: Variate {
    static func draw(_ s: inout RandomStream) -> Double { s.nextWeibull(shape: 1.3, scale: 20) }
}
enum LogNormal: Variate {
    static func draw(_ s: inout RandomStream) -> Double { s.nextLogNormal(mu: 0, sigma: 0.5) }
}
enum Gamma25: Variate { static func draw(_ s: inout RandomStream) -> Double { s.nextGamma(shape: 2.5) } }
enum Gamma05: Variate { static func draw(_ s: inout RandomStream) -> Double { s.nextGamma(shape: 0.5) } }
enum Beta25: Variate { static func draw(_ s: inout RandomStream) -> Double { s.nextBeta(2, 5) } }

/// Registers a benchmark of `V.draw`, one draw per scaled iteration.
func benchmarkVariate<V: Variate>(_ name: String, _: V.Type) {
    Benchmark(name) { benchmark in
        var stream = RandomStream(seed: 1, arm: 0, replicate: 0, block: 0)
        var sum = 0.0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { sum += V.draw(&stream) }
        blackHole(sum)
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 2,
        scalingFactor: .mega,
        maxDuration: .seconds(2),
        maxIterations: 40
    )

    Benchmark("Philox4x32-10 block") { benchmark in
        let key: (UInt32, UInt32) = (0xA409_3822, 0x299F_31D0)
        var acc: UInt32 = 0
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            let r = Philox4x32_10.block(counter: (UInt32(truncatingIfNeeded: i), 0, 0, 0), key: key)
            acc ^= r.0 ^ r.1 ^ r.2 ^ r.3
        }
        blackHole(acc)
    }

    Benchmark("next UInt64") { benchmark in
        var stream = RandomStream(seed: 1, arm: 0, replicate: 0, block: 0)
        var acc: UInt64 = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { acc ^= stream.next() }
        blackHole(acc)
    }

    Benchmark("uniform, bulk fillUniforms") { benchmark in
        // Chunks of 4096 doubles (32 KiB) as the engine would fill per block; the total per
        // iteration is the scaled count, so the per-draw figures compare with the others.
        let chunk = 4096
        var stream = RandomStream(seed: 1, arm: 0, replicate: 0, block: 0)
        let buffer = UnsafeMutableBufferPointer<Double>.allocate(capacity: chunk)
        defer { buffer.deallocate() }
        let total = benchmark.scaledIterations.count
        benchmark.startMeasurement()
        var done = 0
        while done < total {
            let n = min(chunk, total - done)
            stream.fillUniforms(UnsafeMutableBufferPointer(rebasing: buffer[0..<n]))
            blackHole(buffer[n - 1])
            done += n
        }
    }

    benchmarkVariate("uniform, one at a time", Uniform.self)
    benchmarkVariate("exponential", Exponential.self)
    benchmarkVariate("normal (Box-Muller)", Normal.self)
    benchmarkVariate("weibull(shape 1.3, scale 20)", Weibull.self)
    benchmarkVariate("lognormal(0, 0.5)", LogNormal.self)
    benchmarkVariate("gamma(2.5)", Gamma25.self)
    benchmarkVariate("gamma(0.5)", Gamma05.self)
    benchmarkVariate("beta(2, 5)", Beta25.self)

    Benchmark("stream construction + first draw") { benchmark in
        var acc: UInt64 = 0
        benchmark.startMeasurement()
        for block in benchmark.scaledIterations {
            var s = RandomStream(seed: 1, arm: 2, replicate: 3, block: UInt64(block))
            acc ^= s.next()
        }
        blackHole(acc)
    }
}
