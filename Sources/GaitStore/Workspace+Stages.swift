import Foundation
import GaitCore
import GRDB
import Kernels

/// The outcome of a gate evaluation, as Argo Rollouts and Kayenta name them.
public enum GateOutcome: String, Sendable, Hashable, Codable, CaseIterable, DatabaseValueConvertible {
    /// Every condition holds on the bound it names.
    case pass
    /// A critical condition fails, or a confidence interval lies wholly on the wrong side.
    case fail
    /// Too little evidence, or an interval straddles a threshold: a human decides.
    case inconclusive
}

/// Whether a stage change moves a scope up or down.
public enum StageDirection: String, Sendable, Hashable, Codable, DatabaseValueConvertible {
    /// Up one stage, on a passing gate or a lead's override.
    case promote
    /// Down, on a critical failure of a re-check or a lead's override.
    case demote
}

/// A stored gate decision: the outcome of one evaluation with the evidence it was made on.
public struct GateDecisionRecord: Sendable, Hashable, Codable {
    public var id: Int64
    public var scope: String
    /// The stage the scope was evaluated in.
    public var from: Stage
    /// The stage the evaluation was for; equal to `from` for a re-check of the current stage.
    public var to: Stage
    /// `pass`, `fail` or `inconclusive`.
    public var outcome: GateOutcome
    /// SHA-256 of the canonical text of the rules applied.
    public var rulesSHA256: String
    /// The full evaluation as JSON (conditions, values, intervals, evidence counts).
    public var evidence: String
    /// When it was decided (stored timestamp form).
    public var decidedAt: String
    /// The audit event that recorded it.
    public var eventID: Int64
}

/// A recorded stage change.
public struct StageChangeRecord: Sendable, Hashable, Codable {
    public var id: Int64
    public var scope: String
    /// The stage before the change (the schema allows it to be absent; Gait always records it).
    public var from: Stage?
    public var to: Stage
    public var direction: StageDirection
    /// The decision that justified the change (for an override: the decision overridden).
    public var gateDecisionID: Int64?
    /// Whether a lead overrode the gate.
    public var isOverride: Bool
    /// The lead's reason for an override.
    public var reason: String?
    /// The rater who acted; nil for an automatic demotion.
    public var actor: String?
    public var at: String
}

/// A stage change about to be recorded.
public struct StageChangeRequest: Sendable, Hashable {
    public var scope: String
    public var from: Stage
    public var to: Stage
    /// The gate decision that justifies the change; nil only for an override.
    public var gateDecisionID: Int64?
    /// A lead's override of the gate; needs `reason` and an `actor` whose role is `lead`.
    public var isOverride: Bool
    public var reason: String?
    /// The acting rater's name; nil for an automatic demotion (recorded as `system`).
    public var actor: String?

    /// A change request; see the properties.
    public init(scope: String, from: Stage, to: Stage, gateDecisionID: Int64?, isOverride: Bool = false,
                reason: String? = nil, actor: String?) {
        self.scope = scope
        self.from = from
        self.to = to
        self.gateDecisionID = gateDecisionID
        self.isOverride = isOverride
        self.reason = reason
        self.actor = actor
    }

    /// Up or down, from the stages.
    public var direction: StageDirection { to > from ? .promote : .demote }
}

/// Where a scope stands: its stage, since when, and the change that put it there (nil: never changed).
public struct ScopeStage: Sendable, Hashable, Codable {
    public var scope: String
    public var stage: Stage
    /// When the scope entered the stage: its last change, or its first candidate for a scope still in its
    /// initial `crawl`; nil when it has neither.
    public var since: String?
    /// The change that put the scope in its stage; nil while it is in its initial crawl.
    public var lastChange: StageChangeRecord?
}

/// What a generated candidate cost, for latency and token gates.
public struct CandidateMeasure: Sendable, Hashable {
    public var candidateID: Int64
    public var latencyMilliseconds: Double
    public var tokenCount: Int
}

extension Workspace {
    // MARK: Gate decisions

