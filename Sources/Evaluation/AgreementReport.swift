import GaitStore
import Statistics

/// Inter-rater agreement per rubric version and criterion, and per rater: what `gait agreement` prints.
public typealias WorkspaceAgreementReport = RubricReport<RubricAgreement>

/// Agreement on one rubric version.
public struct RubricAgreement: Sendable, Encodable {
    /// The rubric's name.
    public var rubric: String
    /// Its version.
    public var version: Int
    /// Items with at least one rating with answers.
    public var items: Int
    /// Ratings with answers.
    public var ratings: Int
    /// Per criterion, in rubric order.
    public var criteria: [CriterionAgreement]
    /// Per rater who rated this version, by name.
    public var raters: [RaterSummary]

    enum CodingKeys: String, CodingKey { case rubric, version, items, ratings, criteria, raters }
}

/// Krippendorff's α with the counts it rests on.
public struct AlphaSummary: Sendable, Hashable, Encodable {
    /// The level of measurement.
    public var level: MeasurementLevel
    /// α; nil when undefined.
    public var value: Double?
    /// Why ``value`` is nil.
    public var reason: String?
    /// Items (units), pairable or not.
    public var units: Int
    /// Items with two or more answers: the only ones α compares.
    public var pairableUnits: Int
    /// Answers in those items.
    public var pairableValues: Int

    init(_ result: AlphaResult) {
        level = result.level
        value = result.value
        reason = result.undefinedReason
        units = result.units
        pairableUnits = result.pairableUnits
        pairableValues = result.pairableValues
    }

    enum CodingKeys: String, CodingKey {
        case level, value, reason, units, pairableUnits = "pairable_units", pairableValues = "pairable_values"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(level, forKey: .level)
        try c.encode(value, forKey: .value)
        try c.encode(reason, forKey: .reason)
        try c.encode(units, forKey: .units)
        try c.encode(pairableUnits, forKey: .pairableUnits)
        try c.encode(pairableValues, forKey: .pairableValues)
    }
}

/// A bootstrap interval of α and how many resamples it rests on.
public struct AlphaInterval: Sendable, Hashable, Encodable {
    /// The percentile bounds.
    public var low: Double
    /// The upper bound.
    public var high: Double
    /// Resamples in which α was defined (the interval rests on these).
    public var usedResamples: Int

    enum CodingKeys: String, CodingKey { case low, high, usedResamples = "used_resamples" }
}

/// Cohen's κ between the only two raters of a criterion.
public struct KappaSummary: Sendable, Hashable, Encodable {
    /// The two raters, by name.
    public var raters: [String]
    /// The weights (`none` for binary and nominal, `quadratic` for ordinal).
    public var weights: KappaWeights
    /// κ; nil when undefined.
    public var value: Double?
    /// Why ``value`` is nil.
    public var reason: String?
    /// Items both raters answered.
    public var units: Int
    /// Observed (weighted) agreement; nil without units.
    public var observedAgreement: Double?
    /// Agreement expected from the raters' marginals; nil without units.
    public var expectedAgreement: Double?

    enum CodingKeys: String, CodingKey {
        case raters, weights, value, reason, units
        case observedAgreement = "observed_agreement", expectedAgreement = "expected_agreement"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(raters, forKey: .raters)
        try c.encode(weights, forKey: .weights)
        try c.encode(value, forKey: .value)
        try c.encode(reason, forKey: .reason)
        try c.encode(units, forKey: .units)
        try c.encode(observedAgreement, forKey: .observedAgreement)
        try c.encode(expectedAgreement, forKey: .expectedAgreement)
    }
}

/// Agreement on one criterion.
public struct CriterionAgreement: Sendable, Encodable {
    /// The criterion's id.
    public var criterion: String
    /// Its scale type.
    public var scale: String
    /// Krippendorff's α at the criterion's level.
    public var alpha: AlphaSummary
    /// Percentile bootstrap interval of α over items; nil when α is undefined.
    public var interval: AlphaInterval?
    /// Cohen's κ when exactly two raters answered the criterion (not for interval scales); nil otherwise.
    public var kappa: KappaSummary?
    /// Each rater's agreement with the others on this criterion, by name.
    public var raters: [RaterAgreement]

    enum CodingKeys: String, CodingKey { case criterion, scale, alpha, interval, kappa, raters }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(criterion, forKey: .criterion)
        try c.encode(scale, forKey: .scale)
        try c.encode(alpha, forKey: .alpha)
        try c.encode(interval, forKey: .interval)
        try c.encode(kappa, forKey: .kappa)
        try c.encode(raters, forKey: .raters)
    }
}

/// One rater's agreement with the others on one criterion.
public struct RaterAgreement: Sendable, Hashable, Encodable {
    /// The rater.
    public var rater: String
    /// Their answers to the criterion.
    public var ratings: Int
    /// Pairs of their answer with another rater's answer on the same item.
    public var pairs: Int
    /// The share of those pairs with the same answer; nil without pairs.
    public var pairwiseAgreement: Double?
    /// α of everyone else, with this rater's answers left out; nil when undefined. Above the overall α,
    /// the others agree better without them.
    public var alphaWithout: Double?

    enum CodingKeys: String, CodingKey {
        case rater, ratings, pairs, pairwiseAgreement = "pairwise_agreement", alphaWithout = "alpha_without"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(rater, forKey: .rater)
        try c.encode(ratings, forKey: .ratings)
        try c.encode(pairs, forKey: .pairs)
        try c.encode(pairwiseAgreement, forKey: .pairwiseAgreement)
        try c.encode(alphaWithout, forKey: .alphaWithout)
    }
}

/// A rater's answers on gold items compared with the expected answers.
public struct GoldAccuracy: Sendable, Hashable, Encodable {
    /// Gold items the rater holds a live rating of.
    public var items: Int
    /// Answers compared with an expected answer.
    public var answers: Int
    /// Of those, how many matched.
    public var correct: Int

    /// A gold score.
    public init(items: Int, answers: Int, correct: Int) {
        self.items = items
        self.answers = answers
        self.correct = correct
    }

    /// The store's gold score of a rater.
    public init(_ score: RaterReport.GoldScore) {
        self.init(items: score.items, answers: score.answers, correct: score.correct)
    }

    /// correct / answers; nil before any answer.
    public var accuracy: Double? { answers > 0 ? Double(correct) / Double(answers) : nil }

    enum CodingKeys: String, CodingKey { case items, answers, correct, accuracy }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        try c.encode(answers, forKey: .answers)
        try c.encode(correct, forKey: .correct)
        try c.encode(accuracy, forKey: .accuracy)
    }
}

/// A rater's ratings of a rubric version and their gold accuracy.
public struct RaterSummary: Sendable, Hashable, Encodable {
    /// The rater.
    public var rater: String
    /// Their live ratings with answers of this rubric version.
    public var ratings: Int
    /// Their answers on gold items, over every rubric (expected answers compared as stored).
    public var gold: GoldAccuracy
}
