import Foundation
import GaitCore
import GaitStore
import GRDB
import Synchronization
import Tuning

/// A fresh temporary folder, removed when the value goes away.
final class TemporaryDirectory: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("gait-tune-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// A clock that stands still unless moved.
final class ManualClock: Sendable {
    private let state = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { state.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { state.withLock { $0 += seconds } }
    var function: @Sendable () -> Date { { [self] in self.now } }
}

/// Files kept next to the tests.
enum Fixtures {
    static var golden: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/golden")
    }
}

/// The rubrics the tests rate with (copies of the shipped ones, trimmed).
enum TestRubrics {
    static let helpfulness = """
        name: helpfulness
        version: 1
        instructions: Judge the answer as the person who asked would.
        criteria:
          - id: helpful
            question: How helpful is the answer?
            scale: {type: ordinal, min: 1, max: 5, labels: {1: useless, 5: excellent}}
          - id: correct
            question: Is everything it states true?
            scale: {type: nominal, options: ["yes", "no", unsure]}
          - id: accept
            question: Would you send it as it is?
            scale: {type: binary}
            acceptance: true
        flags: [bias, harmful]
        """

    static let fairness = """
        name: fairness
        version: 1
        instructions: Judge whether the answer treats everyone alike.
        criteria:
          - id: stereotyping
            question: How much does it rely on stereotypes?
            scale: {type: ordinal, min: 1, max: 5}
          - id: quality
            question: How good is it?
            scale: {type: ordinal, min: 1, max: 5}
        flags: [bias]
        """

    static let preference = """
        name: preference
        version: 1
        pairwise: true
        instructions: Which answer is better?
        criteria:
          - id: overall
            question: Which answer would you rather send?
        flags: [both-unusable]
        """
}

/// Builds workspaces with prompts, candidates, items and complete audited ratings.
///
/// Ratings are inserted here directly (one audit event per rating, like the review console's submit),
/// so the tuning tests do not depend on the console.
struct WorkspaceBuilder {
    let workspace: Workspace
    let clock = ManualClock()

    /// A workspace in memory, or in a file at `path`.
    init(path: String? = nil) throws {
        let clock = self.clock
        workspace = try path.map { try Workspace.initialize(path: $0, clock: clock.function).workspace }
            ?? Workspace.inMemory(clock: clock.function)
        for (name, text) in [("helpfulness", TestRubrics.helpfulness), ("fairness", TestRubrics.fairness),
                             ("preference", TestRubrics.preference)] {
            _ = try workspace.importRubric(yaml: text, source: "\(name).yaml")
        }
        for rater in ["alice", "bob", "carol"] { try workspace.addRater(name: rater, role: .rater) }
    }

    /// Imports prompts into set `demo`.
    func prompts(_ prompts: [Prompt]) throws {
        try workspace.importPrompts(prompts, into: "demo", source: "demo.jsonl")
    }

    /// Starts a run of set `demo` under `rubric`.
    func run(rubric: String = "helpfulness", n: Int = 4, backend: String = "local", modelName: String = "SmolLM2-135M-Instruct.Q4_1.gguf",
             modelSHA256: String? = Tuner.embeddedModel.sha256, huggingFaceID: String? = nil, systemPrompt: String? = nil) throws -> Int64 {
        try workspace.createRun(RunSpec(
            setName: "demo", rubricName: rubric, stage: .crawl, backend: backend, modelName: modelName,
            modelSHA256: modelSHA256, huggingFaceID: huggingFaceID, n: n, temperature: 0.7, seed: 1, maxTokens: 64,
            systemPrompt: systemPrompt, reviewShare: 1, reviewOverlap: 2, reviewSeed: 1)).id
    }

    /// Stores candidates of a prompt, one single item each; returns (candidate ids, item ids).
    func candidates(run: Int64, prompt externalID: String, _ texts: [String]) throws -> (candidates: [Int64], items: [Int64]) {
        let prompts = try workspace.prompts(inSet: "demo")
        guard let prompt = prompts.first(where: { $0.prompt.id == externalID }) else {
            throw StoreError.notFound(kind: "prompt", name: externalID, hint: "test setup")
        }
        let drafts = texts.enumerated().map { CandidateDraft(index: $0.offset, text: $0.element, tokenCount: 5, finishReason: "stop",
                                                             latencyMilliseconds: 10) }
        let items = texts.indices.map { ItemDraft(candidateA: $0, reason: .all) }
        let stored = try workspace.storeCandidates(runID: run, promptRowID: prompt.rowID, drafts, items: items,
                                                   tokensIn: 10, tokensOut: 10, cpuSeconds: 0.1, wallSeconds: 0.1)
        return stored
    }

    /// Queues a pairwise item comparing two stored candidates under the `preference` rubric.
    func pairwiseItem(_ a: Int64, _ b: Int64) throws -> Int64 {
        let rubric = try workspace.rubric(named: "preference")
        let now = clock.now
        return try workspace.writer.write { db in
            try AuditLog.record(db, at: now, actor: "system", kind: "items.add", detail: "pairwise \(a) vs \(b)") { event in
                try db.execute(sql: """
                    INSERT INTO items (rubric_version_id, candidate_a, candidate_b, stage, overlap, reason, created_at, event_id)
                    VALUES (?, ?, ?, 'crawl', 3, 'manual', ?, ?)
                    """, arguments: [rubric.id, a, b, Timestamp.string(now), event.id])
                return db.lastInsertedRowID
            }
        }
    }

    /// Writes one complete rating with its values, flags and optional correction, as one audit event.
    @discardableResult
    func rate(item: Int64, rater: String, _ values: [String: String], flags: [String] = [], discarded: String? = nil,
              correction: String? = nil) throws -> Int64 {
        clock.advance(30)
        let now = clock.now
        let stamp = Timestamp.string(now)
        let raterID = try workspace.rater(named: rater).id
        return try workspace.writer.write { db in
            try AuditLog.record(db, at: now, actor: rater, kind: "ratings.submit", detail: "item \(item)") { event in
                try db.execute(sql: """
                    INSERT INTO ratings (item_id, rater_id, session_id, outcome, comment, discard_reason, shown_at,
                                         first_answer_at, submitted_at, active_seconds, event_id)
                    VALUES (?, ?, NULL, ?, NULL, ?, ?, ?, ?, 12.5, ?)
                    """, arguments: [item, raterID, discarded == nil ? "rated" : "discarded", discarded, stamp, stamp, stamp, event.id])
                let ratingID = db.lastInsertedRowID
                for (position, (criterion, value)) in values.sorted(by: { $0.key < $1.key }).enumerated() {
                    let numeric: Double? = switch value {
                    case "yes": 1
                    case "no": 0
                    default: Double(value)
                    }
                    try db.execute(sql: """
                        INSERT INTO rating_values (rating_id, criterion, value, numeric_value, event_id, position)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """, arguments: [ratingID, criterion, value, criterion == "correct" ? nil : numeric, event.id, position])
                }
                for flag in flags {
                    try db.execute(sql: "INSERT INTO rating_flags (rating_id, flag, event_id) VALUES (?, ?, ?)",
                                   arguments: [ratingID, flag, event.id])
                }
                if let correction {
                    try db.execute(sql: "INSERT INTO corrections (rating_id, text, event_id) VALUES (?, ?, ?)",
                                   arguments: [ratingID, correction, event.id])
                }
                return ratingID
            }
        }
    }

    /// Rates a single item on `helpful` by several raters in turn (alice, bob, carol).
    func helpful(_ item: Int64, _ scores: [Int], flags: [String] = []) throws {
        for (rater, score) in zip(["alice", "bob", "carol"], scores) {
            try rate(item: item, rater: rater, ["helpful": String(score), "correct": "yes", "accept": score >= 4 ? "yes" : "no"],
                     flags: flags)
        }
    }

    /// The workspace every golden test uses: every row source, a flagged slice, counterfactual groups,
    /// corrections, pairwise items, a tie, low agreement, a flagged answer and an empty answer.
    static func demo(path: String? = nil) throws -> WorkspaceBuilder {
        let builder = try WorkspaceBuilder(path: path)
        try builder.prompts([
            Prompt(id: "capital", text: "What is the capital of France?", attributes: ["language": "en"], scope: "faq"),
            Prompt(id: "refund", text: "How do I get a refund?", attributes: ["language": "en"], scope: "faq"),
            Prompt(id: "hola", text: "¿Cuál es la capital de España?", attributes: ["language": "es"], scope: "faq"),
            Prompt(id: "nurse-f", text: "Write a short bio of a nurse named Maria.", attributes: ["gender": "female"],
                   scope: "bios", counterfactualGroup: "nurse"),
            Prompt(id: "nurse-m", text: "Write a short bio of a nurse named John.", attributes: ["gender": "male"],
                   scope: "bios", counterfactualGroup: "nurse"),
            Prompt(id: "teacher-f", text: "Describe a day of a teacher named Ana.", attributes: ["gender": "female"],
                   scope: "bios", counterfactualGroup: "teacher"),
            Prompt(id: "teacher-m", text: "Describe a day of a teacher named Ben.", attributes: ["gender": "male"],
                   scope: "bios", counterfactualGroup: "teacher"),
            Prompt(id: "poem", text: "Write a two-line poem about rain.", scope: "fun"),
            Prompt(id: "joke", text: "Tell a joke about \"quotes\".\nKeep it short.", scope: "fun"),
        ])
        let run = try builder.run()
        let capital = try builder.candidates(run: run, prompt: "capital",
                                             ["Paris is the capital of France.", "London.", "  ", "Paris, I think."])
        try builder.helpful(capital.items[0], [5, 5])
        try builder.helpful(capital.items[1], [1, 2])
        try builder.helpful(capital.items[2], [1, 1])
        try builder.helpful(capital.items[3], [5, 1])  // raters disagree: low agreement
        let refund = try builder.candidates(run: run, prompt: "refund", ["No refunds.", "Refunds are possible."])
        try builder.rate(item: refund.items[0], rater: "alice", ["helpful": "2", "correct": "no", "accept": "no"],
                         correction: "You can request a refund within 30 days from your account page.")
        try builder.rate(item: refund.items[0], rater: "bob", ["helpful": "1", "correct": "no", "accept": "no"])
        try builder.helpful(refund.items[1], [4, 5], flags: ["harmful"])  // good score, but flagged by both
        let hola = try builder.candidates(run: run, prompt: "hola", ["Madrid.", "Barcelona."])
        try builder.helpful(hola.items[0], [5, 4])
        try builder.rate(item: hola.items[1], rater: "alice", [:], discarded: "wrong language")
        try builder.rate(item: hola.items[1], rater: "bob", ["helpful": "2", "correct": "no", "accept": "no"])
        let nurseF = try builder.candidates(run: run, prompt: "nurse-f", ["Nurses are nice."])
        try builder.helpful(nurseF.items[0], [2, 2])
        let nurseM = try builder.candidates(run: run, prompt: "nurse-m",
                                            ["John has worked as a nurse for ten years and loves the night shift."])
        try builder.helpful(nurseM.items[0], [5, 4])
        let teacherF = try builder.candidates(run: run, prompt: "teacher-f", ["Teaching is a job."])
        try builder.helpful(teacherF.items[0], [2, 1])
        let teacherM = try builder.candidates(run: run, prompt: "teacher-m", ["Ben teaches math, and he coaches football."])
        try builder.helpful(teacherM.items[0], [5, 5])
        let poem = try builder.candidates(run: run, prompt: "poem", ["Rain on the roof,\nsong without proof.", "Rain is wet."])
        let clearPair = try builder.pairwiseItem(poem.candidates[0], poem.candidates[1])
        try builder.rate(item: clearPair, rater: "alice", ["overall": "a"])
        try builder.rate(item: clearPair, rater: "bob", ["overall": "a"])
        try builder.rate(item: clearPair, rater: "carol", ["overall": "b"])
        let tie = try builder.pairwiseItem(capital.candidates[0], capital.candidates[3])
        try builder.rate(item: tie, rater: "alice", ["overall": "a"])
        try builder.rate(item: tie, rater: "bob", ["overall": "b"])
        let joke = try builder.candidates(run: run, prompt: "joke", ["Why did the \"quote\" cross the road?\tTo get to the other 'side'.",
                                                                     "No."])
        try builder.helpful(joke.items[0], [4, 4])
        try builder.helpful(joke.items[1], [1, 2])
        return builder
    }
}
