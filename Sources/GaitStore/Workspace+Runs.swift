import Foundation
import GaitCore
import GRDB

/// Everything that identifies a generation run: recorded when it starts, never changed.
public struct RunSpec: Sendable, Hashable, Codable {
    public var setName: String
    public var rubricName: String
    public var rubricVersion: Int?
    public var stage: Stage
    public var scope: String?
    /// `local` or `openai`.
    public var backend: String
    public var modelName: String
    public var modelSHA256: String?
    public var endpoint: String?
    public var huggingFaceID: String?
    public var n: Int
    public var temperature: Double
    public var topK: Int?
    public var topP: Double?
    public var minP: Double?
    public var repeatPenalty: Double?
    public var seed: Int64
    public var maxTokens: Int
    public var systemPrompt: String?
    public var reviewShare: Double
    public var reviewOverlap: Int
    public var reviewSeed: Int64

    public init(setName: String, rubricName: String, rubricVersion: Int? = nil, stage: Stage, scope: String? = nil,
                backend: String, modelName: String, modelSHA256: String? = nil, endpoint: String? = nil,
                huggingFaceID: String? = nil, n: Int, temperature: Double, topK: Int? = nil, topP: Double? = nil,
                minP: Double? = nil, repeatPenalty: Double? = nil, seed: Int64, maxTokens: Int,
                systemPrompt: String? = nil, reviewShare: Double, reviewOverlap: Int, reviewSeed: Int64) {
        self.setName = setName
        self.rubricName = rubricName
        self.rubricVersion = rubricVersion
        self.stage = stage
        self.scope = scope
        self.backend = backend
        self.modelName = modelName
        self.modelSHA256 = modelSHA256
        self.endpoint = endpoint
        self.huggingFaceID = huggingFaceID
        self.n = n
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repeatPenalty = repeatPenalty
        self.seed = seed
        self.maxTokens = maxTokens
        self.systemPrompt = systemPrompt
        self.reviewShare = reviewShare
        self.reviewOverlap = reviewOverlap
        self.reviewSeed = reviewSeed
    }
}

/// How a run is going, or how it ended.
public enum RunStatus: String, Sendable, Hashable, Codable, DatabaseValueConvertible {
    case running, interrupted, complete, failed
}

/// A run as stored: its spec, its progress and its totals.
public struct RunInfo: Sendable, Hashable, Codable {
    public var id: Int64
    public var spec: RunSpec
    public var rubricVersionID: Int64
    public var status: RunStatus
    public var startedAt: String
    public var finishedAt: String?
    public var tokensIn: Int
    public var tokensOut: Int
    public var cpuSeconds: Double
    public var wallSeconds: Double
    public var candidates: Int
    public var items: Int
}

/// A generated candidate about to be stored.
public struct CandidateDraft: Sendable, Hashable {
    public var index: Int
    public var text: String
    public var tokenCount: Int
    /// `stop` or `length`.
    public var finishReason: String
    public var latencyMilliseconds: Double
    /// Names of the automatic checks that flagged it (empty, truncated, repetition), sorted.
    public var autoFlags: [String]

    public init(index: Int, text: String, tokenCount: Int, finishReason: String, latencyMilliseconds: Double,
                autoFlags: [String] = []) {
        self.index = index
        self.text = text
        self.tokenCount = tokenCount
        self.finishReason = finishReason
        self.latencyMilliseconds = latencyMilliseconds
        self.autoFlags = autoFlags
    }
}

/// Why an item went to human review.
public enum ItemReason: String, Sendable, Hashable, Codable, DatabaseValueConvertible {
    /// The stage reviews every candidate.
    case all
    /// Drawn by the seeded review sample.
    case sampled
    /// An automatic check flagged the candidate.
    case flagged
    /// Queued by hand.
    case manual
}

/// An item to queue for candidates of one prompt: indexes into the drafts stored with it.
public struct ItemDraft: Sendable, Hashable {
    public var candidateA: Int
    /// The second candidate of a pairwise item (shown as B).
    public var candidateB: Int?
    public var reason: ItemReason

    public init(candidateA: Int, candidateB: Int? = nil, reason: ItemReason) {
        self.candidateA = candidateA
        self.candidateB = candidateB
        self.reason = reason
    }
}

