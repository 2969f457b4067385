import Foundation

/// Distribution functions needed by the survival statistics: standard normal, χ²,
/// gamma and beta, with quantiles. Accuracy: relative error near 1e-14 or better over
/// the ranges used (checked against R in the tests); tails are computed directly
/// (upper-tail functions do not go through `1 − cdf`).
public enum Distributions {
    // MARK: Normal

    /// Φ(x), the standard normal distribution function, via `erfc` (no cancellation in
    /// either tail).
    public static func normalCDF(_ x: Double) -> Double {
        0.5 * erfc(-x / 2.0.squareRoot())
    }

    /// 1 − Φ(x), computed without cancellation.
    public static func normalSurvival(_ x: Double) -> Double {
        0.5 * erfc(x / 2.0.squareRoot())
    }

    /// The standard normal density φ(x).
    public static func normalPDF(_ x: Double) -> Double {
        exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
    }

    /// Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation (relative error < 1.2e-9)
    /// refined by two Halley steps on `erfc`, which brings it to full double precision.
    /// Returns −∞ / +∞ at 0 / 1 and NaN outside [0, 1].
    public static func normalQuantile(_ p: Double) -> Double {
        if p.isNaN || p < 0 || p > 1 { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                 3.754408661907416e+00]
        let plow = 0.02425
        var x: Double
        if p < plow {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - plow {
            let q = p - 0.5
            let r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
                (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log1p(-p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        // Halley refinement; the error term is taken on the smaller tail for accuracy.
        for _ in 0..<2 {
            // e = Φ(x) − p, taken on the tail where it has no cancellation.
            let e = x < 0 ? normalCDF(x) - p : (1 - p) - normalSurvival(x)
            let u = e * (2 * Double.pi).squareRoot() * exp(0.5 * x * x)
            x = x - u / (1 + 0.5 * x * u)
        }
        return x
    }

    // MARK: Gamma

    /// Regularized lower incomplete gamma P(a, x) = γ(a, x)/Γ(a).
    public static func regularizedGammaP(_ a: Double, _ x: Double) -> Double {
        if x.isNaN || a.isNaN || a <= 0 || x < 0 { return .nan }
        if x == 0 { return 0 }
        if x.isInfinite { return 1 }
        return x < a + 1 ? gammaSeries(a, x) : 1 - gammaContinuedFraction(a, x)
    }

    /// Regularized upper incomplete gamma Q(a, x) = 1 − P(a, x), computed directly in
    /// the upper tail.
    public static func regularizedGammaQ(_ a: Double, _ x: Double) -> Double {
        if x.isNaN || a.isNaN || a <= 0 || x < 0 { return .nan }
        if x == 0 { return 1 }
        if x.isInfinite { return 0 }
        return x < a + 1 ? 1 - gammaSeries(a, x) : gammaContinuedFraction(a, x)
    }

    private static func gammaSeries(_ a: Double, _ x: Double) -> Double {
        var ap = a
        var del = 1 / a
        var sum = del
        for _ in 0..<100_000 {
            ap += 1
            del *= x / ap
            sum += del
            if abs(del) < abs(sum) * 1e-17 { break }
        }
        return sum * exp(-x + a * log(x) - lgamma(a))
    }

    private static func gammaContinuedFraction(_ a: Double, _ x: Double) -> Double {
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        var i = 1.0
        while i < 100_000 {
            let an = -i * (i - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let del = d * c
            h *= del
            if abs(del - 1) < 1e-17 { break }
            i += 1
        }
        return exp(-x + a * log(x) - lgamma(a)) * h
    }

    /// Gamma(shape, scale) distribution function.
    public static func gammaCDF(_ x: Double, shape: Double, scale: Double = 1) -> Double {
        x <= 0 ? 0 : regularizedGammaP(shape, x / scale)
    }

    /// Quantile of Gamma(shape, scale): Newton steps on P safeguarded by bisection.
    public static func gammaQuantile(_ p: Double, shape: Double, scale: Double = 1) -> Double {
        if p.isNaN || p < 0 || p > 1 || shape <= 0 { return .nan }
        if p == 0 { return 0 }
        if p == 1 { return .infinity }
        // Wilson–Hilferty start.
        let z = normalQuantile(p)
        let v = 1 / (9 * shape)
        var x = max(shape * pow(1 - v + z * v.squareRoot(), 3), 1e-300)
        if !x.isFinite || x <= 0 { x = shape }
        var lo = 0.0, hi = Double.infinity
        for _ in 0..<200 {
            let f = regularizedGammaP(shape, x) - p
            if f > 0 { hi = x } else { lo = x }
            let dens = exp((shape - 1) * log(x) - x - lgamma(shape))
            var nx = x - f / dens
            if !(nx > lo && nx < hi) || !nx.isFinite { nx = hi.isFinite ? 0.5 * (lo + hi) : 2 * x }
            if abs(nx - x) <= 1e-15 * abs(x) { x = nx; break }
            x = nx
        }
        return x * scale
    }

    // MARK: Chi-squared

    /// P(X ≤ x) for X ~ χ²(df).
    public static func chiSquaredCDF(_ x: Double, df: Double) -> Double {
        x <= 0 ? 0 : regularizedGammaP(df / 2, x / 2)
    }

    /// P(X > x) for X ~ χ²(df), the p-value of a χ² statistic; direct upper tail.
    public static func chiSquaredSurvival(_ x: Double, df: Double) -> Double {
        x <= 0 ? 1 : regularizedGammaQ(df / 2, x / 2)
    }

    /// Quantile of χ²(df).
    public static func chiSquaredQuantile(_ p: Double, df: Double) -> Double {
        gammaQuantile(p, shape: df / 2, scale: 2)
    }

    // MARK: Beta

    /// Regularized incomplete beta I_x(a, b) (continued fraction, Lentz's method, with the
    /// symmetry I_x(a,b) = 1 − I_{1−x}(b,a) for convergence).
    public static func regularizedBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x.isNaN || a <= 0 || b <= 0 { return .nan }
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        let bt = exp(lbt)
        if x < (a + 1) / (a + b + 2) {
            return bt * betaContinuedFraction(x, a, b) / a
        } else {
            return 1 - bt * betaContinuedFraction(1 - x, b, a) / b
        }
    }

    private static func betaContinuedFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
        let tiny = 1e-300
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        var m = 1.0
        while m < 100_000 {
            let m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let del = d * c
            h *= del
            if abs(del - 1) < 1e-16 { break }
            m += 1
        }
        return h
    }

    /// Beta(a, b) distribution function.
    public static func betaCDF(_ x: Double, a: Double, b: Double) -> Double { regularizedBeta(x, a: a, b: b) }

    /// Quantile of Beta(a, b): bisection to bracket, then Newton, to full precision.
    public static func betaQuantile(_ p: Double, a: Double, b: Double) -> Double {
        if p.isNaN || p < 0 || p > 1 || a <= 0 || b <= 0 { return .nan }
        if p == 0 { return 0 }
        if p == 1 { return 1 }
        var lo = 0.0, hi = 1.0
        var x = a / (a + b)
        let lbeta = lgamma(a) + lgamma(b) - lgamma(a + b)
        for _ in 0..<300 {
            let f = regularizedBeta(x, a: a, b: b) - p
            if f == 0 { return x }
            if f > 0 { hi = x } else { lo = x }
            let dens = exp((a - 1) * log(x) + (b - 1) * log1p(-x) - lbeta)
            var nx = x - f / dens
            if !(nx > lo && nx < hi) || !nx.isFinite { nx = 0.5 * (lo + hi) }
            if abs(nx - x) <= 4 * Double.ulpOfOne * max(abs(x), 1e-300) || hi - lo <= 4 * Double.ulpOfOne * hi {
                return nx
            }
            x = nx
        }
        return x
    }
}

// MARK: Tails on the log scale (parametric survival families)

extension Distributions {
    /// log(1 − Φ(z)) to full relative precision in both tails: `log1p(−Φ(z))` below −5,
    /// `log(erfc)` in the middle, and above 35 (where erfc nears underflow) the
    /// asymptotic series log φ(z) − log z + log(1 − 1/z² + 3/z⁴ − 15/z⁶ + 105/z⁸ −
    /// 945/z¹⁰ + 10395/z¹²), whose next term is below 1e-16 there.
    public static func logNormalSurvival(_ z: Double) -> Double {
        if z.isNaN { return .nan }
        if z < -5 { return log1p(-normalCDF(z)) }
        if z <= 35 { return log(normalSurvival(z)) }
        if z == .infinity { return -.infinity }
        let r = 1 / (z * z)
        let series = 1 + r * (-1 + r * (3 + r * (-15 + r * (105 + r * (-945 + r * 10395)))))
        return -0.5 * z * z - 0.5 * log(2 * Double.pi) - log(z) + log(series)
    }

    /// log Φ(z), the lower tail on the log scale (`logNormalSurvival(−z)`).
    public static func logNormalCDF(_ z: Double) -> Double { logNormalSurvival(-z) }

    /// The inverse Mills ratio φ(z)/(1 − Φ(z)), the hazard of the standard normal, without
    /// overflow in the upper tail (it tends to z).
    public static func normalHazard(_ z: Double) -> Double {
        if z == .infinity { return .infinity }
        return exp(-0.5 * z * z - 0.5 * log(2 * Double.pi) - logNormalSurvival(z))
    }

    /// log Γ(a) + a − (a − ½) log a − ½ log 2π, the remainder of Stirling's formula, for
    /// a > 0; by its asymptotic series (1/12a − 1/360a³ + 1/1260a⁵ − 1/1680a⁷) for a ≥ 10,
    /// which keeps full precision where `lgamma(a) − a log a` would cancel (a up to 1e12).
    public static func stirlingRemainder(_ a: Double) -> Double {
        if a < 10 { return lgamma(a) + a - (a - 0.5) * log(a) - 0.5 * log(2 * Double.pi) }
        let r = 1 / a, r2 = r * r
        return r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 / 1680)))
    }
}

