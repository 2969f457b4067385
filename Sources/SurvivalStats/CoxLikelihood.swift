import CLinearAlgebra
import Foundation
import CKernels

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
/// backward pass that accumulates those coefficients; the second is, per tied time, a
/// closed form in the tie's sums (`efronTie`). Hence O(n p + n p² + t p²) per
/// evaluation, t = distinct death times, instead of cumulating p × p matrices record by
/// record.
///
/// The steps of one evaluation, each a function below: `linearPredictor` (η and r),
/// `forwardPass` (ℓ, U, Σ ā āᵀ and the per-block coefficients), `backwardPass` (w),
/// `weightedGram` (Σ w x xᵀ) and `assemble` (I and the outputs). The work space is one
/// `CoxScratch` that owns its buffers and hands plain pointers to the loops; the
/// design's arrays are borrowed once per evaluation (`CoxDesign.withPointers`).
///
/// Speed (10⁶ records): with one covariate of at most 16 distinct values (a treatment
/// arm, a factor) exp(x β) is computed once per value and the passes look it up by the
/// record's value index, so no per-record η, r or w array is written. An Efron tie of m
/// deaths costs O(p²) whatever m: its sums over the m terms are log-gamma, digamma and
/// trigamma differences (`EfronTieSums`), so grouped data (a tally's grid cells, each
/// with thousands of deaths) cost O(cells · p²) per evaluation, not O(deaths). Both
/// change only rounding (the R fixture tests hold at 1e-8).
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
    static let maxLevels = 16

    let design: CoxDesign
    let ties: CoxTies
    private(set) var score: [Double]
    private(set) var information: [Double]
    private(set) var secondMoment: [Double]
    /// The work space; one evaluation at a time (a copy of the likelihood shares it).
    private let scratch: CoxScratch
    /// One covariate with at most `maxLevels` distinct values (a treatment arm, a
    /// factor): exp(x β) is computed once per value (`scratch.levels`, `scratch.levelOf`)
    /// instead of once per record. Same η, bit for bit.
    private let factor: Bool
    /// Every record stands for one patient (count 1): the count array is not read.
    private let unitCounts: Bool

    init(design: CoxDesign, ties: CoxTies) {
        self.design = design
        self.ties = ties
        let n = design.rows, p = design.columns
        score = [Double](repeating: 0, count: p)
        information = [Double](repeating: 0, count: p * p)
        secondMoment = [Double](repeating: 0, count: p)
        if !design.levelValues.isEmpty {
            // Level form: evaluated block by block (`evaluateLevels`), no record arrays.
            scratch = CoxScratch(rows: 0, blocks: 0, columns: p, levels: design.levelValues.count, perRecord: false, gramRows: false)
            factor = false; unitCounts = true
            return
        }
        // A few-valued single covariate: its values and each record's value index.
        var values: [Double] = []
        var codes: [UInt8] = []
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
        factor = !values.isEmpty
        scratch = CoxScratch(rows: n, blocks: design.blockEnd.count, columns: p, levels: values.count,
                             perRecord: !factor, gramRows: p >= 3)
        if factor {
            for l in values.indices { scratch.levels[l] = values[l] }
            for i in 0..<n { scratch.levelOf[i] = codes[i] }
        }
        unitCounts = design.count.allSatisfy { $0 == 1 }
    }

    /// See the type's contract.
    /// - Complexity: O(n p + n p² + t p²), n records, t distinct death times.
    mutating func evaluate(_ beta: [Double]) -> Double {
        if !design.levelValues.isEmpty { return evaluateLevels(beta[0]) }
        precondition(beta.count == design.columns)
        let loglik = design.withPointers { d -> Double in
            linearPredictor(beta, d)
            let loglik = forwardPass(d)
            backwardPass(d)
            weightedGram(d)
            return loglik
        }
        assemble()
        return loglik
    }

    /// η = x β clamped to ±bound and r = count · exp(η): per record, or (a few-valued
    /// covariate) per value.
    private func linearPredictor(_ beta: [Double], _ d: CoxDesignPointers) {
        let n = design.rows, p = design.columns, s = scratch
        let bound = CoxLikelihood.linearPredictorBound
        if factor {
            let b = beta[0]
            for l in 0..<s.levels.count {
                s.levelEta[l] = min(max(s.levels[l] * b, -bound), bound)
                s.levelExp[l] = exp(s.levelEta[l])
            }
            return
        }
        let eta = s.eta, risk = s.risk
        if p == 1 {
            let b = beta[0]
            for i in 0..<n { eta[i] = d.x[i] * b }
        } else {
            beta.withUnsafeBufferPointer { bp in
                LinearAlgebra.multiply(d.x.baseAddress!, rows: n, columns: p, vector: bp.baseAddress!, into: eta.baseAddress!)
            }
        }
        for i in 0..<n {
            let e = min(max(eta[i], -bound), bound)
            eta[i] = e
            risk[i] = d.count[i] * exp(e)
        }
    }

    /// Forward pass over the blocks (descending time): returns ℓ; leaves U in
    /// `scratch.u`, Σ ā āᵀ (lower triangle) in `scratch.meanGram`, and each block's
    /// coefficients Σ_k 1/S₀⁽ᵏ⁾ (records at risk) and Σ_k (k/m)/S₀⁽ᵏ⁾ (its own deaths).
    private func forwardPass(_ d: CoxDesignPointers) -> Double {
        let p = design.columns, nb = design.blockEnd.count, s = scratch
        let efron = ties == .efron, unitCounts = self.unitCounts, factor = self.factor
        let x = d.x, count = d.count, event = d.event
        let eta = s.eta, risk = s.risk, code = s.levelOf, levels = s.levels, levelEta = s.levelEta, levelExp = s.levelExp
        let u = s.u, s1 = s.s1, d1 = s.d1, abar = s.abar, meanGram = s.meanGram
        let coef = s.blockCoefficient, deathCoef = s.blockDeathCoefficient
        for j in 0..<p { u[j] = 0 }
        for j in 0..<(p * p) { meanGram[j] = 0 }
        var loglik = 0.0
        var s0 = 0.0
        var start = 0
        let counting = design.countingProcess
        let exitOrder = design.exitOrder, exitBegin = design.exitBegin, exitEnd = design.exitEnd
        for b in 0..<nb {
            if d.opens[b] { s0 = 0; for j in 0..<p { s1[j] = 0 } }
            if counting {
                // (start, stop] data: the records whose interval starts at or after t_b leave.
                for q in exitBegin[b]..<exitEnd[b] {
                    let i = Int(exitOrder[q])
                    if factor {
                        let l = Int(code[i]), r = (unitCounts ? 1 : count[i]) * levelExp[l]
                        s0 -= r; s1[0] -= r * levels[l]
                    } else {
                        let r = risk[i]
                        s0 -= r
                        for j in 0..<p { s1[j] -= r * x[i * p + j] }
                    }
                }
            }
            let end = d.blockEnd[b]
            var d0 = 0.0
            for j in 0..<p { d1[j] = 0 }
            // The block's records: deaths into D₀, D₁ (and ℓ, U), the others into S₀, S₁.
            if factor {
                var s1v = s1[0], d1v = 0.0, uv = u[0]
                for i in start..<end {
                    let l = Int(code[i]), c = unitCounts ? 1 : count[i]
                    let r = c * levelExp[l], xi = levels[l]
                    if event[i] {
                        d0 += r; d1v += r * xi
                        loglik += c * levelEta[l]; uv += c * xi
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
            // The block's deaths against the risk set.
            let m = d.blockDeaths[b]
            if m == 0 {
                coef[b] = 0; deathCoef[b] = 0
            } else if !efron || d.blockDeathTerms[b] == 1 {
                // Breslow, or one death record (of weight m): Efron's one term is Breslow's.
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
                let (c, cd) = efronTie(deaths: m, terms: d.blockDeathTerms[b], s0: s0, d0: d0, loglik: &loglik)
                s0 += d0
                for j in 0..<p { s1[j] += d1[j] }
                coef[b] = c; deathCoef[b] = cd
            }
            start = end
        }
        return loglik
    }

    /// One Efron tie of m deaths: adds its terms to U and Σ ā āᵀ (`scratch`), subtracts
    /// Σ_k log S₀⁽ᵏ⁾ from `loglik`, and returns the block coefficients, in O(p²) whatever
    /// m (`EfronTieSums`: the sums over k in closed form). With μ = D₁/D₀ and
    /// c = S₁ − S₀ μ, the k-th mean is ā⁽ᵏ⁾ = μ + c / S₀⁽ᵏ⁾, so
    ///   Σ_k ā⁽ᵏ⁾ = m μ + c Σ 1/S₀⁽ᵏ⁾,
    ///   Σ_k ā⁽ᵏ⁾ ā⁽ᵏ⁾ᵀ = m μ μᵀ + (μ cᵀ + c μᵀ) Σ 1/S₀⁽ᵏ⁾ + c cᵀ Σ 1/S₀⁽ᵏ⁾².
    /// `s0`: the risk set without the tie's deaths; `s1`, `d1` in scratch.
    @inline(__always)
    private func efronTie(deaths weight: Double, terms m: Double, s0: Double, d0: Double, loglik: inout Double) -> (coefficient: Double, deathCoefficient: Double) {
        let p = design.columns, s = scratch
        let u = s.u, s1 = s.s1, d1 = s.d1, abar = s.abar, meanGram = s.meanGram
        // Each of the m terms carries the deaths' mean weight (1 for counts).
        let w = weight == m ? 1 : weight / m
        let sums = EfronTieSums(terms: Int(m), s0: s0, d0: d0)
        loglik -= w * sums.logDenominators
        // μ into abar, c into efronC (for p ≥ 2); S₁ and S₀ still exclude the tie's deaths.
        let inverseD0 = 1 / d0
        var mu0 = 0.0, c0 = 0.0
        for j in 0..<p {
            let mu = d1[j] * inverseD0
            let c = s1[j] - s0 * mu
            u[j] -= w * (m * mu + c * sums.inverse)
            if p == 1 { mu0 = mu; c0 = c } else { abar[j] = mu; s.efronC[j] = c }
        }
        if p == 1 {
            meanGram[0] += w * (m * mu0 * mu0 + 2 * mu0 * c0 * sums.inverse + c0 * c0 * sums.inverseSquare)
        } else {
            let c = s.efronC
            for j in 0..<p {
                for l in 0...j {
                    meanGram[j * p + l] += w * (m * abar[j] * abar[l] + (abar[j] * c[l] + abar[l] * c[j]) * sums.inverse
                                                + c[j] * c[l] * sums.inverseSquare)
                }
            }
        }
        return (w * sums.inverse, w * sums.fraction)
    }

    /// Backward pass (ascending time): w_i = r_i · (coefficients of every event time at
    /// or before t_i in its stratum), own block at the death fraction. For a few-valued
    /// covariate Σ w x² is accumulated directly (`scratch.factorGram`), no w array.
    private func backwardPass(_ d: CoxDesignPointers) {
        let n = design.rows, nb = design.blockEnd.count, s = scratch
        let unitCounts = self.unitCounts, factor = self.factor
        let count = d.count, event = d.event
        let risk = s.risk, weight = s.weight, code = s.levelOf, levels = s.levels, levelExp = s.levelExp
        let coef = s.blockCoefficient, deathCoef = s.blockDeathCoefficient
        var cumulative = 0.0
        var end = n
        var gramSum = 0.0
        // (start, stop] data: the coefficients of the blocks at or before a record's
        // start are outside its risk interval; `after[b]` = Σ coef over blocks b… of the stratum.
        let counting = design.countingProcess, entryBlock = design.entryBlock, after = s.blockCumulative
        for b in stride(from: nb - 1, through: 0, by: -1) {
            let begin = b == 0 ? 0 : d.blockEnd[b - 1]
            let c = coef[b], cd = deathCoef[b]
            if counting {
                for i in begin..<end {
                    let e = Int(entryBlock[i]), outside = e >= 0 ? after[e] : 0
                    let total = cumulative + (event[i] ? cd : c) - outside
                    if factor {
                        let l = Int(code[i]), r = (unitCounts ? 1 : count[i]) * levelExp[l], xi = levels[l]
                        gramSum += r * total * xi * xi
                    } else {
                        weight[i] = risk[i] * total
                    }
                }
            } else if factor {
                for i in begin..<end {
                    let l = Int(code[i]), r = (unitCounts ? 1 : count[i]) * levelExp[l], xi = levels[l]
                    gramSum += r * (cumulative + (event[i] ? cd : c)) * xi * xi
                }
            } else {
                for i in begin..<end { weight[i] = risk[i] * (cumulative + (event[i] ? cd : c)) }
            }
            cumulative += c
            after[b] = cumulative
            if d.opens[b] { cumulative = 0 }
            end = begin
        }
        s.factorGram = gramSum
    }

    /// Σ w_i x_i x_iᵀ, lower triangle, into `scratch.gram`: by hand for p ≤ 2, BLAS
    /// `dsyrk` on rows scaled by √w_i (w_i ≥ 0) for p ≥ 3.
    /// - Complexity: O(n p²).
    private func weightedGram(_ d: CoxDesignPointers) {
        let n = design.rows, p = design.columns, s = scratch
        let x = d.x, w = s.weight, gram = s.gram
        for j in 0..<(p * p) { gram[j] = 0 }
        if factor {
            gram[0] = s.factorGram
        } else if p == 1 {
            var g = 0.0
            for i in 0..<n { g += w[i] * x[i] * x[i] }
            gram[0] = g
        } else if p == 2 {
            var g00 = 0.0, g10 = 0.0, g11 = 0.0
            for i in 0..<n {
                let a = x[2 * i], c = x[2 * i + 1], wi = w[i]
                g00 += wi * a * a; g10 += wi * c * a; g11 += wi * c * c
            }
            gram[0] = g00; gram[2] = g10; gram[3] = g11
        } else {
            let rows = s.gramRows
            for i in 0..<n {
                let r = w[i].squareRoot()
                for j in 0..<p { rows[i * p + j] = x[i * p + j] * r }
            }
            cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, Int32(p), Int32(n), 1.0,
                        rows.baseAddress, Int32(p), 0.0, gram.baseAddress, Int32(p))
        }
    }

    /// I = Σ w x xᵀ − Σ ā āᵀ (both triangles), the second moments and the score.
    private mutating func assemble() {
        let p = design.columns, s = scratch
        for j in 0..<p {
            secondMoment[j] = s.gram[j * p + j]
            for k in 0...j {
                let v = s.gram[j * p + k] - s.meanGram[j * p + k]
                information[j * p + k] = v
                information[k * p + j] = v
            }
            score[j] = s.u[j]
        }
    }

    /// `evaluate` for the level form of the design (one covariate with a few values,
    /// unit counts, one stratum): one forward pass over the blocks, each reduced to its
    /// deaths and censored records per value, so O(blocks · values + deaths) per
    /// evaluation. The same sums as the record form, added in another order:
    /// - the risk-set sums gain count × r per value instead of r per record;
    /// - Σ_i w_i x_i² (the backward pass of the record form) is Σ_b c_b · S₂(before b)
    ///   plus the block's own records, S₂ = Σ r x² over the blocks before b (later
    ///   times), so it is accumulated in the same forward pass;
    /// - Σ log S₀⁽ᵏ⁾ over the single deaths is the log of one product, kept as a
    ///   significand in [1, 2) times a power of two (exact rescaling), so one `log` per
    ///   evaluation; a tie of m deaths adds its sums in closed form (`EfronTieSums`), so
    ///   an evaluation is O(blocks · values) whatever the number of deaths;
    /// - with two values (a two-group model: analyze's group-only fit, every run,
    ///   pathway and PSA comparison) the sums of a block are made from the exact integer
    ///   counts at risk, S₀ = A r₀ + B r₁ (and S₁, S₂ alike), not accumulated, so the
    ///   blocks are independent: those of one death or none go four at a time through
    ///   `nensim_cox_two_levels_run` (CKernels, coxlevels.c), ties here.
    /// A tie of m deaths in the level form (one covariate), in closed form (as
    /// `efronTie`): its sums, and its terms of the score and of Σ m · mean², from the
    /// risk set's S₀, S₁ before the deaths and the deaths' D₀, D₁.
    @inline(__always) static func levelTie(m: Double, s0: Double, s1: Double, d0: Double, d1: Double)
        -> (sums: EfronTieSums, score: Double, meanGram: Double) {
        let sums = EfronTieSums(terms: Int(m), s0: s0, d0: d0)
        let mu = d1 / d0, c = s1 - s0 * mu
        return (sums, m * mu + c * sums.inverse, m * mu * mu + 2 * mu * c * sums.inverse + c * c * sums.inverseSquare)
    }

    private mutating func evaluateLevels(_ beta: Double) -> Double {
        let nb = design.levelBlocks
        let efron = ties == .efron
        let bound = CoxLikelihood.linearPredictorBound
        let values = design.levelValues, levelCount = values.count, width = 2 * levelCount
        let s = scratch
        let eta = s.levelEta, r = s.levelExp, rx = s.levelRX, rxx = s.levelRXX   // η, exp(η), r x, r x² per value
        var loglik = 0.0, u = 0.0
        for l in 0..<levelCount {
            eta[l] = min(max(values[l] * beta, -bound), bound)
            r[l] = exp(eta[l]); rx[l] = r[l] * values[l]; rxx[l] = rx[l] * values[l]
            loglik += design.levelDeaths[l] * eta[l]
            u += design.levelDeaths[l] * values[l]
        }
        var s0 = 0.0, s1 = 0.0, s2 = 0.0
        var meanGram = 0.0, gram = 0.0
        var product = 1.0, exponent = 0, logSum = 0.0
        @inline(__always) func multiply(_ v: Double) {
            // product ← product · v, renormalised to [1, 2) by a power of two (exact).
            let q = product * v
            let bits = q.bitPattern
            exponent += Int((bits >> 52) & 0x7ff) - 1023
            product = Double(bitPattern: (bits & 0x800f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000)
        }
        design.levelBlockCounts.withUnsafeBufferPointer { counts in
            if levelCount == 2 {
                // Two values (a treatment arm): the blocks of one death or none in the
                // kernel, four at a time, S₀ = A r₀ + B r₁ from the exact counts A, B at
                // risk; each block of a tie here, from the same counts.
                let r0 = r[0], r1 = r[1], rx0 = rx[0], rx1 = rx[1], rxx0 = rxx[0], rxx1 = rxx[1]
                var st = nensim_cox_two_levels(r0: r0, r1: r1, rx0: rx0, rx1: rx1, rxx0: rxx0, rxx1: rxx1, risk0: 0, risk1: 0,
                                               u: 0, mean_gram: 0, gram: 0, product: 1, exponent: 0)
                var b = 0
                while b < nb {
                    b = Int(nensim_cox_two_levels_run(counts.baseAddress, Int64(b), Int64(nb), &st))
                    guard b < nb else { break }
                    let base = b * width
                    let e0 = Double(counts[base]), e1 = Double(counts[base + 1])
                    let m = e0 + e1
                    // At risk at the block's time but for its deaths, and its deaths.
                    let a0 = Double(st.risk0 + UInt64(counts[base + 2])), a1 = Double(st.risk1 + UInt64(counts[base + 3]))
                    let d0 = e0 * r0 + e1 * r1, d1 = e0 * rx0 + e1 * rx1, d2 = e0 * rxx0 + e1 * rxx1
                    st.risk0 += UInt64(counts[base]) + UInt64(counts[base + 2])
                    st.risk1 += UInt64(counts[base + 1]) + UInt64(counts[base + 3])
                    if efron {
                        let s0 = a0 * r0 + a1 * r1, s1 = a0 * rx0 + a1 * rx1, s2 = a0 * rxx0 + a1 * rxx1
                        let tie = Self.levelTie(m: m, s0: s0, s1: s1, d0: d0, d1: d1)
                        logSum += tie.sums.logDenominators
                        st.u -= tie.score
                        st.mean_gram += tie.meanGram
                        st.gram += tie.sums.inverse * s2 + tie.sums.fraction * d2
                    } else {
                        let t0 = Double(st.risk0), t1 = Double(st.risk1)
                        let s0 = t0 * r0 + t1 * r1, s1 = t0 * rx0 + t1 * rx1, s2 = t0 * rxx0 + t1 * rxx1
                        let a = s1 / s0
                        st.u -= m * a
                        st.mean_gram += m * a * a
                        logSum += m * log(s0)
                        st.gram += m / s0 * s2
                    }
                    b += 1
                }
                u += st.u; meanGram = st.mean_gram; gram = st.gram
                product = st.product; exponent = Int(st.exponent)
                s0 = Double(st.risk0) * r0 + Double(st.risk1) * r1
                return
            }
            for b in 0..<nb {
                let base = b * width
                // The block's deaths (D₀, D₁, D₂) and censored records (C₀, C₁, C₂).
                // m: the block's deaths, an exact integer sum.
                var d0 = 0.0, d1 = 0.0, d2 = 0.0, c0 = 0.0, c1 = 0.0, c2 = 0.0, m = 0.0
                for l in 0..<levelCount {
                    let e = Double(counts[base + l]), c = Double(counts[base + levelCount + l])
                    d0 += e * r[l]; d1 += e * rx[l]; d2 += e * rxx[l]
                    c0 += c * r[l]; c1 += c * rx[l]; c2 += c * rxx[l]
                    m += e
                }
                s0 += c0; s1 += c1
                var coefficient = 0.0, deathCoefficient = 0.0
                if m == 0 {
                } else if !efron || m == 1 {
                    s0 += d0; s1 += d1
                    let a = s1 / s0
                    u -= m * a
                    meanGram += m * a * a
                    if m == 1 { multiply(s0) } else { logSum += m * log(s0) }
                    coefficient = m / s0; deathCoefficient = coefficient
                } else {
                    // The tie's m terms in closed form (as `efronTie`, one covariate).
                    let tie = Self.levelTie(m: m, s0: s0, s1: s1, d0: d0, d1: d1)
                    logSum += tie.sums.logDenominators
                    u -= tie.score
                    meanGram += tie.meanGram
                    coefficient = tie.sums.inverse; deathCoefficient = tie.sums.fraction
                    s0 += d0; s1 += d1
                }
                // Σ w x² of the records in this and earlier-time blocks, as far as they
                // involve this block's coefficients.
                gram += coefficient * (s2 + c2) + deathCoefficient * d2
                s2 += c2 + d2
            }
        }
        loglik -= log(product) + Double(exponent) * M_LN2 + logSum
        if !s0.isFinite { loglik = .nan }   // the rescaled product would hide it
        secondMoment[0] = gram
        let v = gram - meanGram
        information[0] = v
        score[0] = u
        return loglik
    }
}

/// The work space of one `CoxLikelihood`: buffers allocated once at their size and
/// handed to the loops as plain pointers (no nested `withUnsafe…` closures, no
/// exclusivity checks in the hot loops).
///
/// Sizes: `eta`, `risk`, `weight`: rows when the covariates are evaluated per record
/// (empty otherwise); `levelOf`: rows for a few-valued covariate; `blockCoefficient`,
/// `blockDeathCoefficient`, `blockCumulative`: blocks; `u`, `s1`, `d1`, `abar`, `efronC`: columns; `meanGram`,
/// `gram`: columns²; `levels`, `levelEta`, `levelExp`, `levelRX`, `levelRXX`: the
/// covariate's distinct values; `gramRows`: rows × columns for `dsyrk` (p ≥ 3).
/// Owned by one evaluation at a time.
final class CoxScratch {
    let eta, risk, weight: UnsafeMutableBufferPointer<Double>
    let levelOf: UnsafeMutableBufferPointer<UInt8>
    let blockCoefficient, blockDeathCoefficient, blockCumulative: UnsafeMutableBufferPointer<Double>
    let u, s1, d1, abar, efronC, meanGram, gram: UnsafeMutableBufferPointer<Double>
    let levels, levelEta, levelExp, levelRX, levelRXX: UnsafeMutableBufferPointer<Double>
    let gramRows: UnsafeMutableBufferPointer<Double>
    /// Σ w x² of a few-valued covariate, from the backward pass.
    var factorGram = 0.0

    init(rows n: Int, blocks nb: Int, columns p: Int, levels l: Int, perRecord: Bool, gramRows: Bool) {
        func doubles(_ c: Int) -> UnsafeMutableBufferPointer<Double> {
            let b = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(c, 1))
            b.initialize(repeating: 0)
            return UnsafeMutableBufferPointer(rebasing: b[0..<c])
        }
        eta = doubles(perRecord ? n : 0); risk = doubles(perRecord ? n : 0); weight = doubles(perRecord ? n : 0)
        let codes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(l > 0 ? n : 0, 1))
        codes.initialize(repeating: 0)
        levelOf = UnsafeMutableBufferPointer(rebasing: codes[0..<(l > 0 ? n : 0)])
        blockCoefficient = doubles(nb); blockDeathCoefficient = doubles(nb); blockCumulative = doubles(nb)
        u = doubles(p); s1 = doubles(p); d1 = doubles(p); abar = doubles(p); efronC = doubles(p)
        meanGram = doubles(p * p); gram = doubles(p * p)
        levels = doubles(l); levelEta = doubles(l); levelExp = doubles(l); levelRX = doubles(l); levelRXX = doubles(l)
        self.gramRows = doubles(gramRows ? n * p : 0)
    }

    deinit {
        for b in [eta, risk, weight, blockCoefficient, blockDeathCoefficient, blockCumulative, u, s1, d1, abar, efronC, meanGram, gram,
                  levels, levelEta, levelExp, levelRX, levelRXX, gramRows] {
            UnsafeMutableRawPointer(b.baseAddress!).deallocate()
        }
        UnsafeMutableRawPointer(levelOf.baseAddress!).deallocate()
    }
}

