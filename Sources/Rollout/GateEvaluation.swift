import Foundation
import GaitCore
import GaitStore

/// One condition as evaluated: the estimate, the number compared, and the result.
public struct ConditionResult: Sendable, Hashable, Codable {
    /// The condition as the rules state it.
    public var condition: GateCondition
    /// The metric measured on the evidence.
    public var estimate: MetricEstimate
    /// The number the condition's statistic names; nil when the metric could not be measured.
    public var observed: Double?
    /// `pass`, `fail` or `inconclusive`, for this condition alone.
    public var result: GateOutcome
    /// Whether the whole interval (or the point, for metrics without one) lies on the wrong side.
    public var decisive: Bool
    /// Why the result is what it is, in words.
    public var explanation: String
}

/// One check of the evidence floor.
public struct FloorCheck: Sendable, Hashable, Codable {
    /// `min_items`, `min_raters` or `min_days`.
    public var name: String
    /// The floor the rule sets.
    public var required: Double
    /// What the evidence has.
    public var observed: Double
    /// Whether `observed` reaches `required`.
    public var met: Bool
}

/// A gate evaluated on evidence: every condition, the floor, and the outcome.
public struct GateEvaluation: Sendable, Hashable, Codable {
    /// The scope decided for.
    public var scope: String
    /// The stage the evidence comes from.
    public var from: Stage
    /// Equal to `from` for a re-check of the current stage.
    public var to: Stage
    /// The gate's outcome.
    public var outcome: GateOutcome
    /// One sentence: why the outcome.
    public var summary: String
    /// The evidence-floor checks (`min_days` is left out of a re-check).
    public var floor: [FloorCheck]
    /// Every condition, in the rule's order.
    public var conditions: [ConditionResult]
    /// Ratings, items and raters in the evidence.
    public var ratings: Int
    public var items: Int
    public var raters: Int
    /// When the evidence window opened.
    public var evidenceSince: String?
    /// Days the scope had spent in `from` when evaluated.
    public var daysInStage: Double
    /// When the gate was evaluated (stored timestamp form).
    public var evaluatedAt: String
    /// The canonical text of the rule applied (its SHA-256 is stored with the decision).
    public var rule: String

    /// Whether this re-checks the stage a scope is in rather than deciding a promotion.
    public var isRecheck: Bool { from == to }

    /// Whether a critical condition failed: what demotes a scope on a re-check.
    public var criticalFailure: Bool { conditions.contains { $0.condition.critical && $0.result == .fail } }

    /// The process exit code a CI job sees: 0 pass, 100 fail, 101 inconclusive.
    public var exitCode: Int32 { outcome.exitCode }
}

extension GateOutcome {
    /// The exit code of `gait gate` for this outcome: 0 pass, 100 fail, 101 inconclusive.
    public var exitCode: Int32 {
        switch self {
        case .pass: 0
        case .fail: 100
        case .inconclusive: 101
        }
    }
}

