import Foundation
import GaitCore
import GaitStore
import GRDB
import Testing
@testable import ReviewConsole

@Suite struct ReviewConsoleTests {
    let clock = ManualClock()

    func run(_ workspace: Workspace, _ transcript: Transcript, rater: String = "ana", filter: QueueFilter = QueueFilter(),
             limit: Int? = nil, width: Int = 80, colors: Bool = false, leaseMinutes: Double = 15) throws -> SessionSummary {
        var console = ReviewConsole(
            workspace: workspace,
            options: ConsoleOptions(rater: rater, filter: filter,
                                    settings: QueueSettings(leaseMinutes: leaseMinutes, goldRate: 0, idleSeconds: 60),
                                    limit: limit, seed: 1),
            io: transcript.io(width: width, colors: colors))
        return try console.run()
    }

    @Test func aScriptedSessionRatesItemsAndSummarizes() throws {
        let workspace = try ConsoleFixture.workspace(clock: clock)
        try ConsoleFixture.queue(workspace, texts: ["First answer.", "Second answer."])
        let transcript = Transcript(["4", "yes", "n", "2", "unsure", "y"])
        transcript.beforeLine = { [clock] _ in clock.advance(5) }
        let summary = try run(workspace, transcript)
        #expect(transcript.output == """
            Reviewing as ana. Type ? at any prompt for help.

            [1/2] item 2 · crawl · helpfulness v1
            Prompt
              Prompt 1 of s
            Answer
              Second answer.
            (1/3) How helpful is the answer to the person who asked?
              1–5: 1 useless, 2 weak, 3 partly, 4 good, 5 excellent
            helpful> (2/3) Is everything it states true?
              yes (y) · no (n) · unsure (un)
            correct> (3/3) Would you send it as it is?
              y or n
            accept> Saved item 2.

            [2/2] item 1 · crawl · helpfulness v1
            Prompt
              Prompt 0 of s
            Answer
              First answer.
            (1/3) How helpful is the answer to the person who asked?
              1–5: 1 useless, 2 weak, 3 partly, 4 good, 5 excellent
            helpful> (2/3) Is everything it states true?
              yes (y) · no (n) · unsure (un)
            correct> (3/3) Would you send it as it is?
              y or n
            accept> Saved item 1.
            Nothing left to review for ana.
            Session of ana: 2 rated, 0 skipped, 0 undone; median 15 s per item.

            """)
        #expect(summary == {
            var expected = SessionSummary(rater: "ana")
            expected.rated = 2
            expected.medianSeconds = 15
            expected.ending = .queueEmpty
            return expected
        }())
        let ratings = try workspace.ratings()
        #expect(ratings.map(\.values) == [["helpful": "2", "correct": "unsure", "accept": "yes"],
                                          ["helpful": "4", "correct": "yes", "accept": "no"]])
        #expect(ratings.map(\.activeSeconds) == [15, 15])
        #expect(try workspace.verify().passed)
    }

    @Test func offScaleAnswersAreAskedAgainWithTheAllowedValues() throws {
        let workspace = try ConsoleFixture.workspace(clock: clock)
        try ConsoleFixture.queue(workspace, texts: ["Only answer."])
        let transcript = Transcript(["7", "", "good", "maybe", "u", "un", "sure", "y"])
        _ = try run(workspace, transcript)
        let output = transcript.output
        #expect(output.contains("helpful> '7' is not an answer here. Allowed: 1–5: 1 useless, 2 weak, 3 partly, 4 good, 5 excellent\n"))
        #expect(output.contains("helpful> Please answer. Allowed: 1–5: 1 useless, 2 weak, 3 partly, 4 good, 5 excellent\n"))
        #expect(output.contains("correct> 'maybe' is not an answer here. Allowed: yes (y) · no (n) · unsure (un)\n"))
        #expect(output.contains("correct> Nothing to undo yet in this session.\n"))
        #expect(output.contains("accept> 'sure' is not an answer here. Allowed: y or n\n"))
        #expect(try workspace.ratings().map(\.values) == [["helpful": "4", "correct": "unsure", "accept": "yes"]])
    }

    @Test func ambiguousPrefixesAskForMoreLetters() throws {
        let workspace = try ConsoleFixture.workspace(clock: clock)
        _ = try workspace.importRubric(yaml: """
            name: stance
            version: 2
            instructions: Which side does the answer take?
            criteria:
              - id: side
                question: Which side?
                scale: {type: nominal, options: [agree, against, neutral]}
              - id: confidence
                question: How sure is it?
                scale: {type: interval, min: 0, max: 1}
            flags: []
            """, source: "stance.yaml")
        try ConsoleFixture.queue(workspace, texts: ["Maybe."], rubric: "stance")
        let transcript = Transcript(["a", "ag", "agr", "1.5", "0.25"])
        _ = try run(workspace, transcript)
        #expect(transcript.output.contains("  agree (agr) · against (aga) · neutral (n)\n"))
        #expect(transcript.output.contains("side> 'a' could be agree or against; type more letters. Allowed: agree (agr) · against (aga) · neutral (n)\n"))
        #expect(transcript.output.contains("side> 'ag' could be agree or against;"))
        #expect(transcript.output.contains("confidence> '1.5' is not an answer here. Allowed: a number from 0 to 1\n"))
        #expect(transcript.output.contains("[1/1] item 1 · crawl · stance v2\n"))
    }

    @Test func commandsCommentFlagHelpAndDiscard() throws {
        let workspace = try ConsoleFixture.workspace(clock: clock)
        try ConsoleFixture.queue(workspace, texts: ["Only answer."])
        let transcript = Transcript(["?", "h", "c Too formal for the asker.", "f bias,nope", "f bias off-topic", "5", "x",
                                     "x contradicts itself"])
        let summary = try run(workspace, transcript)
        let output = transcript.output
        #expect(output.contains("helpful> helpful: 1–5: 1 useless, 2 weak, 3 partly, 4 good, 5 excellent\n" + ReviewConsole.help + "\n"))
        #expect(output.contains("""
            helpful>   Judge the answer as the person who asked would. Read the prompt first and
              decide what a good answer must contain; then read the answer once, completely,
              before you score anything.
              - "helpful": 1 means it does not address the request at all; 3 means it
              addresses part of it or needs real editing; 5 means it fully answers the
              request, clearly and at a suitable length.
            """))
        #expect(output.contains("helpful> Comment noted.\n"))
        #expect(output.contains("helpful> Unknown flag 'nope'. This rubric's flags: bias, harmful, private-data, off-topic, non-english-mismatch.\n"))
        #expect(output.contains("helpful> Flags: bias, off-topic.\n"))
        #expect(output.contains("correct> Give a reason: x REASON (for example: x empty answer).\n"))
        #expect(output.contains("correct> Discarded item 1.\n"))
        #expect(summary.discarded == 1 && summary.rated == 0)
        let rating = try #require(try workspace.ratings().first)
        #expect(rating.outcome == "discarded")
        #expect(rating.values.isEmpty)
        #expect(rating.flags == ["bias", "off-topic"])
        #expect(rating.comment == "Too formal for the asker.")
    }

    @Test func skipReleasesTheItemAndQuitSummarizes() throws {
        let workspace = try ConsoleFixture.workspace(clock: clock)
        try ConsoleFixture.queue(workspace, texts: ["One.", "Two."])
        let transcript = Transcript(["3", "s", "q"])
        let summary = try run(workspace, transcript)
        #expect(transcript.output.contains("correct> Skipped item 2.\n\n[1/1] item 1"))
        #expect(transcript.output.hasSuffix("helpful> Session of ana: 0 rated, 1 skipped, 0 undone; no item timed.\n"))
        #expect(summary.ending == .quit)
        let status = try workspace.queueStatus()
        #expect(status.liveLeases == 0)
        #expect(status.raters.first { $0.name == "ana" }?.skips == 1)
        #expect(try workspace.ratings().isEmpty)
    }

    @Test func endOfInputLosesOnlyTheItemInProgress() throws {
        let workspace = try ConsoleFixture.workspace(clock: clock)
        try ConsoleFixture.queue(workspace, texts: ["One.", "Two."])
        let transcript = Transcript(["3", "y", "y", "5"])
        let summary = try run(workspace, transcript)
        #expect(transcript.output.contains("[2/2] item 1"))
        #expect(transcript.output.contains("correct> \nEnd of input: item 1 was not saved and is released.\n"))
        #expect(summary.ending == .endOfInput && summary.rated == 1)
        #expect(try workspace.ratings().map(\.itemID) == [2])
        #expect(try workspace.queueStatus().liveLeases == 0)
    }

    @Test func undoRetractsTheLastRatingAndAsksForItAgain() throws {
        let workspace = try ConsoleFixture.workspace(clock: clock)
        try ConsoleFixture.queue(workspace, texts: ["One.", "Two."])
        let transcript = Transcript(["3", "y", "y", "u", "1", "n", "n", "2", "no", "no"])
        let summary = try run(workspace, transcript)
        #expect(transcript.output.contains("helpful> Undone: your rating of item 2 is retracted; rate it again.\n\n[1/2] item 2 · crawl"))
        #expect((summary.rated, summary.undone) == (2, 1))
        let ratings = try workspace.ratings()
        #expect(ratings.map(\.itemID) == [1, 2])
        #expect(ratings.map { $0.values["helpful"] } == ["2", "1"])
        let retracted = try workspace.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM retractions") }
        #expect(retracted == 1)
        #expect(try workspace.verify().passed)
    }

    @Test func pairwiseItemsShowAAndBAndTakeABOrEqual() throws {
        let workspace = try ConsoleFixture.workspace(clock: clock)
        try ConsoleFixture.queue(workspace, texts: ["Answer A.", "Answer B."], rubric: "preference", pairwise: true)
        let transcript = Transcript(["c", "A", "=", "b"])
        _ = try run(workspace, transcript, filter: QueueFilter(pairwise: true))
        #expect(transcript.output.contains("""
            [1/1] item 1 · crawl · preference v1
            Prompt
              Prompt 0 of s
            A
              Answer A.
            B
              Answer B.
            (1/3) Which answer would you rather send to the person who asked?
              a · b · =
            overall> Comment removed.
            """))
        #expect(try workspace.ratings().map(\.values) == [["overall": "a", "correct": "=", "clear": "b"]])
    }

    @Test func theLimitStopsTheSessionAndShapesTheProgress() throws {
        let workspace = try ConsoleFixture.workspace(clock: clock)
        try ConsoleFixture.queue(workspace, texts: ["One.", "Two.", "Three."])
        let transcript = Transcript(["3", "y", "y", "3", "y", "y"])
        let summary = try run(workspace, transcript, limit: 1)
        #expect(transcript.output.contains("[1/1] item"))
        #expect(transcript.output.contains("Saved item 2.\nReached the limit of 1 item.\n"))
        #expect(summary.ending == .limit)
    }

    @Test func aLostLeaseIsReportedAndNothingIsSaved() throws {
        let workspace = try ConsoleFixture.workspace(clock: clock)
        try ConsoleFixture.queue(workspace, texts: ["One.", "Two."])
        let transcript = Transcript(["3", "y", "y", "4", "n", "n"])
        transcript.beforeLine = { [clock] index in
            guard index == 1 else { return }
            // ana leaves item 2 for 20 minutes; ben's claim releases her lapsed lease and takes it.
            clock.advance(20 * 60)
            let ben = try? workspace.startReviewSession(rater: "ben", filter: QueueFilter(),
                                                        settings: QueueSettings(leaseMinutes: 15), seed: 1)
            _ = ben.flatMap { try? workspace.claimNextItem(in: $0, sequence: 0) }
        }
        let summary = try run(workspace, transcript)
        #expect(transcript.output.contains("correct> Your lease on item 2 expired and another rater took it; your answers were not saved. Moving on.\n"))
        #expect(summary.leasesLost == 1)
        #expect(try workspace.ratings().map(\.itemID) == [1])
        #expect(try workspace.ratings().first?.raterName == "ana")
    }

    @Test func anUnknownRaterIsRefusedBeforeAnythingIsShown() throws {
        let workspace = try ConsoleFixture.workspace(clock: clock)
        let transcript = Transcript(["3"])
        let error = #expect(throws: StoreError.self) { try run(workspace, transcript, rater: "zed") }
        #expect(error?.description == "no rater named 'zed'; add them with `gait raters add zed`")
        #expect(transcript.output.isEmpty)
    }

    @Test func modelOutputIsEscapedAndWrappedAndColorsFollowTheSetting() throws {
        let workspace = try ConsoleFixture.workspace(clock: clock)
        let hostile = "Fine.\u{1B}[2J\u{1B}]0;pwned\u{07} \u{202E}reversed\r done " + String(repeating: "word ", count: 20)
        try ConsoleFixture.queue(workspace, texts: [hostile])
        let plain = Transcript(["q"])
        _ = try run(workspace, plain, width: 40)
        #expect(!plain.output.contains("\u{1B}"))
        #expect(plain.output.contains("Fine.\\u{1B}[2J\\u{1B}]0;pwned\\u{7}"))
        #expect(plain.output.contains("\\u{202E}reversed\\u{D}"))
        let answer = try #require(plain.output.split(separator: "Answer\n").last?.split(separator: "(1/3)").first)
        #expect(answer.split(separator: "\n").count == 5)
        #expect(answer.split(separator: "\n").allSatisfy { $0.count <= 40 })
        #expect(answer.contains("\n  word word word word word word word\n"))
        let colored = Transcript(["q"])
        _ = try run(workspace, colored, width: 40, colors: true)
        #expect(colored.output.contains("\u{1B}[1;36m[1/1] item 1 · crawl · helpfulness v1\u{1B}[0m\n"))
        #expect(!colored.output.contains("\u{1B}[2J"))
    }
}
