import Foundation
import GaitCore
import GaitStore

/// A stored gate decision with its evaluation.
public struct GateDecision: Sendable, Hashable {
    /// The stored row.
    public var record: GateDecisionRecord
    /// The evaluation stored with it.
    public var evaluation: GateEvaluation
}

/// What a re-check of a scope's current stage did.
public struct RecheckOutcome: Sendable, Hashable {
    /// The stored re-check.
    public var decision: GateDecision
    /// The demotion it applied (only with `apply` and a critical failure).
    public var demotion: StageChangeRecord?
}

/// What a promotion or demotion did: the change, and the decision behind it (for an override, the
/// decision the lead overrode, evaluated and stored at that moment).
public struct StageChangeOutcome: Sendable, Hashable {
    /// The recorded change.
    public var change: StageChangeRecord
    /// The decision that justified (or was overridden by) it.
    public var decision: GateDecision
    /// Whether the decision was evaluated for this change, rather than an earlier stored one.
    public var evaluatedNow: Bool
}

/// Decides gates and changes stages: evaluates rules on a workspace's evidence, stores every decision
/// with its evidence, and records promotions and demotions only when a decision (or a lead's override)
/// justifies them.
public struct Gatekeeper: Sendable {
    /// Where evidence is read and decisions and changes are written.
    public let workspace: Workspace
    /// The rules applied, checked against the workspace.
    public let rules: GateRules

    /// A gatekeeper for a workspace; the rules are checked against its rubrics and prompt attributes.
    ///
    /// - Throws: `InputError` at the file, line and key of a criterion, flag, rubric or attribute the
    ///   workspace does not have.
    public init(workspace: Workspace, rules: GateRules) throws {
        try rules.validate(against: GateCatalog(workspace: workspace))
        self.workspace = workspace
        self.rules = rules
    }

    // MARK: Evaluation

    /// Evaluates the gate of a transition for a scope, without storing anything.
    public func evaluate(scope: String, from: Stage, to: Stage) throws -> GateEvaluation {
        guard let transition = Transition(from: from, to: to) else { throw RolloutError.notATransition(from: from, to: to) }
        let now = workspace.clock()
        let evidence = try GateEvidence.gather(from: workspace, scope: scope, stage: from, now: now)
        return rules.rule(for: transition, scope: scope).evaluate(evidence, to: to, now: now)
    }

    /// Evaluates the gate of a transition and stores the decision with its evidence (audited).
    public func decide(scope: String, from: Stage, to: Stage, actor: String = "system") throws -> GateDecision {
        try store(try evaluate(scope: scope, from: from, to: to), actor: actor)
    }

    /// Re-checks the stage a scope is in against the conditions of the transition that brought it there
    /// (on the evidence of that stage, e.g. the run stage's spot checks) and stores the decision. With
    /// `apply`, a critical failure demotes the scope one stage.
    public func recheck(scope: String, apply: Bool, actor: String? = nil) throws -> RecheckOutcome {
        let current = try workspace.currentStage(scope: scope)
        guard let transition = Transition(into: current) else {
            throw RolloutError.wrongStage(scope: scope, current: current,
                                          expected: "crawl is the first stage, so there is nothing to re-check or demote to")
        }
        let now = workspace.clock()
        let evidence = try GateEvidence.gather(from: workspace, scope: scope, stage: current, now: now)
        let evaluation = rules.rule(for: transition, scope: scope).evaluate(evidence, to: current, now: now)
        let decision = try store(evaluation, actor: actor ?? "system")
        var demotion: StageChangeRecord?
        if apply, evaluation.outcome == .fail, evaluation.criticalFailure {
            demotion = try workspace.changeStage(StageChangeRequest(
                scope: scope, from: current, to: transition.from, gateDecisionID: decision.record.id, actor: actor))
        }
        return RecheckOutcome(decision: decision, demotion: demotion)
    }

    private func store(_ evaluation: GateEvaluation, actor: String) throws -> GateDecision {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let evidence = String(decoding: try encoder.encode(evaluation), as: UTF8.self)
        let record = try workspace.recordGateDecision(scope: evaluation.scope, from: evaluation.from, to: evaluation.to,
                                                      outcome: evaluation.outcome, rules: evaluation.rule,
                                                      evidence: evidence, actor: actor)
        return GateDecision(record: record, evaluation: evaluation)
    }

