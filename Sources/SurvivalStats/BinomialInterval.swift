/// Confidence intervals for a binomial proportion x/n.
public enum BinomialInterval {
    /// Wilson score interval, as `prop.test(x, n, conf.level = level, correct = FALSE)$conf.int`
    /// (with `continuityCorrection: true`, as `correct = TRUE`: the estimate is moved by
    /// min(0.5, |x − n/2|)/n towards each limit, R's Yates correction against p = 0.5).
    /// - Precondition: 0 ≤ successes ≤ trials, trials > 0, 0 < level < 1.
    public static func wilson(successes x: Int, trials n: Int, level: Double = 0.95, continuityCorrection: Bool = false) -> (lower: Double, upper: Double) {
        precondition(n > 0 && x >= 0 && x <= n, "BinomialInterval.wilson: need 0 ≤ successes (\(x)) ≤ trials (\(n)), trials > 0")
        precondition(level > 0 && level < 1, "BinomialInterval.wilson: level must be in (0, 1), is \(level)")
        let nd = Double(n), estimate = Double(x) / nd
        let yates = continuityCorrection ? Swift.min(0.5, Swift.abs(Double(x) - nd * 0.5)) : 0
        let z = Distributions.normalQuantile((1 + level) / 2)
        let z22n = z * z / (2 * nd)
        var pc = estimate + yates / nd
        let upper = pc >= 1 ? 1 : (pc + z22n + z * (pc * (1 - pc) / nd + z22n / (2 * nd)).squareRoot()) / (1 + 2 * z22n)
        pc = estimate - yates / nd
        let lower = pc <= 0 ? 0 : (pc + z22n - z * (pc * (1 - pc) / nd + z22n / (2 * nd)).squareRoot()) / (1 + 2 * z22n)
        return (Swift.max(lower, 0), Swift.min(upper, 1))
    }

    /// Clopper–Pearson ("exact") interval, as `binom.test(x, n, conf.level = level)$conf.int`:
    /// lower = qbeta(α/2, x, n − x + 1) (0 when x = 0), upper = qbeta(1 − α/2, x + 1, n − x)
    /// (1 when x = n), α = 1 − level.
    /// - Precondition: 0 ≤ successes ≤ trials, trials > 0, 0 < level < 1.
    public static func clopperPearson(successes x: Int, trials n: Int, level: Double = 0.95) -> (lower: Double, upper: Double) {
        precondition(n > 0 && x >= 0 && x <= n, "BinomialInterval.clopperPearson: need 0 ≤ successes (\(x)) ≤ trials (\(n)), trials > 0")
        precondition(level > 0 && level < 1, "BinomialInterval.clopperPearson: level must be in (0, 1), is \(level)")
        let alpha = (1 - level) / 2
        let lower = x == 0 ? 0 : Distributions.betaQuantile(alpha, a: Double(x), b: Double(n - x + 1))
        let upper = x == n ? 1 : Distributions.betaQuantile(1 - alpha, a: Double(x + 1), b: Double(n - x))
        return (lower, upper)
    }
}