extension Workspace {
    /// Records the start of a run (an audit event covering its spec).
    public func createRun(_ spec: RunSpec, actor: String = "system") throws -> RunInfo {
        let now = clock()
        let stamp = Timestamp.string(now)
        let id: Int64 = try writer.write { db in
            guard let setID = try Int64.fetchOne(db, sql: "SELECT id FROM prompt_sets WHERE name = ?", arguments: [spec.setName]) else {
                throw StoreError.notFound(kind: "prompt set", name: spec.setName,
                                          hint: "see `gait prompts list`, or import one with `gait prompts import FILE --set \(spec.setName)`")
            }
            let rubric = try Self.rubric(db, named: spec.rubricName, version: spec.rubricVersion)
            return try AuditLog.record(db, at: now, actor: actor, kind: "runs.start",
                                       detail: "\(spec.stage.rawValue) run of \(spec.setName) with \(spec.modelName)") { event in
                try db.execute(
                    sql: """
                        INSERT INTO runs (set_id, rubric_version_id, stage, scope, backend, model_name, model_sha256,
                            endpoint, hf_model_id, n, temperature, top_k, top_p, min_p, repeat_penalty, seed, max_tokens,
                            system_prompt, review_share, review_overlap, review_seed, started_at, status, event_id)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?)
                        """,
                    arguments: [setID, rubric.id, spec.stage, spec.scope, spec.backend, spec.modelName, spec.modelSHA256,
                                spec.endpoint, spec.huggingFaceID, spec.n, spec.temperature, spec.topK, spec.topP,
                                spec.minP, spec.repeatPenalty, spec.seed, spec.maxTokens, spec.systemPrompt,
                                spec.reviewShare, spec.reviewOverlap, spec.reviewSeed, stamp, event.id])
                return db.lastInsertedRowID
            }
        }
        return try run(id: id)
    }

    /// Stores the candidates of one prompt and the items queued for them, in one transaction
    /// (so an interrupted run keeps every prompt it finished, and none half).
    ///
    /// - Returns: the row ids of the stored candidates, in draft order, and of the items.
    @discardableResult
    public func storeCandidates(runID: Int64, promptRowID: Int64, _ drafts: [CandidateDraft], items: [ItemDraft],
                                tokensIn: Int, tokensOut: Int, cpuSeconds: Double, wallSeconds: Double,
                                actor: String = "system") throws -> (candidates: [Int64], items: [Int64]) {
        let now = clock()
        let stamp = Timestamp.string(now)
        return try writer.write { db in
            guard let run = try Row.fetchOne(db, sql: "SELECT rubric_version_id, stage, review_overlap, n FROM runs WHERE id = ?",
                                             arguments: [runID]) else {
                throw StoreError.notFound(kind: "run", name: String(runID), hint: "see `gait runs list`")
            }
            let existing = try Int.fetchOne(db, sql: "SELECT count(*) FROM candidates WHERE run_id = ? AND prompt_id = ?",
                                            arguments: [runID, promptRowID]) ?? 0
            let n: Int = run[3]
            guard existing + drafts.count <= n else {
                throw StoreError.refused("prompt \(promptRowID) already has \(existing) of its \(n) candidates in run \(runID); storing \(drafts.count) more would exceed n")
            }
            let result = try AuditLog.record(db, at: now, actor: actor, kind: "candidates.add",
                                             detail: "\(drafts.count) candidates, \(items.count) items for prompt \(promptRowID) of run \(runID)") { event in
                var candidateIDs: [Int64] = []
                for draft in drafts {
                    try db.execute(
                        sql: """
                            INSERT INTO candidates (run_id, prompt_id, idx, text, token_count, finish_reason, latency_ms,
                                                    auto_flags, created_at, event_id)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [runID, promptRowID, draft.index, draft.text, draft.tokenCount, draft.finishReason,
                                    draft.latencyMilliseconds, draft.autoFlags.joined(separator: ","), stamp, event.id])
                    candidateIDs.append(db.lastInsertedRowID)
                }
                var itemIDs: [Int64] = []
                for item in items {
                    guard candidateIDs.indices.contains(item.candidateA),
                          item.candidateB.map({ candidateIDs.indices.contains($0) }) ?? true else {
                        preconditionFailure("an item draft names a candidate outside its drafts")
                    }
                    try db.execute(
                        sql: """
                            INSERT INTO items (rubric_version_id, candidate_a, candidate_b, stage, overlap, reason, created_at, event_id)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [run[0] as Int64, candidateIDs[item.candidateA], item.candidateB.map { candidateIDs[$0] },
                                    run[1] as String, run[2] as Int, item.reason, stamp, event.id])
                    itemIDs.append(db.lastInsertedRowID)
                }
                return (candidateIDs, itemIDs)
            }
            try db.execute(
                sql: """
                    UPDATE runs SET tokens_in = tokens_in + ?, tokens_out = tokens_out + ?, cpu_seconds = cpu_seconds + ?,
                        wall_seconds = wall_seconds + ? WHERE id = ?
                    """,
                arguments: [tokensIn, tokensOut, cpuSeconds, wallSeconds, runID])
            return result
        }
    }

