import Foundation
import GaitCore
import GaitStore
import GRDB
import Inference
import Synchronization
import Testing
@testable import Generation

/// A deterministic stand-in for a model: its text depends only on the prompt and the seed, and
/// every fifth candidate is cut at the token limit so the automatic checks have work to do.
final class ScriptedGenerator: Generator, Sendable {
    let identity = ModelIdentity(backend: "local", name: "scripted")
    let calls = Mutex(0)
    /// Cancel the surrounding task when this many requests have been served.
    let cancelAfter: Int?

    init(cancelAfter: Int? = nil) { self.cancelAfter = cancelAfter }

    func generate(_ request: GenerationRequest, onToken: (@Sendable (Int, String) -> Void)?) async throws -> GenerationResult {
        let call = calls.withLock { value -> Int in
            value += 1
            return value
        }
        if let cancelAfter, call > cancelAfter { throw CancellationError() }
        guard case .chat(let messages) = request.input, let user = messages.last?.content else {
            throw CancellationError()
        }
        let candidates = (0..<request.n).map { index -> GeneratedCandidate in
            let value = (request.sampling.seed &+ UInt64(index)) % 1000
            let truncated = value % 5 == 0
            let text = "Answer \(value) to \(user.prefix(12))"
            return GeneratedCandidate(text: text, tokenIDs: nil, tokenCount: truncated ? request.sampling.maxTokens : 6,
                                      finishReason: truncated ? .length : .stop, latency: 0.01)
        }
        return GenerationResult(candidates: candidates, promptTokens: 12, wallSeconds: 0.02)
    }
}

@Suite struct GenerationPipelineTests {
    static func workspace(prompts count: Int = 40) throws -> Workspace {
        let workspace = try Workspace.inMemory()
        for (path, text) in ShippedFiles.rubrics { _ = try workspace.importRubric(yaml: text, source: path) }
        let prompts = (0..<count).map { Prompt(id: "p\($0)", text: "Question number \($0)?", scope: $0 % 2 == 0 ? "faq" : "bios") }
        try workspace.importPrompts(prompts, into: "s", source: "p.jsonl")
        return workspace
    }

    static func spec(_ stage: Stage, rubric: String = "helpfulness", n: Int = 4, seed: Int64 = 11) -> RunSpec {
        let policy = WorkspaceConfig.defaults.policy(for: stage)
        return RunSpec(setName: "s", rubricName: rubric, stage: stage, backend: "local", modelName: "scripted", n: n,
                       temperature: 0.7, seed: seed, maxTokens: 32, reviewShare: policy.reviewShare,
                       reviewOverlap: policy.overlap, reviewSeed: 5)
    }