// MARK: Incomplete gamma on the log scale (generalized gamma family)

extension Distributions {
    /// log(xᵃ e⁻ˣ / Γ(a)), the prefactor of both incomplete-gamma expansions. For a ≥ 10
    /// it is −a(r − log1p(r)) + ½ log(a/2π) − R(a) with r = x/a − 1 and R Stirling's
    /// remainder, which does not cancel for large a (a = 1/Q² of a generalized gamma).
    static func logGammaPrefactor(_ a: Double, _ x: Double) -> Double {
        if a < 10 { return -x + a * log(x) - lgamma(a) }
        let r = x / a - 1
        let d: Double
        if abs(r) < 0.1 {
            // r − log1p(r) = r²/2 − r³/3 + r⁴/4 − …
            var term = -r, sum = 0.0, k = 1.0
            repeat { k += 1; term *= -r; sum += term / k } while abs(term / k) > 1e-18 * abs(sum)
            d = sum
        } else { d = r - log1p(r) }
        return -a * d + 0.5 * log(a / (2 * Double.pi)) - stirlingRemainder(a)
    }

    /// log P(a, x) and log Q(a, x) = log(1 − P(a, x)), each to full relative precision:
    /// the tail that the series (x < a + 1) or the continued fraction (otherwise) computes
    /// directly is taken in log space (no underflow far in the tail) and the other as
    /// log1p of minus it.
    public static func logRegularizedGamma(_ a: Double, _ x: Double) -> (logP: Double, logQ: Double) {
        if x.isNaN || a.isNaN || a <= 0 || x < 0 { return (.nan, .nan) }
        if x == 0 { return (-.infinity, 0) }
        if x.isInfinite { return (0, -.infinity) }
        let pre = logGammaPrefactor(a, x)
        if x < a + 1 {
            var ap = a, del = 1 / a, sum = del
            for _ in 0..<1_000_000 {
                ap += 1; del *= x / ap; sum += del
                if abs(del) < abs(sum) * 1e-17 { break }
            }
            let logP = pre + log(sum)
            return (logP, log1p(-exp(logP)))
        }
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d, i = 1.0
        while i < 1_000_000 {
            let an = -i * (i - a)
            b += 2
            d = an * d + b; if abs(d) < tiny { d = tiny }
            c = b + an / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let del = d * c
            h *= del
            if abs(del - 1) < 1e-17 { break }
            i += 1
        }
        let logQ = pre + log(h)
        return (log1p(-exp(logQ)), logQ)
    }
}
