import Foundation
import GaitCore
import GaitStore
import GRDB
import Synchronization

/// A clock that tests move by hand.
final class ManualClock: Sendable {
    private let state = Mutex(Date(timeIntervalSince1970: 1_800_000_000))

    var now: Date { state.withLock { $0 } }
    func advance(days: Double) { state.withLock { $0 += days * 86_400 } }
    var function: @Sendable () -> Date { { [self] in self.now } }
}

/// One rater's answers for one item, as the test writes them.
struct Answer {
    var accept: Bool
    var helpful: Int = 4
    var flags: [String] = []
    var discarded = false
    var comment: String?
}

/// A workspace built in the test: the shipped rubrics, raters, prompts of one scope with attributes,
/// items generated in a stage, and complete, audited ratings written directly (one audit event per
/// rating, as the review console's submit writes them).
final class GateWorkspace {
    let workspace: Workspace
    let clock: ManualClock
    private var promptCounter = 0

    /// An in-memory workspace, or a workspace file at `path` (for the command-line tests).
    init(path: String? = nil) throws {
        clock = ManualClock()
        if let path {
            workspace = try Workspace.initialize(path: path, clock: clock.function).workspace
        } else {
            workspace = try Workspace.inMemory(clock: clock.function)
        }
        for (path, text) in ShippedFiles.rubrics { _ = try workspace.importRubric(yaml: text, source: path) }
        try workspace.addRater(name: "ana", role: .rater)
        try workspace.addRater(name: "ben", role: .rater)
        try workspace.addRater(name: "cy", role: .rater)
        try workspace.addRater(name: "lea", role: .lead)
    }

    /// Generates `count` items of `scope` in `stage` (one prompt and one candidate each), alternating the
    /// `gender` attribute f/m and pairing consecutive prompts into counterfactual groups.
    ///
    /// - Returns: the item ids, in prompt order.
    @discardableResult
    func items(_ count: Int, scope: String = "faq", stage: Stage, rubric: String = "helpfulness",
               latency: Double = 120, tokens: Int = 40) throws -> [Int64] {
        let first = promptCounter
        promptCounter += count
        let set = "set-\(first)"
        let prompts = (first..<first + count).map { index in
            Prompt(id: "p\(index)", text: "Question \(index)?", attributes: ["gender": index % 2 == 0 ? "f" : "m"],
                   scope: scope, counterfactualGroup: "g\(index / 2)")
        }
        try workspace.importPrompts(prompts, into: set, source: "test.jsonl")
        let run = try workspace.createRun(RunSpec(
            setName: set, rubricName: rubric, stage: stage, scope: scope, backend: "local", modelName: "test-model",
            n: 1, temperature: 0.7, seed: 1, maxTokens: 64, reviewShare: 1, reviewOverlap: 3, reviewSeed: 1))
        var ids: [Int64] = []
        for entry in try workspace.prompts(inSet: set) {
            let stored = try workspace.storeCandidates(
                runID: run.id, promptRowID: entry.rowID,
                [CandidateDraft(index: 0, text: "Answer to \(entry.prompt.id)", tokenCount: tokens, finishReason: "stop",
                                latencyMilliseconds: latency)],
                items: [ItemDraft(candidateA: 0, reason: .all)], tokensIn: 10, tokensOut: tokens, cpuSeconds: 0.1,
                wallSeconds: 0.1)
            ids.append(contentsOf: stored.items)
        }
        return ids
    }

    /// Writes one complete rating of a helpfulness item, audited like a submitted one.
    func rate(_ item: Int64, by rater: String, _ answer: Answer) throws {
        try rate([(item, rater, answer)])
    }

    /// Writes many ratings in one transaction, one audit event per rating.
    func rate(_ ratings: [(item: Int64, rater: String, answer: Answer)]) throws {
        try write(ratings.map { [$0] })
    }

    /// Writes ratings in one transaction, one audit event per group (all ratings of an item, say).
    private func write(_ groups: [[(item: Int64, rater: String, answer: Answer)]]) throws {
        let now = clock.now
        let stamp = Timestamp.string(now)
        try workspace.writer.write { db in
            for group in groups {
                guard let first = group.first else { continue }
                try AuditLog.record(db, at: now, actor: first.rater, kind: "ratings.submit",
                                    detail: "\(group.count) ratings of item \(first.item)") { event in
                    for (item, raterName, answer) in group {
                        try insert(db, item: item, rater: raterName, answer: answer, stamp: stamp, event: event.id)
                    }
                }
            }
        }
    }

    private func insert(_ db: Database, item: Int64, rater raterName: String, answer: Answer, stamp: String,
                        event: Int64) throws {
        let rater = try Int64.fetchOne(db, sql: "SELECT id FROM raters WHERE name = ?", arguments: [raterName]) ?? -1
        try db.execute(
            sql: """
                INSERT INTO ratings (item_id, rater_id, outcome, comment, discard_reason, shown_at, first_answer_at,
                                     submitted_at, active_seconds, event_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [item, rater, answer.discarded ? "discarded" : "rated", answer.comment,
                        answer.discarded ? "unusable" : nil, stamp, stamp, stamp, 12.5, event])
        let rating = db.lastInsertedRowID
        if !answer.discarded {
            let values: [(String, String, Double?)] = [("helpful", String(answer.helpful), Double(answer.helpful)),
                                                      ("correct", "yes", nil),
                                                      ("accept", answer.accept ? "yes" : "no", answer.accept ? 1 : 0)]
            for (position, (criterion, value, number)) in values.enumerated() {
                try db.execute(sql: """
                    INSERT INTO rating_values (rating_id, criterion, value, numeric_value, event_id, position) VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [rating, criterion, value, number, event, position])
            }
        }
        for flag in answer.flags {
            try db.execute(sql: "INSERT INTO rating_flags (rating_id, flag, event_id) VALUES (?, ?, ?)",
                           arguments: [rating, flag, event])
        }
    }

    /// Rates every item by `raters`, all giving the same answer, `answer(index)` for the item at `index`;
    /// the ratings of one item share an audit event (so large scenarios stay quick).
    func rateAll(_ items: [Int64], by raters: [String] = ["ana", "ben", "cy"], _ answer: (Int) -> Answer) throws {
        try write(items.enumerated().map { index, item in raters.map { (item, $0, answer(index)) } })
    }
}
