import Foundation
import GaitCore
import GRDB

/// Which review activity a session report reads: one rater or all, ratings submitted since a time.
public struct ActivityFilter: Sendable, Hashable {
    /// Only this rater's activity; nil reads every rater.
    public var rater: String?
    /// Only activity at or after this stored timestamp (`YYYY-MM-DD` compares as the start of that day).
    public var since: String?

    /// A filter; nil fields do not filter.
    public init(rater: String? = nil, since: String? = nil) {
        self.rater = rater
        self.since = since
    }
}

/// Counts of what a rater did, aggregated in SQL.
public struct ActivityCounts: Sendable, Hashable {
    /// Live ratings with outcome `rated`.
    public var rated: Int
    /// Items skipped.
    public var skipped: Int
    /// Live ratings with outcome `discarded`.
    public var discarded: Int
    /// Ratings retracted (undone).
    public var undone: Int
}

/// One rater's activity over the filter's period.
public struct RaterActivity: Sendable, Hashable {
    /// The rater.
    public var rater: RaterInfo
    /// Review sessions started in the period.
    public var sessions: Int
    /// What they did.
    public var counts: ActivityCounts
    /// Items they rated (live) that another rater also holds a live rating of.
    public var sharedItems: Int
    /// Gold items they rated (live, outcome `rated`) that have expected answers.
    public var goldItems: Int
    /// Of those, the items where every expected answer matched.
    public var goldCorrect: Int
    /// Flags raised on live ratings, most frequent first (ties by name).
    public var flags: [FlagTally]
}

/// How often a flag was raised.
public struct FlagTally: Sendable, Hashable {
    public var flag: String
    public var count: Int
}

/// One review session's activity.
public struct SessionActivity: Sendable, Hashable {
    /// The session's id.
    public var id: Int64
    /// The rater's name.
    public var rater: String
    /// When it started and ended (stored timestamps).
    public var startedAt: String
    public var endedAt: String?
    /// What was done in it.
    public var counts: ActivityCounts
    /// Median active seconds of its live ratings; nil when it has none.
    public var medianActiveSeconds: Double?
}

/// The time per live rating as a histogram of equal-width bins.
public struct TimeHistogram: Sendable, Hashable {
    /// The width of each bin, in seconds.
    public var binWidth: Double
    /// Counts of bins `k·width ..< (k+1)·width`, by `k`, with no gaps from 0 to the last non-empty bin.
    public var counts: [Int]
    /// The median active seconds; nil when there is no rating.
    public var median: Double?
}

/// The costs of one generation run.
public struct RunCostRecord: Sendable, Hashable {
    public var id: Int64
    public var model: String
    public var backend: String
    public var stage: Stage
    public var candidates: Int
    public var tokensIn: Int
    public var tokensOut: Int
    public var cpuSeconds: Double
    public var wallSeconds: Double
}

/// A candidate's text with its prompt, for showing outputs side by side.
public struct CandidateText: Sendable, Hashable {
    public var candidateID: Int64
    /// The prompt's id within its set.
    public var promptID: String
    public var prompt: String
    public var text: String
}

extension Workspace {
    /// The filter's rater id and timestamp bound, checked: an unknown rater is `StoreError.notFound`.
    private static func resolve(_ db: Database, _ filter: ActivityFilter) throws -> (rater: Int64?, since: String) {
        let rater = try filter.rater.map { try Self.rater(db, named: $0).id }
        return (rater, filter.since ?? "")
    }

