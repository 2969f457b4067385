import CLinearAlgebra
#if canImport(Glibc)
import Glibc
#endif

/// Errors raised by the BLAS/LAPACKE wrappers. Raw `info` codes never leave this file
/// without a routine name and a cause in words.
public enum LinearAlgebraError: Error, Equatable, CustomStringConvertible {
    /// LAPACK reported an illegal argument (`info < 0`) or a numerical failure (`info > 0`).
    case lapack(routine: String, info: Int32)
    /// A Cholesky factorisation found the matrix not positive definite at leading minor `rank + 1`.
    case notPositiveDefinite(order: Int, failedAt: Int)
    /// A least-squares problem whose design matrix is rank deficient.
    case rankDeficient(routine: String, column: Int)
    /// Array sizes disagree with the stated dimensions.
    case shapeMismatch(String)

    public var description: String {
        switch self {
        case let .lapack(routine, info):
            return info < 0
                ? "LAPACK \(routine): argument \(-info) had an illegal value"
                : "LAPACK \(routine) failed (info = \(info))"
        case let .notPositiveDefinite(order, failedAt):
            return "matrix of order \(order) is not positive definite (leading minor \(failedAt) fails); suspicion is high collinearity or a covariate with no variation"
        case let .rankDeficient(routine, column):
            return "\(routine): design matrix is rank deficient (diagonal element \(column) of R is zero)"
        case let .shapeMismatch(what):
            return "shape mismatch: \(what)"
        }
    }
}

/// Thin, typed wrappers over the few BLAS/LAPACKE routines nensim uses.
/// All matrices are dense, **row-major**, stored in `[Double]`.
public enum LinearAlgebra {
    /// Limits OpenBLAS to `count` threads. nensim runs one Dispatch worker per core, so
    /// OpenBLAS must be single-threaded inside them or the cores are oversubscribed.
    /// A count already in force is left alone: setting it would restart the thread pool
    /// that `useOneBLASThread` stopped (OpenBLAS re-creates it on a change of count).
    public static func setBLASThreads(_ count: Int) {
        guard openblas_get_num_threads() != Int32(max(1, count)) else { return }
        openblas_set_num_threads(Int32(max(1, count)))
    }

