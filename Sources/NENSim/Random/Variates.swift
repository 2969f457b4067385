#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Continuous variates from a `RandomStream`. Every method draws its uniforms with
/// `nextUniform()` (open interval (0, 1)), so logarithms and powers of them are always
/// finite. None allocates. The number of `UInt64`s a call consumes is stated where it is
/// fixed; rejection methods consume a random number of them, which is still a pure
/// function of the stream's tuple and the calls before.
extension RandomStream {
    /// Exponential with rate 1 (mean 1): `-log(u)`. Uses one `next()`.
    /// Range: [−log(1 − 2⁻⁵³) ≈ 1.1e-16, 53 log 2 ≈ 36.7].
    @inlinable
    public mutating func nextExponential() -> Double {
        -log(nextUniform())
    }

    /// Standard normal, by Box–Muller: from uniforms `u1`, `u2`,
    /// `r = √(−2 log u1)`, `θ = 2π u2`; returns `r cos θ` and keeps `r sin θ` for the next
    /// call. So each pair of calls uses two `next()`s; |z| ≤ √(2·53 log 2) ≈ 8.57.
    ///
    /// The cached second value is part of the stream's state: it depends only on the
    /// tuple and the order of calls, so determinism is unaffected. A copy of the stream
    /// carries the cache with it.
    @inlinable
    public mutating func nextNormal() -> Double {
        if hasNormal {
            hasNormal = false
            return cachedNormal
        }
        let u1 = nextUniform()
        let u2 = nextUniform()
        let r = (-2.0 * log(u1)).squareRoot()
        let theta = 2.0 * Double.pi * u2
        cachedNormal = r * sin(theta)
        hasNormal = true
        return r * cos(theta)
    }

    /// Log-normal: `exp(mu + sigma · z)` with `z = nextNormal()`.
    /// - Precondition: `sigma ≥ 0`.
    @inlinable
    public mutating func nextLogNormal(mu: Double, sigma: Double) -> Double {
        exp(mu + sigma * nextNormal())
    }

    /// Weibull with survival `S(t) = exp(−(t/scale)^shape)`, by inverse transform:
    /// `scale · (−log u)^(1/shape)`. Uses one `next()`.
    /// - Precondition: `shape > 0`, `scale > 0`.
    @inlinable
    public mutating func nextWeibull(shape: Double, scale: Double) -> Double {
        scale * pow(-log(nextUniform()), 1.0 / shape)
    }

    /// Gamma with the given shape and scale 1 (mean and variance `shape`), by
    /// Marsaglia & Tsang, "A simple method for generating gamma variables", ACM TOMS 26
    /// (2000) 363–372. For `shape < 1` it uses their boost
    /// `G(a) = G(a + 1) · u^(1/a)`. Acceptance is at least 95 % per try for `shape ≥ 1`.
    /// - Precondition: `shape > 0` and finite.
    @inlinable
    public mutating func nextGamma(shape: Double) -> Double {
        precondition(shape > 0 && shape.isFinite, "gamma shape must be positive and finite")
        if shape < 1 {
            let g = marsagliaTsang(shape + 1)
            return g * pow(nextUniform(), 1.0 / shape)
        }
        return marsagliaTsang(shape)
    }

    /// Beta(a, b), as `X / (X + Y)` with `X ~ Gamma(a)`, `Y ~ Gamma(b)` drawn in that
    /// order. Computed as `1 / (1 + exp(log Y − log X))` from the logarithms of the
    /// gammas, so that tiny shapes (where `X` and `Y` can underflow to 0) still give a
    /// value in [0, 1] rather than 0/0.
    /// - Precondition: `a > 0`, `b > 0`, both finite.
    @inlinable
    public mutating func nextBeta(_ a: Double, _ b: Double) -> Double {
        let lx = logGamma(shape: a)
        let ly = logGamma(shape: b)
        return 1.0 / (1.0 + exp(ly - lx))
    }

    /// `log` of a Gamma(shape) variate, using the same draws as `nextGamma(shape:)`.
    @inlinable
    mutating func logGamma(shape: Double) -> Double {
        precondition(shape > 0 && shape.isFinite, "gamma shape must be positive and finite")
        if shape < 1 {
            let g = marsagliaTsang(shape + 1)
            return log(g) + log(nextUniform()) / shape
        }
        return log(marsagliaTsang(shape))
    }

    /// Marsaglia–Tsang for `a ≥ 1`: `d = a − 1/3`, `c = 1/√(9d)`; draw a normal `x` with
    /// `v = (1 + cx)³ > 0` and a uniform `u`; accept `d·v` when
    /// `u < 1 − 0.0331 x⁴` (squeeze) or `log u < x²/2 + d(1 − v + log v)`.
    @inlinable
    mutating func marsagliaTsang(_ a: Double) -> Double {
        let d = a - 1.0 / 3.0
        let c = 1.0 / (9.0 * d).squareRoot()
        while true {
            var x: Double
            var v: Double
            repeat {
                x = nextNormal()
                v = 1.0 + c * x
            } while v <= 0
            v = v * v * v
            let u = nextUniform()
            let x2 = x * x
            if u < 1.0 - 0.0331 * x2 * x2 { return d * v }
            if log(u) < 0.5 * x2 + d * (1.0 - v + log(v)) { return d * v }
        }
    }
}
