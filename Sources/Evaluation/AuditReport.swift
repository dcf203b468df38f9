import GaitCore
import Statistics

/// What the audit concludes about a slice or an attribute.
///
/// The rule, for a slice other than the reference: `insufficient_data` when the slice or the reference has
/// fewer items than the minimum; else, with *flagged* = the four-fifths flag (quality or pass-rate ratio
/// below 0.8) and *significant* = Holm-adjusted Mann–Whitney p < α: `disparity` when both,
/// `possible_disparity` when exactly one, `no_evidence` when neither.
public enum AuditVerdict: String, Sendable, Hashable, Encodable, CaseIterable, Comparable {
    /// The slice the others are compared with.
    case reference
    /// Neither flagged nor significant.
    case noEvidence = "no_evidence"
    /// Too few items in the slice or the reference to judge.
    case insufficientData = "insufficient_data"
    /// Flagged but not significant, or significant but not flagged: a human should look.
    case possibleDisparity = "possible_disparity"
    /// Flagged and significant.
    case disparity

    /// The verdict in words: "possible disparity".
    public var text: String { rawValue.replacingOccurrences(of: "_", with: " ") }

    /// Severity order: reference < no evidence < insufficient data < possible disparity < disparity.
    public static func < (lhs: AuditVerdict, rhs: AuditVerdict) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}

/// What counts as passing in the audit.
public struct PassRule: Sendable, Hashable, Encodable {
    /// `acceptance`: most of an item's raters answered the acceptance criterion yes; `threshold`: the item's
    /// mean quality is at least (at most, when lower is better) ``threshold``.
    public var kind: String
    /// The acceptance criterion, for `acceptance`.
    public var criterion: String?
    /// The quality threshold, for `threshold`.
    public var threshold: Double?

    enum CodingKeys: String, CodingKey { case kind, criterion, threshold }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(criterion, forKey: .criterion)
        try c.encode(threshold, forKey: .threshold)
    }
}

/// The bias audit of a rubric version's ratings over prompt attributes and counterfactual groups.
public struct AuditReport: Sendable, Encodable {
    /// The rubric's name.
    public var rubric: String
    /// Its version (the newest one with ratings in the selection).
    public var version: Int
    /// The scope filter, if any.
    public var scope: String?
    /// The stage filter, if any.
    public var stage: Stage?
    /// The quality criterion.
    public var criterion: String
    /// Its scale.
    public var scaleMinimum: Double
    /// Its scale.
    public var scaleMaximum: Double
    /// Whether lower answers are better (quality is then reflected: min + max − v).
    public var lowerIsBetter: Bool
    /// What passing means.
    public var pass: PassRule
    /// Slices with fewer items are not judged.
    public var minimumItems: Int
    /// The significance level of the adjusted p-values.
    public var alpha: Double
    /// Confidence level and resampling.
    public var settings: ResamplingSettings
    /// How the numbers were computed, in plain words.
    public var method: String
    /// One entry per audited attribute, by name.
    public var attributes: [AttributeAudit]
    /// Paired tests over counterfactual groups.
    public var counterfactual: CounterfactualAudit

    enum CodingKeys: String, CodingKey {
        case rubric, version, scope, stage, criterion, scale, lowerIsBetter = "lower_is_better", pass
        case minimumItems = "min_n", alpha, confidence, resamples, seed, method, attributes, counterfactual
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(rubric, forKey: .rubric)
        try c.encode(version, forKey: .version)
        try c.encode(scope, forKey: .scope)
        try c.encode(stage, forKey: .stage)
        try c.encode(criterion, forKey: .criterion)
        try c.encode(["min": scaleMinimum, "max": scaleMaximum], forKey: .scale)
        try c.encode(lowerIsBetter, forKey: .lowerIsBetter)
        try c.encode(pass, forKey: .pass)
        try c.encode(minimumItems, forKey: .minimumItems)
        try c.encode(alpha, forKey: .alpha)
        try c.encode(settings.confidence, forKey: .confidence)
        try c.encode(settings.resamples, forKey: .resamples)
        try c.encode(settings.seed, forKey: .seed)
        try c.encode(method, forKey: .method)
        try c.encode(attributes, forKey: .attributes)
        try c.encode(counterfactual, forKey: .counterfactual)
    }
}