    /// OpenBLAS single-threaded for the whole process, and the pool of threads it started
    /// when it was loaded stopped: left alone, a pool thread spins on `sched_yield` for
    /// about 2^28 cycles (0.1 s here) after load, against the Dispatch workers that start
    /// meanwhile (docs/PERFORMANCE.md, "OpenBLAS's idle pool"). nensim parallelises over
    /// Dispatch workers, never inside BLAS, so the CLI calls this first.
    /// The pool is stopped by `blas_thread_shutdown_` (exported by OpenBLAS's thread
    /// servers, whose fork handler calls it), looked up at run time: a build of OpenBLAS
    /// without threads has neither the pool nor the symbol, and then only the count is set.
    public static func useOneBLASThread() {
        openblas_set_num_threads(1)
        #if canImport(Glibc)
        typealias Shutdown = @convention(c) () -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "blas_thread_shutdown_") {   // RTLD_DEFAULT
            _ = unsafeBitCast(symbol, to: Shutdown.self)()
        }
        #endif
    }

    /// Least squares `min ‖A x − b‖₂` for a full-rank `m × n` matrix `A` (m ≥ n), by
    /// LAPACKE `dgels` (QR). Returns the solution `x` (length n) and the residual
    /// vector `b − A x` (length m).
    /// - Complexity: O(m n²).
    public static func leastSquares(_ a: [Double], rows m: Int, columns n: Int, rhs b: [Double]) throws -> (solution: [Double], residuals: [Double]) {
        guard a.count == m * n, b.count == m, m >= n, n > 0 else {
            throw LinearAlgebraError.shapeMismatch("dgels needs A \(m)×\(n) (have \(a.count) values), b of \(m) (have \(b.count)), m ≥ n > 0")
        }
        var aw = a
        var bw = b
        let info = aw.withUnsafeMutableBufferPointer { ap in
            bw.withUnsafeMutableBufferPointer { bp in
                LAPACKE_dgels(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "N")), Int32(m), Int32(n), 1,
                              ap.baseAddress, Int32(n), bp.baseAddress, 1)
            }
        }
        if info > 0 { throw LinearAlgebraError.rankDeficient(routine: "dgels", column: Int(info)) }
        if info < 0 { throw LinearAlgebraError.lapack(routine: "dgels", info: info) }
        let x = Array(bw.prefix(n))
        var r = b
        for i in 0..<m {
            var s = 0.0
            for j in 0..<n { s += a[i * n + j] * x[j] }
            r[i] -= s
        }
        return (x, r)
    }

    /// Cholesky factor (lower, row-major, upper triangle zeroed) of a symmetric positive
    /// definite `n × n` matrix, by LAPACKE `dpotrf`.
    public static func cholesky(_ a: [Double], order n: Int) throws -> [Double] {
        guard a.count == n * n, n > 0 else { throw LinearAlgebraError.shapeMismatch("dpotrf needs \(n)×\(n), have \(a.count) values") }
        var w = a
        let info = w.withUnsafeMutableBufferPointer {
            LAPACKE_dpotrf(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "L")), Int32(n), $0.baseAddress, Int32(n))
        }
        if info > 0 { throw LinearAlgebraError.notPositiveDefinite(order: n, failedAt: Int(info)) }
        if info < 0 { throw LinearAlgebraError.lapack(routine: "dpotrf", info: info) }
        for i in 0..<n { for j in (i + 1)..<n where j < n { w[i * n + j] = 0 } }
        return w
    }

    /// Inverse of a symmetric positive definite `n × n` matrix by `dpotrf` + `dpotri`;
    /// the full symmetric inverse is returned (both triangles filled).
    /// - Complexity: O(n³).
    public static func inverseSPD(_ a: [Double], order n: Int) throws -> [Double] {
        var w = try cholesky(a, order: n)
        let info = w.withUnsafeMutableBufferPointer {
            LAPACKE_dpotri(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "L")), Int32(n), $0.baseAddress, Int32(n))
        }
        if info > 0 { throw LinearAlgebraError.notPositiveDefinite(order: n, failedAt: Int(info)) }
        if info < 0 { throw LinearAlgebraError.lapack(routine: "dpotri", info: info) }
        for i in 0..<n { for j in (i + 1)..<n where j < n { w[i * n + j] = w[j * n + i] } }
        return w
    }

    /// Solves `A x = b` for symmetric positive definite `A` (Cholesky, `dposv`).
    public static func solveSPD(_ a: [Double], order n: Int, rhs b: [Double]) throws -> [Double] {
        guard a.count == n * n, b.count == n, n > 0 else { throw LinearAlgebraError.shapeMismatch("dposv needs \(n)×\(n) and \(n)") }
        var aw = a, bw = b
        let info = aw.withUnsafeMutableBufferPointer { ap in
            bw.withUnsafeMutableBufferPointer { bp in
                LAPACKE_dposv(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "L")), Int32(n), 1, ap.baseAddress, Int32(n), bp.baseAddress, 1)
            }
        }
        if info > 0 { throw LinearAlgebraError.notPositiveDefinite(order: n, failedAt: Int(info)) }
        if info < 0 { throw LinearAlgebraError.lapack(routine: "dposv", info: info) }
        return bw
    }

    /// `y = A x` for a row-major `m × n` matrix (`cblas_dgemv`).
    public static func multiply(_ a: [Double], rows m: Int, columns n: Int, vector x: [Double]) throws -> [Double] {
        guard a.count == m * n, x.count == n else { throw LinearAlgebraError.shapeMismatch("dgemv needs A \(m)×\(n) and x of \(n)") }
        var y = [Double](repeating: 0, count: m)
        if m == 0 || n == 0 { return y }
        a.withUnsafeBufferPointer { ap in
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(n), 1.0, ap.baseAddress, Int32(n),
                                xp.baseAddress, 1, 0.0, yp.baseAddress, 1)
                }
            }
        }
        return y
    }

    /// In-place `y = A x` on caller-owned buffers (no allocation; hot paths).
    public static func multiply(_ a: UnsafePointer<Double>, rows m: Int, columns n: Int,
                                vector x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>) {
        if m == 0 { return }
        if n == 0 { y.update(repeating: 0, count: m); return }
        cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(n), 1.0, a, Int32(n), x, 1, 0.0, y, 1)
    }

    /// `C = A B` for row-major `A` (m × k) and `B` (k × n) (`cblas_dgemm`).
    public static func multiply(_ a: [Double], _ b: [Double], m: Int, k: Int, n: Int) throws -> [Double] {
        guard a.count == m * k, b.count == k * n else { throw LinearAlgebraError.shapeMismatch("dgemm needs A \(m)×\(k) and B \(k)×\(n)") }
        var c = [Double](repeating: 0, count: m * n)
        if m == 0 || n == 0 || k == 0 { return c }
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1.0,
                                ap.baseAddress, Int32(k), bp.baseAddress, Int32(n), 0.0, cp.baseAddress, Int32(n))
                }
            }
        }
        return c
    }

    /// `Xᵀ W X` for a row-major `n × p` matrix X and weights w (length n), via BLAS
    /// `dsyrk` on the scaled rows. Returns the full symmetric `p × p` matrix.
    public static func weightedGram(_ x: [Double], rows n: Int, columns p: Int, weights w: [Double]) throws -> [Double] {
        guard x.count == n * p, w.count == n else { throw LinearAlgebraError.shapeMismatch("weightedGram needs X \(n)×\(p) and w of \(n)") }
        var c = [Double](repeating: 0, count: p * p)
        if n == 0 || p == 0 { return c }
        var scaled = x
        for i in 0..<n {
            let s = w[i].squareRoot()
            for j in 0..<p { scaled[i * p + j] *= s }
        }
        scaled.withUnsafeBufferPointer { sp in
            c.withUnsafeMutableBufferPointer { cp in
                cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, Int32(p), Int32(n), 1.0, sp.baseAddress, Int32(p), 0.0, cp.baseAddress, Int32(p))
            }
        }
        for i in 0..<p { for j in (i + 1)..<p where j < p { c[i * p + j] = c[j * p + i] } }
        return c
    }
}
