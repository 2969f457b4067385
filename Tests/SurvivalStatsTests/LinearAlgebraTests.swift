import Testing
@testable import SurvivalStats

struct LinearAlgebraTests {
    @Test func leastSquaresRecoversAnExactLine() throws {
        // y = 2 + 3x at x = 0, 1, 2, 3
        let a: [Double] = [1, 0, 1, 1, 1, 2, 1, 3]
        let (x, r) = try LinearAlgebra.leastSquares(a, rows: 4, columns: 2, rhs: [2, 5, 8, 11])
        #expect(abs(x[0] - 2) < 1e-12 && abs(x[1] - 3) < 1e-12)
        #expect(r.allSatisfy { abs($0) < 1e-12 })
    }

    @Test func leastSquaresResidualsAreOrthogonalToColumns() throws {
        let a: [Double] = [1, 0.5, 1, 1.7, 1, 2.2, 1, 3.9, 1, 4.1]
        let (_, r) = try LinearAlgebra.leastSquares(a, rows: 5, columns: 2, rhs: [1, 2.1, 2.9, 4.2, 4.0])
        for j in 0..<2 {
            let dot = (0..<5).reduce(0.0) { $0 + a[$1 * 2 + j] * r[$1] }
            #expect(abs(dot) < 1e-12)
        }
    }

    @Test func rankDeficientLeastSquaresThrows() {
        #expect(throws: LinearAlgebraError.self) {
            try LinearAlgebra.leastSquares([1, 0, 1, 0, 1, 0], rows: 3, columns: 2, rhs: [1, 2, 3])
        }
    }

    @Test func inverseOfSPDMatrixTimesMatrixIsIdentity() throws {
        let a: [Double] = [4, 2, 0.6, 2, 5, 1, 0.6, 1, 3]
        let inv = try LinearAlgebra.inverseSPD(a, order: 3)
        let prod = try LinearAlgebra.multiply(a, inv, m: 3, k: 3, n: 3)
        for i in 0..<3 { for j in 0..<3 { #expect(abs(prod[i * 3 + j] - (i == j ? 1 : 0)) < 1e-13) } }
        let x = try LinearAlgebra.solveSPD(a, order: 3, rhs: [1, 2, 3])
        let ax = try LinearAlgebra.multiply(a, rows: 3, columns: 3, vector: x)
        #expect(zip(ax, [1.0, 2, 3]).allSatisfy { abs($0 - $1) < 1e-13 })
    }

    @Test func notPositiveDefiniteIsATypedError() {
        #expect(throws: LinearAlgebraError.notPositiveDefinite(order: 2, failedAt: 2)) {
            try LinearAlgebra.inverseSPD([1, 2, 2, 1], order: 2)
        }
    }

    @Test func shapeMismatchIsReported() {
        #expect(throws: LinearAlgebraError.self) { try LinearAlgebra.multiply([1, 2, 3], rows: 2, columns: 2, vector: [1, 1]) }
    }

    @Test func weightedGramMatchesDirectSum() throws {
        let x: [Double] = [1, 2, 3, 4, 5, 6] // 3×2
        let w: [Double] = [0.5, 1, 2]
        let g = try LinearAlgebra.weightedGram(x, rows: 3, columns: 2, weights: w)
        for a in 0..<2 { for b in 0..<2 {
            let direct = (0..<3).reduce(0.0) { $0 + w[$1] * x[$1 * 2 + a] * x[$1 * 2 + b] }
            #expect(abs(g[a * 2 + b] - direct) < 1e-12)
        } }
    }
}
