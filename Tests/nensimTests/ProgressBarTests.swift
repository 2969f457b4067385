import Foundation
import NENSim
import Testing
@testable import nensim

struct ProgressBarTests {
    /// A run's phases in turn, each counted to its total: the last frame is 100 % of every phase.
    @Test func phasesInTurnEndAtAHundredPercent() {
        let bar = ProgressBar(plan: [.simulating, .statistics, .writing], total: 2_000)
        bar.advance(500)
        var f = bar.frame()
        #expect(f.phase == .simulating && f.step == 1 && f.steps == 3 && f.done == 500 && f.fraction == 0.25)
        bar.advance(1_500)
        bar.begin(.statistics, total: 6)
        f = bar.frame()
        #expect(f.phase == .statistics && f.step == 2 && f.done == 0 && f.total == 6)
        bar.advance(6)
        #expect(bar.frame().fraction == 1)
        bar.begin(.writing, total: 1)
        #expect(bar.frame().step == 3 && bar.frame().fraction == 0)
        let last = bar.frame(complete: true)
        #expect(last.fraction == 1 && last.complete)
        #expect(ProgressBar.render(last, columns: 80).contains(" 100%  done (3 phases) in "))
    }

    /// A phase outside the plan is added to it rather than shown as step 0.
    @Test func aPhaseOutsideThePlanJoinsIt() {
        let bar = ProgressBar(plan: [.simulating], total: 10)
        bar.begin(.psa, total: 4)
        let f = bar.frame()
        #expect(f.step == 2 && f.steps == 2 && f.phase == .psa)
    }

    /// Counts beyond the total (a block's rounding) never show more than 100 %.
    @Test func overshootIsCappedAtTheTotal() {
        let bar = ProgressBar(plan: [.simulating], total: 10)
        bar.advance(15)
        #expect(bar.frame().done == 10 && bar.frame().fraction == 1)
    }

    @Test func renderShowsPhaseUnitsRateAndETA() {
        let sim = ProgressBar.Frame(phase: .simulating, step: 1, steps: 3, done: 50_000_000, total: 200_000_000,
                                    phaseElapsed: 5, elapsed: 5)
        let line = ProgressBar.render(sim, columns: 100)
        #expect(line.hasSuffix(" 25%  simulating (1/3)  50.00M/200.00M patients  10.00M/s  ETA 0:15"), "\(line)")
        #expect(line.count <= 100)
        let cells = line.prefix { $0 != "]" }.dropFirst()
        #expect(cells.filter { $0 == "█" }.count == cells.count / 4, "\(line)")
        let stats = ProgressBar.Frame(phase: .statistics, step: 2, steps: 3, done: 3, total: 6, phaseElapsed: 4, elapsed: 9)
        #expect(ProgressBar.render(stats, columns: 80).hasSuffix(" 50%  statistics (2/3)  3/6 steps  0:04"))
        let writing = ProgressBar.Frame(phase: .writing, step: 3, steps: 3, done: 0, total: 1, phaseElapsed: 1, elapsed: 10)
        #expect(ProgressBar.render(writing, columns: 80).hasSuffix("  0%  writing files (3/3)  0:01"))
    }

    /// A narrow terminal keeps the ten-cell minimum bar; a wide one at most forty cells.
    @Test func barWidthFollowsTheTerminal() {
        let f = ProgressBar.Frame(phase: .statistics, step: 1, steps: 1, done: 1, total: 2, phaseElapsed: 0, elapsed: 0)
        func cells(_ columns: Int) -> Int { ProgressBar.render(f, columns: columns).prefix { $0 != "]" }.count - 1 }
        #expect(cells(20) == 10)
        #expect(cells(200) == 40)
    }
}
