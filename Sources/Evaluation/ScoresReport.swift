import GaitCore
import GaitStore

/// Quality per stage, scope and slice, per criterion: what `gait scores` prints.
public typealias ScoresReport = RubricReport<RubricScores>

/// The scores of one rubric version.
public struct RubricScores: Sendable, Encodable {
    /// The rubric's name.
    public var rubric: String
    /// Its version.
    public var version: Int
    /// Whether it compares two candidates (answers a, b or =).
    public var pairwise: Bool
    /// Per stage and scope: all items first (`slice` nil), then one group per attribute value.
    public var groups: [ScoreGroup]
    /// What is not computed and why (for pairwise rubrics: win rates per run or model).
    public var note: String?

    enum CodingKeys: String, CodingKey { case rubric, version, pairwise, groups, note }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(rubric, forKey: .rubric)
        try c.encode(version, forKey: .version)
        try c.encode(pairwise, forKey: .pairwise)
        try c.encode(groups, forKey: .groups)
        try c.encode(note, forKey: .note)
    }
}

/// A slice of the prompts: those whose attribute has this value.
public struct SliceKey: Sendable, Hashable, Encodable {
    /// The attribute's name (`gender`).
    public var attribute: String
    /// Its value (`female`).
    public var value: String

    /// The slice `attribute = value`.
    public init(attribute: String, value: String) {
        self.attribute = attribute
        self.value = value
    }
}

/// The items of one stage and scope, or of one slice of them, and their scores per criterion.
public struct ScoreGroup: Sendable, Encodable {
    /// The items' stage.
    public var stage: Stage
    /// The prompts' scope; nil for prompts without one.
    public var scope: String?
    /// The slice; nil for all items of the stage and scope.
    public var slice: SliceKey?
    /// Items with at least one live rating.
    public var items: Int
    /// Live ratings with answers.
    public var ratings: Int
    /// Live ratings that discarded the candidate (no answers).
    public var discarded: Int
    /// One entry per criterion, in rubric order.
    public var criteria: [CriterionScore]

    /// The acceptance rate: the acceptance criterion's share of items most raters accepted, with its
    /// Wilson interval; nil when the rubric has no acceptance criterion or no item answered it.
    public var acceptance: Proportion? { criteria.first(where: \.isAcceptance)?.yes }

    enum CodingKeys: String, CodingKey { case stage, scope, attribute, value, items, ratings, discarded, criteria, acceptance }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(stage, forKey: .stage)
        try c.encode(scope, forKey: .scope)
        try c.encode(slice?.attribute, forKey: .attribute)
        try c.encode(slice?.value, forKey: .value)
        try c.encode(items, forKey: .items)
        try c.encode(ratings, forKey: .ratings)
        try c.encode(discarded, forKey: .discarded)
        try c.encode(criteria, forKey: .criteria)
        try c.encode(acceptance, forKey: .acceptance)
    }
}

/// One criterion's scores over a group of items.
public struct CriterionScore: Sendable, Encodable {
    /// The criterion's id.
    public var criterion: String
    /// Its scale type (`binary`, `nominal`, `ordinal`, `interval`).
    public var scale: String
    /// Whether it is the rubric's acceptance criterion.
    public var isAcceptance: Bool
    /// Items with at least one answer to it.
    public var items: Int
    /// Answers to it.
    public var ratings: Int
    /// The mean of the item means (each item's answers averaged first); binary yes = 1. Nil for nominal.
    public var mean: Double?
    /// (mean − min)/(max − min) on the criterion's scale (binary 0–1). Nil for nominal.
    public var normalizedMean: Double?
    /// Percentile bootstrap interval of ``mean``, resampling items. Nil for nominal.
    public var interval: Interval?
    /// Binary criteria: items most of whose raters answered yes (more than half; a tie is not yes), with the
    /// Wilson interval over items.
    public var yes: Proportion?
    /// Nominal criteria: answers per option, every option listed.
    public var distribution: [String: Int]?
    /// Pairwise criteria: which side won each item.
    public var preference: PairwisePreference?

    enum CodingKeys: String, CodingKey {
        case criterion, scale, isAcceptance = "acceptance", items, ratings, mean, normalizedMean = "normalized_mean"
        case low, high, yes, distribution, preference
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(criterion, forKey: .criterion)
        try c.encode(scale, forKey: .scale)
        try c.encode(isAcceptance, forKey: .isAcceptance)
        try c.encode(items, forKey: .items)
        try c.encode(ratings, forKey: .ratings)
        try c.encode(mean, forKey: .mean)
        try c.encode(normalizedMean, forKey: .normalizedMean)
        try c.encode(interval?.low, forKey: .low)
        try c.encode(interval?.high, forKey: .high)
        try c.encode(yes, forKey: .yes)
        try c.encode(distribution, forKey: .distribution)
        try c.encode(preference, forKey: .preference)
    }
}

/// Which side of pairwise items won, item by item: A when more of the item's raters chose A than B, B
/// likewise, otherwise (equal counts, `=` answers only) a tie.
public struct PairwisePreference: Sendable, Hashable, Encodable {
    /// Items won by A, the candidate shown first.
    public var a: Int
    /// Items won by B.
    public var b: Int
    /// Items without a winner.
    public var ties: Int
    /// A's share of the items with a winner, with its Wilson interval: near 0.5 when the display order
    /// (seeded per item) does not sway raters. Nil when every item is a tie.
    public var aShare: Proportion?

    enum CodingKeys: String, CodingKey { case a, b, ties, aShare = "a_share" }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(a, forKey: .a)
        try c.encode(b, forKey: .b)
        try c.encode(ties, forKey: .ties)
        try c.encode(aShare, forKey: .aShare)
    }
}
