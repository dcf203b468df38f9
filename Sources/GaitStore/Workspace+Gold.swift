import Foundation
import GaitCore
import GRDB

/// A prompt with a known answer and the expected rating of that answer, for `gait gold import`.
public struct GoldEntry: Sendable, Hashable {
    public var prompt: Prompt
    /// The answer the raters judge (candidate A).
    public var answer: String
    /// The second answer of a pairwise gold item (candidate B).
    public var answerB: String?
    /// Criterion id → expected answer in stored form.
    public var expected: [String: String]

    public init(prompt: Prompt, answer: String, answerB: String? = nil, expected: [String: String]) {
        self.prompt = prompt
        self.answer = answer
        self.answerB = answerB
        self.expected = expected
    }
}

/// Reads gold entries from JSONL: a prompt line (see `PromptFile`) plus `answer`, optional
/// `answer_b`, and `expected` (an object of criterion → answer).
public enum GoldFile {
    /// Parses every line; the first bad one throws `InputError` with its line number.
    public static func parse(_ data: Data, source: String) throws -> [GoldEntry] {
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputError(source: source, problem: "the file is not valid UTF-8")
        }
        var promptLines: [String] = []
        var extras: [(answer: String, answerB: String?, expected: [String: String])] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.hasSuffix("\r") ? String(rawLine.dropLast()) : String(rawLine)
            func fail(_ key: String?, _ problem: String) -> InputError {
                InputError(source: source, line: index + 1, key: key, problem: problem)
            }
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                promptLines.append("")
                continue
            }
            guard var fields = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                throw fail(nil, "invalid JSON; expected an object")
            }
            guard let answer = fields.removeValue(forKey: "answer") as? String, !answer.isEmpty else {
                throw fail("answer", "missing: the answer the raters will judge (a non-empty string)")
            }
            let answerB = fields.removeValue(forKey: "answer_b")
            if let answerB, !(answerB is String) { throw fail("answer_b", "expected a string") }
            guard let expectedObject = fields.removeValue(forKey: "expected") as? [String: Any], !expectedObject.isEmpty else {
                throw fail("expected", "missing: an object of criterion → expected answer")
            }
            var expected: [String: String] = [:]
            for (criterion, value) in expectedObject {
                switch value {
                case let text as String: expected[criterion] = text
                case let number as NSNumber: expected[criterion] = Scale.decimalText(number.doubleValue)
                default: throw fail("expected.\(criterion)", "expected a string or a number")
                }
            }
            extras.append((answer, answerB as? String, expected))
            let rest = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
            promptLines.append(String(decoding: rest, as: UTF8.self))
        }
        let prompts = try PromptFile.parse(Data(promptLines.joined(separator: "\n").utf8), source: source)
        return zip(prompts, extras).map { GoldEntry(prompt: $0, answer: $1.answer, answerB: $1.answerB, expected: $1.expected) }
    }
}

extension Workspace {
    /// Marks a queued item as gold with its expected answers (one audit event). Lead-only.
    ///
    /// - Parameter answers: criterion id → expected answer in stored form (`4`, `yes`, `a`).
    /// - Throws: `QueueError.notLead`, `QueueError.noSuchItem`, `StoreError.alreadyExists` when
    ///   the item is gold already, `InputError` for an answer off the rubric.
    public func markGold(itemID: Int64, answers: [String: String], lead: String) throws {
        try requireLead(named: lead, toDo: "add gold items")
        let now = clock()
        try immediate { db in
            guard let rubricID = try Int64.fetchOne(db, sql: "SELECT rubric_version_id FROM items WHERE id = ?",
                                                    arguments: [itemID]) else {
                throw QueueError.noSuchItem(itemID)
            }
            if try Int.fetchOne(db, sql: "SELECT 1 FROM gold_items WHERE item_id = ?", arguments: [itemID]) != nil {
                throw StoreError.alreadyExists(kind: "gold item", name: String(itemID),
                                               hint: "expected answers are fixed once set; queue a new item instead")
            }
            let stored = try Self.goldAnswers(answers, source: "gold answers of item \(itemID)",
                                              rubric: try Self.rubric(db, id: rubricID))
            try AuditLog.record(db, at: now, actor: lead, kind: "gold.add", detail: "item \(itemID) marked gold") { event in
                try Self.insertGold(db, itemID: itemID, stored, at: now, event: event)
            }
        }
    }

