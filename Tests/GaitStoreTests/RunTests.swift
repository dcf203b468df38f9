import Foundation
import GaitCore
import GRDB
import Testing
@testable import GaitStore

@Suite struct RunTests {
    static func workspace() throws -> Workspace {
        let workspace = try Workspace.inMemory()
        for (path, text) in ShippedFiles.rubrics { _ = try workspace.importRubric(yaml: text, source: path) }
        try workspace.importPrompts([Prompt(id: "a", text: "First", scope: "faq"), Prompt(id: "b", text: "Second", scope: "faq"),
                                     Prompt(id: "c", text: "Third", scope: "bios")], into: "s", source: "p.jsonl")
        return workspace
    }

    static func spec(stage: Stage = .crawl, n: Int = 2, scope: String? = nil) -> RunSpec {
        RunSpec(setName: "s", rubricName: "helpfulness", stage: stage, scope: scope, backend: "local", modelName: "test",
                n: n, temperature: 0.7, seed: 42, maxTokens: 64, reviewShare: 1, reviewOverlap: 3, reviewSeed: 7)
    }

    @Test func aRunStoresCandidatesAndItemsPerPrompt() throws {
        let workspace = try Self.workspace()
        let run = try workspace.createRun(Self.spec())
        #expect(run.status == .running)
        var expected = Self.spec()
        expected.rubricVersion = 1
        #expect(run.spec == expected)
        let prompts = try workspace.unfinishedPrompts(ofRun: run.id)
        #expect(prompts.map(\.prompt.id) == ["a", "b", "c"])
        let drafts = [CandidateDraft(index: 0, text: "One", tokenCount: 1, finishReason: "stop", latencyMilliseconds: 5),
                      CandidateDraft(index: 1, text: "", tokenCount: 0, finishReason: "stop", latencyMilliseconds: 5, autoFlags: ["empty"])]
        let stored = try workspace.storeCandidates(runID: run.id, promptRowID: prompts[0].rowID, drafts,
                                                   items: [ItemDraft(candidateA: 0, reason: .all), ItemDraft(candidateA: 1, reason: .flagged)],
                                                   tokensIn: 10, tokensOut: 1, cpuSeconds: 0.5, wallSeconds: 0.3)
        #expect(stored.candidates.count == 2)
        #expect(stored.items.count == 2)
        #expect(try workspace.unfinishedPrompts(ofRun: run.id).map(\.prompt.id) == ["b", "c"])
        #expect(throws: StoreError.refused("prompt \(prompts[0].rowID) already has 2 of its 2 candidates in run \(run.id); storing 2 more would exceed n")) {
            try workspace.storeCandidates(runID: run.id, promptRowID: prompts[0].rowID, drafts, items: [],
                                          tokensIn: 0, tokensOut: 0, cpuSeconds: 0, wallSeconds: 0)
        }
        try workspace.setRunStatus(run.id, .interrupted)
        let after = try workspace.run(id: run.id)
        #expect(after.status == .interrupted)
        #expect(after.finishedAt != nil)
        #expect(after.candidates == 2)
        #expect(after.items == 2)
        #expect(after.tokensIn == 10)
        #expect(after.cpuSeconds == 0.5)
        let overlaps = try workspace.writer.read { db in try Int.fetchAll(db, sql: "SELECT overlap FROM items") }
        #expect(overlaps == [3, 3])
        #expect(try workspace.verify().passed)
    }

    @Test func scopesRestrictTheRunsPrompts() throws {
        let workspace = try Self.workspace()
        let run = try workspace.createRun(Self.spec(scope: "bios"))
        #expect(try workspace.unfinishedPrompts(ofRun: run.id).map(\.prompt.id) == ["c"])
    }

    @Test func unknownSetsRubricsAndRunsAreNamed() throws {
        let workspace = try Self.workspace()
        var spec = Self.spec()
        spec.setName = "nope"
        #expect(throws: StoreError.notFound(kind: "prompt set", name: "nope", hint: "see `gait prompts list`, or import one with `gait prompts import FILE --set nope`")) {
            try workspace.createRun(spec)
        }
        spec = Self.spec()
        spec.rubricName = "nope"
        #expect(throws: StoreError.self) { try workspace.createRun(spec) }
        #expect(throws: StoreError.notFound(kind: "run", name: "99", hint: "see `gait runs list`")) { try workspace.run(id: 99) }
    }

    @Test func scopesStartInCrawl() throws {
        #expect(try Self.workspace().currentStage(scope: "faq") == .crawl)
    }
}
