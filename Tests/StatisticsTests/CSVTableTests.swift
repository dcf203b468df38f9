import Testing
@testable import Statistics

@Suite struct CSVTableTests {
    @Test func quotedFieldsCRLFAndBlankLines() throws {
        let text = "\u{FEFF}unit,rater,value\r\n\"u,1\", \"Ann \"\"A\"\"\" ,3\r\n\r\n\"multi\nline\",b,4\nu3,c,\n"
        let t = try CSVTable(parsing: text, source: "f.csv")
        #expect(t.header == ["unit", "rater", "value"])
        #expect(t.records.map(\.fields) == [["u,1", "Ann \"A\"", "3"], ["multi\nline", "b", "4"], ["u3", "c", ""]])
        #expect(t.records.map(\.line) == [2, 4, 6])
    }

    @Test func noTrailingNewline() throws {
        let t = try CSVTable(parsing: "a,b\n1,2", source: "f.csv")
        #expect(t.records.map(\.fields) == [["1", "2"]])
    }

    @Test(arguments: [
        ("", "f.csv:1: the file is empty; expected a header row"),
        ("a,a\n", "f.csv:1: the header names column \"a\" twice"),
        ("a,,b\n", "f.csv:1: the header has an empty column name"),
        ("a,b\n1,2\n3\n", "f.csv:3: expected 2 fields (a,b), found 1"),
        ("a,b\n1,\"2\n3,4\n", "f.csv:2: a quoted field is not closed before the end of the file"),
        ("a,b\n1,2\"x\n", "f.csv:2: a quote inside an unquoted field (byte 7); put the field in quotes and double the quote"),
        ("a,b\n1,\"2\"x\n", "f.csv:2: unexpected text after the closing quote of a field (byte 9); double a quote inside a quoted field as \"\""),
    ])
    func malformed(text: String, message: String) {
        #expect(throws: StatisticsError.self) { try CSVTable(parsing: text, source: "f.csv") }
        do {
            _ = try CSVTable(parsing: text, source: "f.csv")
        } catch {
            #expect("\(error)" == message)
        }
    }

    @Test func columnsAndNumbers() throws {
        let t = try CSVTable(parsing: "x,y\n1.5,abc\n", source: "p.csv")
        #expect(try t.column("y") == 1)
        #expect(t.optionalColumn("z") == nil)
        #expect(try t.number(t.records[0], column: 0) == 1.5)
        #expect(throws: StatisticsError.csv(source: "p.csv", line: 2, message: "y \"abc\" is not a number")) {
            try t.number(t.records[0], column: 1)
        }
        #expect(throws: StatisticsError.csv(source: "p.csv", line: 2, message: "x \"1.5\" is not a whole number")) {
            try t.integer(t.records[0], column: 0)
        }
        #expect(throws: StatisticsError.csv(source: "p.csv", line: 1, message: "missing column \"z\"; the header is x,y")) {
            try t.column("z")
        }
    }
}
