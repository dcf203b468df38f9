import Foundation
import GaitCore
import GaitStore
import Reports
import Rollout

extension ReportGatherer {
    /// The gate report: the newest decision of every scope and transition (or of `scope`) with every
    /// condition, mapped from the evaluation stored with it; each scope's stage history with reasons; and
    /// the run costs. Without a decision the header notes say so; nothing is evaluated here.
    ///
    /// - Throws: ``ReportGatheringError/unknownScope(_:known:)``; `DecodingError` when a stored evidence is
    ///   not a gate evaluation.
    public func gateReport(scope: String? = nil) throws -> GateReport {
        try requireScope(scope)
        let evaluations = try workspace.latestGateDecisions(scope: scope).map { record in
            try GateReport.Evaluation(record: record, evaluation: Gatekeeper.evaluation(of: record))
        }
        var notes: [String] = []
        if evaluations.isEmpty {
            notes.append("No gate decision is recorded\(scope.map { " for scope \($0)" } ?? ""): "
                + "run `gait gate SCOPE` to evaluate one.")
        }
        let store = workspace
        let history = ReportRows<GateReport.StageChange> { emit in
            for change in try store.stageChanges(scope: scope) { try emit(GateReport.StageChange(change)) }
        }
        let runs = ReportRows<GateReport.RunCost> { emit in
            try store.forEachRunCost(scope: scope) { try emit(GateReport.RunCost($0)) }
        }
        return GateReport(header: header(scope.map { "Gate report for \($0)" } ?? "Gate report",
                                         filters: [("scope", scope)], notes: notes),
                          evaluations: evaluations, stageHistory: history, runs: runs)
    }
}

extension GateReport.Evaluation {
    /// A stored gate decision as the report shows it: the evaluation's conditions, evidence and floor.
    public init(record: GateDecisionRecord, evaluation: GateEvaluation) {
        func floor(_ name: String) -> Double? { evaluation.floor.first { $0.name == name }?.required }
        let hasFloor = !evaluation.floor.isEmpty
        self.init(
            id: String(record.id), scope: evaluation.scope, from: evaluation.from.report, to: evaluation.to.report,
            evaluatedAt: Timestamp.date(evaluation.evaluatedAt) ?? Timestamp.date(record.decidedAt) ?? Date(timeIntervalSince1970: 0),
            decision: evaluation.outcome.report,
            reasons: [evaluation.summary] + evaluation.floor.filter { !$0.met }.map {
                "\($0.name): \(plain($0.observed)) found, \(plain($0.required)) required"
            },
            evidence: GateReport.Evidence(
                ratedItems: evaluation.items, ratings: evaluation.ratings, raters: evaluation.raters,
                daysInStage: evaluation.daysInStage,
                floor: hasFloor ? GateReport.EvidenceFloor(items: Int(floor("min_items") ?? 0),
                                                           raters: Int(floor("min_raters") ?? 0),
                                                           days: floor("min_days") ?? 0) : nil),
            conditions: evaluation.conditions.map(GateReport.Condition.init))
    }
}

extension GateReport.Condition {
    /// An evaluated condition as the report shows it.
    init(_ result: ConditionResult) {
        let condition = result.condition
        let estimate = result.estimate
        let reportEstimate: ReportEstimate? = estimate.value.map { value in
            if let low = estimate.low, let high = estimate.high { return ReportEstimate(value: value, lower: low, upper: high) }
            return ReportEstimate(value: value)
        }
        self.init(id: condition.name, metric: condition.metricText, statistic: GateReport.Statistic(condition.statistic),
                  comparison: GateReport.Comparison(condition.comparison), threshold: condition.threshold,
                  critical: condition.critical, estimate: reportEstimate, result: result.result.report,
                  detail: [result.explanation, estimate.note].compactMap { $0 }.joined(separator: "; "))
    }
}

extension GateCondition {
    /// The metric in the rules' words with its parameters: `flag_rate(harmful)`, `mean(helpful, rubric helpfulness)`.
    var metricText: String {
        let parameters = [flag, criterion, attribute, reference.map { "reference \($0)" }, rubric.map { "rubric \($0)" }]
            .compactMap { $0 }
        return parameters.isEmpty ? metric.rawValue : "\(metric.rawValue)(\(parameters.joined(separator: ", ")))"
    }
}

extension GateReport.Statistic {
    init(_ statistic: GateStatistic) {
        switch statistic {
        case .value: self = .value
        case .ciLow: self = .ciLow
        case .ciHigh: self = .ciHigh
        }
    }
}

extension GateReport.Comparison {
    init(_ comparison: Rollout.Comparison) {
        switch comparison {
        case .atLeast: self = .atLeast
        case .above: self = .greaterThan
        case .atMost: self = .atMost
        case .below: self = .lessThan
        }
    }
}

extension GateReport.StageChange {
    /// A recorded stage change with the reason it was made.
    init(_ change: StageChangeRecord) {
        let kind: GateReport.ChangeKind = change.isOverride ? .override
            : change.from == nil ? .initial : change.direction == .promote ? .promotion : .demotion
        let reason = change.reason
            ?? change.gateDecisionID.map { "gate decision \($0) \(change.direction == .promote ? "passed" : "failed")" }
            ?? "no reason recorded"
        self.init(scope: change.scope, from: change.from?.report, to: change.to.report,
                  at: Timestamp.date(change.at) ?? Date(timeIntervalSince1970: 0), kind: kind,
                  actor: change.actor ?? "system", reason: reason, evaluationID: change.gateDecisionID.map(String.init))
    }
}

extension GateReport.RunCost {
    init(_ run: RunCostRecord) {
        self.init(id: String(run.id), model: run.model, backend: run.backend, stage: run.stage.report,
                  candidates: run.candidates, promptTokens: run.tokensIn, generatedTokens: run.tokensOut,
                  cpuSeconds: run.cpuSeconds, wallSeconds: run.wallSeconds)
    }
}

/// A number in its shortest form: integers without a fraction.
private func plain(_ value: Double) -> String {
    value.isFinite && value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
}
