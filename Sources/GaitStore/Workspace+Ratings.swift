import Foundation
import GaitCore
import GRDB

/// One live (not retracted) rating, with what the statistics need to slice it.
///
/// Values are kept as the rater answered them (`value`: `"4"`, `"yes"`, `"unsure"`, `"a"`) and,
/// for ordinal, interval and binary criteria, as a number (`numeric`: binary `yes` = 1, `no` = 0).
public struct RatingRecord: Sendable, Hashable {
    public var ratingID: Int64
    public var itemID: Int64
    public var raterID: Int64
    public var raterName: String
    public var rubricVersionID: Int64
    public var stage: Stage
    /// `rated`, or `discarded` (no values then).
    public var outcome: String
    public var values: [String: String]
    public var numeric: [String: Double]
    public var flags: Set<String>
    public var comment: String?
    public var activeSeconds: Double
    public var submittedAt: String
    public var isGold: Bool
    /// The prompt (of candidate A) and its slices.
    public var promptRowID: Int64
    public var promptID: String
    public var scope: String?
    public var attributes: [String: String]
    public var counterfactualGroup: String?
    public var candidateA: Int64
    public var candidateB: Int64?
    public var runID: Int64
}

/// Which ratings to fetch; nil fields do not filter.
public struct RatingFilter: Sendable, Hashable {
    public var rubricName: String?
    public var scope: String?
    public var stage: Stage?
    public var raterName: String?
    /// Only ratings submitted at or after this timestamp (stored form).
    public var since: String?
    public var includeGold: Bool

    public init(rubricName: String? = nil, scope: String? = nil, stage: Stage? = nil, raterName: String? = nil,
                since: String? = nil, includeGold: Bool = false) {
        self.rubricName = rubricName
        self.scope = scope
        self.stage = stage
        self.raterName = raterName
        self.since = since
        self.includeGold = includeGold
    }
}

extension Workspace {
    /// Live ratings matching the filter, ordered by item then rating.
    public func ratings(_ filter: RatingFilter = RatingFilter()) throws -> [RatingRecord] {
        try writer.read { db in
            var conditions = ["r.retracted_at IS NULL"]
            var arguments: StatementArguments = []
            if let rubric = filter.rubricName {
                conditions.append("v.name = ?")
                arguments += [rubric]
            }
            if let scope = filter.scope {
                conditions.append("p.scope = ?")
                arguments += [scope]
            }
            if let stage = filter.stage {
                conditions.append("i.stage = ?")
                arguments += [stage]
            }
            if let rater = filter.raterName {
                conditions.append("ra.name = ?")
                arguments += [rater]
            }
            if let since = filter.since {
                conditions.append("r.submitted_at >= ?")
                arguments += [since]
            }
            if !filter.includeGold { conditions.append("g.item_id IS NULL") }
            let rows = try Row.fetchAll(db, sql: """
                SELECT r.id, r.item_id, r.rater_id, ra.name, i.rubric_version_id, i.stage, r.outcome, r.comment,
                       r.active_seconds, r.submitted_at, g.item_id IS NOT NULL, p.id, p.external_id, p.scope,
                       p.counterfactual_group, i.candidate_a, i.candidate_b, c.run_id
                FROM ratings r
                JOIN items i ON i.id = r.item_id
                JOIN rubric_versions v ON v.id = i.rubric_version_id
                JOIN raters ra ON ra.id = r.rater_id
                JOIN candidates c ON c.id = i.candidate_a
                JOIN prompts p ON p.id = c.prompt_id
                LEFT JOIN gold_items g ON g.item_id = i.id
                WHERE \(conditions.joined(separator: " AND "))
                ORDER BY r.item_id, r.id
                """, arguments: arguments)
            guard !rows.isEmpty else { return [] }
            let ids = rows.map { $0[0] as Int64 }
            let idList = ids.map(String.init).joined(separator: ",")
            var values: [Int64: [String: String]] = [:]
            var numeric: [Int64: [String: Double]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT rating_id, criterion, value, numeric_value FROM rating_values WHERE rating_id IN (\(idList))") {
                let id: Int64 = row[0]
                values[id, default: [:]][row[1]] = row[2]
                if let number = row[3] as Double? { numeric[id, default: [:]][row[1]] = number }
            }
            var flags: [Int64: Set<String>] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT rating_id, flag FROM rating_flags WHERE rating_id IN (\(idList))") {
                flags[row[0], default: []].insert(row[1])
            }
            let promptIDs = Set(rows.map { $0[11] as Int64 }).map(String.init).joined(separator: ",")
            var attributes: [Int64: [String: String]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT prompt_id, name, value FROM prompt_attributes WHERE prompt_id IN (\(promptIDs))") {
                attributes[row[0], default: [:]][row[1]] = row[2]
            }
            return rows.map { row in
                let id: Int64 = row[0]
                let promptRowID: Int64 = row[11]
                return RatingRecord(
                    ratingID: id, itemID: row[1], raterID: row[2], raterName: row[3], rubricVersionID: row[4],
                    stage: row[5], outcome: row[6], values: values[id] ?? [:], numeric: numeric[id] ?? [:],
                    flags: flags[id] ?? [], comment: row[7], activeSeconds: row[8], submittedAt: row[9], isGold: row[10],
                    promptRowID: promptRowID, promptID: row[12], scope: row[13], attributes: attributes[promptRowID] ?? [:],
                    counterfactualGroup: row[14], candidateA: row[15], candidateB: row[16], runID: row[17])
            }
        }
    }
}
