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

    /// The histogram of no ratings: bins of 1 s, none counted, no median.
    public static let empty = TimeHistogram(binWidth: 1, counts: [], median: nil)
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

/// One rater's answers to a criterion set against the other raters' answers to the same items.
public struct AnswerPairTally: Sendable, Hashable {
    /// The rater's name.
    public var rater: String
    /// Pairs of (their answer, another rater's answer to the same item).
    public var pairs: Int
    /// Of those, the pairs whose answers are equal.
    public var equal: Int
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
            // Each statement groups by rater in one pass over its table, rather than one pass per rater.
            let mine = raterID == nil ? "" : " AND rater_id = ?2"
            let arguments: StatementArguments = raterID.map { [since, $0] } ?? [since]
            func counts(_ sql: String) throws -> [Int64: [Int]] {
                var result: [Int64: [Int]] = [:]
                for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
                    result[row[0]] = (1..<row.count).map { row[$0] as Int? ?? 0 }
                }
                return result
            }
            let sessions = try counts("SELECT rater_id, count(*) FROM review_sessions WHERE started_at >= ?1\(mine) GROUP BY rater_id")
            let skips = try counts("SELECT rater_id, count(*) FROM skips WHERE at >= ?1\(mine) GROUP BY rater_id")
            let undone = try counts("SELECT rater_id, count(*) FROM retractions WHERE at >= ?1\(mine) GROUP BY rater_id")
            let ratings = try counts("""
                SELECT rater_id, sum(outcome = 'rated'), sum(outcome = 'discarded') FROM ratings
                WHERE submitted_at >= ?1 AND retracted_at IS NULL\(mine) GROUP BY rater_id
                """)
            // A rater holds at most one live rating of an item, so an item with two live ratings is shared.
            let shared = try counts("""
                SELECT rater_id, count(*) FROM ratings
                WHERE submitted_at >= ?1 AND retracted_at IS NULL\(mine) AND item_id IN (
                  SELECT item_id FROM ratings WHERE retracted_at IS NULL GROUP BY item_id HAVING count(*) > 1)
                GROUP BY rater_id
                """)
            let gold = try counts("""
                SELECT rater_id, count(*), coalesce(sum(matched = answers), 0) FROM (
                  SELECT r.rater_id, count(*) AS answers,
                         sum(v.value = a.value OR (v.numeric_value IS NOT NULL
                             AND a.value GLOB '*[0-9]*' AND v.numeric_value = CAST(a.value AS REAL))) AS matched
                  FROM ratings r
                  JOIN gold_answers a ON a.item_id = r.item_id
                  LEFT JOIN rating_values v ON v.rating_id = r.id AND v.criterion = a.criterion
                  WHERE r.submitted_at >= ?1 AND r.retracted_at IS NULL AND r.outcome = 'rated'\(mine.replacingOccurrences(of: "rater_id", with: "r.rater_id"))
                  GROUP BY r.id)
                GROUP BY rater_id
                """)
            var flags: [Int64: [FlagTally]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT r.rater_id, f.flag, count(*) FROM rating_flags f JOIN ratings r ON r.id = f.rating_id
                WHERE r.submitted_at >= ?1 AND r.retracted_at IS NULL\(mine.replacingOccurrences(of: "rater_id", with: "r.rater_id"))
                GROUP BY r.rater_id, f.flag ORDER BY r.rater_id, 3 DESC, 2
                """, arguments: arguments) {
                flags[row[0], default: []].append(FlagTally(flag: row[1], count: row[2]))
            }
            return raters.map { rater in
                let id = rater.id
                return RaterActivity(
                    rater: rater, sessions: sessions[id]?[0] ?? 0,
                    counts: ActivityCounts(rated: ratings[id]?[0] ?? 0, skipped: skips[id]?[0] ?? 0,
                                           discarded: ratings[id]?[1] ?? 0, undone: undone[id]?[0] ?? 0),
                    sharedItems: shared[id]?[0] ?? 0, goldItems: gold[id]?[0] ?? 0, goldCorrect: gold[id]?[1] ?? 0,
                    flags: flags[id] ?? [])
            }
        }
    }

    /// Calls `body` with every review session of the filter (by rater name, then start), its counts and
    /// median, reading the sessions through a database cursor.
    ///
    /// The counts and medians of all the filter's sessions come first from one pass over their ratings,
    /// in session order and by time within a session, so memory holds a few numbers per session and the
    /// times of one session, and the cost does not grow with sessions times ratings.
    ///
    /// - Throws: `StoreError.notFound` for an unknown rater; whatever `body` throws.
    public func forEachSessionActivity(_ filter: ActivityFilter, _ body: (SessionActivity) throws -> Void) throws {
        try writer.read { db in
            let (raterID, since) = try Self.resolve(db, filter)
            let chosen = "SELECT id FROM review_sessions WHERE (?1 IS NULL OR rater_id = ?1) AND started_at >= ?2"
            var totals: [Int64: (counts: ActivityCounts, median: Double?)] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT session_id, count(*) FROM skips WHERE session_id IN (\(chosen)) GROUP BY session_id
                """, arguments: [raterID, since]) {
                totals[row[0]] = (ActivityCounts(rated: 0, skipped: row[1], discarded: 0, undone: 0), nil)
            }
            var session: Int64?
            var counts = ActivityCounts(rated: 0, skipped: 0, discarded: 0, undone: 0)
            var times: [Double] = []
            func finish() {
                guard let session else { return }
                counts.skipped = totals[session]?.counts.skipped ?? 0
                // The middle time, or the mean of the two middle times of an even count.
                let low = (times.count - 1) / 2
                let middle = times.isEmpty ? [] : times.count % 2 == 0 ? [times[low], times[low + 1]] : [times[low]]
                totals[session] = (counts, middle.isEmpty ? nil : middle.reduce(0, +) / Double(middle.count))
            }
            let ratings = try Row.fetchCursor(db, sql: """
                SELECT session_id, retracted_at IS NULL, outcome = 'rated', active_seconds FROM ratings
                WHERE session_id IN (\(chosen)) ORDER BY session_id, active_seconds
                """, arguments: [raterID, since])
            while let row = try ratings.next() {
                let id: Int64 = row[0]
                if id != session {
                    finish()
                    session = id
                    counts = ActivityCounts(rated: 0, skipped: 0, discarded: 0, undone: 0)
                    times.removeAll(keepingCapacity: true)
                }
                switch (row[1] as Bool, row[2] as Bool) {
                case (false, _): counts.undone += 1
                case (true, true):
                    counts.rated += 1
                    times.append(row[3])
                case (true, false): counts.discarded += 1
                }
            }
            finish()
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT s.id, r.name, s.started_at, s.ended_at FROM review_sessions s JOIN raters r ON r.id = s.rater_id
                WHERE (?1 IS NULL OR s.rater_id = ?1) AND s.started_at >= ?2
                ORDER BY r.name, s.started_at, s.id
                """, arguments: [raterID, since])
            while let row = try cursor.next() {
                let id: Int64 = row[0]
                let total = totals[id]
                try body(SessionActivity(
                    id: id, rater: row[1], startedAt: row[2], endedAt: row[3],
                    counts: total?.counts ?? ActivityCounts(rated: 0, skipped: 0, discarded: 0, undone: 0),
                    medianActiveSeconds: total?.median))
            }
        }
    }

    /// The time per live `rated` rating of the filter as a histogram of `bins` equal bins from 0 to the
    /// maximum (the width rounded up to 1, 2 or 5 × a power of ten), with the median.
    ///
    /// - Throws: `StoreError.notFound` for an unknown rater.
    public func activeSecondsHistogram(_ filter: ActivityFilter, bins: Int = 20) throws -> TimeHistogram {
        try activeSecondsHistograms(filter, bins: bins).overall
    }

    /// ``activeSecondsHistogram(_:bins:)`` of the whole filter and of each of its raters (by name; raters
    /// without ratings in the period are left out), in two statements: counts and maxima per rater (which
    /// fix every bin width and median position), then the times in ascending order, counted into bins as
    /// the cursor passes. Memory holds the bins, not the times.
    ///
    /// - Throws: `StoreError.notFound` for an unknown rater.
    public func activeSecondsHistograms(_ filter: ActivityFilter, bins: Int = 20) throws
        -> (overall: TimeHistogram, byRater: [String: TimeHistogram]) {
        try writer.read { db in
            let (raterID, since) = try Self.resolve(db, filter)
            // The rater condition is left out rather than made `?2 IS NULL OR …`, so SQLite can use the index.
            let condition = "submitted_at >= ? AND retracted_at IS NULL AND outcome = 'rated'"
                + (raterID == nil ? "" : " AND rater_id = ?")
            let arguments: StatementArguments = raterID.map { [since, $0] } ?? [since]
            var byRater: [Int64: HistogramCounter] = [:]
            var total = 0
            var maximum = 0.0
            for row in try Row.fetchAll(db, sql: "SELECT rater_id, count(*), max(active_seconds) FROM ratings WHERE \(condition) GROUP BY rater_id",
                                        arguments: arguments) {
                let count: Int = row[1]
                let largest: Double = row[2]
                byRater[row[0]] = HistogramCounter(count: count, maximum: largest, bins: bins)
                total += count
                maximum = max(maximum, largest)
            }
            var overall = HistogramCounter(count: total, maximum: maximum, bins: bins)
            // Each rater's times arrive in ascending order too, as a subsequence of everyone's.
            let cursor = try Row.fetchCursor(db, sql: "SELECT rater_id, active_seconds FROM ratings WHERE \(condition) ORDER BY active_seconds",
                                             arguments: arguments)
            while let row = try cursor.next() {
                let seconds: Double = row[1]
                overall.add(seconds)
                byRater[row[0]]?.add(seconds)
            }
            var named: [String: TimeHistogram] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, name FROM raters") {
                if let counter = byRater[row[0]] { named[row[1]] = counter.histogram }
            }
            return (total == 0 ? .empty : overall.histogram, named)
        }
    }

    /// The smallest of 1, 2, 5 × 10ᵏ that is at least `raw` (1 for zero or less).
    static func niceWidth(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let power = pow(10, (log10(raw)).rounded(.down))
        for step in [1.0, 2, 5, 10] where step * power >= raw { return step * power }
        return 10 * power
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

    /// Per rater (by name) who shares an item with another rater: the pairs of answers to `criterion` on
    /// the same item and how many are equal, over the live `rated` ratings of the rubric version's non-gold
    /// items.
    ///
    /// The answers stream from one cursor in item order and are paired item by item, so memory holds one
    /// item's answers and a tally per rater. Answers compare by their number; with `options` (a nominal
    /// scale), by their text, and only answers that are one of the options count.
    public func answerPairs(rubricVersionID: Int64, criterion: String, options: [String]? = nil) throws -> [AnswerPairTally] {
        let answer = options == nil ? "v.numeric_value" : "v.value"
        let onScale = options.map { "v.value IN (\(Array(repeating: "?", count: $0.count).joined(separator: ", ")))" }
            ?? "v.numeric_value IS NOT NULL"
        var arguments: StatementArguments = [criterion, rubricVersionID]
        arguments += StatementArguments(options ?? [])
        return try writer.read { db in
            var tallies: [Int64: (pairs: Int, equal: Int)] = [:]
            var item: Int64?
            var answers: [(rater: Int64, answer: DatabaseValue)] = []
            func pair() {
                for mine in answers {
                    var pairs = 0, equal = 0
                    for other in answers where other.rater != mine.rater {
                        pairs += 1
                        if other.answer == mine.answer { equal += 1 }
                    }
                    if pairs > 0 { tallies[mine.rater, default: (0, 0)].pairs += pairs }
                    if equal > 0 { tallies[mine.rater, default: (0, 0)].equal += equal }
                }
            }
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT r.item_id, r.rater_id, \(answer)
                FROM items i
                JOIN ratings r ON r.item_id = i.id AND r.retracted_at IS NULL AND r.outcome = 'rated'
                JOIN rating_values v ON v.rating_id = r.id AND v.criterion = ?
                WHERE i.rubric_version_id = ? AND \(onScale)
                  AND NOT EXISTS (SELECT 1 FROM gold_items g WHERE g.item_id = i.id)
                ORDER BY i.id
                """, arguments: arguments)
            while let row = try cursor.next() {
                let id: Int64 = row[0]
                if id != item {
                    pair()
                    item = id
                    answers.removeAll(keepingCapacity: true)
                }
                answers.append((row[1], row[2]))
            }
            pair()
            let names = Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT id, name FROM raters").map {
                ($0[0] as Int64, $0[1] as String)
            })
            return tallies.compactMap { id, tally in
                names[id].map { AnswerPairTally(rater: $0, pairs: tally.pairs, equal: tally.equal) }
            }.sorted { $0.rater < $1.rater }
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

/// Counts times given in ascending order into equal bins and picks out the median.
private struct HistogramCounter {
    let count: Int
    let width: Double
    var counts: [Int] = []
    var position = 0
    var middle: [Double] = []

    init(count: Int, maximum: Double, bins: Int) {
        self.count = count
        width = Workspace.niceWidth(maximum / Double(max(bins, 1)))
    }

    mutating func add(_ seconds: Double) {
        // As SQL's CAST(seconds / width AS INTEGER): truncation toward zero.
        let bin = Int(seconds / width)
        if counts.count <= bin { counts.append(contentsOf: Array(repeating: 0, count: bin + 1 - counts.count)) }
        counts[bin] += 1
        // The median: the middle time, or the mean of the two middle times of an even count.
        let low = (count - 1) / 2
        if position == low || (count % 2 == 0 && position == low + 1) { middle.append(seconds) }
        position += 1
    }

    var histogram: TimeHistogram {
        TimeHistogram(binWidth: width, counts: counts, median: middle.isEmpty ? nil : middle.reduce(0, +) / Double(middle.count))
    }
}
