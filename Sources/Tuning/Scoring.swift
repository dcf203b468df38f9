import GaitCore
import GaitStore
import Statistics

/// The criterion answers are ranked by, with its scale turned so that higher is better.
///
/// Scores are kept *oriented*: for a lower-is-better criterion (`harm` 1–5) a value v becomes
/// min + max − v, so thresholds, margins and slice comparisons all read "higher is better".
public struct ScoringCriterion: Sendable, Hashable {
    public var rubric: String
    public var criterion: Criterion
    public var minimum: Double
    public var maximum: Double
    public var lowerIsBetter: Bool
    /// The pass threshold on the criterion's own scale.
    public var threshold: Double
    /// The preference margin, in scale units.
    public var margin: Double

    /// The oriented value of a score.
    public func goodness(_ value: Double) -> Double { lowerIsBetter ? minimum + maximum - value : value }

    /// The pass threshold on the oriented scale.
    public var orientedThreshold: Double { goodness(threshold) }

    /// Krippendorff's level of measurement for the criterion's scale (binary is nominal).
    public var level: MeasurementLevel {
        switch criterion.scale {
        case .ordinal: .ordinal
        case .interval: .interval
        case .binary, .nominal: .nominal
        }
    }

    /// Picks the criterion of `rubric` that `options` name, or the default one, and fixes its threshold and margin.
    ///
    /// - Throws: ``TuningError`` for an unknown, unordered or ambiguous criterion, and for a threshold
    ///   outside the scale or a margin larger than its range.
    public static func resolve(_ rubric: Rubric, options: TuneOptions) throws -> ScoringCriterion {
        let chosen: Criterion
        if let id = options.criterion {
            guard let criterion = rubric.criterion(id) else {
                throw TuningError.unknownCriterion(rubric: rubric.name, criterion: id, available: rubric.criteria.map(\.id))
            }
            chosen = criterion
        } else {
            let ordered = rubric.criteria.filter {
                switch $0.scale {
                case .ordinal, .interval: true
                default: false
                }
            }
            if ordered.count == 1 {
                chosen = ordered[0]
            } else if ordered.count > 1 {
                throw TuningError.ambiguousCriterion(rubric: rubric.name, candidates: ordered.map(\.id))
            } else if let acceptance = rubric.acceptanceCriterion, acceptance.scale == .binary {
                chosen = acceptance
            } else {
                throw TuningError.unorderedCriterion(rubric: rubric.name, criterion: nil,
                                                     detail: "has no ordinal, interval or binary criterion to rank answers by")
            }
        }
        guard let range = chosen.scale.numericRange else {
            let options = chosen.scale.options?.joined(separator: ", ") ?? ""
            throw TuningError.unorderedCriterion(rubric: rubric.name, criterion: chosen.id,
                                                 detail: "is nominal (\(options)) and has no order")
        }
        let span = range.upperBound - range.lowerBound
        let threshold = options.threshold
            ?? (options.lowerIsBetter ? range.lowerBound + 0.25 * span : range.lowerBound + 0.75 * span)
        guard threshold.isFinite, range.contains(threshold) else {
            throw TuningError.invalidOption(
                name: "--threshold", value: format(threshold),
                expected: "a value within the scale \(format(range.lowerBound))…\(format(range.upperBound)) of criterion '\(chosen.id)'")
        }
        let margin = options.margin ?? 0.375 * span
        guard margin.isFinite, margin > 0, margin <= span else {
            throw TuningError.invalidOption(
                name: "--margin", value: format(margin),
                expected: "a positive number up to the range \(format(span)) of criterion '\(chosen.id)'")
        }
        return ScoringCriterion(rubric: rubric.name, criterion: chosen, minimum: range.lowerBound, maximum: range.upperBound,
                                lowerIsBetter: options.lowerIsBetter, threshold: threshold, margin: margin)
    }
}

/// Every rating of one candidate on the scored criterion, aggregated to the item-level verdict.
public struct CandidateScore: Sendable, Hashable {
    public var candidateID: Int64
    /// Oriented values, one per rating (a discarded candidate counts as the worst value).
    public var values: [Double]
    public var ratingIDs: [Int64]
    public var raters: [String]
    /// The mean oriented value.
    public var mean: Double
    /// Whether the mean reaches the threshold.
    public var verdict: Bool
    /// The share of ratings on the same side of the threshold as the verdict.
    public var agreement: Double
    /// Whether most raters set a flag on it (a flagged answer is never a positive example).
    public var flaggedByMajority: Bool
    /// Whether enough raters agree for the item to be used at all.
    public var isClear: Bool

    /// A clear verdict of a good, unflagged answer.
    public var passes: Bool { isClear && verdict && !flaggedByMajority }
}