    /// Imports prompts with known answers as gold items, all or nothing (one audit event): the
    /// prompts join the set, the answers become the candidates of a run of model `gold`, each
    /// with one item at the given stage and overlap. Lead-only.
    ///
    /// - Returns: the ids of the new items, in file order.
    @discardableResult
    public func importGold(_ entries: [GoldEntry], into setName: String, rubric rubricName: String, stage: Stage,
                           overlap: Int, source: String, lead: String) throws -> [Int64] {
        try requireLead(named: lead, toDo: "import gold items")
        guard Identifier.isValid(setName) else {
            throw InputError(source: "--set", problem: "'\(setName)' is not a valid set name (letters, digits, '-', '_', '.')")
        }
        guard overlap >= 1 else { throw InputError(source: "--overlap", problem: "must be at least 1, found \(overlap)") }
        let now = clock()
        let stamp = Timestamp.string(now)
        return try immediate { db in
            let rubric = try Self.rubric(db, named: rubricName)
            var checked: [[(String, (value: String, number: Double?))]] = []
            for (index, entry) in entries.enumerated() {
                if rubric.rubric.pairwise != (entry.answerB != nil) {
                    throw InputError(source: "\(source): entry \(index + 1) ('\(entry.prompt.id)')", key: "answer_b",
                                     problem: "rubric \(rubric.rubric.name) \(rubric.rubric.pairwise ? "is pairwise and needs answer_b" : "rates one answer; remove answer_b")")
                }
                checked.append(try Self.goldAnswers(entry.expected, source: "\(source): entry \(index + 1) ('\(entry.prompt.id)')",
                                                    rubric: rubric))
            }
            return try AuditLog.record(db, at: now, actor: lead, kind: "gold.import",
                                       detail: "\(entries.count) gold items into \(setName) from \(source)") { event in
                let setID: Int64
                if let existing = try Int64.fetchOne(db, sql: "SELECT id FROM prompt_sets WHERE name = ?", arguments: [setName]) {
                    setID = existing
                } else {
                    try db.execute(sql: "INSERT INTO prompt_sets (name, created_at, event_id) VALUES (?, ?, ?)",
                                   arguments: [setName, stamp, event.id])
                    setID = db.lastInsertedRowID
                }
                try db.execute(
                    sql: """
                        INSERT INTO runs (set_id, rubric_version_id, stage, backend, model_name, n, temperature, seed,
                            max_tokens, review_share, review_overlap, review_seed, started_at, status, finished_at, event_id)
                        VALUES (?, ?, ?, 'local', 'gold', ?, 0, 0, 1, 1, ?, 0, ?, 'complete', ?, ?)
                        """,
                    arguments: [setID, rubric.id, stage, rubric.rubric.pairwise ? 2 : 1, overlap, stamp, stamp, event.id])
                let runID = db.lastInsertedRowID
                var itemIDs: [Int64] = []
                for (entry, answers) in zip(entries, checked) {
                    let prompt = entry.prompt
                    if try Int.fetchOne(db, sql: "SELECT 1 FROM prompts WHERE set_id = ? AND external_id = ?",
                                        arguments: [setID, prompt.id]) != nil {
                        throw InputError(source: source, key: "id",
                                         problem: "prompt '\(prompt.id)' is already in set '\(setName)'; nothing was imported")
                    }
                    try db.execute(
                        sql: """
                            INSERT INTO prompts (set_id, external_id, text, scope, counterfactual_group, reference, event_id)
                            VALUES (?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [setID, prompt.id, prompt.text, prompt.scope, prompt.counterfactualGroup,
                                    prompt.reference, event.id])
                    let promptID = db.lastInsertedRowID
                    for (name, value) in prompt.attributes.sorted(by: { $0.key < $1.key }) {
                        try db.execute(sql: "INSERT INTO prompt_attributes (prompt_id, name, value, event_id) VALUES (?, ?, ?, ?)",
                                       arguments: [promptID, name, value, event.id])
                    }
                    var candidateIDs: [Int64] = []
                    for (index, text) in [entry.answer, entry.answerB].compactMap({ $0 }).enumerated() {
                        try db.execute(
                            sql: """
                                INSERT INTO candidates (run_id, prompt_id, idx, text, token_count, finish_reason, latency_ms,
                                                        created_at, event_id)
                                VALUES (?, ?, ?, ?, 0, 'stop', 0, ?, ?)
                                """,
                            arguments: [runID, promptID, index, text, stamp, event.id])
                        candidateIDs.append(db.lastInsertedRowID)
                    }
                    try db.execute(
                        sql: """
                            INSERT INTO items (rubric_version_id, candidate_a, candidate_b, stage, overlap, reason, created_at, event_id)
                            VALUES (?, ?, ?, ?, ?, 'manual', ?, ?)
                            """,
                        arguments: [rubric.id, candidateIDs[0], candidateIDs.count > 1 ? candidateIDs[1] : nil, stage,
                                    overlap, stamp, event.id])
                    let itemID = db.lastInsertedRowID
                    try Self.insertGold(db, itemID: itemID, answers, at: now, event: event)
                    itemIDs.append(itemID)
                }
                return itemIDs
            }
        }
    }

    /// Expected answers checked against the rubric, in criterion order.
    ///
    /// A gold item may leave criteria without an expected answer: only the given ones are scored.
    ///
    /// - Throws: `InputError` naming `source`, the criterion and the allowed answers.
    static func goldAnswers(_ answers: [String: String], source: String, rubric info: RubricInfo)
        throws -> [(String, (value: String, number: Double?))] {
        let rubric = info.rubric
        guard !answers.isEmpty else {
            throw InputError(source: source, problem: "no expected answer; give at least one of \(rubric.name) v\(rubric.version)'s criteria: \(rubric.criteria.map(\.id).joined(separator: ", "))")
        }
        for criterion in answers.keys.sorted() where rubric.criterion(criterion) == nil {
            throw InputError(source: source, key: criterion,
                             problem: "rubric \(rubric.name) v\(rubric.version) has no such criterion; its criteria: \(rubric.criteria.map(\.id).joined(separator: ", "))")
        }
        return try rubric.criteria.compactMap { criterion in
            guard let text = answers[criterion.id] else { return nil }
            guard let answer = criterion.scale.storedAnswer(text) else {
                throw InputError(source: source, key: criterion.id,
                                 problem: "'\(text)' is not on the scale; allowed: \(criterion.scale.allowedText)")
            }
            return (criterion.id, answer)
        }
    }

    static func insertGold(_ db: Database, itemID: Int64, _ answers: [(String, (value: String, number: Double?))],
                           at now: Date, event: AuditLog.PendingEvent) throws {
        try db.execute(sql: "INSERT INTO gold_items (item_id, created_at, event_id) VALUES (?, ?, ?)",
                       arguments: [itemID, Timestamp.string(now), event.id])
        for (criterion, answer) in answers {
            try db.execute(sql: "INSERT INTO gold_answers (item_id, criterion, value, event_id) VALUES (?, ?, ?, ?)",
                           arguments: [itemID, criterion, answer.value, event.id])
        }
    }
}
