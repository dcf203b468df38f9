import Foundation
import GaitCore
import Testing
@testable import ReviewConsole

@Suite struct AnswerParserTests {
    static let ordinal = Scale.ordinal(min: 1, max: 5, labels: [1: "useless", 5: "excellent"])
    static let nominal = Scale.nominal(options: ["yes", "no", "unsure"])

    @Test(arguments: [
        (Scale.binary, "y", "yes"), (.binary, "YES", "yes"), (.binary, "n", "no"), (.binary, "No", "no"),
        (ordinal, "3", "3"), (ordinal, "Excellent", "5"), (nominal, "un", "unsure"), (nominal, "n", "no"),
        (nominal, "NO", "no"), (.nominal(options: ["a", "b", "="]), "=", "="), (.nominal(options: ["a", "b", "="]), "B", "b"),
        (.interval(min: 0, max: 1), "0.5", "0.5"), (.interval(min: 0, max: 10), "10", "10"),
    ])
    func answersOnTheScaleParse(scale: Scale, input: String, stored: String) {
        #expect(AnswerParser.parse(input, scale: scale) == .success(stored))
    }

    @Test(arguments: [
        (Scale.binary, "maybe", "'maybe' is not an answer here. Allowed: y or n"),
        (ordinal, "0", "'0' is not an answer here. Allowed: 1–5: 1 useless, 5 excellent"),
        (ordinal, "2.5", "'2.5' is not an answer here. Allowed: 1–5: 1 useless, 5 excellent"),
        (nominal, "x", "'x' is not an answer here. Allowed: yes (y) · no (n) · unsure (un)"),
        (.nominal(options: ["agree", "against"]), "ag", "'ag' could be agree or against; type more letters. Allowed: agree (agr) · against (aga)"),
        (.interval(min: 0, max: 1), "nan", "'nan' is not an answer here. Allowed: a number from 0 to 1"),
        (.interval(min: 0, max: 1), "-0.1", "'-0.1' is not an answer here. Allowed: a number from 0 to 1"),
    ])
    func answersOffTheScaleSayWhatIsAllowed(scale: Scale, input: String, message: String) {
        guard case .failure(let problem) = AnswerParser.parse(input, scale: scale) else {
            Issue.record("'\(input)' parsed")
            return
        }
        #expect(problem.description == message)
    }

    @Test func shortcutsAvoidCommandLetters() {
        #expect(AnswerParser.shortestPrefixes(["safe", "unsafe", "harmful", "question"])
            == ["safe": "sa", "unsafe": "un", "harmful": "ha", "question": "qu"])
    }
}

@Suite struct TextLayoutTests {
    @Test func controlCharactersAreEscapedAndLineBreaksKept() {
        #expect(TextLayout.escaped("a\u{1B}[31mb\nc\td\u{7F}\u{9B}\u{2066}\u{0}") == "a\\u{1B}[31mb\nc    d\\u{7F}\\u{9B}\\u{2066}\\u{0}")
        #expect(TextLayout.escaped("héllo — 日本") == "héllo — 日本")
    }

    @Test func reflowingJoinsHardWrappedLinesButKeepsListItemsAndParagraphs() {
        let text = "Judge the answer\nas asked.\n- first item\n  continues here\n2. numbered\n\nNew paragraph\nends.\n"
        #expect(TextLayout.reflowed(text) == "Judge the answer as asked.\n- first item continues here\n2. numbered\n\nNew paragraph ends.")
    }

    @Test func wrappingBreaksAtWordsKeepsParagraphsAndCutsLongWords() {
        #expect(TextLayout.wrapped("one two three four five six", width: 12, indent: "  ") == "  one two\n  three four\n  five six")
        #expect(TextLayout.wrapped("a\n\nb", width: 20, indent: "  ") == "  a\n\n  b")
        #expect(TextLayout.wrapped(String(repeating: "x", count: 25), width: 12) == "xxxxxxxxxxxx\nxxxxxxxxxxxx\nx")
    }
}

@Suite struct ConsoleSettingsTests {
    @Test(arguments: [
        (true, [String: String](), true), (false, [:], false), (true, ["NO_COLOR": "1"], false),
        (true, ["NO_COLOR": ""], true), (true, ["TERM": "dumb"], false), (false, ["TERM": "xterm"], false),
    ])
    func colorsOnlyOnATerminalWithoutNoColor(isTerminal: Bool, environment: [String: String], expected: Bool) {
        #expect(ConsoleIO.wantsColors(isTerminal: isTerminal, environment: environment) == expected)
    }

    @Test func theWidthComesFromTheTerminalThenColumns() {
        #expect(ConsoleIO.wrapWidth(terminalColumns: 120, environment: ["COLUMNS": "60"]) == 120)
        #expect(ConsoleIO.wrapWidth(terminalColumns: nil, environment: ["COLUMNS": "60"]) == 60)
        #expect(ConsoleIO.wrapWidth(terminalColumns: nil, environment: ["COLUMNS": "x"]) == 80)
        #expect(ConsoleIO.wrapWidth(terminalColumns: 5, environment: [:]) == 20)
    }

    @Test func activeTimeLeavesOutIdleGaps() {
        let start = Date(timeIntervalSince1970: 0)
        var timer = ActivityTimer(shownAt: start, idleSeconds: 60)
        for offset in [10.0, 40, 200, 230, 229] { timer.record(start.addingTimeInterval(offset)) }
        #expect(timer.activeSeconds == 70)
    }

    @Test func theSummaryReadsAsASentence() {
        var summary = SessionSummary(rater: "ana")
        summary.rated = 3
        summary.discarded = 1
        summary.skipped = 2
        summary.undone = 1
        summary.leasesLost = 1
        summary.medianSeconds = 12.34
        #expect(summary.text == "Session of ana: 3 rated, 1 discarded, 2 skipped, 1 undone, 1 lost to an expired lease; median 12.3 s per item.")
    }
}
