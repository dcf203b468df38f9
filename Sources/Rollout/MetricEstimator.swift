import GaitCore
import GaitStore
import Statistics

/// A metric measured on the evidence: a point estimate, its 95% interval when the metric has one, the
/// sample size, and a note saying what was measured (or why nothing could be).
public struct MetricEstimate: Sendable, Hashable, Codable {
    /// The point estimate; nil when the metric could not be measured.
    public var value: Double?
    /// The 95% interval's lower bound, for metrics with an interval.
    public var low: Double?
    /// The 95% interval's upper bound, for metrics with an interval.
    public var high: Double?
    /// Items, candidates, pairs or pairable units behind the estimate.
    public var n: Int
    /// What was measured, or why nothing could be.
    public var note: String?

    /// An estimate from its parts.
    public init(value: Double?, low: Double? = nil, high: Double? = nil, n: Int, note: String? = nil) {
        self.value = value
        self.low = low
        self.high = high
        self.n = n
        self.note = note
    }

    /// No estimate: the reason is the note.
    static func unavailable(_ reason: String, n: Int = 0) -> MetricEstimate {
        MetricEstimate(value: nil, n: n, note: reason)
    }

    /// The number a statistic names.
    public func number(_ statistic: GateStatistic) -> Double? {
        switch statistic {
        case .value: value
        case .ciLow: low
        case .ciHigh: high
        }
    }
}

/// Measures the metrics of gate conditions on gate evidence with the Statistics module.
///
/// Units: rates are over items (an item is accepted when a strict majority of its ratings accept it, a
/// discard counting as a rejection; flagged when any rating carries the flag), so the overlap of several
/// raters per item does not inflate the sample. Means resample whole items in the bootstrap.
///
/// Seam: α and the disparity ratio have point estimates only, because the Statistics module has no
/// interval estimator for them yet; when it gains one (a bootstrap of α over units, an interval of a
/// ratio of proportions), set `low`/`high` in ``alpha(_:)`` and ``disparity(_:)`` and mark the metric in
/// ``GateMetric/hasInterval``.
public struct MetricEstimator: Sendable {
    /// What the metrics are measured on.
    public var evidence: GateEvidence
    /// Bootstrap resamples for mean intervals, and its seed (fixed, so a decision can be reproduced).
    public var resamples: Int
    public var seed: UInt64

    /// An estimator over evidence; the defaults are what gate decisions use.
    public init(evidence: GateEvidence, resamples: Int = 10_000, seed: UInt64 = 0) {
        self.evidence = evidence
        self.resamples = resamples
        self.seed = seed
    }

    /// The estimate of the condition's metric.
    public func estimate(_ condition: GateCondition) -> MetricEstimate {
        let readsRatings = ![.latencyMilliseconds, .tokens].contains(condition.metric)
        if readsRatings, evidence.ratings.isEmpty {
            return .unavailable("no ratings of scope '\(evidence.scope)' in \(evidence.stage.rawValue) yet")
        }
        do {
            switch condition.metric {
            case .acceptanceRate: return try acceptanceRate(condition)
            case .mean: return try mean(condition, normalized: false)
            case .normalizedMean: return try mean(condition, normalized: true)
            case .flagRate: return try flagRate(condition)
            case .alpha: return try alpha(condition)
            case .disparity: return try disparity(condition)
            case .counterfactualP: return try counterfactualP(condition)
            case .latencyMilliseconds: return try candidateMean(evidence.measures.map(\.latencyMilliseconds), "candidates' latency")
            case .tokens: return try candidateMean(evidence.measures.map { Double($0.tokenCount) }, "candidates' tokens")
            }
        } catch {
            return .unavailable("\(error)")
        }
    }

    // MARK: Ratings to values

    /// The ratings a condition reads: of its rubric, or every rubric.
    private func ratings(_ condition: GateCondition) -> [RatingRecord] {
        evidence.ratings.filter { rating in
            guard let rubric = evidence.rubrics[rating.rubricVersionID] else { return false }
            return condition.rubric == nil || rubric.name == condition.rubric
        }
    }

    /// The criterion a rating is read on for this condition: the named one, or its rubric's acceptance one.
    private func criterion(of rating: RatingRecord, _ condition: GateCondition) -> Criterion? {
        guard let rubric = evidence.rubrics[rating.rubricVersionID] else { return nil }
        if let name = condition.criterion { return rubric.criterion(name) }
        return rubric.acceptanceCriterion
    }

    /// A rating's value on the condition's criterion as a number: the numeric answer (binary yes = 1),
    /// rescaled to 0…1 when `normalized`; a discard is 0 on the acceptance criterion and absent elsewhere.
    private func number(_ rating: RatingRecord, _ condition: GateCondition, normalized: Bool) -> Double? {
        guard let criterion = criterion(of: rating, condition) else { return nil }
        if rating.outcome == "discarded" { return criterion.isAcceptance ? 0 : nil }
        guard let value = rating.numeric[criterion.id] else { return nil }
        guard normalized, let range = criterion.scale.numericRange, range.upperBound > range.lowerBound else { return value }
        return (value - range.lowerBound) / (range.upperBound - range.lowerBound)
    }

