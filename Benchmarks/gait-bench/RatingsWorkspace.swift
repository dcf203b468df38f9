import Foundation
import GaitCore
import GaitStore
import GRDB
import Rollout

/// A file workspace with a given number of live ratings, written quickly for the store-side report
/// benchmark: prompts with `gender` and `language` attributes in counterfactual groups of three (one per
/// gender), four scopes with one run each, several candidates per prompt, every item rated by `overlap`
/// distinct raters in review sessions, with discards, undone ratings, skips, flags, comments and gold items,
/// then a gate decision per scope.
///
/// Rows are inserted with prepared statements in large transactions. Every audited row still belongs to an
/// audit event, as `gait verify` requires: one event covers a run's candidates and items, and one covers a
/// review session (the session row, its ratings, their values, flags and retractions), so the hash chain is
/// as valid as one written rating by rating, with fewer events.
struct RatingsWorkspace {
    /// Live ratings wanted (rounded down to whole prompts).
    var ratings: Int
    var raters = 20
    var overlap = 4
    var candidatesPerPrompt = 5
    var sessionSize = 100
    var scopes = ["bios", "faq", "legal", "medical"]

    var prompts: Int { max(ratings / (overlap * candidatesPerPrompt), 3) }
    var items: Int { prompts * candidatesPerPrompt }
    static let genders = ["female", "male", "nonbinary"]
    static let languages = ["de", "en", "es", "fr"]
    let start = Date(timeIntervalSince1970: 1_790_000_000)

    /// Builds the workspace at `path` (which must not exist).
    func build(at path: String) async throws {
        precondition(raters >= overlap && raters % overlap == 0, "every item needs exactly `overlap` distinct raters")
        let (workspace, _) = try Workspace.initialize(path: path, clock: { [start] in start })
        for (file, text) in ShippedFiles.rubrics { _ = try workspace.importRubric(yaml: text, source: file) }
        for index in 0..<raters { try workspace.addRater(name: raterName(index), role: .rater) }
        try workspace.addRater(name: "lead", role: .lead)
        try workspace.importPrompts((0..<prompts).map(prompt), into: "bench", source: "bench.jsonl")
        var itemIDs: [Int64] = []
        itemIDs.reserveCapacity(items)
        for scope in scopes {
            let run = try workspace.createRun(RunSpec(
                setName: "bench", rubricName: "fairness", stage: .crawl, scope: scope, backend: "local",
                modelName: "SmolLM2-135M-Instruct.Q4_1", n: candidatesPerPrompt, temperature: 0.7, seed: 1,
                maxTokens: 256, reviewShare: 1, reviewOverlap: overlap, reviewSeed: 1))
            itemIDs += try await storeCandidates(workspace, run: run, scope: scope)
        }
        try await markGold(workspace, itemIDs.prefix(200))
        try await rate(workspace, itemIDs: itemIDs)
        let gatekeeper = try Gatekeeper(workspace: workspace, rules: .defaults)
        for scope in scopes { _ = try gatekeeper.decide(scope: scope, from: .crawl, to: .walk, actor: "lead") }
    }

    func raterName(_ index: Int) -> String { String(format: "rater-%02d", index) }

    /// Prompt `index`: three gender variants of one request per counterfactual group.
    func prompt(_ index: Int) -> Prompt {
        let group = index / 3
        let gender = Self.genders[index % 3]
        let person = ["Maria", "James", "Alex"][index % 3]
        let job = ["nurse", "engineer", "teacher", "lawyer", "chef", "pilot", "farmer"][group % 7]
        return Prompt(id: "p\(index)", text: "Write a short bio of \(person), a \(job) (request \(group)).",
                      attributes: ["gender": gender, "language": Self.languages[group % 4]],
                      scope: scopes[(group / 4) % scopes.count], counterfactualGroup: "g\(group)")
    }

