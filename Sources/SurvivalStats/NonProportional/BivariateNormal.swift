import Foundation

extension Distributions {
    /// P(X > h, Y > k) for a standard bivariate normal with correlation r: Genz's
    /// `bvnu` (Drezner & Wesolowsky's method with Gauss–Legendre rules of 6, 12 or 20
    /// points by |r|, and the asymptotic form for |r| ≥ 0.925), absolute error about
    /// 1e-15 (Genz, Statistics and Computing 14 (2004) 251–260). Handles r = ±1 and
    /// infinite limits.
    public static func bivariateNormalUpper(_ h: Double, _ k: Double, _ r: Double) -> Double {
        if h == .infinity || k == .infinity { return 0 }
        if h == -.infinity { return k == -.infinity ? 1 : normalSurvival(k) }
        if k == -.infinity { return normalSurvival(h) }
        if r == 0 { return normalSurvival(h) * normalSurvival(k) }
        let tp = 2 * Double.pi
        var w: [Double], x: [Double]
        let ar = abs(r)
        if ar < 0.3 {
            w = [0.1713244923791705, 0.3607615730481384, 0.4679139345726904]
            x = [0.9324695142031522, 0.6612093864662647, 0.2386191860831970]
        } else if ar < 0.75 {
            w = [0.04717533638651177, 0.1069393259953183, 0.1600783285433464,
                 0.2031674267230659, 0.2334925365383547, 0.2491470458134029]
            x = [0.9815606342467191, 0.9041172563704750, 0.7699026741943050,
                 0.5873179542866171, 0.3678314989981802, 0.1252334085114692]
        } else {
            w = [0.01761400713915212, 0.04060142980038694, 0.06267204833410906,
                 0.08327674157670475, 0.1019301198172404, 0.1181945319615184,
                 0.1316886384491766, 0.1420961093183821, 0.1491729864726037,
                 0.1527533871307259]
            x = [0.9931285991850949, 0.9639719272779138, 0.9122344282513259,
                 0.8391169718222188, 0.7463319064601508, 0.6360536807265150,
                 0.5108670019508271, 0.3737060887154196, 0.2277858511416451,
                 0.07652652113349733]
        }
        w = w + w
        x = x.map { 1 - $0 } + x.map { 1 + $0 }
        var h = h, k = k
        var hk = h * k
        var bvn = 0.0
        if ar < 0.925 {
            let hs = (h * h + k * k) / 2
            let asr = asin(r) / 2
            for i in 0..<x.count {
                let sn = sin(asr * x[i])
                bvn += w[i] * exp((sn * hk - hs) / (1 - sn * sn))
            }
            bvn = bvn * asr / tp + normalSurvival(h) * normalSurvival(k)
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
                    let sp = tp.squareRoot() * normalCDF(-b / a)
                    bvn -= exp(-hk / 2) * sp * b * (1 - c * bs * (1 - d * bs) / 3)
                }
                a /= 2
                for i in 0..<x.count {
                    let xs = (a * x[i]) * (a * x[i])
                    asr = -(bs / xs + hk) / 2
                    if asr > -100 {
                        let sp = 1 + c * xs * (1 + 5 * d * xs)
                        let rs = (1 - xs).squareRoot()
                        let ep = exp(-(hk / 2) * xs / ((1 + rs) * (1 + rs))) / rs
                        bvn += a * w[i] * exp(asr) * (ep - sp)
                    }
                }
                bvn = -bvn / tp
            }
            if r > 0 {
                bvn += normalSurvival(max(h, k))
            } else if h >= k {
                bvn = -bvn
            } else {
                let l = h < 0 ? normalCDF(k) - normalCDF(h) : normalSurvival(h) - normalSurvival(k)
                bvn = l - bvn
            }
        }
        return max(0, min(1, bvn))
    }

    /// P(X ≤ h, Y ≤ k) for a standard bivariate normal with correlation r.
    public static func bivariateNormalCDF(_ h: Double, _ k: Double, _ r: Double) -> Double {
        bivariateNormalUpper(-h, -k, r)
    }
}
