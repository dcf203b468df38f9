import Foundation
import GaitCore
import GaitStore
import Testing

/// A workspace whose ratings are submitted through the queue (claim, then submit), with answers the test
/// decides per prompt and rater.
struct EvaluationFixture {
    let workspace: Workspace
    /// Item id → the external id of its prompt.
    private(set) var promptOfItem: [Int64: String] = [:]
    /// Prompt external id → its item ids.
    private(set) var itemsOfPrompt: [String: [Int64]] = [:]

    /// A fresh workspace (in memory, or a file at `path`) with the shipped rubrics, raters ana, ben, cy, dee
    /// (raters) and lee (lead).
    init(path: String? = nil) throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        if let path {
            workspace = try Workspace.initialize(path: path, clock: { now }).workspace
        } else {
            workspace = try Workspace.inMemory(clock: { now })
        }
        for (path, text) in ShippedFiles.rubrics { _ = try workspace.importRubric(yaml: text, source: path) }
        for (name, role) in [("ana", RaterRole.rater), ("ben", .rater), ("cy", .rater), ("dee", .rater), ("lee", .lead)] {
            try workspace.addRater(name: name, role: role)
        }
    }

    /// Imports `prompts` into `set` and queues one item per prompt (and per candidate when `candidates` > 1)
    /// under `rubric` at `stage` with the given overlap; pairwise rubrics get one A/B item per prompt.
    @discardableResult
    mutating func queue(_ prompts: [Prompt], set: String, rubric: String = "helpfulness", stage: Stage = .crawl,
                        overlap: Int, candidates: Int = 1) throws -> [Int64] {
        try workspace.importPrompts(prompts, into: set, source: "\(set).jsonl")
        let pairwise = try workspace.rubric(named: rubric).rubric.pairwise
        let n = pairwise ? 2 : candidates
        let run = try workspace.createRun(RunSpec(
            setName: set, rubricName: rubric, stage: stage, backend: "local", modelName: "test", n: n, temperature: 0.7,
            seed: 1, maxTokens: 16, reviewShare: 1, reviewOverlap: overlap, reviewSeed: 1))
        var queued: [Int64] = []
        for (rowID, prompt) in try workspace.prompts(inSet: set) {
            let drafts = (0..<n).map {
                CandidateDraft(index: $0, text: "Answer \($0) to \(prompt.id)", tokenCount: 4, finishReason: "stop",
                               latencyMilliseconds: 1)
            }
            let items = pairwise
                ? [ItemDraft(candidateA: 0, candidateB: 1, reason: .all)]
                : (0..<n).map { ItemDraft(candidateA: $0, reason: .all) }
            let stored = try workspace.storeCandidates(runID: run.id, promptRowID: rowID, drafts, items: items,
                                                       tokensIn: 1, tokensOut: 4, cpuSeconds: 0, wallSeconds: 0).items
            for item in stored {
                promptOfItem[item] = prompt.id
                itemsOfPrompt[prompt.id, default: []].append(item)
            }
            queued += stored
        }
        return queued
    }

    /// `rater` claims every item open to them under the filter and answers it with `answer(promptID)`:
    /// nil skips the item, an empty dictionary discards it. Returns the number of ratings submitted.
    @discardableResult
    func rate(_ rater: String, rubric: String = "helpfulness", pairwise: Bool = false, stage: Stage? = nil,
              goldRate: Double = 0, _ answer: (String) -> [String: String]?) throws -> Int {
        let session = try workspace.startReviewSession(
            rater: rater, filter: QueueFilter(rubricName: rubric, pairwise: pairwise, stage: stage),
            settings: QueueSettings(goldRate: goldRate), seed: 7)
        var sequence = 0
        var submitted = 0
        while let item = try workspace.claimNextItem(in: session, sequence: sequence) {
            sequence += 1
            let prompt = promptOfItem[item.itemID] ?? ""
            guard let values = answer(prompt) else {
                try workspace.skipItem(item.itemID, in: session)
                continue
            }
            let draft = RatingDraft(itemID: item.itemID, values: values, discardReason: values.isEmpty ? "unusable" : nil,
                                    shownAt: Date(timeIntervalSince1970: 1_800_000_000), firstAnswerAt: nil,
                                    activeSeconds: 5)
            try workspace.submitRating(draft, in: session)
            submitted += 1
        }
        try workspace.endReviewSession(session)
        return submitted
    }

    /// Prompts `prefix-0…` with the given attributes, scope and counterfactual groups.
    static func prompts(_ prefix: String, _ attributes: [[String: String]], scope: String? = "faq",
                        groups: [String?]? = nil) -> [Prompt] {
        attributes.enumerated().map { index, attributes in
            Prompt(id: "\(prefix)-\(index)", text: "Question \(index) of \(prefix)?", attributes: attributes, scope: scope,
                   counterfactualGroup: groups?[index])
        }
    }
}

/// Helpfulness answers: helpful score, correct, accept.
func helpfulness(_ helpful: Int, _ correct: String = "yes", _ accept: String) -> [String: String] {
    ["helpful": String(helpful), "correct": correct, "accept": accept]
}

/// The JSON object a value encodes to.
func jsonObject<T: Encodable>(_ value: T) throws -> [String: Any] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let data = try encoder.encode(value)
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

/// Whether `a` and `b` agree within `tolerance`.
func close(_ a: Double?, _ b: Double?, _ tolerance: Double = 1e-12) -> Bool {
    guard let a, let b else { return a == nil && b == nil }
    return abs(a - b) <= tolerance
}