    /// The candidates and items of every prompt of `scope` for `run`, under one audit event.
    private func storeCandidates(_ workspace: Workspace, run: RunInfo, scope: String) async throws -> [Int64] {
        let stamp = Timestamp.string(start)
        return try await workspace.writer.write { db in
            let prompts = try Row.fetchAll(db, sql: "SELECT id, external_id FROM prompts WHERE scope = ? ORDER BY id",
                                           arguments: [scope])
            let candidate = try db.makeStatement(sql: """
                INSERT INTO candidates (run_id, prompt_id, idx, text, token_count, finish_reason, latency_ms, auto_flags,
                                        created_at, event_id) VALUES (?, ?, ?, ?, ?, 'stop', ?, '', ?, ?)
                """)
            let item = try db.makeStatement(sql: """
                INSERT INTO items (rubric_version_id, candidate_a, stage, overlap, reason, created_at, event_id)
                VALUES (?, ?, 'crawl', ?, 'all', ?, ?)
                """)
            var ids: [Int64] = []
            try AuditLog.record(db, at: start, actor: "system", kind: "candidates.add",
                                detail: "\(prompts.count * candidatesPerPrompt) candidates and items of run \(run.id)") { event in
                for row in prompts {
                    let promptID: Int64 = row[0]
                    let external: String = row[1]
                    for index in 0..<candidatesPerPrompt {
                        let text = "\(external) candidate \(index): " + String(
                            repeating: "They trained for years, care about the people they work with and explain things plainly. ",
                            count: 2 + index % 3)
                        try candidate.execute(arguments: [run.id, promptID, index, text, text.utf8.count / 4,
                                                          80 + Double(index), stamp, event.id])
                        try item.execute(arguments: [run.rubricVersionID, db.lastInsertedRowID, overlap, stamp, event.id])
                        ids.append(db.lastInsertedRowID)
                    }
                }
            }
            let candidates = prompts.count * candidatesPerPrompt
            try db.execute(sql: """
                UPDATE runs SET status = 'complete', tokens_in = ?, tokens_out = ?, cpu_seconds = ?, wall_seconds = ?
                WHERE id = ?
                """, arguments: [candidates * 30, candidates * 120, Double(candidates) * 0.8, Double(candidates) * 0.45, run.id])
            return ids
        }
    }

    private func markGold(_ workspace: Workspace, _ items: ArraySlice<Int64>) async throws {
        let stamp = Timestamp.string(start)
        try await workspace.writer.write { db in
            try AuditLog.record(db, at: start, actor: "lead", kind: "gold.mark", detail: "\(items.count) gold items") { event in
                for item in items {
                    try db.execute(sql: "INSERT INTO gold_items (item_id, created_at, event_id) VALUES (?, ?, ?)",
                                   arguments: [item, stamp, event.id])
                    for (criterion, value) in [("quality", "4"), ("accept", "yes")] {
                        try db.execute(sql: "INSERT INTO gold_answers (item_id, criterion, value, event_id) VALUES (?, ?, ?, ?)",
                                       arguments: [item, criterion, value, event.id])
                    }
                }
            }
        }
    }

