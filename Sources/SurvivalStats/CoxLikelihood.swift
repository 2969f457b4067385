import CLinearAlgebra
import Foundation

/// Log partial likelihood ℓ(β), score U(β) and information I(β) of a `CoxDesign`,
/// Breslow or Efron, with reusable work space (no allocation per evaluation).
///
/// Contract of `evaluate(_:)`:
/// - `beta`: `columns` values on the design's centred-and-scaled covariate scale.
/// - returns ℓ(β); afterwards `score` (length p) holds U(β) and `information`
///   (p × p, row-major, both triangles) holds I(β) = −∂²ℓ/∂β∂βᵀ; `secondMoment` holds
///   the diagonal of Σ_events E_R[x xᵀ] (the information before the means are
///   subtracted), used to recognise a covariate with no variation inside risk sets.
/// - Non-finite results are returned as they come (the caller halves the step, as R).
///
/// Method. Within a stratum, records come by descending time, so the risk-set sums
/// S₀ = Σ r_i, S₁ = Σ r_i x_i over {t_i ≥ t} are running sums (r_i = count_i·exp(η_i)).
/// At a time with m deaths whose own sums are D₀, D₁, Breslow adds
/// −m log S₀, −m S₁/S₀ to ℓ and U; Efron uses, for k = 1…m, the denominators
/// S₀⁽ᵏ⁾ = S₀ + (k/m) D₀ (S₀ here excluding those deaths) and means (S₁ + (k/m) D₁)/S₀⁽ᵏ⁾,
/// each with weight 1 — exactly R's `coxfit6.c`. The information is
///   I = Σ_i w_i x_i x_iᵀ − Σ_terms ā ā ᵀ,
/// where w_i = r_i · Σ_{terms whose risk set holds i} (fraction of i in it)/S₀⁽ᵏ⁾. The
/// first sum is one symmetric rank-n update (BLAS `dsyrk` for p ≥ 3) computed after a
/// backward pass that accumulates those coefficients; the second has one p × p rank-1
/// term per death. Hence O(n p + n p² + d p²) per evaluation, d = deaths, instead of
/// cumulating p × p matrices record by record.
///
/// Speed (10⁶ records): with one covariate of at most 16 distinct values (a treatment
/// arm, a factor) exp(x β) is computed once per value and the passes look it up by the
/// record's value index, so no per-record η, r or w array is written; an Efron tie of m
/// deaths costs one division per death and two logarithms (Σ log S₀⁽ᵏ⁾ as a scaled
/// product). Both change only rounding (the R fixture tests hold at 1e-8).
///
/// Overflow guard: the linear predictor η = x β (centred covariates) is clamped to
/// ±`CoxLikelihood.linearPredictorBound` = 500 before exp(). R's `coxph.fit` itself
/// takes max(η) > 500 as the sign of an infinite coefficient, so the clamp never
/// touches a fit R reports as finite; it keeps every sum finite (e⁵⁰⁰·n·max x² stays
/// far below DBL_MAX ≈ e⁷⁰⁹·⁸ for any realistic n), where R would overflow to ∞ and
/// halve the step. (R's `coxsafe.c` uses 22 for its counting-process code; coxfit6,
/// which `coxph` uses for right-censored data, does not clamp, and a bound of 22 would
/// change legitimate fits with widely spread covariates.)
struct CoxLikelihood {
    static let linearPredictorBound = 500.0

    let design: CoxDesign
    let ties: CoxTies
    private(set) var score: [Double]
    private(set) var information: [Double]
    private(set) var secondMoment: [Double]
    private var eta: [Double]
    private var risk: [Double]
    private var weight: [Double]
    private var blockCoefficient: [Double]      // Σ_k 1/S₀⁽ᵏ⁾ (·m for Breslow): records at risk at the block's time
    private var blockDeathCoefficient: [Double] // Σ_k (k/m)/S₀⁽ᵏ⁾: the block's own deaths (Efron)
    private var scratch: [Double]               // rows × p scaled copy for dsyrk (p ≥ 3 only)
    /// One covariate with at most `maxLevels` distinct values (a treatment arm, a
    /// factor): its values and each record's value index, so that exp(x β) is computed
    /// once per value instead of once per record. Same η, bit for bit.
    private let levels: [Double]
    private let levelOf: [UInt8]
    static let maxLevels = 16
    /// Every record stands for one patient (count 1): the count array is not read.
    private let unitCounts: Bool