/// Plain pointers to a `CoxDesign`'s record arrays, valid inside
/// `CoxDesign.withPointers` (see `CoxDesign` for their layout).
struct CoxDesignPointers {
    let x: UnsafeBufferPointer<Double>
    let count: UnsafeBufferPointer<Double>
    let event: UnsafeBufferPointer<Bool>
    let blockEnd: UnsafeBufferPointer<Int>
    let blockDeaths: UnsafeBufferPointer<Double>
    let blockDeathTerms: UnsafeBufferPointer<Double>
    let opens: UnsafeBufferPointer<Bool>
}

extension CoxDesign {
    /// The record arrays borrowed as plain pointers for the duration of `body`.
    func withPointers<R>(_ body: (CoxDesignPointers) -> R) -> R {
        x.withUnsafeBufferPointer { x in
        count.withUnsafeBufferPointer { count in
        event.withUnsafeBufferPointer { event in
        blockEnd.withUnsafeBufferPointer { blockEnd in
        blockDeaths.withUnsafeBufferPointer { blockDeaths in
        blockDeathTerms.withUnsafeBufferPointer { terms in
        blockOpensStratum.withUnsafeBufferPointer { opens in
            body(CoxDesignPointers(x: x, count: count, event: event, blockEnd: blockEnd, blockDeaths: blockDeaths,
                                   blockDeathTerms: terms, opens: opens))
        }}}}}}}
    }

}