    /// Records a gate decision with its evidence, as one audit event.
    ///
    /// - Parameters:
    ///   - rules: the canonical text of the rules applied; its SHA-256 is stored.
    ///   - evidence: the evaluation as JSON.
    ///   - actor: who asked for the evaluation (a rater's name, or `system`).
    public func recordGateDecision(scope: String, from: Stage, to: Stage, outcome: GateOutcome, rules: String,
                                   evidence: String, actor: String = "system") throws -> GateDecisionRecord {
        let now = clock()
        let stamp = Timestamp.string(now)
        let digest = SHA256.hexHash(rules)
        return try writer.write { db in
            try AuditLog.record(db, at: now, actor: actor, kind: "gates.decide",
                                detail: "\(scope) \(from.rawValue)->\(to.rawValue): \(outcome.rawValue)") { event in
                try db.execute(
                    sql: """
                        INSERT INTO gate_decisions (scope, from_stage, to_stage, outcome, rules_sha256, evidence, decided_at, event_id)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [scope, from, to, outcome, digest, evidence, stamp, event.id])
                return GateDecisionRecord(id: db.lastInsertedRowID, scope: scope, from: from, to: to, outcome: outcome,
                                          rulesSHA256: digest, evidence: evidence, decidedAt: stamp, eventID: event.id)
            }
        }
    }

    /// The gate decision with this id.
    public func gateDecision(id: Int64) throws -> GateDecisionRecord {
        try writer.read { db in
            guard let decision = try Self.gateDecisions(db, where: "id = ?", [id]).first else {
                throw StoreError.notFound(kind: "gate decision", name: String(id), hint: "see `gait stages`")
            }
            return decision
        }
    }

    /// The newest decision for this scope and transition, if any.
    public func latestGateDecision(scope: String, from: Stage, to: Stage) throws -> GateDecisionRecord? {
        try writer.read { db in
            try Self.gateDecisions(db, where: "scope = ? AND from_stage = ? AND to_stage = ?", [scope, from, to],
                                   order: "id DESC LIMIT 1").first
        }
    }

    static func gateDecisions(_ db: Database, where condition: String, _ arguments: StatementArguments,
                              order: String = "id") throws -> [GateDecisionRecord] {
        try Row.fetchAll(db, sql: """
            SELECT id, scope, from_stage, to_stage, outcome, rules_sha256, evidence, decided_at, event_id
            FROM gate_decisions WHERE \(condition) ORDER BY \(order)
            """, arguments: arguments).map { row in
            GateDecisionRecord(id: row[0], scope: row[1], from: row[2], to: row[3], outcome: row[4], rulesSHA256: row[5],
                               evidence: row[6], decidedAt: row[7], eventID: row[8])
        }
    }

    // MARK: Stage changes

    /// Records a stage change, as one audit event, after checking it in the same transaction.
    ///
    /// Refused (`StoreError.refused`) when the scope is not in `from` (someone changed it meanwhile), when
    /// the stages do not form a one-step promotion or a demotion, when an override lacks a reason or is
    /// not by a lead, or when the gate decision is missing, for another scope or transition, older than
    /// the scope's entry into `from`, or of the wrong outcome (`pass` to promote, `fail` to demote).
    public func changeStage(_ request: StageChangeRequest) throws -> StageChangeRecord {
        let now = clock()
        let stamp = Timestamp.string(now)
        let scope = request.scope
        return try writer.write { db in
            let current = try Self.currentStage(db, scope: scope)
            guard current == request.from else {
                throw StoreError.refused(
                    "scope '\(scope)' is in \(current.rawValue), not \(request.from.rawValue); see `gait stages`")
            }
            let direction = request.direction
            switch direction {
            case .promote where request.from.next != request.to:
                throw StoreError.refused(
                    "cannot promote scope '\(scope)' from \(request.from.rawValue) to \(request.to.rawValue): promotion moves one stage at a time")
            case .demote where request.to == request.from:
                throw StoreError.refused("scope '\(scope)' is already in \(request.to.rawValue)")
            default: break
            }
            var actorID: Int64?
            if let name = request.actor {
                let rater = try Self.rater(db, named: name)
                actorID = rater.id
                if request.isOverride, rater.role != .lead {
                    throw StoreError.refused(
                        "\(name) is a \(rater.role.rawValue); only a lead may override a gate (see `gait raters list`)")
                }
            }
            if request.isOverride {
                guard actorID != nil else {
                    throw StoreError.refused("an override names the lead who makes it (--rater NAME)")
                }
                guard let reason = request.reason, !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                    throw StoreError.refused("an override needs a reason (--reason TEXT)")
                }
            } else {
                guard let decisionID = request.gateDecisionID,
                      let decision = try Self.gateDecisions(db, where: "id = ?", [decisionID]).first else {
                    throw StoreError.refused(
                        "a stage change needs a gate decision (or a lead's --override with --reason); none was given")
                }
                let expectedTo = direction == .promote ? request.to : request.from
                guard decision.scope == scope, decision.from == request.from, decision.to == expectedTo else {
                    throw StoreError.refused(
                        "gate decision \(decision.id) is for scope '\(decision.scope)' \(decision.from.rawValue)->\(decision.to.rawValue), not for this change")
                }
                let needed: GateOutcome = direction == .promote ? .pass : .fail
                guard decision.outcome == needed else {
                    throw StoreError.refused(
                        "gate decision \(decision.id) is \(decision.outcome.rawValue); a \(direction.rawValue) needs a \(needed.rawValue)")
                }
                if let entered = try Self.lastChange(db, scope: scope)?.at, decision.decidedAt < entered {
                    throw StoreError.refused(
                        "gate decision \(decision.id) (\(decision.decidedAt)) predates the scope's last stage change (\(entered)); evaluate the gate again")
                }
            }
            let detail = "\(scope) \(request.from.rawValue)->\(request.to.rawValue)"
                + (request.isOverride ? " (override)" : request.gateDecisionID.map { " (gate decision \($0))" } ?? "")
            return try AuditLog.record(db, at: now, actor: request.actor ?? "system", kind: "stages.\(direction.rawValue)",
                                       detail: detail) { event in
                try db.execute(
                    sql: """
                        INSERT INTO stage_changes (scope, from_stage, to_stage, direction, gate_decision_id, override, reason,
                                                   actor_id, at, event_id)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [scope, request.from, request.to, direction, request.gateDecisionID, request.isOverride,
                                request.reason, actorID, stamp, event.id])
                return StageChangeRecord(id: db.lastInsertedRowID, scope: scope, from: request.from, to: request.to,
                                         direction: direction, gateDecisionID: request.gateDecisionID,
                                         isOverride: request.isOverride, reason: request.reason, actor: request.actor,
                                         at: stamp)
            }
        }
    }