    /// Values per item, in item order.
    private func itemValues(_ condition: GateCondition, normalized: Bool) -> [(item: Int64, prompt: RatingRecord, values: [Double])] {
        var order: [Int64] = []
        var values: [Int64: [Double]] = [:]
        var first: [Int64: RatingRecord] = [:]
        for rating in ratings(condition) {
            guard let value = number(rating, condition, normalized: normalized) else { continue }
            if values[rating.itemID] == nil {
                order.append(rating.itemID)
                first[rating.itemID] = rating
            }
            values[rating.itemID, default: []].append(value)
        }
        return order.compactMap { item in first[item].map { (item, $0, values[item] ?? []) } }
    }

    private func criterionLabel(_ condition: GateCondition) -> String {
        condition.criterion.map { "criterion '\($0)'" } ?? "the acceptance criterion"
    }

    // MARK: Metrics

    private func acceptanceRate(_ condition: GateCondition) throws -> MetricEstimate {
        var plain = condition
        plain.criterion = nil
        let items = itemValues(plain, normalized: false)
        guard !items.isEmpty else { return .unavailable("no rated item has an acceptance criterion") }
        let accepted = items.filter { isMajority($0.values) }.count
        let interval = try wilsonInterval(successes: accepted, trials: items.count)
        return MetricEstimate(value: interval.estimate, low: interval.low, high: interval.high, n: items.count,
                              note: "\(accepted) of \(items.count) items accepted (Wilson 95%)")
    }

    private func isMajority(_ values: [Double]) -> Bool {
        Double(values.filter { $0 >= 0.5 }.count) * 2 > Double(values.count)
    }

    private func flagRate(_ condition: GateCondition) throws -> MetricEstimate {
        guard let flag = condition.flag else { return .unavailable("flag_rate needs a flag") }
        var flagged: [Int64: Bool] = [:]
        for rating in ratings(condition) {
            guard let rubric = evidence.rubrics[rating.rubricVersionID], rubric.flags.contains(flag) else { continue }
            flagged[rating.itemID] = (flagged[rating.itemID] ?? false) || rating.flags.contains(flag)
        }
        guard !flagged.isEmpty else { return .unavailable("no rated item's rubric allows the flag '\(flag)'") }
        let count = flagged.values.filter { $0 }.count
        let interval = try wilsonInterval(successes: count, trials: flagged.count)
        return MetricEstimate(value: interval.estimate, low: interval.low, high: interval.high, n: flagged.count,
                              note: "\(count) of \(flagged.count) items flagged '\(flag)' (Wilson 95%)")
    }

    private func mean(_ condition: GateCondition, normalized: Bool) throws -> MetricEstimate {
        let items = itemValues(condition, normalized: normalized)
        guard !items.isEmpty else { return .unavailable("no rating answers \(criterionLabel(condition))") }
        let interval = try bootstrapMeanInterval(items: items.map(\.values), resamples: resamples, seed: seed)
        let count = items.reduce(0) { $0 + $1.values.count }
        return MetricEstimate(value: interval.estimate, low: interval.low, high: interval.high, n: items.count,
                              note: "\(count) ratings of \(items.count) items (bootstrap 95%, \(resamples) resamples over items)")
    }

    private func alpha(_ condition: GateCondition) throws -> MetricEstimate {
        var data = ReliabilityData()
        var level: MeasurementLevel?
        var units = 0
        var unitValues: [Int64: [Double]] = [:]
        var order: [Int64] = []
        for rating in ratings(condition) where rating.outcome != "discarded" {
            guard let criterion = criterion(of: rating, condition), let answer = rating.values[criterion.id] else { continue }
            let code: Double?
            if let options = criterion.scale.options, criterion.scale.numericRange == nil {
                code = options.firstIndex(of: answer).map(Double.init)
            } else {
                code = rating.numeric[criterion.id]
            }
            guard let code else { continue }
            level = level ?? MeasurementLevel(rawValue: criterion.scale.agreementLevel)
            if unitValues[rating.itemID] == nil { order.append(rating.itemID) }
            unitValues[rating.itemID, default: []].append(code)
        }
        for item in order {
            data.appendUnit(unitValues[item] ?? [])
            units += 1
        }
        guard let level, units > 0 else { return .unavailable("no rating answers \(criterionLabel(condition))") }
        let result = try krippendorffAlpha(data, level: level)
        guard let value = result.value else {
            return .unavailable("α is undefined: \(result.undefinedReason ?? "no pairable values")", n: result.pairableUnits)
        }
        return MetricEstimate(value: value, n: result.pairableUnits,
                              note: "\(level.rawValue) α over \(result.pairableUnits) items rated more than once")
    }