extension CoxLikelihood {
    /// Score residuals L_i (R's `residuals(fit, type = "score")`, `coxscore2.c`) of every
    /// record at `beta`, on the design's centred-and-scaled axes, rows × p row-major in
    /// the design's sorted order, per unit weight (R's `weighted = FALSE`).
    ///
    /// With cumulative hazard increments h (Σ_k of the tie's terms w̄/S₀⁽ᵏ⁾) and
    /// h·x̄ per block, accumulated in ascending time within a stratum (H, G over the
    /// earlier times): a record at risk past the block has
    /// L_i = −r_i (x_i (H + h) − (G + g)); a death has, in addition, its own term
    /// x_i − x̄_event (x̄ for Breslow, the mean of the m Efron means) and sees its own
    /// block only at the death fractions k/m (h_d = Σ (k/m) h_k, g_d likewise).
    /// r_i = exp(η_i), η clamped as in `evaluate`. Record form only.
    /// - Complexity: O(n p + d p), one forward and one backward pass.
    func scoreResiduals(_ beta: [Double]) -> [Double] {
        let n = design.rows, p = design.columns, nb = design.blockEnd.count
        precondition(design.levelValues.isEmpty && beta.count == p, "scoreResiduals needs the record form")
        let efron = ties == .efron
        let bound = CoxLikelihood.linearPredictorBound
        let x = design.x
        var r = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var eta = 0.0
            for j in 0..<p { eta += x[i * p + j] * beta[j] }
            r[i] = exp(min(max(eta, -bound), bound))
        }
        // Forward pass (descending time): per block h, h_d (scalars) and g, g_d, x̄_event (p each).
        var h = [Double](repeating: 0, count: nb), hd = h
        var g = [Double](repeating: 0, count: nb * p), gd = g, xEvent = g
        var s1 = [Double](repeating: 0, count: p), d1 = s1
        var s0 = 0.0
        var start = 0
        for b in 0..<nb {
            if design.blockOpensStratum[b] { s0 = 0; for j in 0..<p { s1[j] = 0 } }
            if design.countingProcess {
                for q in design.exitBegin[b]..<design.exitEnd[b] {
                    let i = Int(design.exitOrder[q]), ri = design.count[i] * r[i]
                    s0 -= ri; for j in 0..<p { s1[j] -= ri * x[i * p + j] }
                }
            }
            let end = design.blockEnd[b]
            var d0 = 0.0
            for j in 0..<p { d1[j] = 0 }
            for i in start..<end {
                let ri = design.count[i] * r[i]
                if design.event[i] {
                    d0 += ri; for j in 0..<p { d1[j] += ri * x[i * p + j] }
                } else {
                    s0 += ri; for j in 0..<p { s1[j] += ri * x[i * p + j] }
                }
            }
            let m = design.blockDeaths[b], terms = design.blockDeathTerms[b]
            if m > 0 && (!efron || terms == 1) {
                s0 += d0
                for j in 0..<p { s1[j] += d1[j] }
                h[b] = m / s0; hd[b] = h[b]
                for j in 0..<p {
                    let mean = s1[j] / s0
                    g[b * p + j] = h[b] * mean; gd[b * p + j] = g[b * p + j]; xEvent[b * p + j] = mean
                }
            } else if m > 0 {
                let w = m / terms
                for k in 1...Int(terms) {
                    let f = Double(k) / terms
                    let denom = s0 + f * d0
                    let hk = w / denom
                    h[b] += hk; hd[b] += f * hk
                    for j in 0..<p {
                        let mean = (s1[j] + f * d1[j]) / denom
                        g[b * p + j] += hk * mean; gd[b * p + j] += f * hk * mean; xEvent[b * p + j] += mean / terms
                    }
                }
                s0 += d0
                for j in 0..<p { s1[j] += d1[j] }
            }
            start = end
        }
        // Backward pass (ascending time): the residuals.
        var residual = [Double](repeating: 0, count: n * p)
        var cumH = 0.0
        var cumG = [Double](repeating: 0, count: p)
        // (start, stop] data: H and G over the blocks b… of the stratum, subtracted at a
        // record's entry block (outside its risk interval).
        let counting = design.countingProcess
        var afterH = [Double](repeating: 0, count: counting ? nb : 0), afterG = [Double](repeating: 0, count: counting ? nb * p : 0)
        var end = n
        for b in stride(from: nb - 1, through: 0, by: -1) {
            let begin = b == 0 ? 0 : design.blockEnd[b - 1]
            for i in begin..<end {
                let death = design.event[i]
                let e = counting ? Int(design.entryBlock[i]) : -1
                let hh = cumH + (death ? hd[b] : h[b]) - (e >= 0 ? afterH[e] : 0)
                for j in 0..<p {
                    let xi = x[i * p + j]
                    let gg = cumG[j] + (death ? gd[b * p + j] : g[b * p + j]) - (e >= 0 ? afterG[e * p + j] : 0)
                    var l = -r[i] * (xi * hh - gg)
                    if death { l += xi - xEvent[b * p + j] }
                    residual[i * p + j] = l
                }
            }
            cumH += h[b]
            for j in 0..<p { cumG[j] += g[b * p + j] }
            if counting { afterH[b] = cumH; for j in 0..<p { afterG[b * p + j] = cumG[j] } }
            if design.blockOpensStratum[b] { cumH = 0; for j in 0..<p { cumG[j] = 0 } }
            end = begin
        }
        return residual
    }
}
