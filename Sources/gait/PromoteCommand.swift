import ArgumentParser
import Foundation
import GaitCore
import GaitStore
import Rollout

/// The options `gait promote` and `gait demote` share.
struct StageChangeOptions: ParsableArguments {
    @Option(help: "The scope (request class).") var scope: String
    @Option(help: "The stage to move the scope to.") var to: Stage
    @Option(help: "Who acts (a registered rater; only a lead may override).") var rater: String
    @Flag(help: "Change the stage without a justifying gate decision (leads only; needs --reason).") var override = false
    @Option(help: "Why the gate is overridden (recorded in the audit log).") var reason: String?
    @Option(help: ArgumentHelp("Gate rules to use instead of gait.yaml's.", valueName: "file")) var rules: String?

    func validate() throws {
        if override, reason?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ?? true {
            throw ValidationError("--override needs --reason TEXT saying why")
        }
        if !override, reason != nil { throw ValidationError("--reason goes with --override") }
    }

    /// The override's reason, or nil without --override.
    var overrideReason: String? { override ? reason : nil }

    /// Opens the workspace with its gate rules, makes the change, prints it.
    func change(_ global: GlobalOptions, _ body: (Gatekeeper) throws -> StageChangeOutcome) async throws {
        try await withErrorHandling {
            let gatekeeper = try Gatekeeper(workspace: try global.openWorkspace(), rules: try global.loadGateRules(rules))
            try StageChangeText.print(try body(gatekeeper), format: global.format)
        }
    }
}

struct PromoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Move a scope one stage up, with a passing gate decision or a lead's override.",
        discussion: """
            Uses the latest gate decision for the transition when it passed after the scope entered \
            its stage; otherwise evaluates the gate now (and stores that decision). Without a pass \
            nothing changes, unless a lead passes --override --reason TEXT. The change is recorded \
            in the audit log with the decision that justified it.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: StageChangeOptions

    func run() async throws {
        try await options.change(global) { try $0.promote(scope: options.scope, to: options.to, actor: options.rater,
                                                           overrideReason: options.overrideReason) }
    }
}

struct DemoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demote",
        abstract: "Move a scope down, on a re-check that fails a critical condition or a lead's override.",
        discussion: """
            Uses the latest re-check of the scope's stage (`gait gate --current`) when it failed on a \
            critical condition after the scope entered its stage; otherwise re-checks now (and stores \
            that decision). Without such a failure nothing changes, unless a lead passes --override
            --reason TEXT. The change is recorded in the audit log with its decision.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: StageChangeOptions

    func run() async throws {
        try await options.change(global) { try $0.demote(scope: options.scope, to: options.to, actor: options.rater,
                                                          overrideReason: options.overrideReason) }
    }
}

enum StageChangeText {
    struct Report: Encodable {
        var change: StageChangeRecord
        var decisionID: Int64
        var decisionOutcome: GateOutcome
        var evaluatedNow: Bool
    }

    static func print(_ outcome: StageChangeOutcome, format: OutputFormat) throws {
        let change = outcome.change
        if format == .json {
            try Terminal.json(Report(change: change, decisionID: outcome.decision.record.id,
                                     decisionOutcome: outcome.decision.record.outcome, evaluatedNow: outcome.evaluatedNow))
            return
        }
        let verb = change.direction == .promote ? "Promoted" : "Demoted"
        var line = "\(verb) scope '\(change.scope)' from \(change.from?.rawValue ?? "?") to \(change.to.rawValue) (stage change \(change.id))"
        if change.isOverride {
            line += ", overriding gate decision \(outcome.decision.record.id) (\(outcome.decision.record.outcome.rawValue)) by \(change.actor ?? "?"): \(change.reason ?? "")"
        } else {
            line += " on gate decision \(outcome.decision.record.id) (\(outcome.decision.record.outcome.rawValue)"
                + (outcome.evaluatedNow ? ", evaluated now)" : " of \(outcome.decision.record.decidedAt))")
        }
        Terminal.out(line + ".")
    }
}
