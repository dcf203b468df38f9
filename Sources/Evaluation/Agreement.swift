import GaitCore
import GaitStore
import Statistics

/// Inter-rater agreement on the workspace's live ratings (`gait agreement`).
///
/// Per rubric version and criterion: Krippendorff's α (``krippendorffAlpha(_:level:)``) at the criterion's
/// level (binary and nominal → nominal, ordinal, interval) with items as units, its percentile bootstrap
/// interval over items, and Cohen's κ (``cohenKappa(_:_:categoryCount:weights:)``, over the declared
/// scale; quadratic weights for ordinal criteria) when exactly two raters answered the criterion. Per rater
/// and criterion: the share of their answers that equal another rater's on the same item (over all such
/// pairs) and α without their answers. Per rater: gold accuracy (`Workspace.raterReport(named:)`).
///
/// - Throws: `StoreError.notFound` for an unknown rubric, ``EvaluationError`` when no rating matches or a
///   setting is invalid.
public func agreement(_ selection: RatingSelection, settings: ResamplingSettings = ResamplingSettings(),
                      in workspace: Workspace) throws -> WorkspaceAgreementReport {
    try settings.validate()
    let rubrics = try workspace.ratingsByRubric(selection)
    var gold: [String: GoldAccuracy] = [:]
    for name in Set(rubrics.flatMap { $0.ratings.map(\.raterName) }) {
        gold[name] = GoldAccuracy(try workspace.raterReport(named: name).gold)
    }
    return try agreement(of: rubrics, gold: gold, selection: selection, settings: settings)
}

/// ``agreement(_:settings:in:)`` over ratings already read, with each rater's gold score.
public func agreement(of rubrics: [RubricRatings], gold: [String: GoldAccuracy], selection: RatingSelection,
                      settings: ResamplingSettings = ResamplingSettings()) throws -> WorkspaceAgreementReport {
    try settings.validate()
    let results = try rubrics.map { entry in
        let items = RatedItem.group(entry.ratings).filter { !$0.ratings.isEmpty }
        let criteria = try entry.rubric.rubric.criteria.map { try criterionAgreement($0, items: items, settings: settings) }
        var counts: [String: Int] = [:]
        for item in items { for rating in item.ratings { counts[rating.raterName, default: 0] += 1 } }
        return RubricAgreement(
            rubric: entry.rubric.rubric.name, version: entry.rubric.rubric.version, items: items.count,
            ratings: counts.values.reduce(0, +), criteria: criteria,
            raters: counts.keys.sorted().map {
                RaterSummary(rater: $0, ratings: counts[$0] ?? 0,
                             gold: gold[$0] ?? GoldAccuracy(items: 0, answers: 0, correct: 0))
            })
    }
    return WorkspaceAgreementReport(selection: selection, settings: settings, method: agreementMethod(settings),
                                    rubrics: results)
}

func agreementMethod(_ settings: ResamplingSettings) -> String {
    """
    Krippendorff's α per criterion, items as units, at the criterion's level: binary and nominal answers \
    as categories, ordinal answers by rank, interval answers by value; items with a single answer do not \
    enter α (pairable units are those with two or more). The \(percent(settings.confidence)) interval is a \
    percentile bootstrap over the pairable items (\(settings.resamples) resamples, seed \(settings.seed)), \
    resamples where α is undefined left out. Cohen's κ is given when exactly two raters answered a \
    criterion: over the items both answered, on the declared scale, unweighted for binary and nominal, \
    quadratic weights for ordinal. Per rater: pairwise agreement is the share of pairs (their answer, \
    another rater's answer on the same item) that are equal; α without them is α of the other raters' \
    answers alone. Gold accuracy compares each rater's answers on gold items with the expected answers, \
    over every rubric. Gold items are otherwise left out.
    """
}

/// One rater's answer to a criterion on an item.
struct RaterValue {
    var rater: String
    var value: Double
}

/// The answers to `criterion` per item, by rater, in item order (items without answers dropped).
func raterValues(_ criterion: Criterion, items: [RatedItem]) -> [[RaterValue]] {
    items.map { item in
        item.ratings.compactMap { rating in
            criterion.agreementValue(rating).map { RaterValue(rater: rating.raterName, value: $0) }
        }
    }.filter { !$0.isEmpty }
}