    /// Records how a run ended (or that it is running again, on resume).
    public func setRunStatus(_ runID: Int64, _ status: RunStatus) throws {
        let stamp = Timestamp.string(clock())
        try writer.write { db in
            try db.execute(sql: "UPDATE runs SET status = ?, finished_at = ? WHERE id = ?",
                           arguments: [status, status == .running ? nil : stamp, runID])
            if db.changesCount == 0 {
                throw StoreError.notFound(kind: "run", name: String(runID), hint: "see `gait runs list`")
            }
        }
    }

    /// The run with this id.
    public func run(id: Int64) throws -> RunInfo {
        guard let run = try runs(where: "r.id = ?", [id]).first else {
            throw StoreError.notFound(kind: "run", name: String(id), hint: "see `gait runs list`")
        }
        return run
    }

    /// Every run, oldest first.
    public func runs() throws -> [RunInfo] { try runs(where: "1", []) }

    private func runs(where condition: String, _ arguments: StatementArguments) throws -> [RunInfo] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT r.*, s.name AS set_name, v.name AS rubric_name, v.version AS rubric_version,
                    (SELECT count(*) FROM candidates c WHERE c.run_id = r.id) AS candidate_count,
                    (SELECT count(*) FROM items i JOIN candidates c ON c.id = i.candidate_a WHERE c.run_id = r.id) AS item_count
                FROM runs r JOIN prompt_sets s ON s.id = r.set_id JOIN rubric_versions v ON v.id = r.rubric_version_id
                WHERE \(condition) ORDER BY r.id
                """, arguments: arguments).map { row in
                RunInfo(
                    id: row["id"],
                    spec: RunSpec(setName: row["set_name"], rubricName: row["rubric_name"], rubricVersion: row["rubric_version"],
                                  stage: row["stage"], scope: row["scope"], backend: row["backend"], modelName: row["model_name"],
                                  modelSHA256: row["model_sha256"], endpoint: row["endpoint"], huggingFaceID: row["hf_model_id"],
                                  n: row["n"], temperature: row["temperature"], topK: row["top_k"], topP: row["top_p"],
                                  minP: row["min_p"], repeatPenalty: row["repeat_penalty"], seed: row["seed"],
                                  maxTokens: row["max_tokens"], systemPrompt: row["system_prompt"],
                                  reviewShare: row["review_share"], reviewOverlap: row["review_overlap"],
                                  reviewSeed: row["review_seed"]),
                    rubricVersionID: row["rubric_version_id"], status: row["status"], startedAt: row["started_at"],
                    finishedAt: row["finished_at"], tokensIn: row["tokens_in"], tokensOut: row["tokens_out"],
                    cpuSeconds: row["cpu_seconds"], wallSeconds: row["wall_seconds"],
                    candidates: row["candidate_count"], items: row["item_count"])
            }
        }
    }

    /// The prompts of a run that have fewer than `n` candidates, with how many they have, in order.
    public func unfinishedPrompts(ofRun runID: Int64) throws -> [(rowID: Int64, prompt: Prompt, stored: Int)] {
        let run = try run(id: runID)
        let prompts = try prompts(inSet: run.spec.setName, scope: run.spec.scope)
        let counts: [Int64: Int] = try writer.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(
                db, sql: "SELECT prompt_id, count(*) FROM candidates WHERE run_id = ? GROUP BY prompt_id",
                arguments: [runID]).map { ($0[0] as Int64, $0[1] as Int) })
        }
        return prompts.compactMap { entry in
            let stored = counts[entry.rowID] ?? 0
            return stored < run.spec.n ? (entry.rowID, entry.prompt, stored) : nil
        }
    }
}

extension Workspace {
    /// The stage a scope is in: its latest stage change, or `crawl` before any.
    public func currentStage(scope: String) throws -> Stage {
        try writer.read { db in
            try Stage.fetchOne(db, sql: "SELECT to_stage FROM stage_changes WHERE scope = ? ORDER BY id DESC LIMIT 1",
                               arguments: [scope]) ?? .crawl
        }
    }
}
