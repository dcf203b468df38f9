import Foundation
import GaitStore
import Statistics

/// One slice's quality compared with the best-served slice of its attribute, and what bias feedback does about it.
public struct SliceFeedback: Sendable, Hashable {
    public var attribute: String
    public var value: String
    public var comparison: SliceComparison
    /// Whether the four-fifths rule flags it (a disparity ratio below 0.8).
    public var flagged: Bool
    /// How many copies of each of its training rows are written (1 = not upsampled).
    public var factor: Int

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.attribute == rhs.attribute && lhs.value == rhs.value && lhs.flagged == rhs.flagged && lhs.factor == rhs.factor
            && lhs.comparison == rhs.comparison
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(attribute)
        hasher.combine(value)
        hasher.combine(factor)
    }
}

/// Bias feedback: slices that the audit flags are upsampled in the training split.
///
/// Per prompt attribute with two or more slices, each slice's candidate scores are compared with the
/// slice whose pass rate is highest (the four-fifths rule compares every group with the group selected
/// most often: EEOC Uniform Guidelines, 29 CFR 1607.4(D)) by ``compareSlices(_:reference:scale:resamples:seed:)``.
/// A flagged slice (pass-rate or normalized-mean ratio below 0.8) has its training rows duplicated
/// ⌈1/ratio⌉ times, at least twice and at most `maxUpsample` times (a ratio of 0 takes the cap). A row in
/// several flagged slices takes the largest factor, not the product. The held-out split is never upsampled,
/// and no row carries a weight: none of TRL, Axolotl or OpenAI reads one.
public enum BiasFeedback {
    /// The slices of every attribute, with their flags and factors, sorted by attribute then value.
    public static func slices(scores: [Int64: CandidateScore], candidates: [Int64: TuningCandidate],
                              prompts: [Int64: TuningPrompt], criterion: ScoringCriterion, maxUpsample: Int,
                              seed: UInt64) throws -> [SliceFeedback] {
        var byAttribute: [String: [String: [Double]]] = [:]
        for (candidateID, score) in scores {
            guard let promptID = candidates[candidateID]?.promptRowID, let prompt = prompts[promptID] else { continue }
            for (attribute, value) in prompt.attributes {
                byAttribute[attribute, default: [:]][value, default: []].append(score.mean)
            }
        }
        let scale = QualityScale(minimum: criterion.minimum, maximum: criterion.maximum,
                                 passThreshold: criterion.orientedThreshold)
        var result: [SliceFeedback] = []
        for (attribute, slices) in byAttribute.sorted(by: { $0.key < $1.key }) where slices.count >= 2 {
            // Sorted values make the permutation test independent of dictionary order.
            let values = slices.mapValues { $0.sorted() }
            let reference = values.map { slice, scores in
                (slice, Double(scores.filter { $0 >= scale.passThreshold }.count) / Double(scores.count), scores.count)
            }.min { lhs, rhs in
                if lhs.1 != rhs.1 { return lhs.1 > rhs.1 }
                if lhs.2 != rhs.2 { return lhs.2 > rhs.2 }
                return lhs.0 < rhs.0
            }
            guard let reference else { continue }
            let comparisons = try compareSlices(values, reference: reference.0, scale: scale, resamples: 999, seed: seed)
            for comparison in comparisons {
                let flagged = !comparison.isReference && comparison.fourFifthsFlag
                var factor = 1
                if flagged {
                    let ratio = [comparison.passRateRatio, comparison.normalizedMeanRatio].compactMap { $0 }.min() ?? 0
                    factor = ratio > 0 ? max(2, Int((1 / ratio).rounded(.up))) : maxUpsample
                    factor = min(factor, maxUpsample)
                }
                result.append(SliceFeedback(attribute: attribute, value: comparison.slice, comparison: comparison,
                                            flagged: flagged, factor: factor))
            }
        }
        return result
    }

    /// The number of copies for rows of `prompt`: the largest factor among its slices.
    public static func factor(for prompt: TuningPrompt, slices: [SliceFeedback]) -> Int {
        slices.filter { prompt.attributes[$0.attribute] == $0.value }.map(\.factor).max() ?? 1
    }

    /// Sets the copies of every training example from its prompt's slices; held-out rows keep one copy.
    public static func upsample(_ examples: [Example], slices: [SliceFeedback]) -> [Example] {
        examples.map { example in
            var copy = example
            copy.copies = example.split == .train ? factor(for: example.prompt, slices: slices) : 1
            return copy
        }
    }
}
