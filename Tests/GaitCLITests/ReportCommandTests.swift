import Foundation
import GaitCore
import GaitStore
import Testing

/// `gait report KIND --out DIR` through the built binary: files written and valid, notes, errors.
@Suite struct ReportCommandTests {
    /// A workspace made by `gait init`, with 24 prompts of scope `faq` (gender f/m alternating, pairs of
    /// prompts in counterfactual groups), one candidate each, and every item rated by ana and ben through the
    /// review queue: f prompts helpful 3 and half accepted, m prompts helpful 5 and accepted.
    func reviewedWorkspace() throws -> Scratch {
        let scratch = try Scratch()
        #expect(try GaitRunner.run(["init"], in: scratch.url).status == 0)
        let workspace = try Workspace.open(path: scratch.url.appendingPathComponent("gait.sqlite").path)
        for name in ["ana", "ben"] { try workspace.addRater(name: name, role: .rater) }
        let prompts = (0..<24).map { index in
            Prompt(id: "p\(index)", text: "Question \(index)?", attributes: ["gender": index % 2 == 0 ? "f" : "m"],
                   scope: "faq", counterfactualGroup: "g\(index / 2)")
        }
        try workspace.importPrompts(prompts, into: "set", source: "test.jsonl")
        let run = try workspace.createRun(RunSpec(
            setName: "set", rubricName: "helpfulness", stage: .crawl, scope: "faq", backend: "local", modelName: "test-model",
            n: 1, temperature: 0.7, seed: 1, maxTokens: 64, reviewShare: 1, reviewOverlap: 2, reviewSeed: 1))
        var promptOfItem: [Int64: Int] = [:]
        for (index, entry) in try workspace.prompts(inSet: "set").enumerated() {
            let stored = try workspace.storeCandidates(
                runID: run.id, promptRowID: entry.rowID,
                [CandidateDraft(index: 0, text: "Answer to \(entry.prompt.id)", tokenCount: 40, finishReason: "stop",
                                latencyMilliseconds: 100)],
                items: [ItemDraft(candidateA: 0, reason: .all)], tokensIn: 10, tokensOut: 40, cpuSeconds: 0.5, wallSeconds: 0.25)
            for item in stored.items { promptOfItem[item] = index }
        }
        for rater in ["ana", "ben"] {
            let session = try workspace.startReviewSession(rater: rater, filter: QueueFilter(rubricName: "helpfulness"),
                                                           settings: QueueSettings(goldRate: 0), seed: 1)
            var sequence = 0
            while let item = try workspace.claimNextItem(in: session, sequence: sequence) {
                sequence += 1
                let index = promptOfItem[item.itemID] ?? 0
                let accept = index % 2 == 1 || index % 4 == 0
                _ = try workspace.submitRating(RatingDraft(
                    itemID: item.itemID, values: ["helpful": index % 2 == 0 ? "3" : "5", "correct": "yes", "accept": accept ? "yes" : "no"],
                    shownAt: Date(), firstAnswerAt: Date(), activeSeconds: 12), in: session)
            }
            try workspace.endReviewSession(session)
        }
        return scratch
    }

    @Test func biasWritesBothFilesAndPrintsTheirPaths() throws {
        let scratch = try reviewedWorkspace()
        let result = try GaitRunner.run(["report", "bias", "--out", "out"], in: scratch.url)
        #expect(result.status == 0, "\(result.stderr)")
        let folder = scratch.url.appendingPathComponent("out")
        let files = ["bias.xml", "bias.html"].map { folder.appendingPathComponent($0).path }
        #expect(result.stdout == files.joined(separator: "\n") + "\n")
        for file in files { #expect(FileManager.default.fileExists(atPath: file)) }
        let check = try GaitRunner.run(["report", "--validate", "out/bias.xml"], in: scratch.url)
        #expect(check.status == 0)
        #expect(check.stdout == "out/bias.xml: valid bias report (reports/bias.xsd)\n")
        let xml = try String(contentsOfFile: files[0], encoding: .utf8)
        #expect(xml.contains("Answer to p1"))
    }

    @Test func sessionAndGateAsJSON() throws {
        let scratch = try reviewedWorkspace()
        let session = try GaitRunner.run(["report", "session", "--out", "out", "--rater", "ana", "--format", "json"], in: scratch.url)
        #expect(session.status == 0, "\(session.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(session.stdout.utf8)) as? [String: Any]
        #expect(object?["kind"] as? String == "session")
        #expect((object?["files"] as? [String])?.map { URL(fileURLWithPath: $0).lastPathComponent } == ["session.xml", "session.html"])
        let gate = try GaitRunner.run(["report", "gate", "--out", "out", "--scope", "faq"], in: scratch.url)
        #expect(gate.status == 0)
        #expect(gate.stderr == "Note: No gate decision is recorded for scope faq: run `gait gate SCOPE` to evaluate one.\n")
        #expect(gate.stdout.hasSuffix("gate-junit.xml\n"))
        #expect(try GaitRunner.run(["report", "--validate", "out/gate-junit.xml"], in: scratch.url).status == 0)
    }

    @Test func unknownNamesAndMisplacedOptionsAreErrors() throws {
        let scratch = try reviewedWorkspace()
        let rater = try GaitRunner.run(["report", "session", "--out", "out", "--rater", "zoe"], in: scratch.url)
        #expect(rater.status == 1)
        #expect(rater.stderr == "Error: no rater named 'zoe'; add them with `gait raters add zoe`\n")
        let scope = try GaitRunner.run(["report", "gate", "--out", "out", "--scope", "nope"], in: scratch.url)
        #expect(scope.status == 1)
        #expect(scope.stderr == "Error: unknown scope 'nope'; the scopes are: faq\n")
        let misplaced = try GaitRunner.run(["report", "gate", "--out", "out", "--rater", "ana"], in: scratch.url)
        #expect(misplaced.status == 64)
        #expect(misplaced.stderr.contains("Error: --rater does not apply to the gate report (only to session)."))
        let noOut = try GaitRunner.run(["report", "bias"], in: scratch.url)
        #expect(noOut.status == 64)
        #expect(noOut.stderr.contains("Error: Missing --out DIR: the folder to write bias.html and bias.xml into."))
        let since = try GaitRunner.run(["report", "session", "--out", "out", "--since", "soon"], in: scratch.url)
        #expect(since.status == 64)
        #expect(since.stderr.contains("Error: invalid --since 'soon': expected a date YYYY-MM-DD"))
        #expect(!FileManager.default.fileExists(atPath: scratch.url.appendingPathComponent("out").path))
    }
}