/// One audited attribute and its slices.
public struct AttributeAudit: Sendable, Encodable {
    /// The attribute's name.
    public var attribute: String
    /// The reference slice's value.
    public var reference: String
    /// Every slice, the reference included, by value.
    public var slices: [SliceAudit]
    /// The most severe verdict among the slices (``AuditVerdict`` order).
    public var verdict: AuditVerdict

    enum CodingKeys: String, CodingKey { case attribute, reference, slices, verdict }
}

/// Item-level quality of a slice: mean, normalized mean and bootstrap interval.
public struct QualityEstimate: Sendable, Hashable, Encodable {
    /// The mean of the item qualities (reflected when lower is better).
    public var mean: Double
    /// (mean − min)/(max − min).
    public var normalizedMean: Double
    /// Percentile bootstrap interval of the mean over items.
    public var interval: Interval

    enum CodingKeys: String, CodingKey { case mean, normalizedMean = "normalized_mean", low, high }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mean, forKey: .mean)
        try c.encode(normalizedMean, forKey: .normalizedMean)
        try c.encode(interval.low, forKey: .low)
        try c.encode(interval.high, forKey: .high)
    }
}

/// One slice of an attribute against the reference slice.
public struct SliceAudit: Sendable, Encodable {
    /// The attribute's value.
    public var value: String
    /// Whether this is the reference slice.
    public var isReference: Bool
    /// Rated items in the slice.
    public var items: Int
    /// Ratings with answers in those items.
    public var ratings: Int
    /// Item-level quality with interval.
    public var quality: QualityEstimate
    /// Items that pass, with the Wilson interval.
    public var pass: Proportion
    /// Normalized mean quality / the reference's; nil when the reference's is 0.
    public var qualityRatio: Double?
    /// Pass rate / the reference's; nil when the reference's is 0.
    public var passRatio: Double?
    /// Either ratio below 0.8 (the four-fifths rule read one-sided: quality is higher-is-better).
    public var fourFifthsFlag: Bool
    /// Two-sided Mann–Whitney p of the item qualities against the reference's; nil for the reference.
    public var mannWhitneyP: Double?
    /// Two-sided permutation p of the difference in mean item quality; nil for the reference.
    public var permutationP: Double?
    /// Holm-adjusted ``mannWhitneyP`` over every judged slice of the audit; nil when not judged.
    public var mannWhitneyAdjustedP: Double?
    /// Holm-adjusted ``permutationP`` over every judged slice of the audit; nil when not judged.
    public var permutationAdjustedP: Double?
    /// The verdict.
    public var verdict: AuditVerdict
    /// Agreement of the raters on the quality criterion within the slice.
    public var agreement: AlphaSummary

    enum CodingKeys: String, CodingKey {
        case value, isReference = "reference", items, ratings, quality, pass, qualityRatio = "quality_ratio"
        case passRatio = "pass_ratio", fourFifthsFlag = "four_fifths_flag", mannWhitneyP = "mann_whitney_p"
        case permutationP = "permutation_p", mannWhitneyAdjustedP = "mann_whitney_holm_p"
        case permutationAdjustedP = "permutation_holm_p", verdict, agreement
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(value, forKey: .value)
        try c.encode(isReference, forKey: .isReference)
        try c.encode(items, forKey: .items)
        try c.encode(ratings, forKey: .ratings)
        try c.encode(quality, forKey: .quality)
        try c.encode(pass, forKey: .pass)
        try c.encode(qualityRatio, forKey: .qualityRatio)
        try c.encode(passRatio, forKey: .passRatio)
        try c.encode(fourFifthsFlag, forKey: .fourFifthsFlag)
        try c.encode(mannWhitneyP, forKey: .mannWhitneyP)
        try c.encode(permutationP, forKey: .permutationP)
        try c.encode(mannWhitneyAdjustedP, forKey: .mannWhitneyAdjustedP)
        try c.encode(permutationAdjustedP, forKey: .permutationAdjustedP)
        try c.encode(verdict, forKey: .verdict)
        try c.encode(agreement, forKey: .agreement)
    }
}

/// The paired comparisons of counterfactual groups.
public struct CounterfactualAudit: Sendable, Encodable {
    /// Counterfactual groups among the rated prompts.
    public var groups: Int
    /// One paired test per attribute and non-reference value, by attribute then value.
    public var comparisons: [CounterfactualComparison]
    /// Every pair: a member against its group's reference member.
    public var pairs: [CounterfactualPairScore]
    /// Groups (or attributes of a group) that could not be paired, and why.
    public var unpaired: [String]
}