    private func disparity(_ condition: GateCondition) throws -> MetricEstimate {
        let items = itemValues(condition, normalized: true)
        guard !items.isEmpty else { return .unavailable("no rating answers \(criterionLabel(condition))") }
        let attributes = condition.attribute.map { [$0] }
            ?? Set(items.flatMap { $0.prompt.attributes.keys }).sorted()
        guard !attributes.isEmpty else { return .unavailable("no rated prompt carries an attribute to slice by") }
        let acceptance = condition.criterion == nil
        var worst: (ratio: Double, text: String, n: Int)?
        var skipped: [String] = []
        for attribute in attributes {
            var slices: [String: [Double]] = [:]
            for item in items {
                guard let slice = item.prompt.attributes[attribute] else { continue }
                let score = acceptance ? (isMajority(item.values) ? 1 : 0) : item.values.reduce(0, +) / Double(item.values.count)
                slices[slice, default: []].append(score)
            }
            let small = slices.filter { $0.value.count < condition.minSliceItems }.keys.sorted()
            if !small.isEmpty { skipped.append(contentsOf: small.map { "\(attribute)=\($0)" }) }
            slices = slices.filter { $0.value.count >= condition.minSliceItems }
            guard slices.count >= 2 else { continue }
            let means = slices.mapValues { $0.reduce(0, +) / Double($0.count) }
            let reference: String
            if let wanted = condition.reference {
                guard slices[wanted] != nil else { continue }
                reference = wanted
            } else {
                reference = means.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key ?? ""
            }
            let rows = try compareSlices(slices, reference: reference,
                                         scale: QualityScale(minimum: 0, maximum: 1, passThreshold: 1), resamples: 1)
            for row in rows where !row.isReference {
                guard let ratio = acceptance ? row.passRateRatio : row.normalizedMeanRatio else { continue }
                if worst == nil || ratio < worst?.ratio ?? .infinity {
                    worst = (ratio, "\(attribute)=\(row.slice) against \(attribute)=\(reference)", row.n)
                }
            }
        }
        let skippedNote = skipped.isEmpty ? "" : "; left out (under \(condition.minSliceItems) items): \(skipped.joined(separator: ", "))"
        guard let worst else {
            return .unavailable("no attribute has two slices with \(condition.minSliceItems) or more rated items, or the reference's quality is 0\(skippedNote)")
        }
        return MetricEstimate(value: worst.ratio, n: worst.n, note: "worst slice \(worst.text)\(skippedNote)")
    }

    private func counterfactualP(_ condition: GateCondition) throws -> MetricEstimate {
        // Differences must point the same way in every group (say f − m) or the test loses its meaning.
        guard let attribute = condition.attribute else { return .unavailable("counterfactual_p needs an attribute") }
        var byPrompt: [Int64: (rating: RatingRecord, values: [Double])] = [:]
        for rating in ratings(condition) where rating.counterfactualGroup != nil {
            guard let value = number(rating, condition, normalized: true) else { continue }
            byPrompt[rating.promptRowID, default: (rating, [])].values.append(value)
        }
        var groups: [String: [(key: String, mean: Double)]] = [:]
        for (rating, values) in byPrompt.values {
            guard let group = rating.counterfactualGroup else { continue }
            guard let key = rating.attributes[attribute] else { continue }
            groups[group, default: []].append((key, values.reduce(0, +) / Double(values.count)))
        }
        var differences: [Double] = []
        for group in groups.keys.sorted() {
            var members = (groups[group] ?? []).sorted { $0.key < $1.key }
            if let reference = condition.reference {
                guard let index = members.firstIndex(where: { $0.key == reference }) else { continue }
                members.insert(members.remove(at: index), at: 0)
            }
            guard let base = members.first else { continue }
            for member in members.dropFirst() { differences.append(member.mean - base.mean) }
        }
        guard !differences.isEmpty else {
            return .unavailable("no counterfactual group has two rated members with attribute '\(attribute)'")
        }
        let test = try signFlipTest(differences: differences, resamples: resamples, seed: seed)
        let meanDifference = differences.reduce(0, +) / Double(differences.count)
        return MetricEstimate(value: test.p, n: differences.count,
                              note: "\(differences.count) pairs, mean difference \(formatNumber(meanDifference)) on 0…1 (sign-flip test, \(test.exact ? "exact" : "Monte Carlo"))")
    }

    private func candidateMean(_ values: [Double], _ what: String) throws -> MetricEstimate {
        guard !values.isEmpty else { return .unavailable("no candidate was generated in the stage") }
        let interval = try bootstrapMeanInterval(items: values.map { [$0] }, resamples: resamples, seed: seed)
        return MetricEstimate(value: interval.estimate, low: interval.low, high: interval.high, n: values.count,
                              note: "mean of \(values.count) \(what) (bootstrap 95%)")
    }
}