    /// The stage changes of one scope (or of every scope), oldest first.
    public func stageChanges(scope: String? = nil) throws -> [StageChangeRecord] {
        try writer.read { db in
            if let scope { return try Self.stageChanges(db, where: "s.scope = ?", [scope]) }
            return try Self.stageChanges(db, where: "1", [])
        }
    }

    static func stageChanges(_ db: Database, where condition: String, _ arguments: StatementArguments,
                             order: String = "s.id") throws -> [StageChangeRecord] {
        try Row.fetchAll(db, sql: """
            SELECT s.id, s.scope, s.from_stage, s.to_stage, s.direction, s.gate_decision_id, s.override, s.reason,
                   r.name, s.at
            FROM stage_changes s LEFT JOIN raters r ON r.id = s.actor_id
            WHERE \(condition) ORDER BY \(order)
            """, arguments: arguments).map { row in
            StageChangeRecord(id: row[0], scope: row[1], from: row[2], to: row[3], direction: row[4], gateDecisionID: row[5],
                              isOverride: row[6], reason: row[7], actor: row[8], at: row[9])
        }
    }

    static func lastChange(_ db: Database, scope: String) throws -> StageChangeRecord? {
        try stageChanges(db, where: "s.scope = ?", [scope], order: "s.id DESC LIMIT 1").first
    }

    static func currentStage(_ db: Database, scope: String) throws -> Stage {
        try lastChange(db, scope: scope)?.to ?? .crawl
    }

    /// Every scope with its stage: the scopes of prompts and of stage changes, by name.
    public func scopeStages() throws -> [ScopeStage] {
        try writer.read { db in
            let scopes = try String.fetchAll(db, sql: """
                SELECT scope FROM prompts WHERE scope IS NOT NULL UNION SELECT scope FROM stage_changes ORDER BY 1
                """)
            return try scopes.map { scope in
                let change = try Self.lastChange(db, scope: scope)
                let since = try change?.at ?? Self.firstCandidate(db, scope: scope)
                return ScopeStage(scope: scope, stage: change?.to ?? .crawl, since: since, lastChange: change)
            }
        }
    }

    /// When the scope entered its current stage: its last stage change, or its first candidate while
    /// it is still in its initial `crawl`; nil when it has neither.
    public func stageEntered(scope: String) throws -> String? {
        try writer.read { db in
            if let change = try Self.lastChange(db, scope: scope) { return change.at }
            return try Self.firstCandidate(db, scope: scope)
        }
    }

    /// When the first candidate of a scope was generated, if any.
    public func firstCandidateAt(scope: String) throws -> String? {
        try writer.read { db in try Self.firstCandidate(db, scope: scope) }
    }

    static func firstCandidate(_ db: Database, scope: String) throws -> String? {
        try String.fetchOne(db, sql: """
            SELECT min(c.created_at) FROM candidates c JOIN prompts p ON p.id = c.prompt_id WHERE p.scope = ?
            """, arguments: [scope])
    }

    // MARK: Gate evidence

    /// Latency and token count of the candidates generated for a scope in a stage, since a time.
    public func candidateMeasures(scope: String, stage: Stage, since: String?) throws -> [CandidateMeasure] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT c.id, c.latency_ms, c.token_count
                FROM candidates c JOIN runs r ON r.id = c.run_id JOIN prompts p ON p.id = c.prompt_id
                WHERE p.scope = ? AND r.stage = ? AND c.created_at >= ?
                ORDER BY c.id
                """, arguments: [scope, stage, since ?? ""]).map {
                CandidateMeasure(candidateID: $0[0], latencyMilliseconds: $0[1], tokenCount: $0[2])
            }
        }
    }

    /// The attribute names prompts carry, sorted: what gate rules may slice by.
    public func promptAttributeNames() throws -> [String] {
        try writer.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT name FROM prompt_attributes ORDER BY name")
        }
    }
}
