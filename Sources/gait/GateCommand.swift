import ArgumentParser
import Foundation
import GaitCore
import GaitStore
import ReportGathering
import Reports
import Rollout

struct GateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Decide a stage change of a scope from the ratings: pass, fail or inconclusive.",
        discussion: """
            Evaluates the gate rules of gait.yaml (or --rules FILE) for one transition on the \
            evidence of the stage the scope leaves, prints every condition with its value, interval, \
            threshold and result, and stores the decision with its evidence in the audit log. \
            With --current it re-checks the conditions of the stage the scope is in (on that stage's \
            ratings, e.g. the run stage's spot checks); --apply then demotes the scope one stage when \
            a critical condition fails. \
            Exit codes: 0 pass, 100 fail, 101 inconclusive (1, 64, 65 for errors).
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "The scope (request class) to decide for.") var scope: String
    @Option(help: "The stage the scope leaves.") var from: Stage?
    @Option(help: "The stage the scope would enter (one above --from).") var to: Stage?
    @Flag(help: "Re-check the stage the scope is in instead of a promotion.") var current = false
    @Flag(help: "With --current: demote the scope one stage when a critical condition fails.") var apply = false
    @Option(help: ArgumentHelp("Gate rules to use instead of gait.yaml's (a file with a gates: section).", valueName: "file"))
    var rules: String?
    @Option(help: ArgumentHelp("Also write the decision as JUnit XML to this file.", valueName: "file")) var junit: String?
    @Option(help: "Who asks (recorded with the decision, and with a demotion by --apply).") var rater: String?

    func validate() throws {
        if current {
            if from != nil || to != nil { throw ValidationError("--current re-checks the scope's own stage; leave out --from and --to") }
        } else {
            guard let from, let to else {
                throw ValidationError("--from and --to are required (or --current to re-check the scope's stage)")
            }
            guard Transition(from: from, to: to) != nil else {
                throw ValidationError("--from \(from.rawValue) --to \(to.rawValue) is not a gate transition; gates decide crawl->walk and walk->run")
            }
            if apply { throw ValidationError("--apply goes with --current") }
        }
    }

    func run() async throws {
        let code: Int32 = try await withErrorHandling {
            let workspace = try global.openWorkspace()
            let gatekeeper = try Gatekeeper(workspace: workspace, rules: try global.loadGateRules(rules))
            if let rater { _ = try workspace.rater(named: rater) }
            let decision: GateDecision
            var demotion: StageChangeRecord?
            if current {
                let outcome = try gatekeeper.recheck(scope: scope, apply: apply, actor: rater)
                decision = outcome.decision
                demotion = outcome.demotion
            } else if let from, let to {
                decision = try gatekeeper.decide(scope: scope, from: from, to: to, actor: rater ?? "system")
            } else {
                throw ValidationError("--from and --to are required (or --current)")
            }
            if let junit {
                // The same writer as `gait report gate`: validated against both JUnit schemas before it is written.
                let report = JUnitReport(
                    evaluations: [Reports.GateReport.Evaluation(record: decision.record, evaluation: decision.evaluation)],
                    hostname: ProcessInfo.processInfo.hostName)
                do {
                    try report.write(to: URL(fileURLWithPath: junit))
                } catch let error as ReportError {
                    throw InputError(source: junit, problem: "cannot write the JUnit XML: \(error.description)")
                }
            }
            if global.format == .json {
                try Terminal.json(GateDecisionJSON(decision: decision, demotion: demotion))
            } else {
                Terminal.out(GateText.decision(decision, demotion: demotion))
            }
            return decision.evaluation.exitCode
        }
        if code != 0 { throw ExitCode(code) }
    }
}

/// The JSON of `gait gate`: the stored decision's id, outcome and exit code, the evaluation, and a
/// demotion when one was applied.
struct GateDecisionJSON: Encodable {
    var decisionID: Int64
    var outcome: GateOutcome
    var exitCode: Int32
    var evaluation: GateEvaluation
    var demotion: StageChangeRecord?

    init(decision: GateDecision, demotion: StageChangeRecord?) {
        decisionID = decision.record.id
        outcome = decision.evaluation.outcome
        exitCode = decision.evaluation.exitCode
        evaluation = decision.evaluation
        self.demotion = demotion
    }
}

/// Text renderings of gate decisions and stage changes.
enum GateText {
    static func decision(_ decision: GateDecision, demotion: StageChangeRecord? = nil) -> String {
        let e = decision.evaluation
        let title = e.isRecheck ? "Re-check of scope '\(e.scope)' in \(e.from.rawValue)"
            : "Gate for scope '\(e.scope)' \(e.from.rawValue) -> \(e.to.rawValue)"
        var lines = ["\(title): \(e.outcome.rawValue.uppercased()) — \(e.summary)"]
        lines.append("Evidence: \(e.ratings) ratings of \(e.items) items by \(e.raters) raters, \(number(e.daysInStage)) days in \(e.from.rawValue)"
            + (e.evidenceSince.map { " (since \($0))" } ?? ""))
        lines.append("")
        lines.append(table(["EVIDENCE", "REQUIRED", "FOUND", "RESULT"], e.floor.map {
            [$0.name, number($0.required), number($0.observed), $0.met ? "met" : "not met"]
        }))
        lines.append("")
        lines.append(table(["CONDITION", "VALUE", "95% INTERVAL", "N", "THRESHOLD", "RESULT"], e.conditions.map { result in
            let estimate = result.estimate
            let interval = estimate.low.flatMap { low in estimate.high.map { "[\(number(low)), \(number($0))]" } } ?? "-"
            return [result.condition.name + (result.condition.critical ? " (critical)" : ""),
                    estimate.value.map(number) ?? "-", interval, String(estimate.n),
                    "\(result.condition.statistic.rawValue) \(result.condition.comparison.rawValue) \(number(result.condition.threshold))",
                    result.result.rawValue]
        }))
        lines.append("")
        for result in e.conditions {
            let note = result.observed == nil ? nil : result.estimate.note
            lines.append("- \(result.condition.name): \(result.explanation)" + (note.map { " [\($0)]" } ?? ""))
        }
        lines.append("")
        lines.append("Decision \(decision.record.id) recorded at \(decision.record.decidedAt) (rules sha256 \(decision.record.rulesSHA256.prefix(12))…).")
        if let demotion {
            lines.append("Demoted scope '\(demotion.scope)' from \(demotion.from?.rawValue ?? "?") to \(demotion.to.rawValue) (stage change \(demotion.id)).")
        } else if e.isRecheck, e.outcome == .fail, e.criticalFailure {
            lines.append("A critical condition fails: `gait gate --scope \(e.scope) --current --apply` or `gait demote` demotes the scope.")
        }
        return lines.joined(separator: "\n")
    }

    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.4g", value)
    }
}

extension GlobalOptions {
    /// The gate rules: the `gates:` section of --rules FILE, else of the workspace's gait.yaml, else
    /// the defaults.
    func loadGateRules(_ path: String?) throws -> GateRules {
        let url = path.map { URL(fileURLWithPath: $0) } ?? configPath
        guard let data = FileManager.default.contents(atPath: url.path) else {
            if path != nil { throw InputError(source: url.path, problem: "cannot read the rules file") }
            return .defaults
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputError(source: url.path, problem: "the file is not valid UTF-8")
        }
        if let rules = try GateRules.parse(yaml: text, source: url.path) { return rules }
        if path != nil {
            throw InputError(source: url.path, key: "gates",
                             problem: "missing: a rules file holds a gates: section (see the default gait.yaml that `gait init` writes)")
        }
        return .defaults
    }
}