extension TransitionRule {
    /// The canonical text of the rule: sorted-key JSON of the floor and the conditions.
    public var canonicalText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self), let text = String(data: data, encoding: .utf8) else {
            preconditionFailure("a rule of plain values always encodes")
        }
        return text
    }

    /// Evaluates the rule on evidence.
    ///
    /// Each condition: `pass` when its statistic satisfies the comparison; otherwise `fail` when the
    /// whole interval lies on the wrong side (for a metric without interval, the point) or the condition
    /// is critical; otherwise `inconclusive` (the interval straddles the threshold, or the metric could
    /// not be measured). The gate, in order: `fail` when a critical condition fails decisively (even
    /// below the floor); `inconclusive` when the floor is not met; `fail` when any condition fails;
    /// `inconclusive` when any is inconclusive; else `pass` — the outcomes of Argo Rollouts' analysis
    /// runs and of Kayenta's canary judge, where a critical metric fails the whole run.
    ///
    /// - Parameters:
    ///   - to: the stage the decision is for (`evidence.stage` to re-check the current stage, which
    ///     skips the `min_days` floor).
    public func evaluate(_ evidence: GateEvidence, to: Stage, now: Date, estimator: MetricEstimator? = nil) -> GateEvaluation {
        let estimator = estimator ?? MetricEstimator(evidence: evidence)
        let recheck = evidence.stage == to
        var checks = [
            FloorCheck(name: "min_items", required: Double(floor.minItems), observed: Double(evidence.itemCount),
                       met: evidence.itemCount >= floor.minItems),
            FloorCheck(name: "min_raters", required: Double(floor.minRaters), observed: Double(evidence.raterCount),
                       met: evidence.raterCount >= floor.minRaters),
        ]
        if !recheck {
            checks.append(FloorCheck(name: "min_days", required: floor.minDays, observed: evidence.daysInStage,
                                     met: evidence.daysInStage >= floor.minDays))
        }
        let results = conditions.map { Self.judge($0, estimator.estimate($0)) }
        let unmet = checks.filter { !$0.met }
        let outcome: GateOutcome
        let summary: String
        if let critical = results.first(where: { $0.condition.critical && $0.result == .fail && $0.decisive }) {
            outcome = .fail
            summary = "critical condition '\(critical.condition.name)' fails"
        } else if !unmet.isEmpty {
            outcome = .inconclusive
            summary = "too little evidence: " + unmet.map {
                "\($0.name) \(formatNumber($0.required)), found \(formatNumber($0.observed))"
            }.joined(separator: "; ")
        } else if let failed = results.first(where: { $0.result == .fail }) {
            outcome = .fail
            let count = results.filter { $0.result == .fail }.count
            summary = count == 1 ? "condition '\(failed.condition.name)' fails"
                : "\(count) conditions fail, first '\(failed.condition.name)'"
        } else if let open = results.first(where: { $0.result == .inconclusive }) {
            outcome = .inconclusive
            let count = results.filter { $0.result == .inconclusive }.count
            summary = count == 1 ? "condition '\(open.condition.name)' is inconclusive; a human decides"
                : "\(count) conditions are inconclusive, first '\(open.condition.name)'; a human decides"
        } else {
            outcome = .pass
            summary = "all \(results.count) conditions hold"
        }
        return GateEvaluation(
            scope: evidence.scope, from: evidence.stage, to: to, outcome: outcome, summary: summary, floor: checks,
            conditions: results, ratings: evidence.ratings.count, items: evidence.itemCount, raters: evidence.raterCount,
            evidenceSince: evidence.since, daysInStage: evidence.daysInStage, evaluatedAt: Timestamp.string(now),
            rule: canonicalText)
    }

    /// The result of one condition on its estimate.
    static func judge(_ condition: GateCondition, _ estimate: MetricEstimate) -> ConditionResult {
        let threshold = formatNumber(condition.threshold)
        let comparison = condition.comparison
        let statistic = condition.statistic.rawValue
        guard let observed = estimate.number(condition.statistic) else {
            return ConditionResult(condition: condition, estimate: estimate, observed: nil, result: .inconclusive,
                                   decisive: false,
                                   explanation: "not measurable: \(estimate.note ?? "no data")")
        }
        if comparison.holds(observed, condition.threshold) {
            return ConditionResult(condition: condition, estimate: estimate, observed: observed, result: .pass, decisive: false,
                                   explanation: "\(statistic) \(formatNumber(observed)) \(comparison.rawValue) \(threshold)")
        }
        // The bound most favourable to the condition: if even it fails, the evidence is decisive.
        let favourable = (comparison.higherIsBetter ? estimate.high : estimate.low) ?? estimate.value ?? observed
        let decisive = !comparison.holds(favourable, condition.threshold)
        let miss = "\(statistic) \(formatNumber(observed)) \(comparison.negation) \(threshold)"
        let hasInterval = estimate.low != nil && estimate.high != nil
        let explanation: String
        let result: GateOutcome
        if decisive {
            result = .fail
            explanation = hasInterval
                ? "\(miss); the whole interval [\(formatNumber(estimate.low ?? 0)), \(formatNumber(estimate.high ?? 0))] is on the wrong side"
                : miss
        } else if condition.critical {
            result = .fail
            explanation = "\(miss); critical, so it fails although the interval [\(formatNumber(estimate.low ?? 0)), \(formatNumber(estimate.high ?? 0))] straddles \(threshold)"
        } else {
            result = .inconclusive
            explanation = "\(miss), but the interval [\(formatNumber(estimate.low ?? 0)), \(formatNumber(estimate.high ?? 0))] straddles \(threshold)"
        }
        return ConditionResult(condition: condition, estimate: estimate, observed: observed, result: result,
                               decisive: decisive, explanation: explanation)
    }
}