    /// Per rater (every registered rater, or the filter's), what they did in the period, aggregated in SQL.
    ///
    /// Ratings count by `submitted_at`, retractions by their time, skips by theirs, sessions by their start.
    /// - Throws: `StoreError.notFound` for an unknown rater.
    public func raterActivity(_ filter: ActivityFilter) throws -> [RaterActivity] {
        try writer.read { db in
            let (raterID, since) = try Self.resolve(db, filter)
            let raters = try Row.fetchAll(db, sql: """
                SELECT id, name, role, created_at FROM raters WHERE (?1 IS NULL OR id = ?1) ORDER BY name
                """, arguments: [raterID]).map { RaterInfo(id: $0[0], name: $0[1], role: $0[2], createdAt: $0[3]) }
            return try raters.map { rater in
                let row = try Row.fetchOne(db, sql: """
                    SELECT
                      (SELECT count(*) FROM review_sessions WHERE rater_id = ?1 AND started_at >= ?2),
                      (SELECT count(*) FROM ratings WHERE rater_id = ?1 AND submitted_at >= ?2
                         AND retracted_at IS NULL AND outcome = 'rated'),
                      (SELECT count(*) FROM skips WHERE rater_id = ?1 AND at >= ?2),
                      (SELECT count(*) FROM ratings WHERE rater_id = ?1 AND submitted_at >= ?2
                         AND retracted_at IS NULL AND outcome = 'discarded'),
                      (SELECT count(*) FROM retractions WHERE rater_id = ?1 AND at >= ?2),
                      (SELECT count(*) FROM ratings r WHERE r.rater_id = ?1 AND r.submitted_at >= ?2
                         AND r.retracted_at IS NULL AND EXISTS (SELECT 1 FROM ratings o WHERE o.item_id = r.item_id
                         AND o.rater_id <> r.rater_id AND o.retracted_at IS NULL))
                    """, arguments: [rater.id, since])
                let gold = try Row.fetchOne(db, sql: """
                    SELECT count(*), coalesce(sum(matched = answers), 0) FROM (
                      SELECT count(*) AS answers,
                             sum(v.value = a.value OR (v.numeric_value IS NOT NULL
                                 AND a.value GLOB '*[0-9]*' AND v.numeric_value = CAST(a.value AS REAL))) AS matched
                      FROM ratings r
                      JOIN gold_answers a ON a.item_id = r.item_id
                      LEFT JOIN rating_values v ON v.rating_id = r.id AND v.criterion = a.criterion
                      WHERE r.rater_id = ?1 AND r.submitted_at >= ?2 AND r.retracted_at IS NULL AND r.outcome = 'rated'
                      GROUP BY r.id)
                    """, arguments: [rater.id, since])
                let flags = try Row.fetchAll(db, sql: """
                    SELECT f.flag, count(*) FROM rating_flags f JOIN ratings r ON r.id = f.rating_id
                    WHERE r.rater_id = ?1 AND r.submitted_at >= ?2 AND r.retracted_at IS NULL
                    GROUP BY f.flag ORDER BY 2 DESC, 1
                    """, arguments: [rater.id, since]).map { FlagTally(flag: $0[0], count: $0[1]) }
                return RaterActivity(
                    rater: rater, sessions: row?[0] ?? 0,
                    counts: ActivityCounts(rated: row?[1] ?? 0, skipped: row?[2] ?? 0, discarded: row?[3] ?? 0,
                                           undone: row?[4] ?? 0),
                    sharedItems: row?[5] ?? 0, goldItems: gold?[0] ?? 0, goldCorrect: gold?[1] ?? 0, flags: flags)
            }
        }
    }

