import Foundation
import GaitCore
import GRDB

/// Queue progress: items per stage, rubric and scope, ratings per rater, leases.
public struct QueueStatus: Sendable, Hashable, Codable {
    /// Items of one stage, rubric version and scope.
    public struct Group: Sendable, Hashable, Codable {
        public var stage: Stage
        public var rubric: String
        public var version: Int
        /// The prompt's scope; nil for prompts without one.
        public var scope: String?
        public var items: Int
        /// Gold items among them (counted in the states too).
        public var gold: Int
        /// No live rating and no live lease.
        public var pending: Int
        /// Some ratings or leases, fewer ratings than the overlap.
        public var inProgress: Int
        /// As many live ratings as the overlap.
        public var complete: Int
    }

    /// One rater's work so far.
    public struct RaterProgress: Sendable, Hashable, Codable {
        public var name: String
        public var role: RaterRole
        /// Live ratings with outcome `rated`.
        public var ratings: Int
        /// Live ratings with outcome `discarded`.
        public var discarded: Int
        public var retracted: Int
        public var skips: Int
        /// Leases held now (not expired).
        public var leases: Int
    }

    public var groups: [Group]
    public var raters: [RaterProgress]
    /// Leases not yet expired.
    public var liveLeases: Int
    /// Expired leases not yet released (the next claim releases them).
    public var expiredLeases: Int
    /// When the status was taken (stored timestamp form).
    public var at: String
}

/// What `gait raters show` reports about one rater.
public struct RaterReport: Sendable, Hashable, Codable {
    /// How a rater did on gold items.
    public struct GoldScore: Sendable, Hashable, Codable {
        /// Gold items the rater holds a live rating of.
        public var items: Int
        /// Criterion answers compared with an expected answer.
        public var answers: Int
        /// Of those, how many matched.
        public var correct: Int
        /// `correct / answers`, nil before any.
        public var accuracy: Double? { answers > 0 ? Double(correct) / Double(answers) : nil }
    }

    public var rater: RaterInfo
    /// Live ratings with outcome `rated` (gold items included).
    public var ratings: Int
    public var discarded: Int
    public var retracted: Int
    public var skips: Int
    public var sessions: Int
    /// Median active seconds per live rating, nil before any.
    public var medianActiveSeconds: Double?
    public var gold: GoldScore
}

extension Workspace {
    /// Queue progress now.
    public func queueStatus() throws -> QueueStatus {
        let stamp = Timestamp.string(clock())
        return try writer.read { db in
            let groups = try Row.fetchAll(db, sql: """
                SELECT stage, name, version, scope, count(*),
                       sum(gold),
                       sum(CASE WHEN rated = 0 AND leased = 0 THEN 1 ELSE 0 END),
                       sum(CASE WHEN rated < overlap AND rated + leased > 0 THEN 1 ELSE 0 END),
                       sum(CASE WHEN rated >= overlap THEN 1 ELSE 0 END)
                FROM (
                  SELECT i.stage AS stage, v.name AS name, v.version AS version, p.scope AS scope, i.overlap AS overlap,
                         CASE WHEN EXISTS (SELECT 1 FROM gold_items g WHERE g.item_id = i.id) THEN 1 ELSE 0 END AS gold,
                         (SELECT count(*) FROM ratings r WHERE r.item_id = i.id AND r.retracted_at IS NULL) AS rated,
                         (SELECT count(*) FROM leases l WHERE l.item_id = i.id AND l.expires_at > ?) AS leased
                  FROM items i
                  JOIN rubric_versions v ON v.id = i.rubric_version_id
                  JOIN candidates c ON c.id = i.candidate_a
                  JOIN prompts p ON p.id = c.prompt_id
                ) AS item_states
                GROUP BY stage, name, version, scope
                """, arguments: [stamp]).map { row in
                QueueStatus.Group(stage: row[0], rubric: row[1], version: row[2], scope: row[3], items: row[4], gold: row[5],
                                  pending: row[6], inProgress: row[7], complete: row[8])
            }.sorted { ($0.stage, $0.rubric, $0.version, $0.scope ?? "") < ($1.stage, $1.rubric, $1.version, $1.scope ?? "") }
            // Ratings are counted in one pass grouped by rater: ratings has no rater index (a
            // rating's write is the queue's hottest, and every index is a page more to write).
            let raters = try Row.fetchAll(db, sql: """
                SELECT ra.name, ra.role, coalesce(c.rated, 0), coalesce(c.discarded, 0), coalesce(c.retracted, 0),
                  (SELECT count(*) FROM skips s WHERE s.rater_id = ra.id),
                  (SELECT count(*) FROM leases l WHERE l.rater_id = ra.id AND l.expires_at > ?)
                FROM raters ra
                LEFT JOIN (
                  SELECT rater_id,
                         sum(retracted_at IS NULL AND outcome = 'rated') AS rated,
                         sum(retracted_at IS NULL AND outcome = 'discarded') AS discarded,
                         sum(retracted_at IS NOT NULL) AS retracted
                  FROM ratings GROUP BY rater_id
                ) AS c ON c.rater_id = ra.id
                ORDER BY ra.name
                """, arguments: [stamp]).map { row in
                QueueStatus.RaterProgress(name: row[0], role: row[1], ratings: row[2], discarded: row[3], retracted: row[4],
                                          skips: row[5], leases: row[6])
            }
            let live = try Int.fetchOne(db, sql: "SELECT count(*) FROM leases WHERE expires_at > ?", arguments: [stamp]) ?? 0
            let expired = try Int.fetchOne(db, sql: "SELECT count(*) FROM leases WHERE expires_at <= ?", arguments: [stamp]) ?? 0
            return QueueStatus(groups: groups, raters: raters, liveLeases: live, expiredLeases: expired, at: stamp)
        }
    }

