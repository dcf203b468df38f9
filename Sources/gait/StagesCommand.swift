import ArgumentParser
import Foundation
import GaitCore
import GaitStore
import Rollout

struct StagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stages",
        abstract: "Show each scope's stage, since when and why; with --scope, its history.",
        discussion: """
            A scope starts in crawl with its first candidate. Each promotion or demotion names the \
            gate decision that justified it, or the lead who overrode the gate and why.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Show this scope's full history of stage changes.") var scope: String?

    func run() async throws {
        try await withErrorHandling {
            let workspace = try global.openWorkspace()
            if let scope {
                let changes = try workspace.stageChanges(scope: scope)
                if global.format == .json {
                    try Terminal.json(ScopeHistory(scope: scope, stage: try workspace.currentStage(scope: scope), changes: changes))
                } else if changes.isEmpty {
                    Terminal.out("Scope '\(scope)' is in crawl; it has no stage changes.")
                } else {
                    Terminal.out(table(["AT", "CHANGE", "BY", "WHY"], changes.map {
                        [$0.at, "\($0.from?.rawValue ?? "?") -> \($0.to.rawValue)", $0.actor ?? "system", why($0)]
                    }))
                }
                return
            }
            let stages = try workspace.scopeStages()
            if global.format == .json {
                try Terminal.json(stages)
            } else if stages.isEmpty {
                Terminal.out("No scopes yet: prompts declare one with \"scope\" (see `gait prompts import`).")
            } else {
                Terminal.out(table(["SCOPE", "STAGE", "SINCE", "WHY"], stages.map {
                    [$0.scope, $0.stage.rawValue, $0.since ?? "-", $0.lastChange.map(why) ?? "initial stage"]
                }))
            }
        }
    }

    private func why(_ change: StageChangeRecord) -> String {
        let verb = change.direction == .promote ? "promoted" : "demoted"
        if change.isOverride {
            return "\(verb) by \(change.actor ?? "?") overriding the gate: \(change.reason ?? "")"
        }
        return "\(verb) on gate decision \(change.gateDecisionID.map(String.init) ?? "?")" + (change.actor.map { " by \($0)" } ?? " automatically")
    }
}

/// The JSON of `gait stages --scope X`.
struct ScopeHistory: Encodable {
    var scope: String
    var stage: Stage
    var changes: [StageChangeRecord]
}
