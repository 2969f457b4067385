import Testing
@testable import NENSim

struct FailureTests {
    @Test func suggestsTheClosestArm() {
        #expect(closestMatch(to: "prtt", in: ["prrt", "placebo", "tace", "ssa"]) == "prrt")
        #expect(closestMatch(to: "everolimsu", in: ["everolimus", "sunitinib"]) == "everolimus")
        #expect(closestMatch(to: "zzzzzz", in: ["prrt", "ssa"]) == nil)
    }

    @Test func editDistanceCountsSingleEdits() {
        #expect(editDistance("kitten", "sitting") == 3)
        #expect(editDistance("", "abc") == 3)
        #expect(editDistance("same", "same") == 0)
    }
}