/// The outcome of one pairwise item with a clear winner.
public struct PairwiseVerdict: Sendable, Hashable {
    public var itemID: Int64
    public var winner: Int64
    public var loser: Int64
    /// The share of votes (ties included) that went to the winner.
    public var agreement: Double
    public var ratingIDs: [Int64]
    public var raters: [String]
}

/// What the pairwise items gave: the verdicts, and how many items were skipped and why.
public struct PairwiseOutcome: Sendable, Hashable {
    public var verdicts: [PairwiseVerdict]
    public var ties: Int
    public var lowAgreement: Int
}

/// Aggregation of ratings into per-candidate scores and pairwise verdicts.
public enum Scoring {
    /// Scores each candidate from its single-item ratings on the criterion.
    ///
    /// A discarded rating counts as the worst value of the scale. The verdict is mean ≥ threshold
    /// (oriented); agreement is the share of ratings on the verdict's side; an item is clear when
    /// agreement ≥ `minAgreement`, and flagged when more than half of its ratings carry a flag.
    public static func candidateScores(_ ratings: [RatingRecord], criterion: ScoringCriterion,
                                       minAgreement: Double) -> [Int64: CandidateScore] {
        var grouped: [Int64: [RatingRecord]] = [:]
        for rating in ratings where rating.candidateB == nil { grouped[rating.candidateA, default: []].append(rating) }
        var scores: [Int64: CandidateScore] = [:]
        for (candidate, group) in grouped {
            var values: [Double] = []
            var used: [RatingRecord] = []
            for rating in group.sorted(by: { $0.ratingID < $1.ratingID }) {
                if rating.outcome == "discarded" {
                    values.append(criterion.minimum)
                } else if let value = rating.numeric[criterion.criterion.id], value.isFinite {
                    values.append(criterion.goodness(value))
                } else {
                    continue
                }
                used.append(rating)
            }
            guard !values.isEmpty else { continue }
            let mean = values.reduce(0, +) / Double(values.count)
            let verdict = mean >= criterion.orientedThreshold
            let agreeing = values.filter { ($0 >= criterion.orientedThreshold) == verdict }.count
            let agreement = Double(agreeing) / Double(values.count)
            let flagged = used.filter { !$0.flags.isEmpty }.count * 2 > used.count
            scores[candidate] = CandidateScore(
                candidateID: candidate, values: values, ratingIDs: used.map(\.ratingID), raters: used.map(\.raterName),
                mean: mean, verdict: verdict, agreement: agreement, flaggedByMajority: flagged,
                isClear: agreement >= minAgreement)
        }
        return scores
    }

    /// The winner of each pairwise item on its criterion (`a`, `b` or `=` per rating).
    ///
    /// The side with the most votes wins when its share of all votes (ties included) is at least
    /// `minAgreement`; equal votes are a tie. Discarded ratings do not vote.
    public static func pairwiseVerdicts(_ ratings: [RatingRecord], criterionByRubric: [Int64: String],
                                        minAgreement: Double) -> PairwiseOutcome {
        var grouped: [Int64: [RatingRecord]] = [:]
        for rating in ratings where rating.candidateB != nil { grouped[rating.itemID, default: []].append(rating) }
        var outcome = PairwiseOutcome(verdicts: [], ties: 0, lowAgreement: 0)
        for (item, group) in grouped.sorted(by: { $0.key < $1.key }) {
            var a: [RatingRecord] = []
            var b: [RatingRecord] = []
            var equal: [RatingRecord] = []
            for rating in group.sorted(by: { $0.ratingID < $1.ratingID }) where rating.outcome == "rated" {
                guard let key = criterionByRubric[rating.rubricVersionID] else { continue }
                switch rating.values[key] {
                case "a": a.append(rating)
                case "b": b.append(rating)
                case "=": equal.append(rating)
                default: continue
                }
            }
            let total = a.count + b.count + equal.count
            guard total > 0, let second = group.first?.candidateB, let first = group.first?.candidateA else { continue }
            guard a.count != b.count else {
                outcome.ties += 1
                continue
            }
            let winners = a.count > b.count ? a : b
            let agreement = Double(winners.count) / Double(total)
            guard agreement >= minAgreement else {
                outcome.lowAgreement += 1
                continue
            }
            let all = (a + b + equal).sorted { $0.ratingID < $1.ratingID }
            outcome.verdicts.append(PairwiseVerdict(
                itemID: item, winner: a.count > b.count ? first : second, loser: a.count > b.count ? second : first,
                agreement: agreement, ratingIDs: all.map(\.ratingID), raters: all.map(\.raterName)))
        }
        return outcome
    }

    /// Krippendorff's α of the scored criterion, one unit per candidate.
    public static func agreement(_ scores: [Int64: CandidateScore], level: MeasurementLevel) throws -> AlphaResult {
        let units = scores.keys.sorted().compactMap { scores[$0]?.values }
        return try krippendorffAlpha(ReliabilityData(units: units), level: level)
    }
}
