import Testing

struct FixtureDataTests {
    @Test func lungFixtureHasTheRowsRShips() throws {
        let lung = try FixtureTable.load("data/lung.csv")
        #expect(lung.rows.count == 228)
        #expect(lung.numbers("time").prefix(2) == [306, 455])
        #expect(lung.optionalNumbers("wt.loss")[0] == nil)
    }

    @Test func quotedFieldsKeepCommasAndQuotes() {
        #expect(FixtureTable.parseLine(#"1,"a,b","say ""hi""",,x"#) == ["1", "a,b", #"say "hi""#, "", "x"])
    }
}