    init(design: CoxDesign, ties: CoxTies) {
        self.design = design
        self.ties = ties
        let n = design.rows, p = design.columns, nb = design.blockEnd.count
        score = [Double](repeating: 0, count: p)
        information = [Double](repeating: 0, count: p * p)
        secondMoment = [Double](repeating: 0, count: p)
        eta = []
        risk = []
        weight = []
        blockCoefficient = [Double](repeating: 0, count: nb)
        blockDeathCoefficient = [Double](repeating: 0, count: nb)
        scratch = p >= 3 ? [Double](repeating: 0, count: n * p) : []
        var values: [Double] = []
        var codes: [UInt8] = []
        if !design.levelValues.isEmpty {
            // Level form: evaluated block by block (`evaluateLevels`), no record arrays.
            blockCoefficient = []; blockDeathCoefficient = []
            levels = []; levelOf = []; unitCounts = true
            return
        }
        if p == 1 {
            codes = [UInt8](repeating: 0, count: n)
            var last = Double.nan, lastCode: UInt8 = 0
            for i in 0..<n {
                let v = design.x[i]
                if v != last {
                    if let c = values.firstIndex(of: v) {
                        lastCode = UInt8(c)
                    } else {
                        if values.count == CoxLikelihood.maxLevels { values = []; codes = []; break }
                        lastCode = UInt8(values.count)
                        values.append(v)
                    }
                    last = v
                }
                codes[i] = lastCode
            }
        }
        levels = values
        levelOf = codes
        if values.isEmpty {
            eta = [Double](repeating: 0, count: n)
            risk = [Double](repeating: 0, count: n)
            weight = [Double](repeating: 0, count: n)
        }
        unitCounts = design.count.allSatisfy { $0 == 1 }
    }