    /// The evaluation stored with a decision.
    public static func evaluation(of record: GateDecisionRecord) throws -> GateEvaluation {
        try JSONDecoder().decode(GateEvaluation.self, from: Data(record.evidence.utf8))
    }

    // MARK: Stage changes

    /// Promotes a scope one stage, to `to`.
    ///
    /// Uses the latest decision for the transition when it passed after the scope entered its stage;
    /// otherwise evaluates the gate now (and stores that decision). Without a pass, only a lead's
    /// override (`overrideReason`) promotes, and the decision it overrides is stored with it.
    ///
    /// - Throws: ``RolloutError`` when the scope is not one stage below `to`, the gate does not pass, or
    ///   an override is not by a lead or has no reason; `StoreError` when the rater is unknown.
    public func promote(scope: String, to: Stage, actor: String, overrideReason: String? = nil) throws -> StageChangeOutcome {
        let current = try workspace.currentStage(scope: scope)
        guard current.next == to else {
            throw RolloutError.wrongStage(
                scope: scope, current: current,
                expected: current.next.map { "it can be promoted to \($0.rawValue) only (one stage at a time)" }
                    ?? "run is the last stage")
        }
        return try change(scope: scope, from: current, to: to, actor: actor, overrideReason: overrideReason,
                          justified: { $0.outcome == .pass }) {
            try decide(scope: scope, from: current, to: to, actor: actor)
        }
    }

    /// Demotes a scope to a lower stage.
    ///
    /// Justified by a re-check of the current stage that failed on a critical condition (the latest one
    /// after the scope entered its stage, or one evaluated now), or by a lead's override.
    public func demote(scope: String, to: Stage, actor: String, overrideReason: String? = nil) throws -> StageChangeOutcome {
        let current = try workspace.currentStage(scope: scope)
        guard to < current else {
            throw RolloutError.wrongStage(scope: scope, current: current,
                                          expected: "a demotion goes to a lower stage than that, not \(to.rawValue)")
        }
        return try change(scope: scope, from: current, to: to, actor: actor, overrideReason: overrideReason,
                          justified: { $0.outcome == .fail && $0.criticalFailure }) {
            try recheck(scope: scope, apply: false, actor: actor).decision
        }
    }

    private func change(scope: String, from: Stage, to: Stage, actor: String, overrideReason: String?,
                        justified: (GateEvaluation) -> Bool, evaluateNow: () throws -> GateDecision) throws -> StageChangeOutcome {
        let direction: StageDirection = to > from ? .promote : .demote
        if let reason = overrideReason {
            let rater = try workspace.rater(named: actor)
            guard rater.role == .lead else {
                throw RolloutError.overrideRefused(
                    "\(actor) is a \(rater.role.rawValue); only a lead may override a gate, so nothing was changed")
            }
            guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw RolloutError.overrideRefused("an override needs a reason that says why (--reason TEXT)")
            }
            let decision = try evaluateNow()
            let change = try workspace.changeStage(StageChangeRequest(
                scope: scope, from: from, to: to, gateDecisionID: decision.record.id, isOverride: true, reason: reason,
                actor: actor))
            return StageChangeOutcome(change: change, decision: decision, evaluatedNow: true)
        }
        _ = try workspace.rater(named: actor)
        let decisionTo = direction == .promote ? to : from
        let entered = try workspace.stageEntered(scope: scope)
        if let latest = try workspace.latestGateDecision(scope: scope, from: from, to: decisionTo),
           entered.map({ latest.decidedAt >= $0 }) ?? true,
           let evaluation = try? Self.evaluation(of: latest), justified(evaluation) {
            let change = try workspace.changeStage(StageChangeRequest(
                scope: scope, from: from, to: to, gateDecisionID: latest.id, actor: actor))
            return StageChangeOutcome(change: change, decision: GateDecision(record: latest, evaluation: evaluation),
                                      evaluatedNow: false)
        }
        let decision = try evaluateNow()
        guard justified(decision.evaluation) else {
            throw RolloutError.gateRefuses(scope: scope, from: from, to: decisionTo, decisionID: decision.record.id,
                                           outcome: decision.evaluation.outcome, summary: decision.evaluation.summary)
        }
        let change = try workspace.changeStage(StageChangeRequest(
            scope: scope, from: from, to: to, gateDecisionID: decision.record.id, actor: actor))
        return StageChangeOutcome(change: change, decision: decision, evaluatedNow: true)
    }
}
