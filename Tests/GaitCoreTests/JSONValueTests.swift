import Testing
@testable import GaitCore

@Suite struct JSONValueTests {
    func parse(_ text: String) throws -> JSONValue { try JSONValue.parse(Array(text.utf8)) }

    @Test func readsEveryKindOfValue() throws {
        #expect(try parse(#" {"a": [1, -2.5e3, true, false, null, "x"], "b": {}} "#)
                == .object([("a", .array([.number(1), .number(-2500), .bool(true), .bool(false), .null, .string("x")])),
                            ("b", .object([]))]))
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        #expect(try parse(#""q\"b\\s\/n\nt\tu\u00e9\ud83d\ude00""#) == .string("q\"b\\s/n\nt\tué😀"))
        #expect(try parse("\"¿Qué tal?\"") == .string("¿Qué tal?"))
    }

    static let errors: [(String, Int, String)] = [
        ("", 1, "unexpected end of line"),
        ("{", 2, "expected a key in double quotes"),
        (#"{"a" 1}"#, 6, "expected ':'"),
        (#"[1 2]"#, 4, "expected ',' or ']'"),
        (#""\ud800x""#, 8, "unpaired surrogate"),
        (#""\x""#, 4, "invalid escape"),
        ("\"a\u{1}b\"", 3, "control character in a string"),
        ("01x", 2, "unexpected text after the value"),
        ("-", 2, "invalid number"),
        ("1.", 3, "invalid number"),
        ("tru", 1, "unexpected end of line"),
        (#"{"a": 1} x"#, 10, "unexpected text after the value"),
        (#""abc"#, 5, "unterminated string"),
    ]

    @Test(arguments: errors)
    func reportsTheColumnWhereReadingStopped(text: String, column: Int, problem: String) {
        #expect(throws: JSONValue.SyntaxError(column: column, problem: problem)) { try parse(text) }
    }

    @Test func refusesInvalidUTF8InStrings() {
        #expect(throws: JSONValue.SyntaxError(column: 2, problem: "invalid UTF-8 in a string")) {
            try JSONValue.parse([0x22, 0xC3, 0x28, 0x22])
        }
    }

    @Test func refusesDeepNesting() {
        #expect(throws: JSONValue.SyntaxError(column: 65, problem: "nested too deeply")) {
            try parse(String(repeating: "[", count: 100))
        }
    }
}
