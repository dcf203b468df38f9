import Foundation
import GaitCore
import GaitStore
import Synchronization
import Testing

extension Tag {
    @Tag static var slow: Tag
}

/// A clock that tests move by hand.
final class ManualClock: Sendable {
    private let state = Mutex(Date(timeIntervalSince1970: 1_800_000_000))  // 2027-01-15T08:00:00Z

    var now: Date { state.withLock { $0 } }
    func advance(seconds: Double) { state.withLock { $0 += seconds } }
    var function: @Sendable () -> Date { { [self] in self.now } }
}

/// What a rater answers about one helpfulness item, as the test decides it.
struct Answer {
    var helpful = 4
    var accept = true
    var flags: Set<String> = []
    var discardReason: String?
    var seconds = 10.0
}

/// A workspace built in the test: the shipped rubrics, raters ana, ben, cy (and lead lea), prompts of scope
/// `faq` with a `gender` attribute alternating f/m and consecutive prompts paired into counterfactual
/// groups, one candidate and one item per prompt (overlap 3), and ratings submitted through the queue's
/// claim/submit API, as the review console submits them.
final class ReviewedWorkspace {
    let workspace: Workspace
    let clock: ManualClock
    /// Item id → prompt index.
    private(set) var promptIndex: [Int64: Int] = [:]
    private var promptCounter = 0

    init(path: String? = nil) throws {
        clock = ManualClock()
        if let path {
            workspace = try Workspace.initialize(path: path, clock: clock.function).workspace
        } else {
            workspace = try Workspace.inMemory(clock: clock.function)
        }
        for (path, text) in ShippedFiles.rubrics { _ = try workspace.importRubric(yaml: text, source: path) }
        for name in ["ana", "ben", "cy"] { try workspace.addRater(name: name, role: .rater) }
        try workspace.addRater(name: "lea", role: .lead)
    }

    /// Generates `count` items of `scope` in the crawl stage; returns their ids in prompt order.
    @discardableResult
    func items(_ count: Int, scope: String = "faq") throws -> [Int64] {
        let first = promptCounter
        promptCounter += count
        let set = "set-\(first)"
        let prompts = (first..<first + count).map { index in
            Prompt(id: "p\(index)", text: "Question \(index)?", attributes: ["gender": index % 2 == 0 ? "f" : "m"],
                   scope: scope, counterfactualGroup: "g\(index / 2)")
        }
        try workspace.importPrompts(prompts, into: set, source: "test.jsonl")
        let run = try workspace.createRun(RunSpec(
            setName: set, rubricName: "helpfulness", stage: .crawl, scope: scope, backend: "local",
            modelName: "test-model", n: 1, temperature: 0.7, seed: 1, maxTokens: 64, reviewShare: 1,
            reviewOverlap: 3, reviewSeed: 1))
        var ids: [Int64] = []
        for (offset, entry) in try workspace.prompts(inSet: set).enumerated() {
            let stored = try workspace.storeCandidates(
                runID: run.id, promptRowID: entry.rowID,
                [CandidateDraft(index: 0, text: "Answer to \(entry.prompt.id)", tokenCount: 40, finishReason: "stop",
                                latencyMilliseconds: 100)],
                items: [ItemDraft(candidateA: 0, reason: .all)], tokensIn: 10, tokensOut: 40, cpuSeconds: 0.5,
                wallSeconds: 0.25)
            for item in stored.items { promptIndex[item] = first + offset }
            ids.append(contentsOf: stored.items)
        }
        return ids
    }

    /// One review session of `rater`: claims items until none is left (or `limit` were handled), skipping
    /// the prompt indexes in `skip`, and submits `answer(promptIndex)` for the others; a nil answer releases
    /// the item. Returns the submitted ratings.
    @discardableResult
    func review(_ rater: String, goldRate: Double = 0, skip: Set<Int> = [], limit: Int = .max,
                _ answer: (Int) -> Answer?) throws -> [SubmittedRating] {
        let session = try workspace.startReviewSession(
            rater: rater, filter: QueueFilter(rubricName: "helpfulness"),
            settings: QueueSettings(goldRate: goldRate), seed: 7)
        defer { try? workspace.endReviewSession(session) }
        var submitted: [SubmittedRating] = []
        var sequence = 0
        while sequence < limit, let item = try workspace.claimNextItem(in: session, sequence: sequence) {
            sequence += 1
            let index = promptIndex[item.itemID] ?? -1
            if skip.contains(index) {
                try workspace.skipItem(item.itemID, in: session)
                continue
            }
            guard let answer = answer(index) else {
                try workspace.releaseLease(itemID: item.itemID, in: session)
                continue
            }
            submitted.append(try submit(answer, item: item.itemID, in: session))
        }
        return submitted
    }

    /// Submits an answer to a leased item.
    func submit(_ answer: Answer, item: Int64, in session: ReviewSession) throws -> SubmittedRating {
        let shown = clock.now
        clock.advance(seconds: answer.seconds)
        let values = answer.discardReason == nil
            ? ["helpful": String(answer.helpful), "correct": "yes", "accept": answer.accept ? "yes" : "no"] : [:]
        return try workspace.submitRating(
            RatingDraft(itemID: item, values: values, flags: answer.flags, discardReason: answer.discardReason,
                        shownAt: shown, firstAnswerAt: shown, activeSeconds: answer.seconds),
            in: session)
    }
}