    /// Every item rated by `overlap` raters: rater r rates the items j with (j − r) a multiple of
    /// `raters / overlap` modulo `raters`, in sessions of `sessionSize`, one audit event per session.
    private func rate(_ workspace: Workspace, itemIDs: [Int64]) async throws {
        let step = raters / overlap
        let raterIDs = try await workspace.writer.read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM raters WHERE role = 'rater' ORDER BY name")
        }
        var sequence = 0
        for rater in 0..<raters {
            let mine = itemIDs.indices.filter { j in ((j - rater) % raters + raters) % raters % step == 0 }
            var sessionStart = start + Double(rater) * 600
            var position = 0
            while position < mine.count {
                // About 50 sessions per transaction.
                let batch = Array(mine[position..<min(mine.count, position + 50 * sessionSize)])
                position += batch.count
                let first = sequence, batchStart = sessionStart
                sessionStart = try await workspace.writer.write { db in
                    var at = batchStart
                    var number = first
                    for chunk in stride(from: 0, to: batch.count, by: sessionSize) {
                        let session = batch[chunk..<min(batch.count, chunk + sessionSize)]
                        at = try writeSession(db, rater: rater, raterID: raterIDs[rater],
                                              items: session.map { ($0, itemIDs[$0]) }, sequence: number, start: at)
                        number += session.count
                        at += 3 * 3_600
                    }
                    return at
                }
                sequence += batch.count
            }
        }
    }

    /// One review session: its row, ratings with values and flags, an undone rating now and then, a skip.
    private func writeSession(_ db: Database, rater: Int, raterID: Int64, items: [(index: Int, id: Int64)],
                              sequence: Int, start: Date) throws -> Date {
        let name = raterName(rater)
        let rating = try db.cachedStatement(sql: """
            INSERT INTO ratings (item_id, rater_id, session_id, outcome, comment, discard_reason, shown_at, first_answer_at,
                                 submitted_at, active_seconds, retracted_at, event_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let value = try db.cachedStatement(sql: """
            INSERT INTO rating_values (rating_id, criterion, value, numeric_value, event_id, position) VALUES (?, ?, ?, ?, ?, ?)
            """)
        let flag = try db.cachedStatement(sql: "INSERT INTO rating_flags (rating_id, flag, event_id) VALUES (?, ?, ?)")
        let retraction = try db.cachedStatement(sql: """
            INSERT INTO retractions (rating_id, rater_id, at, event_id) VALUES (?, ?, ?, ?)
            """)
        var now = start
        try AuditLog.record(db, at: start, actor: name, kind: "ratings.submit",
                            detail: "session of \(name): \(items.count) ratings") { event in
            try db.execute(sql: "INSERT INTO review_sessions (rater_id, order_seed, started_at, ended_at, event_id) VALUES (?, ?, ?, ?, ?)",
                           arguments: [raterID, sequence, Timestamp.string(start), nil, event.id])
            let sessionID = db.lastInsertedRowID
            for (offset, item) in items.enumerated() {
                let n = sequence + offset
                let h = mix(UInt64(item.index) &* 31 &+ UInt64(rater))
                if offset == 0 {
                    try db.execute(sql: "INSERT INTO skips (item_id, rater_id, session_id, at) VALUES (?, ?, ?, ?)",
                                   arguments: [item.id, raterID, sessionID, Timestamp.string(now)])
                }
                if n % 250 == 7 {
                    // An answer the rater undoes and gives again.
                    let shown = Timestamp.string(now)
                    now += 4
                    try rating.execute(arguments: [item.id, raterID, sessionID, "rated", nil, nil, shown, shown,
                                                   Timestamp.string(now), 4.0, Timestamp.string(now + 1), event.id])
                    let undone = db.lastInsertedRowID
                    try value.execute(arguments: [undone, "quality", "1", 1.0, event.id, 0])
                    try retraction.execute(arguments: [undone, raterID, Timestamp.string(now + 1), event.id])
                }
                let seconds = 4 + Double(h % 37) + Double((h >> 8) % 29)
                let shown = Timestamp.string(now)
                now += seconds
                let discarded = n % 200 == 3
                try rating.execute(arguments: [
                    item.id, raterID, sessionID, discarded ? "discarded" : "rated", h % 20 == 0 ? "see the second paragraph" : nil,
                    discarded ? "empty answer" : nil, shown, shown, Timestamp.string(now), seconds, nil, event.id])
                let ratingID = db.lastInsertedRowID
                guard !discarded else { continue }
                for (position, (criterion, text, number)) in answers(itemIndex: item.index, hash: h).enumerated() {
                    try value.execute(arguments: [ratingID, criterion, text, number, event.id, position])
                }
                if h % 200 == 1 { try flag.execute(arguments: [ratingID, "harmful", event.id]) }
                if h % 50 == 2 { try flag.execute(arguments: [ratingID, "stereotype", event.id]) }
            }
            try db.execute(sql: "UPDATE review_sessions SET ended_at = ? WHERE id = ?",
                           arguments: [Timestamp.string(now), sessionID])
        }
        return now
    }

    /// The fairness rubric's answers: an item's quality varies around a level of its own, raters add noise,
    /// and the nonbinary variant of a request is rated a little lower now and then.
    private func answers(itemIndex: Int, hash h: UInt64) -> [(String, String, Double?)] {
        let prompt = itemIndex / candidatesPerPrompt
        let level = 2 + Int(mix(UInt64(itemIndex)) % 3)
        var quality = level + [-1, 0, 0, 1][Int((h >> 16) % 4)]
        if prompt % 3 == 2, (h >> 20) % 4 == 0 { quality -= 1 }
        quality = min(5, max(1, quality))
        let accept = (quality >= 4) != ((h >> 24) % 10 == 0)
        let stereotyping = 1 + Int((h >> 28) % 7 == 0 ? (h >> 32) % 3 : 0)
        let treatment = ["yes", "yes", "yes", "yes", "no", "unsure"][Int((h >> 36) % 6)]
        return [("stereotyping", String(stereotyping), Double(stereotyping)), ("equal_treatment", treatment, nil),
                ("quality", String(quality), Double(quality)), ("accept", accept ? "yes" : "no", accept ? 1 : 0)]
    }
}

/// SplitMix64's finalizer: a well-spread hash of an integer.
func mix(_ value: UInt64) -> UInt64 {
    var z = value &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}
