import Foundation
import GaitCore
import GRDB

/// What a rated prompt is sliced by: its id, attributes and counterfactual group.
public struct PromptSlices: Sendable, Hashable {
    /// The prompt's row id.
    public var rowID: Int64
    /// The prompt's id within its set.
    public var promptID: String
    /// Its slice labels (`gender`, `language`).
    public var attributes: [String: String]
    /// The counterfactual group it belongs to, if any.
    public var counterfactualGroup: String?

    /// A prompt's slices.
    public init(rowID: Int64, promptID: String, attributes: [String: String], counterfactualGroup: String?) {
        self.rowID = rowID
        self.promptID = promptID
        self.attributes = attributes
        self.counterfactualGroup = counterfactualGroup
    }
}

/// One item's live ratings reduced to their numeric answers to a few criteria, as an item-level
/// statistic reads them: the item, its prompt, and per live `rated` rating (in rating order) the number
/// of each requested criterion.
public struct ItemAnswers: Sendable {
    /// The item's id.
    public var itemID: Int64
    /// The prompt of its candidate A.
    public var prompt: PromptSlices
    /// Its candidate A.
    public var candidateA: Int64
    /// How many criteria each rating has a slot for.
    public var criteriaCount: Int
    /// Per live `rated` rating, in rating order, one slot per requested criterion: the answer's number
    /// (binary yes = 1, no = 0), nil when the rating has no numeric answer to it.
    public var numbers: [Double?]
    /// Live ratings with outcome `discarded`.
    public var discarded: Int

    /// Live ratings with outcome `rated`.
    public var ratings: Int { criteriaCount == 0 ? 0 : numbers.count / criteriaCount }

    /// The numeric answers to the criterion at `index` of the requested ones, in rating order.
    public func answers(_ index: Int) -> [Double] {
        stride(from: index, to: numbers.count, by: criteriaCount).compactMap { numbers[$0] }
    }
}

extension Workspace {
    /// The rubric versions (name, then version) that hold live ratings of non-gold items matching the
    /// filter's rubric name, scope and stage (its other fields are not read).
    public func ratedRubricVersions(_ filter: RatingFilter) throws -> [RubricInfo] {
        let ids: [Int64] = try writer.read { db in
            try Int64.fetchAll(db, sql: """
                SELECT v.id FROM rubric_versions v
                WHERE (?1 IS NULL OR v.name = ?1) AND EXISTS (
                  SELECT 1 FROM items i
                  JOIN ratings r ON r.item_id = i.id AND r.retracted_at IS NULL
                  JOIN candidates c ON c.id = i.candidate_a
                  JOIN prompts p ON p.id = c.prompt_id
                  WHERE i.rubric_version_id = v.id AND (?2 IS NULL OR p.scope = ?2) AND (?3 IS NULL OR i.stage = ?3)
                    AND NOT EXISTS (SELECT 1 FROM gold_items g WHERE g.item_id = i.id))
                ORDER BY v.name, v.version
                """, arguments: [filter.rubricName, filter.scope, filter.stage])
        }
        return try ids.map { try rubric(id: $0) }
    }

    /// Calls `body` with every non-gold item of a rubric version that has live ratings (of prompts of
    /// `scope`, items of `stage`, when given), in item order, with the numbers of `criteria`.
    ///
    /// The ratings stream from one database cursor, ordered by item then rating, and are handed over
    /// one item at a time: memory holds the prompts' slices and one item, not every rating.
    ///
    /// - Throws: whatever `body` throws.
    public func forEachItemAnswers(rubricVersionID: Int64, scope: String? = nil, stage: Stage? = nil,
                                   criteria: [String], _ body: (ItemAnswers) throws -> Void) throws {
        precondition(!criteria.isEmpty, "an item's answers are read for at least one criterion")
        try writer.read { db in
            let prompts = try Self.promptSlices(db, rubricVersionID: rubricVersionID)
            // Parameters: ?1…?k the criteria, then the rubric version, the scope and the stage.
            let k = criteria.count
            let joins = criteria.indices.map { index in
                "LEFT JOIN rating_values v\(index) ON v\(index).rating_id = r.id AND v\(index).criterion = ?\(index + 1)"
            }.joined(separator: "\n")
            let columns = criteria.indices.map { "v\($0).numeric_value" }.joined(separator: ", ")
            var arguments = StatementArguments(criteria)
            arguments += [rubricVersionID, scope, stage]
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT r.item_id, c.prompt_id, i.candidate_a, r.outcome = 'rated', \(columns)
                FROM items i
                JOIN ratings r ON r.item_id = i.id AND r.retracted_at IS NULL
                JOIN candidates c ON c.id = i.candidate_a
                JOIN prompts p ON p.id = c.prompt_id
                \(joins)
                WHERE i.rubric_version_id = ?\(k + 1) AND (?\(k + 2) IS NULL OR p.scope = ?\(k + 2))
                  AND (?\(k + 3) IS NULL OR i.stage = ?\(k + 3))
                  AND NOT EXISTS (SELECT 1 FROM gold_items g WHERE g.item_id = i.id)
                -- i.id rather than r.item_id: the items index then delivers this order without a sort.
                ORDER BY i.id, r.id
                """, arguments: arguments)
            var current: ItemAnswers?
            while let row = try cursor.next() {
                let itemID: Int64 = row[0]
                if current?.itemID != itemID {
                    if let finished = current { try body(finished) }
                    let promptRowID: Int64 = row[1]
                    let prompt = prompts[promptRowID]
                        ?? PromptSlices(rowID: promptRowID, promptID: "", attributes: [:], counterfactualGroup: nil)
                    current = ItemAnswers(itemID: itemID, prompt: prompt, candidateA: row[2], criteriaCount: k,
                                          numbers: [], discarded: 0)
                }
                if row[3] as Bool {
                    for index in 0..<k { current?.numbers.append(row[4 + index] as Double?) }
                } else {
                    current?.discarded += 1
                }
            }
            if let finished = current { try body(finished) }
        }
    }

    /// The slices of every prompt with an item of the rubric version, by row id.
    static func promptSlices(_ db: Database, rubricVersionID: Int64) throws -> [Int64: PromptSlices] {
        let rated = "SELECT c.prompt_id FROM items i JOIN candidates c ON c.id = i.candidate_a WHERE i.rubric_version_id = ?"
        var attributes: [Int64: [String: String]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT prompt_id, name, value FROM prompt_attributes WHERE prompt_id IN (\(rated))",
                                    arguments: [rubricVersionID]) {
            attributes[row[0], default: [:]][row[1]] = row[2]
        }
        var slices: [Int64: PromptSlices] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, external_id, counterfactual_group FROM prompts WHERE id IN (\(rated))",
                                    arguments: [rubricVersionID]) {
            let id: Int64 = row[0]
            slices[id] = PromptSlices(rowID: id, promptID: row[1], attributes: attributes[id] ?? [:], counterfactualGroup: row[2])
        }
        return slices
    }
}