    /// One rater's ratings, skips, sessions and gold accuracy.
    ///
    /// Gold answers are compared as stored: the same option, integer or number (interval
    /// answers compare by value). Only live ratings count.
    ///
    /// - Throws: `StoreError.notFound` for an unknown rater.
    public func raterReport(named name: String) throws -> RaterReport {
        try writer.read { db in
            let rater = try Self.rater(db, named: name)
            let counts = try Row.fetchOne(db, sql: """
                SELECT coalesce(sum(retracted_at IS NULL AND outcome = 'rated'), 0),
                       coalesce(sum(retracted_at IS NULL AND outcome = 'discarded'), 0),
                       coalesce(sum(retracted_at IS NOT NULL), 0),
                       (SELECT count(*) FROM skips WHERE rater_id = ?1),
                       (SELECT count(*) FROM review_sessions WHERE rater_id = ?1)
                FROM ratings WHERE rater_id = ?1
                """, arguments: [rater.id])
            let seconds = try Double.fetchAll(
                db, sql: "SELECT active_seconds FROM ratings WHERE rater_id = ? AND retracted_at IS NULL ORDER BY active_seconds",
                arguments: [rater.id])
            let goldItems = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM ratings r JOIN gold_items g ON g.item_id = r.item_id
                WHERE r.rater_id = ? AND r.retracted_at IS NULL
                """, arguments: [rater.id]) ?? 0
            let comparisons = try Row.fetchAll(db, sql: """
                SELECT a.value, v.value, v.numeric_value
                FROM ratings r
                JOIN gold_answers a ON a.item_id = r.item_id
                LEFT JOIN rating_values v ON v.rating_id = r.id AND v.criterion = a.criterion
                WHERE r.rater_id = ? AND r.retracted_at IS NULL AND r.outcome = 'rated'
                """, arguments: [rater.id])
            var correct = 0
            for row in comparisons {
                let expected: String = row[0]
                let given: String? = row[1]
                if given == expected {
                    correct += 1
                } else if let number = row[2] as Double?, let target = Double(expected), number == target {
                    correct += 1
                }
            }
            return RaterReport(
                rater: rater, ratings: counts?[0] ?? 0, discarded: counts?[1] ?? 0, retracted: counts?[2] ?? 0,
                skips: counts?[3] ?? 0, sessions: counts?[4] ?? 0, medianActiveSeconds: Self.median(seconds),
                gold: RaterReport.GoldScore(items: goldItems, answers: comparisons.count, correct: correct))
        }
    }

    /// The median of sorted values, nil when empty.
    static func median(_ sorted: [Double]) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// Requires that the named rater is a lead, for lead-only actions.
    ///
    /// - Throws: `StoreError.notFound` for an unknown name, `QueueError.notLead` for a rater.
    @discardableResult
    public func requireLead(named name: String, toDo action: String) throws -> RaterInfo {
        let rater = try rater(named: name)
        guard rater.role == .lead else { throw QueueError.notLead(rater: name, action: action) }
        return rater
    }

    /// A rater's queue as a lead sees it: their live leases and what is open to them, gold
    /// items shown as such. Lead-only, because it reveals which items are gold.
    public func queueView(of raterName: String, filter: QueueFilter, viewer: String) throws -> RaterQueueView {
        try requireLead(named: viewer, toDo: "view another rater's queue")
        let rater = try rater(named: raterName)
        let stamp = Timestamp.string(clock())
        return try writer.read { db in
            let leases = try Row.fetchAll(db, sql: """
                SELECT l.item_id, l.expires_at, EXISTS (SELECT 1 FROM gold_items g WHERE g.item_id = l.item_id)
                FROM leases l WHERE l.rater_id = ? AND l.expires_at > ? ORDER BY l.item_id
                """, arguments: [rater.id, stamp]).map {
                RaterQueueView.Lease(itemID: $0[0], expiresAt: $0[1], isGold: $0[2])
            }
            // A session value only to reuse the open-item condition; nothing is written.
            let session = ReviewSession(id: -1, rater: rater, orderSeed: 0, filter: filter, settings: QueueSettings(),
                                        startedAt: stamp)
            let regular = try Self.openItems(db, session: session, gold: false, skipped: [], liveAt: stamp, limit: 0).total
            let gold = try Self.openItems(db, session: session, gold: true, skipped: [], liveAt: stamp, limit: 0).total
            return RaterQueueView(rater: rater, leases: leases, openItems: regular, openGoldItems: gold)
        }
    }
}

/// Another rater's queue, for a lead.
public struct RaterQueueView: Sendable, Hashable, Codable {
    /// A lease the rater holds now.
    public struct Lease: Sendable, Hashable, Codable {
        public var itemID: Int64
        public var expiresAt: String
        public var isGold: Bool
    }

    public var rater: RaterInfo
    public var leases: [Lease]
    /// Regular items open to the rater (the filter applied; expired leases count as released).
    public var openItems: Int
    /// Gold items open to the rater.
    public var openGoldItems: Int
}
