import Testing
@testable import NENSim

/// `LevelCodes`: the narrowest width that holds the levels, the codes read back as given.
@Suite struct LevelCodesTests {
    @Test(arguments: [(2, 1), (256, 1), (257, 2), (65_536, 2), (65_537, 4)])
    func codesUseTheNarrowestWidthAndReadBackAsGiven(levels: Int, width: Int) {
        let codes = (0..<1000).map { ($0 * 7919) % levels } + [levels - 1, 0]
        let packed = LevelCodes(codes, levels: levels)
        #expect(packed.width == width)
        #expect(packed.count == codes.count)
        #expect(Array(packed) == codes)
    }

    @Test func analysisDataFromIntGroupsHoldsOneByteARecord() {
        let data = AnalysisData(time: [1, 2, 3], event: [true, false, true], group: [1, 0, 1], groupLabels: ["a", "b"],
                                strata: nil, strataLabels: [], covariates: [], covariateNames: [],
                                recordsRead: 3, dropped: 0, missingByColumn: [:])
        #expect(data.group.width == 1)
        #expect(Array(data.group) == [1, 0, 1])
    }
}