    static func items(_ workspace: Workspace) throws -> [Row] {
        try workspace.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT i.reason, i.overlap, i.stage, c.auto_flags, i.candidate_b FROM items i
                JOIN candidates c ON c.id = i.candidate_a ORDER BY i.id
                """)
        }
    }

    @Test func crawlQueuesEveryCandidateWithOverlapThree() async throws {
        let workspace = try Self.workspace()
        let pipeline = GenerationPipeline(workspace: workspace, generator: ScriptedGenerator(), config: .defaults)
        let summary = try await pipeline.start(Self.spec(.crawl))
        #expect(summary.candidatesStored == 160)
        #expect(summary.itemsQueued == 160)
        #expect(summary.run.status == .complete)
        let items = try Self.items(workspace)
        #expect(items.allSatisfy { $0[0] as String == "all" && $0[1] as Int == 3 && $0[2] as String == "crawl" })
        #expect(try workspace.verify().passed)
    }

    @Test func walkAndRunSampleTheirShareAndEveryFlaggedCandidate() async throws {
        for (stage, share, overlap) in [(Stage.walk, 0.25, 2), (Stage.run, 0.05, 1)] {
            let workspace = try Self.workspace(prompts: 100)
            let pipeline = GenerationPipeline(workspace: workspace, generator: ScriptedGenerator(), config: .defaults)
            let summary = try await pipeline.start(Self.spec(stage))
            #expect(summary.candidatesStored == 400)
            let items = try Self.items(workspace)
            #expect(items.allSatisfy { $0[1] as Int == overlap })
            let sampled = items.filter { $0[0] as String == "sampled" }.count
            let flagged = items.filter { $0[0] as String == "flagged" }
            // Every flagged candidate that the sample missed is queued for its flag.
            let flaggedCandidates = try await workspace.writer.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM candidates WHERE auto_flags <> ''")!
            }
            #expect(flaggedCandidates > 0)
            #expect(flagged.allSatisfy { !($0[3] as String).isEmpty })
            let unflaggedSampled = try await workspace.writer.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM candidates c WHERE auto_flags <> '' AND NOT EXISTS (SELECT 1 FROM items i WHERE i.candidate_a = c.id)")!
            }
            #expect(unflaggedSampled == 0)
            // The sample is near its share (binomial, 400 draws).
            let expected = share * 400
            #expect(abs(Double(sampled) - expected) < 4 * (400 * share * (1 - share)).squareRoot() + 1,
                    "\(stage): \(sampled) sampled, expected about \(expected)")
        }
    }

    @Test func aSeededRunIsReproducible() async throws {
        func selection() async throws -> [String] {
            let workspace = try Self.workspace()
            let pipeline = GenerationPipeline(workspace: workspace, generator: ScriptedGenerator(), config: .defaults)
            _ = try await pipeline.start(Self.spec(.walk))
            return try await workspace.writer.read { db in
                try String.fetchAll(db, sql: "SELECT c.text || '|' || i.reason FROM items i JOIN candidates c ON c.id = i.candidate_a ORDER BY i.id")
            }
        }
        let first = try await selection()
        let second = try await selection()
        #expect(first == second)
        #expect(!first.isEmpty)
    }

    @Test func anInterruptedRunResumesWithoutDuplicates() async throws {
        let reference = try Self.workspace()
        _ = try await GenerationPipeline(workspace: reference, generator: ScriptedGenerator(), config: .defaults)
            .start(Self.spec(.walk))

        let workspace = try Self.workspace()
        let interrupted = try await GenerationPipeline(workspace: workspace, generator: ScriptedGenerator(cancelAfter: 15),
                                                       config: .defaults).start(Self.spec(.walk))
        #expect(interrupted.interrupted)
        #expect(interrupted.run.status == .interrupted)
        #expect(interrupted.promptsGenerated == 15)
        #expect(try workspace.unfinishedPrompts(ofRun: interrupted.run.id).count == 25)

        let resumed = try await GenerationPipeline(workspace: workspace, generator: ScriptedGenerator(), config: .defaults)
            .resume(runID: interrupted.run.id)
        #expect(resumed.promptsGenerated == 25)
        #expect(resumed.run.status == .complete)
        #expect(resumed.run.candidates == 160)
        let perPrompt = try await workspace.writer.read { db in
            try Int.fetchAll(db, sql: "SELECT count(*) FROM candidates GROUP BY prompt_id")
        }
        #expect(perPrompt.count == 40 && perPrompt.allSatisfy { $0 == 4 })
        // The same candidates and the same review selection as an uninterrupted run.
        let query = "SELECT c.text || '|' || i.reason FROM items i JOIN candidates c ON c.id = i.candidate_a ORDER BY c.prompt_id, c.idx"
        let expected = try await reference.writer.read { db in try String.fetchAll(db, sql: query) }
        let actual = try await workspace.writer.read { db in try String.fetchAll(db, sql: query) }
        #expect(actual == expected)
        // Resuming a finished run does nothing.
        let again = try await GenerationPipeline(workspace: workspace, generator: ScriptedGenerator(), config: .defaults)
            .resume(runID: interrupted.run.id)
        #expect(again.promptsGenerated == 0)
        #expect(try workspace.verify().passed)
    }

    @Test func pairwiseRubricsQueuePairsOfTheSamePrompt() async throws {
        let workspace = try Self.workspace(prompts: 10)
        let pipeline = GenerationPipeline(workspace: workspace, generator: ScriptedGenerator(), config: .defaults)
        let summary = try await pipeline.start(Self.spec(.crawl, rubric: "preference"))
        #expect(summary.itemsQueued == 20)
        let pairs = try workspace.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.prompt_id, b.prompt_id, a.idx, b.idx FROM items i
                JOIN candidates a ON a.id = i.candidate_a JOIN candidates b ON b.id = i.candidate_b
                """)
        }
        #expect(pairs.count == 20)
        #expect(pairs.allSatisfy { ($0[0] as Int64) == ($0[1] as Int64) })
        // The order shown is randomized: some pairs show the later candidate first.
        #expect(pairs.contains { ($0[2] as Int) > ($0[3] as Int) })
        #expect(pairs.contains { ($0[2] as Int) < ($0[3] as Int) })
    }
}

@Suite struct AutoCheckTests {
    @Test(arguments: [
        ("", "stop", ["empty"]),
        ("   \n ", "stop", ["empty"]),
        ("A fine answer.", "length", ["truncated"]),
        ("the cat sat on the cat sat on the cat sat on the mat", "stop", ["repetition"]),
        ("no no no no no no no no", "length", ["repetition", "truncated"]),
        ("Paris is the capital of France.", "stop", []),
    ])
    func flagsTheCheapFailures(text: String, finish: String, expected: [String]) {
        #expect(AutoChecks.flags(text: text, finishReason: finish) == expected)
    }
}
