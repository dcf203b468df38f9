import GaitCore

extension GateRules {
    /// The rules `gait init` writes into `gait.yaml` (the `gates:` section of
    /// `WorkspaceConfig.defaultText`), which apply when a workspace's `gait.yaml` has no `gates:`.
    ///
    /// They follow the example of *AI Engineering* (Huyen, ch. 1): crawl→walk needs an acceptance rate
    /// whose interval's lower bound is at least 0.80, α ≥ 0.667 on the acceptance criterion, no slice
    /// disparity below 0.8 and a harmful-flag rate whose upper bound is at most 1%; walk→run needs the
    /// acceptance rate's lower bound at 0.95. Both fail outright, and demote on a re-check, when the
    /// harmful-flag rate is proven above 1% (its lower bound exceeds it).
    public static let defaults: GateRules = {
        do {
            guard let rules = try parse(yaml: WorkspaceConfig.defaultText, source: "the default gate rules", base: [:]) else {
                preconditionFailure("WorkspaceConfig.defaultText has no gates: section")
            }
            return rules
        } catch {
            preconditionFailure("the default gate rules do not parse: \(error)")
        }
    }()

    /// Reads the `gates:` section of a `gait.yaml`-shaped file.
    ///
    /// - Returns: the rules, or nil when the file has no `gates:` section. Transitions the section leaves
    ///   out keep their default rule.
    /// - Throws: `InputError` naming file, line and key for anything unknown or out of range.
    public static func parse(yaml text: String, source: String) throws -> GateRules? {
        try parse(yaml: text, source: source, base: defaults.transitions)
    }

    private static func parse(yaml text: String, source: String, base: [Transition: TransitionRule]) throws -> GateRules? {
        let root = try YAMLNode.parse(text, source: source)
        try root.allowOnly(["stages", "queue", "cost", "gates"])
        guard let gates = try root.optional("gates") else { return nil }
        var rules = GateRules(source: source, transitions: base)
        let transitionKeys = Set(Transition.allCases.map(\.rawValue))
        try gates.allowOnly(transitionKeys.union(["scopes"]))
        rules.transitions.merge(try parseTransitions(gates), uniquingKeysWith: { $1 })
        if let scopes = try gates.optional("scopes") {
            for (scope, node) in try scopes.entries() {
                guard Identifier.isValid(scope) else {
                    throw node.error("'\(scope)' is not a valid scope name")
                }
                try node.allowOnly(transitionKeys)
                rules.scopes[scope] = try parseTransitions(node)
            }
        }
        return rules
    }

    private static func parseTransitions(_ node: YAMLNode) throws -> [Transition: TransitionRule] {
        var result: [Transition: TransitionRule] = [:]
        for transition in Transition.allCases {
            if let rule = try node.optional(transition.rawValue) {
                result[transition] = try parseRule(rule)
            }
        }
        return result
    }

    private static func parseRule(_ node: YAMLNode) throws -> TransitionRule {
        try node.allowOnly(["evidence", "conditions"])
        var floor = EvidenceFloor()
        if let evidence = try node.optional("evidence") {
            try evidence.allowOnly(["min_items", "min_raters", "min_days"])
            if let value = try evidence.optional("min_items") { floor.minItems = try nonNegative(value.int(), value) }
            if let value = try evidence.optional("min_raters") { floor.minRaters = try nonNegative(value.int(), value) }
            if let value = try evidence.optional("min_days") { floor.minDays = try nonNegative(value.double(), value) }
        }
        let conditions = try node.required("conditions").elements().map(parseCondition)
        guard !conditions.isEmpty else {
            throw try node.required("conditions").error("a gate needs at least one condition")
        }
        return TransitionRule(floor: floor, conditions: conditions)
    }

    private static func nonNegative<T: Comparable & Numeric>(_ value: T, _ node: YAMLNode) throws -> T {
        guard value >= 0 else { throw node.error("must not be negative, found \(value)") }
        return value
    }

    private static let commonKeys: Set<String> = ["name", "metric", "statistic", "comparison", "threshold", "critical"]

    private static func parseCondition(_ node: YAMLNode) throws -> GateCondition {
        var locations: [String: RuleLocation] = [:]
        func locate(_ key: String, _ value: YAMLNode) {
            locations[key] = RuleLocation(source: value.source, line: value.line, column: value.column, key: value.path)
        }
        let metricNode = try node.required("metric")
        let metricName = try metricNode.string()
        guard let metric = GateMetric(rawValue: metricName) else {
            throw metricNode.error("unknown metric '\(metricName)'; expected one of: \(GateMetric.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        locate("metric", metricNode)
        try node.allowOnly(commonKeys.union(metric.parameters))

        var statistic = GateStatistic.value
        if let statisticNode = try node.optional("statistic") {
            let text = try statisticNode.string()
            guard let parsed = GateStatistic(rawValue: text) else {
                throw statisticNode.error("unknown statistic '\(text)'; expected value, ci_low or ci_high")
            }
            if parsed != .value, !metric.hasInterval {
                throw statisticNode.error("\(metric.rawValue) has no confidence interval, so only its value can be compared; found '\(text)'")
            }
            statistic = parsed
        }
        let comparisonNode = try node.required("comparison")
        let comparisonText = try comparisonNode.string()
        guard let comparison = Comparison(rawValue: comparisonText) else {
            throw comparisonNode.error("unknown comparison '\(comparisonText)'; expected one of \">=\", \">\", \"<=\", \"<\" (quoted in YAML)")
        }
        let thresholdNode = try node.required("threshold")
        let threshold = try thresholdNode.double()
        if let range = metric.thresholdRange, !range.contains(threshold) {
            let bounds = range.upperBound == .greatestFiniteMagnitude
                ? "at least \(formatNumber(range.lowerBound))"
                : "between \(formatNumber(range.lowerBound)) and \(formatNumber(range.upperBound))"
            throw thresholdNode.error("a threshold of \(metric.rawValue) must be \(bounds), found \(formatNumber(threshold))")
        }
        let critical = try node.optional("critical")?.bool() ?? false
        func text(_ key: String) throws -> String? {
            guard let value = try node.optional(key) else { return nil }
            let string = try value.string()
            guard !string.isEmpty else { throw value.error("must not be empty") }
            locate(key, value)
            return string
        }
        let name = try text("name")
        let criterion = try text("criterion")
        let rubric = try text("rubric")
        let flag = try text("flag")
        let attribute = try text("attribute")
        let reference = try text("reference")
        if metric == .flagRate, flag == nil {
            throw InputError(source: node.source, line: node.line, column: node.column, key: "\(node.path).flag",
                             problem: "missing required key: flag_rate counts one flag")
        }
        if metric == .counterfactualP, attribute == nil {
            throw InputError(source: node.source, line: node.line, column: node.column, key: "\(node.path).attribute",
                             problem: "missing required key: counterfactual_p orients each pair by an attribute (e.g. gender)")
        }
        var minSliceItems = 5
        if let value = try node.optional("min_slice_items") {
            minSliceItems = try value.int()
            guard minSliceItems >= 1 else { throw value.error("must be at least 1, found \(minSliceItems)") }
        }
        return GateCondition(name: name, metric: metric, statistic: statistic, comparison: comparison,
                             threshold: threshold, critical: critical, criterion: criterion, rubric: rubric, flag: flag,
                             attribute: attribute, reference: reference, minSliceItems: minSliceItems,
                             locations: locations)
    }
}