    /// See the type's contract.
    /// - Complexity: O(n p + n p² + d p²), n records, d deaths.
    mutating func evaluate(_ beta: [Double]) -> Double {
        if !design.levelValues.isEmpty { return evaluateLevels(beta[0]) }
        let n = design.rows, p = design.columns, nb = design.blockEnd.count
        precondition(beta.count == p)
        let efron = ties == .efron
        let bound = CoxLikelihood.linearPredictorBound
        var loglik = 0.0
        var u = [Double](repeating: 0, count: p)
        var meanGram = [Double](repeating: 0, count: p * p)   // Σ ā āᵀ, lower triangle
        var s1 = [Double](repeating: 0, count: p)
        var d1 = [Double](repeating: 0, count: p)
        var abar = [Double](repeating: 0, count: p)
        let factor = !levels.isEmpty, unitCounts = self.unitCounts
        let levels = self.levels
        var levelEta = [Double](repeating: 0, count: levels.count)
        var levelExp = [Double](repeating: 0, count: levels.count)
        var factorGram = 0.0

        design.x.withUnsafeBufferPointer { x in
        design.count.withUnsafeBufferPointer { count in
        design.event.withUnsafeBufferPointer { event in
        design.blockEnd.withUnsafeBufferPointer { blockEnd in
        design.blockDeaths.withUnsafeBufferPointer { blockDeaths in
        design.blockOpensStratum.withUnsafeBufferPointer { opens in
        eta.withUnsafeMutableBufferPointer { eta in
        risk.withUnsafeMutableBufferPointer { risk in
        weight.withUnsafeMutableBufferPointer { weight in
        blockCoefficient.withUnsafeMutableBufferPointer { coef in
        blockDeathCoefficient.withUnsafeMutableBufferPointer { deathCoef in
        levelOf.withUnsafeBufferPointer { code in
        levels.withUnsafeBufferPointer { levelsP in
        levelEta.withUnsafeMutableBufferPointer { levelEtaP in
        levelExp.withUnsafeMutableBufferPointer { levelExpP in
            // Linear predictor and risk scores (for a few-valued covariate, per value:
            // the passes below look them up by the record's value index, and the
            // per-record arrays η, r and w are not used).
            if factor {
                let b = beta[0]
                for l in levelsP.indices {
                    levelEtaP[l] = min(max(levelsP[l] * b, -bound), bound)
                    levelExpP[l] = exp(levelEtaP[l])
                }
            } else if p == 1 {
                let b = beta[0]
                for i in 0..<n { eta[i] = x[i] * b }
            } else {
                beta.withUnsafeBufferPointer { bp in
                    LinearAlgebra.multiply(x.baseAddress!, rows: n, columns: p, vector: bp.baseAddress!, into: eta.baseAddress!)
                }
            }
            if !factor {
                for i in 0..<n {
                    let e = min(max(eta[i], -bound), bound)
                    eta[i] = e
                    risk[i] = count[i] * exp(e)
                }
            }

            // Forward pass (descending time): ℓ, U, Σ ā āᵀ and the per-block coefficients.
            var s0 = 0.0
            var start = 0
            for b in 0..<nb {
                if opens[b] { s0 = 0; for j in 0..<p { s1[j] = 0 } }
                let end = blockEnd[b]
                var d0 = 0.0
                for j in 0..<p { d1[j] = 0 }
                if factor {
                    var s1v = s1[0], d1v = 0.0, uv = u[0]
                    for i in start..<end {
                        let l = Int(code[i]), c = unitCounts ? 1 : count[i]
                        let r = c * levelExpP[l], xi = levelsP[l]
                        if event[i] {
                            d0 += r; d1v += r * xi
                            loglik += c * levelEtaP[l]; uv += c * xi
                        } else { s0 += r; s1v += r * xi }
                    }
                    s1[0] = s1v; d1[0] = d1v; u[0] = uv
                } else if p == 1 {
                    var s1v = s1[0], d1v = 0.0, uv = u[0]
                    for i in start..<end {
                        let r = risk[i], xi = x[i]
                        if event[i] {
                            d0 += r; d1v += r * xi
                            loglik += count[i] * eta[i]; uv += count[i] * xi
                        } else { s0 += r; s1v += r * xi }
                    }
                    s1[0] = s1v; d1[0] = d1v; u[0] = uv
                } else {
                    for i in start..<end {
                        let r = risk[i], row = i * p
                        if event[i] {
                            d0 += r
                            loglik += count[i] * eta[i]
                            for j in 0..<p { d1[j] += r * x[row + j]; u[j] += count[i] * x[row + j] }
                        } else {
                            s0 += r
                            for j in 0..<p { s1[j] += r * x[row + j] }
                        }
                    }
                }
                let m = blockDeaths[b]
                if m == 0 {
                    coef[b] = 0; deathCoef[b] = 0
                } else if !efron || m == 1 {
                    s0 += d0
                    loglik -= m * log(s0)
                    for j in 0..<p {
                        s1[j] += d1[j]
                        abar[j] = s1[j] / s0
                        u[j] -= m * abar[j]
                    }
                    for j in 0..<p { for k in 0...j { meanGram[j * p + k] += m * abar[j] * abar[k] } }
                    coef[b] = m / s0; deathCoef[b] = m / s0
                } else {
                    var c = 0.0, cd = 0.0
                    let deaths = Int(m)
                    // Σ_k log S₀⁽ᵏ⁾ as m·log(S₀ + D₀) + log Π_k S₀⁽ᵏ⁾/(S₀ + D₀): two logs per
                    // tied time instead of m (each ratio is in (0, 1]; the product is
                    // flushed into the sum before it could underflow).
                    // One division per death: 1/S₀⁽ᵏ⁾ is reused for the mean and both
                    // coefficients.
                    let top = s0 + d0
                    let inverseTop = 1 / top, inverseM = 1 / m
                    var product = 1.0
                    if p == 1 {
                        let s1v = s1[0], d1v = d1[0]
                        var uv = u[0], gram = meanGram[0]
                        for k in 1...deaths {
                            let f = Double(k) * inverseM
                            let denom = s0 + f * d0
                            let inverse = 1 / denom
                            product *= denom * inverseTop
                            if product < 1e-250 { loglik -= log(product); product = 1 }
                            let a = (s1v + f * d1v) * inverse
                            uv -= a
                            gram += a * a
                            c += inverse; cd += f * inverse
                        }
                        u[0] = uv; meanGram[0] = gram
                    } else {
                        for k in 1...deaths {
                            let f = Double(k) * inverseM
                            let denom = s0 + f * d0
                            let inverse = 1 / denom
                            product *= denom * inverseTop
                            if product < 1e-250 { loglik -= log(product); product = 1 }
                            for j in 0..<p {
                                abar[j] = (s1[j] + f * d1[j]) * inverse
                                u[j] -= abar[j]
                            }
                            for j in 0..<p { for l in 0...j { meanGram[j * p + l] += abar[j] * abar[l] } }
                            c += inverse; cd += f * inverse
                        }
                    }
                    loglik -= m * log(top) + log(product)
                    s0 += d0
                    for j in 0..<p { s1[j] += d1[j] }
                    coef[b] = c; deathCoef[b] = cd
                }
                start = end
            }

            // Backward pass (ascending time): w_i = r_i · (coefficients of every event
            // time at or before t_i in its stratum), own block at the death fraction.
            var cumulative = 0.0
            var end = n
            var gramSum = 0.0
            for b in stride(from: nb - 1, through: 0, by: -1) {
                let begin = b == 0 ? 0 : blockEnd[b - 1]
                let c = coef[b], cd = deathCoef[b]
                if factor {
                    for i in begin..<end {
                        let l = Int(code[i]), r = (unitCounts ? 1 : count[i]) * levelExpP[l], xi = levelsP[l]
                        gramSum += r * (cumulative + (event[i] ? cd : c)) * xi * xi
                    }
                } else {
                    for i in begin..<end { weight[i] = risk[i] * (cumulative + (event[i] ? cd : c)) }
                }
                cumulative += c
                if opens[b] { cumulative = 0 }
                end = begin
            }
            factorGram = gramSum
        }}}}}}}}}}}}}}}

        // Σ w_i x_i x_iᵀ (lower triangle), then subtract Σ ā āᵀ.
        var gram = [Double](repeating: 0, count: p * p)
        if factor {
            gram[0] = factorGram
        } else if p == 1 {
            var g = 0.0
            design.x.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { w in for i in 0..<n { g += w[i] * x[i] * x[i] } }
            }
            gram[0] = g
        } else if p == 2 {
            var g00 = 0.0, g10 = 0.0, g11 = 0.0
            design.x.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { w in
                    for i in 0..<n {
                        let a = x[2 * i], c = x[2 * i + 1], wi = w[i]
                        g00 += wi * a * a; g10 += wi * c * a; g11 += wi * c * c
                    }
                }
            }
            gram[0] = g00; gram[2] = g10; gram[3] = g11
        } else {
            CoxLikelihood.weightedGramLower(design.x, weight, rows: n, columns: p, scratch: &scratch, into: &gram)
        }
        for j in 0..<p {
            secondMoment[j] = gram[j * p + j]
            for k in 0...j {
                let v = gram[j * p + k] - meanGram[j * p + k]
                information[j * p + k] = v
                information[k * p + j] = v
            }
        }
        score = u
        return loglik
    }

    /// `evaluate` for the level form of the design (one covariate with a few values,
    /// unit counts, one stratum): one forward pass over the blocks, each reduced to its
    /// deaths and censored records per value, so O(blocks · values + deaths) per
    /// evaluation. The same sums as the record form, added in another order:
    /// - the risk-set sums gain count × r per value instead of r per record;
    /// - Σ_i w_i x_i² (the backward pass of the record form) is Σ_b c_b · S₂(before b)
    ///   plus the block's own records, S₂ = Σ r x² over the blocks before b (later
    ///   times), so it is accumulated in the same forward pass;
    /// - Σ log S₀⁽ᵏ⁾ over all deaths is the log of one product, kept as a significand in
    ///   [1, 2) times a power of two (exact rescaling), so one `log` per evaluation.
    private mutating func evaluateLevels(_ beta: Double) -> Double {
        let nb = design.blockEnd.count
        let efron = ties == .efron
        let bound = CoxLikelihood.linearPredictorBound
        let values = design.levelValues, levelCount = values.count, width = 2 * levelCount
        var eta = [Double](repeating: 0, count: levelCount)
        var r = [Double](repeating: 0, count: levelCount)     // exp(η) per value
        var rx = [Double](repeating: 0, count: levelCount)    // r x
        var rxx = [Double](repeating: 0, count: levelCount)   // r x²
        var loglik = 0.0, u = 0.0
        for l in 0..<levelCount {
            eta[l] = min(max(values[l] * beta, -bound), bound)
            r[l] = exp(eta[l]); rx[l] = r[l] * values[l]; rxx[l] = rx[l] * values[l]
            loglik += design.levelDeaths[l] * eta[l]
            u += design.levelDeaths[l] * values[l]
        }
        var s0 = 0.0, s1 = 0.0, s2 = 0.0
        var meanGram = 0.0, gram = 0.0
        var product = 1.0, exponent = 0
        @inline(__always) func multiply(_ v: Double) {
            // product ← product · v, renormalised to [1, 2) by a power of two (exact).
            let q = product * v
            let bits = q.bitPattern
            exponent += Int((bits >> 52) & 0x7ff) - 1023
            product = Double(bitPattern: (bits & 0x800f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000)
        }
        design.levelBlockCounts.withUnsafeBufferPointer { counts in
        design.blockDeaths.withUnsafeBufferPointer { blockDeaths in
        r.withUnsafeBufferPointer { r in
        rx.withUnsafeBufferPointer { rx in
        rxx.withUnsafeBufferPointer { rxx in
            // Two values (a treatment arm): the per-value factors in registers.
            let two = levelCount == 2
            let r0 = r[0], r1 = two ? r[1] : 0, rx0 = rx[0], rx1 = two ? rx[1] : 0
            let rxx0 = rxx[0], rxx1 = two ? rxx[1] : 0
            for b in 0..<nb {
                let base = b * width
                // The block's deaths (D₀, D₁, D₂) and censored records (C₀, C₁, C₂).
                var d0 = 0.0, d1 = 0.0, d2 = 0.0, c0 = 0.0, c1 = 0.0, c2 = 0.0
                if two {
                    let e0 = Double(counts[base]), e1 = Double(counts[base + 1]), z0 = Double(counts[base + 2]), z1 = Double(counts[base + 3])
                    d0 = e0 * r0 + e1 * r1; d1 = e0 * rx0 + e1 * rx1; d2 = e0 * rxx0 + e1 * rxx1
                    c0 = z0 * r0 + z1 * r1; c1 = z0 * rx0 + z1 * rx1; c2 = z0 * rxx0 + z1 * rxx1
                } else {
                    for l in 0..<levelCount {
                        let e = Double(counts[base + l]), c = Double(counts[base + levelCount + l])
                        d0 += e * r[l]; d1 += e * rx[l]; d2 += e * rxx[l]
                        c0 += c * r[l]; c1 += c * rx[l]; c2 += c * rxx[l]
                    }
                }
                s0 += c0; s1 += c1
                let m = blockDeaths[b]
                var coefficient = 0.0, deathCoefficient = 0.0
                if m == 0 {
                } else if !efron || m == 1 {
                    s0 += d0; s1 += d1
                    let a = s1 / s0
                    u -= m * a
                    meanGram += m * a * a
                    if m == 1 { multiply(s0) } else { for _ in 0..<Int(m) { multiply(s0) } }
                    coefficient = m / s0; deathCoefficient = coefficient
                } else {
                    let deaths = Int(m), inverseM = 1 / m
                    for k in 1...deaths {
                        let f = Double(k) * inverseM
                        let denom = s0 + f * d0
                        let inverse = 1 / denom
                        multiply(denom)
                        let a = (s1 + f * d1) * inverse
                        u -= a
                        meanGram += a * a
                        coefficient += inverse; deathCoefficient += f * inverse
                    }
                    s0 += d0; s1 += d1
                }
                // Σ w x² of the records in this and earlier-time blocks, as far as they
                // involve this block's coefficients.
                gram += coefficient * (s2 + c2) + deathCoefficient * d2
                s2 += c2 + d2
            }
        }}}}}
        loglik -= log(product) + Double(exponent) * M_LN2
        if !s0.isFinite { loglik = .nan }   // the rescaled product would hide it
        secondMoment[0] = gram
        let v = gram - meanGram
        information[0] = v
        score[0] = u
        return loglik
    }

    /// Lower triangle of Xᵀ diag(w) X by BLAS `dsyrk` on `scratch` (rows × p, reused):
    /// row i of X is copied scaled by √w_i (w_i ≥ 0). `x` is rows × p row-major;
    /// `result` is p × p row-major, only the lower triangle is written.
    /// - Complexity: O(rows · p²) in BLAS.
    private static func weightedGramLower(_ x: [Double], _ w: [Double], rows n: Int, columns p: Int,
                                          scratch: inout [Double], into result: inout [Double]) {
        for i in 0..<n {
            let s = w[i].squareRoot()
            for j in 0..<p { scratch[i * p + j] = x[i * p + j] * s }
        }
        scratch.withUnsafeBufferPointer { sp in
            result.withUnsafeMutableBufferPointer { cp in
                cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, Int32(p), Int32(n), 1.0,
                            sp.baseAddress, Int32(p), 0.0, cp.baseAddress, Int32(p))
            }
        }
    }
}
