import GaitCore
import GaitStore
import Statistics

/// One queue item with its live ratings: the unit every statistic of this module resamples and averages.
///
/// Statistics here are item-level: the ratings of an item are averaged first, so an item rated by three
/// raters weighs as much as an item rated by one.
struct RatedItem: Sendable {
    var itemID: Int64
    var stage: Stage
    var scope: String?
    var promptRowID: Int64
    var promptID: String
    var attributes: [String: String]
    var counterfactualGroup: String?
    var candidateA: Int64
    var candidateB: Int64?
    var runID: Int64
    /// Live ratings with outcome `rated`.
    var ratings: [RatingRecord]
    /// Live ratings with outcome `discarded`.
    var discarded: Int

    /// The items of `records` (ordered by item, as `Workspace.ratings(_:)` returns them), in item order.
    static func group(_ records: [RatingRecord]) -> [RatedItem] {
        var items: [RatedItem] = []
        var index: [Int64: Int] = [:]
        for record in records {
            let position: Int
            if let known = index[record.itemID] {
                position = known
            } else {
                position = items.count
                index[record.itemID] = position
                items.append(RatedItem(itemID: record.itemID, stage: record.stage, scope: record.scope,
                                       promptRowID: record.promptRowID, promptID: record.promptID,
                                       attributes: record.attributes, counterfactualGroup: record.counterfactualGroup,
                                       candidateA: record.candidateA, candidateB: record.candidateB,
                                       runID: record.runID, ratings: [], discarded: 0))
            }
            if record.outcome == "rated" {
                items[position].ratings.append(record)
            } else {
                items[position].discarded += 1
            }
        }
        return items
    }

    /// The numeric answers to `criterion` (binary yes = 1, no = 0).
    func numbers(_ criterion: String) -> [Double] { ratings.compactMap { $0.numeric[criterion] } }

    /// The mean of the numeric answers to `criterion`, nil when none.
    func mean(_ criterion: String) -> Double? {
        let values = numbers(criterion)
        return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// The answers to `criterion` as given (`"4"`, `"yes"`, `"a"`).
    func answers(_ criterion: String) -> [String] { ratings.compactMap { $0.values[criterion] } }

    /// Whether most of the item's ratings answer `criterion` with yes: more than half; a tie is not yes.
    /// Nil when no rating answers it.
    func majorityYes(_ criterion: String) -> Bool? {
        let values = numbers(criterion)
        guard !values.isEmpty else { return nil }
        return 2 * values.filter { $0 == 1 }.count > values.count
    }
}

/// What an answer counts as for agreement: numbers on their scale, options by position.
extension Criterion {
    /// The value Krippendorff's α and κ compare for an answer: the number of binary, ordinal and interval
    /// answers, the position of a nominal option. Nil for an answer not on the scale.
    func agreementValue(_ rating: RatingRecord) -> Double? {
        switch scale {
        case .binary, .ordinal, .interval:
            return rating.numeric[id]
        case .nominal(let options):
            return rating.values[id].flatMap { options.firstIndex(of: $0) }.map(Double.init)
        }
    }

    /// Krippendorff's level for this criterion: binary and nominal → nominal, ordinal, interval.
    var measurementLevel: MeasurementLevel {
        switch scale {
        case .binary, .nominal: .nominal
        case .ordinal: .ordinal
        case .interval: .interval
        }
    }
}

/// The mean of a non-empty list.
func average(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }

/// The Wilson interval of `successes` of `trials` (trials ≥ 1).
func proportion(_ successes: Int, of trials: Int, confidence: Double) throws -> Proportion {
    let ci = try wilsonInterval(successes: successes, trials: trials, confidence: confidence)
    return Proportion(successes: successes, trials: trials, rate: ci.estimate, interval: Interval(low: ci.low, high: ci.high))
}

/// The item-level percentile bootstrap interval of the mean of `values` (one value per item).
func itemBootstrap(_ values: [Double], _ settings: ResamplingSettings) throws -> Interval {
    let ci = try bootstrapMeanInterval(items: values.map { [$0] }, resamples: settings.resamples, seed: settings.seed,
                                       confidence: settings.confidence)
    return Interval(low: ci.low, high: ci.high)
}
