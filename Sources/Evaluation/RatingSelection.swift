import GaitCore
import GaitStore

/// Which ratings a report reads: a rubric (all its versions), a scope, a stage; nil reads all.
public struct RatingSelection: Sendable, Hashable {
    /// Only ratings of this rubric (any version).
    public var rubric: String?
    /// Only ratings of prompts of this scope.
    public var scope: String?
    /// Only ratings of items of this stage.
    public var stage: Stage?

    /// A selection; nil fields do not filter.
    public init(rubric: String? = nil, scope: String? = nil, stage: Stage? = nil) {
        self.rubric = rubric
        self.scope = scope
        self.stage = stage
    }

    /// The selection in words, for messages: "rubric helpfulness, scope faq, stage crawl", or "this workspace".
    public var text: String {
        var parts: [String] = []
        if let rubric { parts.append("rubric \(rubric)") }
        if let scope { parts.append("scope \(scope)") }
        if let stage { parts.append("stage \(stage.rawValue)") }
        return parts.isEmpty ? "this workspace" : parts.joined(separator: ", ")
    }
}

/// The live ratings of one rubric version, with the version.
public struct RubricRatings: Sendable {
    /// The rubric version.
    public var rubric: RubricInfo
    /// Its live ratings (gold items left out), ordered by item.
    public var ratings: [RatingRecord]

    /// Ratings of a rubric version.
    public init(rubric: RubricInfo, ratings: [RatingRecord]) {
        self.rubric = rubric
        self.ratings = ratings
    }
}

extension Workspace {
    /// The live, non-gold ratings of the selection, by rubric version (name, then version).
    ///
    /// - Throws: `StoreError.notFound` for an unknown rubric; ``EvaluationError/noRatings(selection:)``
    ///   when nothing matches.
    public func ratingsByRubric(_ selection: RatingSelection) throws -> [RubricRatings] {
        if let name = selection.rubric { _ = try rubric(named: name) }
        let records = try ratings(RatingFilter(rubricName: selection.rubric, scope: selection.scope, stage: selection.stage))
        guard !records.isEmpty else { throw EvaluationError.noRatings(selection: selection.text) }
        var byVersion: [Int64: [RatingRecord]] = [:]
        for record in records { byVersion[record.rubricVersionID, default: []].append(record) }
        return try byVersion.map { id, ratings in RubricRatings(rubric: try rubric(id: id), ratings: ratings) }
            .sorted { ($0.rubric.rubric.name, $0.rubric.rubric.version) < ($1.rubric.rubric.name, $1.rubric.rubric.version) }
    }
}
