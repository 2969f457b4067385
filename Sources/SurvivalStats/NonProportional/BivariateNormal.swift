import Foundation

extension Distributions {
    /// P(X > h, Y > k) for a standard bivariate normal with correlation r: Genz's
    /// `bvnu` (Drezner & Wesolowsky's method with Gauss–Legendre rules of 6, 12 or 20
    /// points by |r|, and the asymptotic form for |r| ≥ 0.925), absolute error about
    /// 1e-15 (Genz, Statistics and Computing 14 (2004) 251–260). Handles r = ±1 and
    /// infinite limits.
    public static func bivariateNormalUpper(_ h: Double, _ k: Double, _ r: Double) -> Double {
        BivariateNormal(correlation: r).upper(h, k)
    }

    /// P(X ≤ h, Y ≤ k) for a standard bivariate normal with correlation r.
    public static func bivariateNormalCDF(_ h: Double, _ k: Double, _ r: Double) -> Double {
        bivariateNormalUpper(-h, -k, r)
    }
}

/// Genz's `bvnu` for one correlation r, evaluated at many (h, k): everything that
/// depends on r alone (the rule, asin r, the sines at the nodes, the asymptotic form's
/// node terms) is computed once, so an evaluation costs the exponentials and two normal
/// tails. The same operations in the same order as evaluating from scratch, so the same
/// bits (`Distributions.bivariateNormalUpper` is this); MaxCombo's p-value evaluates it
/// at 128 points per correlation (docs/PERFORMANCE-TRIAL.md).
public struct BivariateNormal: Sendable {
    public let r: Double
    /// Rule weights (each half of the doubled rule).
    let w: [Double]
    /// |r| < 0.925: sin(asin(r)/2 · x_i) and 1 − that²; asin(r)/2.
    let sines: [Double], cosines2: [Double], halfAsin: Double
    /// |r| ≥ 0.925: (a x_i)², √(1 − (a x_i)²), (1 + √…)² with a = √(1 − r²)/2.
    let xs: [Double], rs: [Double], rs1: [Double]

    static let rules: [(w: [Double], x: [Double])] = {
        let raw: [(w: [Double], x: [Double])] = [
            ([0.1713244923791705, 0.3607615730481384, 0.4679139345726904],
             [0.9324695142031522, 0.6612093864662647, 0.2386191860831970]),
            ([0.04717533638651177, 0.1069393259953183, 0.1600783285433464,
              0.2031674267230659, 0.2334925365383547, 0.2491470458134029],
             [0.9815606342467191, 0.9041172563704750, 0.7699026741943050,
              0.5873179542866171, 0.3678314989981802, 0.1252334085114692]),
            ([0.01761400713915212, 0.04060142980038694, 0.06267204833410906,
              0.08327674157670475, 0.1019301198172404, 0.1181945319615184,
              0.1316886384491766, 0.1420961093183821, 0.1491729864726037,
              0.1527533871307259],
             [0.9931285991850949, 0.9639719272779138, 0.9122344282513259,
              0.8391169718222188, 0.7463319064601508, 0.6360536807265150,
              0.5108670019508271, 0.3737060887154196, 0.2277858511416451,
              0.07652652113349733]),
        ]
        return raw.map { ($0.w + $0.w, $0.x.map { 1 - $0 } + $0.x.map { 1 + $0 }) }
    }()

    public init(correlation r: Double) {
        self.r = r
        let ar = abs(r)
        let rule = Self.rules[ar < 0.3 ? 0 : (ar < 0.75 ? 1 : 2)]
        w = rule.w
        if r == 0 || !(ar < 1) || ar >= 0.925 {
            sines = []; cosines2 = []; halfAsin = 0
            if ar >= 0.925, ar < 1 {
                let a = (1 - r * r).squareRoot() / 2
                xs = rule.x.map { (a * $0) * (a * $0) }
                rs = xs.map { (1 - $0).squareRoot() }
                rs1 = rs.map { (1 + $0) * (1 + $0) }
            } else {
                xs = []; rs = []; rs1 = []
            }
        } else {
            let asr = asin(r) / 2
            halfAsin = asr
            sines = rule.x.map { sin(asr * $0) }
            cosines2 = sines.map { 1 - $0 * $0 }
            xs = []; rs = []; rs1 = []
        }
    }

    /// P(X > h, Y > k).
    public func upper(_ h: Double, _ k: Double) -> Double {
        typealias D = Distributions
        if h == .infinity || k == .infinity { return 0 }
        if h == -.infinity { return k == -.infinity ? 1 : D.normalSurvival(k) }
        if k == -.infinity { return D.normalSurvival(h) }
        if r == 0 { return D.normalSurvival(h) * D.normalSurvival(k) }
        let tp = 2 * Double.pi
        let ar = abs(r)
        var k = k
        var hk = h * k
        var bvn = 0.0
        if ar < 0.925 {
            let hs = (h * h + k * k) / 2
            for i in 0..<w.count {
                bvn += w[i] * exp((sines[i] * hk - hs) / cosines2[i])
            }
            bvn = bvn * halfAsin / tp + D.normalSurvival(h) * D.normalSurvival(k)
        } else {
            if r < 0 { k = -k; hk = -hk }
            if ar < 1 {
                let asq = 1 - r * r
                var a = asq.squareRoot()
                let bs = (h - k) * (h - k)
                var asr = -(bs / asq + hk) / 2
                let c = (4 - hk) / 8, d = (12 - hk) / 80
                if asr > -100 { bvn = a * exp(asr) * (1 - c * (bs - asq) * (1 - d * bs) / 3 + c * d * asq * asq) }
                if hk > -100 {
                    let b = bs.squareRoot()
                    let sp = tp.squareRoot() * D.normalCDF(-b / a)
                    bvn -= exp(-hk / 2) * sp * b * (1 - c * bs * (1 - d * bs) / 3)
                }
                a /= 2
                for i in 0..<w.count {
                    let xs = xs[i]
                    asr = -(bs / xs + hk) / 2
                    if asr > -100 {
                        let sp = 1 + c * xs * (1 + 5 * d * xs)
                        let ep = exp(-(hk / 2) * xs / rs1[i]) / rs[i]
                        bvn += a * w[i] * exp(asr) * (ep - sp)
                    }
                }
                bvn = -bvn / tp
            }
            if r > 0 {
                bvn += D.normalSurvival(max(h, k))
            } else if h >= k {
                bvn = -bvn
            } else {
                let l = h < 0 ? D.normalCDF(k) - D.normalCDF(h) : D.normalSurvival(h) - D.normalSurvival(k)
                bvn = l - bvn
            }
        }
        return max(0, min(1, bvn))
    }

    /// P(X ≤ h, Y ≤ k).
    public func cdf(_ h: Double, _ k: Double) -> Double { upper(-h, -k) }
}
