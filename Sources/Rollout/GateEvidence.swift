import Foundation
import GaitCore
import GaitStore

/// What a gate is decided on: the live ratings of one scope in one stage since the scope entered it,
/// the rubrics they were given under, and the cost of the candidates generated meanwhile.
public struct GateEvidence: Sendable {
    /// The scope the evidence is about.
    public var scope: String
    /// The stage the evidence comes from.
    public var stage: Stage
    /// Live, non-gold ratings of single-candidate items (pairwise items are left out).
    public var ratings: [RatingRecord]
    /// The rubric of each rubric version id the ratings use.
    public var rubrics: [Int64: Rubric]
    /// Latency and tokens of the candidates generated in the stage.
    public var measures: [CandidateMeasure]
    /// When the scope entered the stage (nil: no record; every rating of the stage counts).
    public var since: String?
    /// Days from `since` to the evaluation (or to the scope leaving the stage); 0 without `since`.
    public var daysInStage: Double

    /// Evidence assembled by hand (tests, what-if analyses); ``gather(from:scope:stage:now:)`` reads a workspace.
    public init(scope: String, stage: Stage, ratings: [RatingRecord], rubrics: [Int64: Rubric],
                measures: [CandidateMeasure] = [], since: String? = nil, daysInStage: Double = 0) {
        self.scope = scope
        self.stage = stage
        self.ratings = ratings
        self.rubrics = rubrics
        self.measures = measures
        self.since = since
        self.daysInStage = daysInStage
    }

    /// Distinct rated items.
    public var itemCount: Int { Set(ratings.map(\.itemID)).count }
    /// Distinct raters.
    public var raterCount: Int { Set(ratings.map(\.raterID)).count }

    /// Gathers the evidence of `scope` in `stage` from the workspace.
    ///
    /// The window opens at the scope's latest entry into `stage` (a stage change to it, or the scope's
    /// first candidate when `stage` is `crawl` and it never changed) and closes when the scope left it,
    /// or now.
    public static func gather(from workspace: Workspace, scope: String, stage: Stage, now: Date) throws -> GateEvidence {
        let changes = try workspace.stageChanges(scope: scope)
        var since: String?
        var until: String?
        if let entry = changes.lastIndex(where: { $0.to == stage }) {
            since = changes[entry].at
            until = changes.indices.contains(entry + 1) ? changes[entry + 1].at : nil
        } else if stage == .crawl {
            // Never re-entered: the initial crawl, from the scope's first candidate to its first change.
            since = try workspace.firstCandidateAt(scope: scope)
            until = changes.first?.at
        }
        var ratings = try workspace.ratings(RatingFilter(scope: scope, stage: stage, since: since))
        ratings.removeAll { rating in
            rating.candidateB != nil || rating.isGold || until.map { rating.submittedAt >= $0 } ?? false
        }
        var rubrics: [Int64: Rubric] = [:]
        for id in Set(ratings.map(\.rubricVersionID)) { rubrics[id] = try workspace.rubric(id: id).rubric }
        var measures = try workspace.candidateMeasures(scope: scope, stage: stage, since: since)
        if let until {
            let later = Set(try workspace.candidateMeasures(scope: scope, stage: stage, since: until).map(\.candidateID))
            measures.removeAll { later.contains($0.candidateID) }
        }
        let end = until.flatMap(Timestamp.date) ?? now
        let days = since.flatMap(Timestamp.date).map { max(0, end.timeIntervalSince($0) / 86_400) } ?? 0
        return GateEvidence(scope: scope, stage: stage, ratings: ratings, rubrics: rubrics, measures: measures,
                            since: since, daysInStage: days)
    }
}