    /// Calls `body` with every review session of the filter (by rater name, then start), its counts and
    /// median, reading the sessions through a database cursor.
    ///
    /// - Throws: `StoreError.notFound` for an unknown rater; whatever `body` throws.
    public func forEachSessionActivity(_ filter: ActivityFilter, _ body: (SessionActivity) throws -> Void) throws {
        try writer.read { db in
            let (raterID, since) = try Self.resolve(db, filter)
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT s.id, r.name, s.started_at, s.ended_at,
                  (SELECT count(*) FROM ratings WHERE session_id = s.id AND retracted_at IS NULL AND outcome = 'rated'),
                  (SELECT count(*) FROM skips WHERE session_id = s.id),
                  (SELECT count(*) FROM ratings WHERE session_id = s.id AND retracted_at IS NULL AND outcome = 'discarded'),
                  (SELECT count(*) FROM ratings WHERE session_id = s.id AND retracted_at IS NOT NULL)
                FROM review_sessions s JOIN raters r ON r.id = s.rater_id
                WHERE (?1 IS NULL OR s.rater_id = ?1) AND s.started_at >= ?2
                ORDER BY r.name, s.started_at, s.id
                """, arguments: [raterID, since])
            while let row = try cursor.next() {
                let id: Int64 = row[0]
                let rated: Int = row[4]
                let median = try Self.medianActiveSeconds(db, count: rated, where: "session_id = ?", [id])
                try body(SessionActivity(
                    id: id, rater: row[1], startedAt: row[2], endedAt: row[3],
                    counts: ActivityCounts(rated: rated, skipped: row[5], discarded: row[6], undone: row[7]),
                    medianActiveSeconds: median))
            }
        }
    }

    /// The time per live `rated` rating of the filter as a histogram of `bins` equal bins from 0 to the
    /// maximum (the width rounded up to 1, 2 or 5 × a power of ten), counted in SQL, with the median.
    ///
    /// - Throws: `StoreError.notFound` for an unknown rater.
    public func activeSecondsHistogram(_ filter: ActivityFilter, bins: Int = 20) throws -> TimeHistogram {
        try writer.read { db in
            let (raterID, since) = try Self.resolve(db, filter)
            let condition = "(?1 IS NULL OR rater_id = ?1) AND submitted_at >= ?2 AND retracted_at IS NULL AND outcome = 'rated'"
            let arguments: StatementArguments = [raterID, since]
            let summary = try Row.fetchOne(db, sql: "SELECT count(*), max(active_seconds) FROM ratings WHERE \(condition)",
                                           arguments: arguments)
            let count: Int = summary?[0] ?? 0
            let maximum: Double = summary?[1] ?? 0
            let width = Self.niceWidth(maximum / Double(max(bins, 1)))
            var counts: [Int] = []
            let rows = try Row.fetchAll(db, sql: """
                SELECT CAST(active_seconds / ?3 AS INTEGER) AS bin, count(*) FROM ratings WHERE \(condition)
                GROUP BY bin ORDER BY bin
                """, arguments: [raterID, since, width])
            for row in rows {
                let bin: Int = row[0]
                if counts.count <= bin { counts.append(contentsOf: Array(repeating: 0, count: bin + 1 - counts.count)) }
                counts[bin] = row[1]
            }
            let median = try Self.medianActiveSeconds(db, count: count, where: condition, arguments)
            return TimeHistogram(binWidth: width, counts: counts, median: median)
        }
    }

    /// The smallest of 1, 2, 5 × 10ᵏ that is at least `raw` (1 for zero or less).
    static func niceWidth(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let power = pow(10, (log10(raw)).rounded(.down))
        for step in [1.0, 2, 5, 10] where step * power >= raw { return step * power }
        return 10 * power
    }

    /// The median of `active_seconds` over live ratings matching `condition` (`count` of them), read with
    /// `LIMIT`/`OFFSET` instead of loading every value.
    private static func medianActiveSeconds(_ db: Database, count: Int, where condition: String,
                                            _ arguments: StatementArguments) throws -> Double? {
        guard count > 0 else { return nil }
        let sql = "SELECT active_seconds FROM ratings WHERE \(condition) AND retracted_at IS NULL AND outcome = 'rated' "
            + "ORDER BY active_seconds LIMIT \(count % 2 == 0 ? 2 : 1) OFFSET \((count - 1) / 2)"
        let middle = try Double.fetchAll(db, sql: sql, arguments: arguments)
        guard !middle.isEmpty else { return nil }
        return middle.reduce(0, +) / Double(middle.count)
    }

    /// The newest gate decision of every scope and transition (or of one scope), by scope then transition.
    public func latestGateDecisions(scope: String? = nil) throws -> [GateDecisionRecord] {
        try writer.read { db in
            try Self.gateDecisions(db, where: """
                id IN (SELECT max(id) FROM gate_decisions WHERE (?1 IS NULL OR scope = ?1)
                       GROUP BY scope, from_stage, to_stage)
                """, [scope], order: "scope, from_stage, to_stage")
        }
    }

    /// Every scope the workspace knows: of prompts, runs, stage changes and gate decisions, by name.
    public func knownScopes() throws -> [String] {
        try writer.read { db in
            try String.fetchAll(db, sql: """
                SELECT scope FROM prompts WHERE scope IS NOT NULL UNION SELECT scope FROM runs WHERE scope IS NOT NULL
                UNION SELECT scope FROM stage_changes UNION SELECT scope FROM gate_decisions ORDER BY 1
                """)
        }
    }

    /// Calls `body` with the costs of every run (or of runs of one scope), oldest first, through a cursor.
    public func forEachRunCost(scope: String? = nil, _ body: (RunCostRecord) throws -> Void) throws {
        try writer.read { db in
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT r.id, r.model_name, r.backend, r.stage,
                       (SELECT count(*) FROM candidates c WHERE c.run_id = r.id),
                       r.tokens_in, r.tokens_out, r.cpu_seconds, r.wall_seconds
                FROM runs r WHERE (?1 IS NULL OR r.scope = ?1) ORDER BY r.id
                """, arguments: [scope])
            while let row = try cursor.next() {
                try body(RunCostRecord(id: row[0], model: row[1], backend: row[2], stage: row[3], candidates: row[4],
                                       tokensIn: row[5], tokensOut: row[6], cpuSeconds: row[7], wallSeconds: row[8]))
            }
        }
    }

    /// The texts of these candidates with their prompts, by candidate id (unknown ids are left out).
    public func candidateTexts(_ ids: [Int64]) throws -> [Int64: CandidateText] {
        guard !ids.isEmpty else { return [:] }
        return try writer.read { db in
            var result: [Int64: CandidateText] = [:]
            for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
                for row in try Row.fetchAll(db, sql: """
                    SELECT c.id, p.external_id, p.text, c.text FROM candidates c JOIN prompts p ON p.id = c.prompt_id
                    WHERE c.id IN (\(marks))
                    """, arguments: StatementArguments(chunk)) {
                    let text = CandidateText(candidateID: row[0], promptID: row[1], prompt: row[2], text: row[3])
                    result[text.candidateID] = text
                }
            }
            return result
        }
    }

    /// The name of the rubric with the most live ratings (ties: the first by name); nil without ratings.
    public func mostRatedRubric() throws -> String? {
        try writer.read { db in
            try String.fetchOne(db, sql: """
                SELECT v.name FROM ratings r JOIN items i ON i.id = r.item_id
                JOIN rubric_versions v ON v.id = i.rubric_version_id
                WHERE r.retracted_at IS NULL GROUP BY v.name ORDER BY count(*) DESC, v.name LIMIT 1
                """)
        }
    }
}
