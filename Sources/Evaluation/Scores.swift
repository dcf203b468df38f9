import GaitCore
import GaitStore
import Statistics

/// The note of a pairwise rubric's scores: why there are no win rates per run or model.
let pairwiseRunNote = """
    No win rate or Bradley–Terry strength per run or model: Gait queues a pairwise item from two candidates \
    of the same prompt in the same run, so both sides share run and model and there is nothing between runs \
    to rank. Shown instead: per criterion, the items won by A (shown first), by B, and ties, and A's share \
    of the decided items with a Wilson interval, a check that the display order does not sway raters.
    """

/// Quality per stage, scope and slice, per criterion, from the workspace's live ratings (`gait scores`).
///
/// Every number is item-level: the answers of an item are averaged first, then items are averaged and
/// resampled. Per group and criterion: items, answers, the mean and normalized mean with a percentile
/// bootstrap interval over items (``bootstrapMeanInterval(items:resamples:seed:confidence:)`` on the item
/// means); for binary criteria the share of items most raters answered yes with its Wilson interval
/// (``wilsonInterval(successes:trials:confidence:)``) — for the acceptance criterion, the acceptance rate;
/// for nominal criteria the answers per option; for pairwise criteria the items won by A, by B, and ties.
/// Groups: each stage and scope (all items), then each value of each prompt attribute among them.
///
/// - Throws: `StoreError.notFound` for an unknown rubric, ``EvaluationError`` when no rating matches or a
///   setting is invalid.
public func scores(_ selection: RatingSelection, settings: ResamplingSettings = ResamplingSettings(),
                   in workspace: Workspace) throws -> ScoresReport {
    try settings.validate()
    return try scores(of: try workspace.ratingsByRubric(selection), selection: selection, settings: settings)
}

/// ``scores(_:settings:in:)`` over ratings already read.
public func scores(of rubrics: [RubricRatings], selection: RatingSelection,
                   settings: ResamplingSettings = ResamplingSettings()) throws -> ScoresReport {
    try settings.validate()
    let results = try rubrics.map { entry in
        let rubric = entry.rubric.rubric
        let items = RatedItem.group(entry.ratings)
        var groups: [ScoreGroup] = []
        let keys = Set(items.map { StageScope(stage: $0.stage, scope: $0.scope) }).sorted()
        for key in keys {
            let members = items.filter { $0.stage == key.stage && $0.scope == key.scope }
            groups.append(try scoreGroup(members, rubric: rubric, key: key, slice: nil, settings: settings))
            for attribute in Set(members.flatMap(\.attributes.keys)).sorted() {
                for value in Set(members.compactMap { $0.attributes[attribute] }).sorted() {
                    groups.append(try scoreGroup(members.filter { $0.attributes[attribute] == value }, rubric: rubric,
                                                 key: key, slice: SliceKey(attribute: attribute, value: value),
                                                 settings: settings))
                }
            }
        }
        return RubricScores(rubric: rubric.name, version: rubric.version, pairwise: rubric.pairwise, groups: groups,
                            note: rubric.pairwise ? pairwiseRunNote : nil)
    }
    return ScoresReport(selection: selection, settings: settings, method: scoresMethod(settings), rubrics: results)
}

/// The method of `gait scores` in plain words.
func scoresMethod(_ settings: ResamplingSettings) -> String {
    let level = percent(settings.confidence)
    return """
        Item-level: the answers of an item are averaged first, so every item weighs the same whatever its \
        number of raters. The mean of a criterion is the mean of its item means (binary yes = 1, no = 0); the \
        normalized mean is (mean − min)/(max − min) on its scale. Its \(level) interval is a percentile \
        bootstrap that resamples items (\(settings.resamples) resamples, seed \(settings.seed)). An item counts \
        as yes (accepted, for the acceptance criterion) when more than half of its raters answered yes; the \
        acceptance rate is the share of such items, with a \(level) Wilson score interval. Gold items and \
        retracted ratings are left out; discarded candidates are counted but have no answers.
        """
}

/// A stage and scope, ordered by stage then scope (no scope first).
struct StageScope: Hashable, Comparable {
    var stage: Stage
    var scope: String?

    static func < (lhs: StageScope, rhs: StageScope) -> Bool {
        (lhs.stage, lhs.scope ?? "") < (rhs.stage, rhs.scope ?? "")
            || (lhs.stage == rhs.stage && lhs.scope == nil && rhs.scope != nil)
    }
}

func scoreGroup(_ items: [RatedItem], rubric: Rubric, key: StageScope, slice: SliceKey?,
                settings: ResamplingSettings) throws -> ScoreGroup {
    ScoreGroup(stage: key.stage, scope: key.scope, slice: slice, items: items.count,
               ratings: items.reduce(0) { $0 + $1.ratings.count }, discarded: items.reduce(0) { $0 + $1.discarded },
               criteria: try rubric.criteria.map { try criterionScore($0, items: items, pairwise: rubric.pairwise, settings: settings) })
}

func criterionScore(_ criterion: Criterion, items: [RatedItem], pairwise: Bool,
                    settings: ResamplingSettings) throws -> CriterionScore {
    let answered = items.filter { !$0.answers(criterion.id).isEmpty }
    var score = CriterionScore(criterion: criterion.id, scale: criterion.scale.typeName, isAcceptance: criterion.isAcceptance,
                               items: answered.count, ratings: answered.reduce(0) { $0 + $1.answers(criterion.id).count })
    if let range = criterion.scale.numericRange {
        let means = answered.compactMap { $0.mean(criterion.id) }
        if !means.isEmpty {
            let mean = average(means)
            score.mean = mean
            score.normalizedMean = (mean - range.lowerBound) / (range.upperBound - range.lowerBound)
            score.interval = try itemBootstrap(means, settings)
        }
    }
    if case .binary = criterion.scale, !answered.isEmpty {
        let yes = answered.filter { $0.majorityYes(criterion.id) == true }.count
        score.yes = try proportion(yes, of: answered.count, confidence: settings.confidence)
    }
    if case .nominal(let options) = criterion.scale {
        var counts = Dictionary(uniqueKeysWithValues: options.map { ($0, 0) })
        for item in answered { for answer in item.answers(criterion.id) { counts[answer, default: 0] += 1 } }
        score.distribution = counts
        if pairwise { score.preference = try preference(criterion.id, items: answered, confidence: settings.confidence) }
    }
    return score
}

/// Items won by A, by B, or tied, and A's share of the decided ones.
func preference(_ criterion: String, items: [RatedItem], confidence: Double) throws -> PairwisePreference {
    var result = PairwisePreference(a: 0, b: 0, ties: 0, aShare: nil)
    for item in items {
        let answers = item.answers(criterion)
        let a = answers.filter { $0 == "a" }.count
        let b = answers.filter { $0 == "b" }.count
        if a > b {
            result.a += 1
        } else if b > a {
            result.b += 1
        } else {
            result.ties += 1
        }
    }
    if result.a + result.b > 0 { result.aShare = try proportion(result.a, of: result.a + result.b, confidence: confidence) }
    return result
}

/// A confidence level as a percentage: "95%".
func percent(_ level: Double) -> String { "\(decimal((level * 1000).rounded() / 10))%" }
