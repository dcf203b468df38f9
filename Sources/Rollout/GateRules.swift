import GaitCore

/// A promotion a gate decides: one stage up.
public enum Transition: String, Sendable, Hashable, Codable, CaseIterable {
    case crawlToWalk = "crawl->walk"
    case walkToRun = "walk->run"

    /// The stage a scope leaves.
    public var from: Stage {
        switch self {
        case .crawlToWalk: .crawl
        case .walkToRun: .walk
        }
    }

    /// The stage a scope enters.
    public var to: Stage {
        switch self {
        case .crawlToWalk: .walk
        case .walkToRun: .run
        }
    }

    /// The transition from `from` to `to`, when they are one stage apart upwards.
    public init?(from: Stage, to: Stage) {
        guard let match = Transition.allCases.first(where: { $0.from == from && $0.to == to }) else { return nil }
        self = match
    }

    /// The transition that brought a scope into `stage` (nil for `crawl`): its conditions are the ones
    /// the scope must keep meeting there.
    public init?(into stage: Stage) {
        guard let match = Transition.allCases.first(where: { $0.to == stage }) else { return nil }
        self = match
    }
}

/// The least evidence a gate needs before it can pass or fail on non-critical conditions.
public struct EvidenceFloor: Sendable, Hashable, Codable {
    /// Distinct rated items (gold items and pairwise items do not count).
    public var minItems: Int
    /// Distinct raters who rated them.
    public var minRaters: Int
    /// Days since the scope entered the stage it leaves (not checked when re-checking the current stage).
    public var minDays: Double

    /// A floor; zero everywhere means no floor.
    public init(minItems: Int = 0, minRaters: Int = 0, minDays: Double = 0) {
        self.minItems = minItems
        self.minRaters = minRaters
        self.minDays = minDays
    }

    enum CodingKeys: String, CodingKey {
        case minItems = "min_items", minRaters = "min_raters", minDays = "min_days"
    }
}

/// What a condition measures.
public enum GateMetric: String, Sendable, Hashable, Codable, CaseIterable {
    /// Share of items accepted by the majority of their raters on the rubric's acceptance criterion
    /// (a discard counts as not accepted); Wilson interval over items.
    case acceptanceRate = "acceptance_rate"
    /// Mean of a numeric criterion over all ratings; bootstrap interval resampling items.
    case mean
    /// Mean of a numeric criterion rescaled to 0…1 by its scale; bootstrap interval resampling items.
    case normalizedMean = "normalized_mean"
    /// Share of items that any rater flagged with a flag; Wilson interval over items.
    case flagRate = "flag_rate"
    /// Krippendorff's α of a criterion, at the level its scale implies.
    case alpha
    /// The worst slice's quality over the best slice's (or the reference slice's), per attribute: the
    /// four-fifths rule's disparity ratio.
    case disparity
    /// Two-sided p-value of the paired sign-flip test of quality differences within counterfactual groups.
    case counterfactualP = "counterfactual_p"
    /// Mean generation latency per candidate, in milliseconds; bootstrap interval.
    case latencyMilliseconds = "latency_ms"
    /// Mean generated tokens per candidate; bootstrap interval.
    case tokens

    /// Whether the metric comes with a confidence interval, so `ci_low` and `ci_high` can be named.
    ///
    /// α and the disparity ratio have no interval yet: the Statistics module has no interval estimator
    /// for them (the seam is ``MetricEstimator``); a p-value has none by nature.
    public var hasInterval: Bool {
        switch self {
        case .acceptanceRate, .mean, .normalizedMean, .flagRate, .latencyMilliseconds, .tokens: true
        case .alpha, .disparity, .counterfactualP: false
        }
    }

    /// The keys a condition on this metric may carry besides the common ones.
    var parameters: Set<String> {
        switch self {
        case .acceptanceRate: ["rubric"]
        case .mean, .normalizedMean: ["rubric", "criterion"]
        case .flagRate: ["rubric", "flag"]
        case .alpha: ["rubric", "criterion"]
        case .disparity: ["rubric", "criterion", "attribute", "reference", "min_slice_items"]
        case .counterfactualP: ["rubric", "criterion", "attribute", "reference"]
        case .latencyMilliseconds, .tokens: []
        }
    }

    /// The values a threshold on this metric can meaningfully take.
    var thresholdRange: ClosedRange<Double>? {
        switch self {
        case .acceptanceRate, .flagRate, .normalizedMean, .counterfactualP: 0...1
        case .alpha: -1...1
        case .disparity, .latencyMilliseconds, .tokens: 0...Double.greatestFiniteMagnitude
        case .mean: nil
        }
    }
}