/// Members with one attribute value against the reference members of their groups.
public struct CounterfactualComparison: Sendable, Encodable {
    /// The attribute that differs within the groups.
    public var attribute: String
    /// The members' value.
    public var value: String
    /// The reference members' value.
    public var reference: String
    /// Pairs (one per member with this value).
    public var pairs: Int
    /// Mean of member quality − reference member quality.
    public var meanDifference: Double
    /// Wilcoxon signed-rank test of the differences.
    public var wilcoxon: WilcoxonResult
    /// The Wilcoxon p used for the adjustment: the exact one where defined, else the normal approximation;
    /// nil when every difference is 0.
    public var p: Double?
    /// Holm-adjusted ``p`` over the audit's counterfactual comparisons.
    public var adjustedP: Double?
    /// The sign-flip test of the mean difference.
    public var signFlip: SignFlipResult

    enum CodingKeys: String, CodingKey {
        case attribute, value, reference, pairs, meanDifference = "mean_difference", wilcoxon, p
        case adjustedP = "holm_p", signFlipP = "sign_flip_p", signFlipExact = "sign_flip_exact"
    }

    enum WilcoxonKeys: String, CodingKey { case nonZero = "n_nonzero", wPlus = "w_plus", wMinus = "w_minus", z, p, exactP = "exact_p" }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(attribute, forKey: .attribute)
        try c.encode(value, forKey: .value)
        try c.encode(reference, forKey: .reference)
        try c.encode(pairs, forKey: .pairs)
        try c.encode(meanDifference, forKey: .meanDifference)
        var w = c.nestedContainer(keyedBy: WilcoxonKeys.self, forKey: .wilcoxon)
        try w.encode(wilcoxon.nonZero, forKey: .nonZero)
        try w.encode(wilcoxon.wPlus, forKey: .wPlus)
        try w.encode(wilcoxon.wMinus, forKey: .wMinus)
        try w.encode(wilcoxon.z, forKey: .z)
        try w.encode(wilcoxon.p, forKey: .p)
        try w.encode(wilcoxon.exactP, forKey: .exactP)
        try c.encode(p, forKey: .p)
        try c.encode(adjustedP, forKey: .adjustedP)
        try c.encode(signFlip.p, forKey: .signFlipP)
        try c.encode(signFlip.exact, forKey: .signFlipExact)
    }
}

/// One member of a counterfactual group against the group's reference member.
public struct CounterfactualPairScore: Sendable, Hashable, Encodable {
    /// The group.
    public var group: String
    /// The attribute that differs.
    public var attribute: String
    /// The member's prompt id and attribute value.
    public var prompt: String
    /// The member's value.
    public var value: String
    /// The reference member's prompt id.
    public var referencePrompt: String
    /// The reference member's value.
    public var referenceValue: String
    /// The member's quality: the mean of its items' qualities.
    public var quality: Double
    /// The reference member's quality.
    public var referenceQuality: Double
    /// The member's candidate ids (of its rated items), for showing outputs side by side.
    public var candidates: [Int64]
    /// The reference member's candidate ids.
    public var referenceCandidates: [Int64]

    /// quality − referenceQuality.
    public var difference: Double { quality - referenceQuality }

    enum CodingKeys: String, CodingKey {
        case group, attribute, prompt, value, referencePrompt = "reference_prompt", referenceValue = "reference_value"
        case quality, referenceQuality = "reference_quality", difference, candidates
        case referenceCandidates = "reference_candidates"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(group, forKey: .group)
        try c.encode(attribute, forKey: .attribute)
        try c.encode(prompt, forKey: .prompt)
        try c.encode(value, forKey: .value)
        try c.encode(referencePrompt, forKey: .referencePrompt)
        try c.encode(referenceValue, forKey: .referenceValue)
        try c.encode(quality, forKey: .quality)
        try c.encode(referenceQuality, forKey: .referenceQuality)
        try c.encode(difference, forKey: .difference)
        try c.encode(candidates, forKey: .candidates)
        try c.encode(referenceCandidates, forKey: .referenceCandidates)
    }
}