func criterionAgreement(_ criterion: Criterion, items: [RatedItem], settings: ResamplingSettings) throws -> CriterionAgreement {
    let units = raterValues(criterion, items: items)
    let level = criterion.measurementLevel
    let alpha = try krippendorffAlpha(ReliabilityData(units: units.map { $0.map(\.value) }), level: level)
    let interval = alpha.value == nil ? nil : try alphaBootstrap(units.map { $0.map(\.value) }, level: level, settings: settings)
    let raters = Set(units.flatMap { $0.map(\.rater) }).sorted()
    let perRater = try raters.map { rater in
        var pairs = 0, equal = 0, own = 0
        for unit in units {
            for mine in unit where mine.rater == rater {
                own += 1
                for other in unit where other.rater != rater {
                    pairs += 1
                    if other.value == mine.value { equal += 1 }
                }
            }
        }
        let others = units.map { $0.filter { $0.rater != rater }.map(\.value) }
        return RaterAgreement(rater: rater, ratings: own, pairs: pairs,
                              pairwiseAgreement: pairs > 0 ? Double(equal) / Double(pairs) : nil,
                              alphaWithout: try krippendorffAlpha(ReliabilityData(units: others), level: level).value)
    }
    return CriterionAgreement(criterion: criterion.id, scale: criterion.scale.typeName, alpha: AlphaSummary(alpha),
                              interval: interval, kappa: try kappa(criterion, units: units, raters: raters),
                              raters: perRater)
}

/// Percentile bootstrap of α: pairable items drawn with replacement, α recomputed, quantiles with linear
/// interpolation (``interpolatedQuantile(sorted:_:)``); resamples where α is undefined are skipped.
func alphaBootstrap(_ units: [[Double]], level: MeasurementLevel, settings: ResamplingSettings) throws -> AlphaInterval? {
    let pairable = units.filter { $0.count >= 2 }
    guard !pairable.isEmpty else { return nil }
    var generator = SeededGenerator(seed: settings.seed)
    var values: [Double] = []
    values.reserveCapacity(settings.resamples)
    for _ in 0..<settings.resamples {
        var data = ReliabilityData()
        for _ in pairable.indices { data.appendUnit(pairable[generator.index(below: pairable.count)]) }
        if let value = try krippendorffAlpha(data, level: level).value { values.append(value) }
    }
    guard !values.isEmpty else { return nil }
    values.sort()
    let tail = (1 - settings.confidence) / 2
    return AlphaInterval(low: interpolatedQuantile(sorted: values, tail), high: interpolatedQuantile(sorted: values, 1 - tail),
                         usedResamples: values.count)
}

/// Cohen's κ when exactly two raters answered, on the declared scale; nil for other counts and for
/// interval scales (no categories).
func kappa(_ criterion: Criterion, units: [[RaterValue]], raters: [String]) throws -> KappaSummary? {
    guard raters.count == 2 else { return nil }
    let categories: Int
    let weights: KappaWeights
    let offset: Double
    switch criterion.scale {
    case .binary:
        (categories, weights, offset) = (2, .none, 0)
    case .nominal(let options):
        (categories, weights, offset) = (options.count, .none, 0)
    case .ordinal(let min, let max, _):
        (categories, weights, offset) = (max - min + 1, .quadratic, Double(min))
    case .interval:
        return nil
    }
    var first: [Int] = [], second: [Int] = []
    for unit in units {
        guard let a = unit.first(where: { $0.rater == raters[0] }), let b = unit.first(where: { $0.rater == raters[1] }) else {
            continue
        }
        first.append(Int(a.value - offset))
        second.append(Int(b.value - offset))
    }
    var summary = KappaSummary(raters: raters, weights: weights, value: nil, reason: nil, units: first.count)
    guard !first.isEmpty else {
        summary.reason = "no item was answered by both raters"
        return summary
    }
    let result = try cohenKappa(first, second, categoryCount: categories, weights: weights)
    summary.value = result.value
    summary.reason = result.undefinedReason
    summary.observedAgreement = result.observedAgreement
    summary.expectedAgreement = result.expectedAgreement
    return summary
}