/// Which number of a metric's estimate a condition compares.
public enum GateStatistic: String, Sendable, Hashable, Codable, CaseIterable {
    /// The point estimate.
    case value
    /// The lower bound of the 95% confidence interval.
    case ciLow = "ci_low"
    /// The upper bound of the 95% confidence interval.
    case ciHigh = "ci_high"
}

/// How a statistic is compared with a threshold.
public enum Comparison: String, Sendable, Hashable, Codable, CaseIterable {
    case atLeast = ">="
    case above = ">"
    case atMost = "<="
    case below = "<"

    /// Whether `value` satisfies the comparison with `threshold`.
    public func holds(_ value: Double, _ threshold: Double) -> Bool {
        switch self {
        case .atLeast: value >= threshold
        case .above: value > threshold
        case .atMost: value <= threshold
        case .below: value < threshold
        }
    }

    /// Whether larger values are the good side.
    public var higherIsBetter: Bool { self == .atLeast || self == .above }

    /// The comparison that holds exactly when this one does not.
    public var negation: String {
        switch self {
        case .atLeast: "<"
        case .above: "<="
        case .atMost: ">"
        case .below: ">="
        }
    }
}

/// Where a key of a rules file was written, so a rule rejected later (an unknown criterion) names it.
public struct RuleLocation: Sendable, Hashable {
    /// The file.
    public var source: String
    /// 1-based line, when known.
    public var line: Int?
    /// 1-based column, when known.
    public var column: Int?
    /// The dotted key path, e.g. `gates.crawl->walk.conditions[0].criterion`.
    public var key: String

    /// An error at this location.
    public func error(_ problem: String) -> InputError {
        InputError(source: source, line: line, column: column, key: key, problem: problem)
    }
}

/// One condition of a gate: a metric's statistic compared with a threshold.
public struct GateCondition: Sendable, Hashable, Codable {
    /// A name for reports; defaults to a rendering of the condition.
    public var name: String
    /// What is measured.
    public var metric: GateMetric
    /// Which number of the estimate is compared (`value`, `ci_low`, `ci_high`).
    public var statistic: GateStatistic
    /// How it is compared.
    public var comparison: Comparison
    /// What it is compared with.
    public var threshold: Double
    /// A failing critical condition fails the gate even below the evidence floor (when its interval
    /// lies wholly on the wrong side), fails it when its named bound fails, and triggers demotion.
    public var critical: Bool
    /// The criterion of `mean`, `normalized_mean`, `alpha`, `disparity`, `counterfactual_p`; nil means
    /// each rating's rubric's acceptance criterion.
    public var criterion: String?
    /// Only ratings of this rubric count; nil means every (non-pairwise) rubric.
    public var rubric: String?
    /// The flag of `flag_rate`.
    public var flag: String?
    /// The prompt attribute of `disparity` (nil: every attribute, worst one counts) and of
    /// `counterfactual_p` (required: orients every pair the same way, e.g. f − m).
    public var attribute: String?
    /// The reference slice (attribute value) of `disparity` and `counterfactual_p`; nil means the best
    /// slice for `disparity` and the first member in attribute order for `counterfactual_p`.
    public var reference: String?
    /// Slices with fewer rated items are left out of `disparity`.
    public var minSliceItems: Int
    /// Where each key was written; not part of the rule's identity.
    public var locations: [String: RuleLocation]

    /// A condition; `name` defaults to ``defaultName``, `locations` to none (a condition built in code).
    public init(name: String? = nil, metric: GateMetric, statistic: GateStatistic = .value, comparison: Comparison,
                threshold: Double, critical: Bool = false, criterion: String? = nil, rubric: String? = nil,
                flag: String? = nil, attribute: String? = nil, reference: String? = nil, minSliceItems: Int = 5,
                locations: [String: RuleLocation] = [:]) {
        self.metric = metric
        self.statistic = statistic
        self.comparison = comparison
        self.threshold = threshold
        self.critical = critical
        self.criterion = criterion
        self.rubric = rubric
        self.flag = flag
        self.attribute = attribute
        self.reference = reference
        self.minSliceItems = minSliceItems
        self.locations = locations
        self.name = name ?? ""
        if name == nil { self.name = defaultName }
    }

    /// `acceptance_rate ci_low >= 0.8`, `flag_rate[harmful] ci_high <= 0.01`, `alpha[accept] value >= 0.667`.
    public var defaultName: String {
        var subject = metric.rawValue
        let qualifiers = [flag, criterion, attribute.map { "by \($0)" }].compactMap { $0 }
        if !qualifiers.isEmpty { subject += "[\(qualifiers.joined(separator: ", "))]" }
        if let rubric { subject += " of \(rubric)" }
        return "\(subject) \(statistic.rawValue) \(comparison.rawValue) \(formatNumber(threshold))"
    }

    enum CodingKeys: String, CodingKey {
        case name, metric, statistic, comparison, threshold, critical, criterion, rubric, flag, attribute, reference
        case minSliceItems = "min_slice_items"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try c.decode(String.self, forKey: .name), metric: try c.decode(GateMetric.self, forKey: .metric),
                  statistic: try c.decode(GateStatistic.self, forKey: .statistic),
                  comparison: try c.decode(Comparison.self, forKey: .comparison),
                  threshold: try c.decode(Double.self, forKey: .threshold), critical: try c.decode(Bool.self, forKey: .critical),
                  criterion: try c.decodeIfPresent(String.self, forKey: .criterion),
                  rubric: try c.decodeIfPresent(String.self, forKey: .rubric),
                  flag: try c.decodeIfPresent(String.self, forKey: .flag),
                  attribute: try c.decodeIfPresent(String.self, forKey: .attribute),
                  reference: try c.decodeIfPresent(String.self, forKey: .reference),
                  minSliceItems: try c.decode(Int.self, forKey: .minSliceItems))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(metric, forKey: .metric)
        try c.encode(statistic, forKey: .statistic)
        try c.encode(comparison, forKey: .comparison)
        try c.encode(threshold, forKey: .threshold)
        try c.encode(critical, forKey: .critical)
        try c.encodeIfPresent(criterion, forKey: .criterion)
        try c.encodeIfPresent(rubric, forKey: .rubric)
        try c.encodeIfPresent(flag, forKey: .flag)
        try c.encodeIfPresent(attribute, forKey: .attribute)
        try c.encodeIfPresent(reference, forKey: .reference)
        try c.encode(minSliceItems, forKey: .minSliceItems)
    }

    public static func == (lhs: GateCondition, rhs: GateCondition) -> Bool {
        lhs.name == rhs.name && lhs.metric == rhs.metric && lhs.statistic == rhs.statistic
            && lhs.comparison == rhs.comparison && lhs.threshold == rhs.threshold && lhs.critical == rhs.critical
            && lhs.criterion == rhs.criterion && lhs.rubric == rhs.rubric && lhs.flag == rhs.flag
            && lhs.attribute == rhs.attribute && lhs.reference == rhs.reference && lhs.minSliceItems == rhs.minSliceItems
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(metric)
        hasher.combine(threshold)
    }
}

/// The rule of one transition: its evidence floor and its conditions.
public struct TransitionRule: Sendable, Hashable, Codable {
    /// The least evidence the rule needs.
    public var floor: EvidenceFloor
    /// The conditions, all of which must hold to pass.
    public var conditions: [GateCondition]

    /// A rule of a floor and conditions.
    public init(floor: EvidenceFloor, conditions: [GateCondition]) {
        self.floor = floor
        self.conditions = conditions
    }
}

/// Gate rules: a rule per transition, and per-scope rules that replace them.
public struct GateRules: Sendable, Hashable {
    /// Where the rules were read from, for messages.
    public var source: String
    /// The general rule of each transition.
    public var transitions: [Transition: TransitionRule]
    /// Per scope, rules that replace the general rule of a transition.
    public var scopes: [String: [Transition: TransitionRule]]

    /// Rules from their parts.
    public init(source: String, transitions: [Transition: TransitionRule],
                scopes: [String: [Transition: TransitionRule]] = [:]) {
        self.source = source
        self.transitions = transitions
        self.scopes = scopes
    }

    /// The rule that applies to a scope's transition: the scope's own, else the general one.
    public func rule(for transition: Transition, scope: String) -> TransitionRule {
        scopes[scope]?[transition] ?? transitions[transition] ?? TransitionRule(floor: EvidenceFloor(), conditions: [])
    }
}

/// Numbers in messages and reports: up to 4 significant decimals, no trailing zeros.
func formatNumber(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    var text = String(format: "%.4f", value)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text
}
