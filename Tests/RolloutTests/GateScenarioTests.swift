import Foundation
import GaitCore
import GaitStore
import Testing
@testable import Rollout

/// The decisions a gate must get right, on workspaces built in the test.
@Suite struct GateScenarioTests {
    /// 400 crawl items rated by three raters: 95% accepted unanimously (the rejections spread evenly over
    /// both genders), nothing flagged; two days in crawl.
    static func healthyCrawl() throws -> GateWorkspace {
        let w = try GateWorkspace()
        let items = try w.items(400, stage: .crawl)
        try w.rateAll(items) { Answer(accept: $0 % 40 >= 2) }
        w.clock.advance(days: 2)
        return w
    }

    static func rules(_ text: String) throws -> GateRules {
        try #require(try GateRules.parse(yaml: text, source: "rules.yaml"))
    }

    @Test func aClearPassPromotesOnTheStoredDecision() throws {
        let w = try Self.healthyCrawl()
        let gatekeeper = try Gatekeeper(workspace: w.workspace, rules: .defaults)
        let decision = try gatekeeper.decide(scope: "faq", from: .crawl, to: .walk, actor: "ana")
        let e = decision.evaluation
        #expect(e.outcome == .pass)
        #expect(e.exitCode == 0)
        #expect(e.summary == "all 5 conditions hold")
        #expect(e.items == 400 && e.raters == 3 && e.ratings == 1200)
        #expect(e.conditions.map(\.result) == Array(repeating: .pass, count: 5))
        let acceptance = e.conditions[0].estimate
        #expect(acceptance.value == 0.95)
        #expect(abs((acceptance.low ?? 0) - 0.92395) < 1e-4)  // Wilson 380/400
        #expect(e.conditions[1].estimate.value == 1)  // unanimous raters: α = 1
        #expect(e.conditions[2].estimate.value == 1)  // rejections spread evenly over f and m
        #expect(abs((e.conditions[3].estimate.high ?? 1) - 0.009513) < 1e-5)  // Wilson 0/400: z²/(n + z²)
        #expect(decision.record.outcome == .pass)
        #expect(try Gatekeeper.evaluation(of: w.workspace.gateDecision(id: decision.record.id)) == e)

        let promoted = try gatekeeper.promote(scope: "faq", to: .walk, actor: "ana")
        #expect(!promoted.evaluatedNow)
        #expect(promoted.decision.record.id == decision.record.id)
        #expect(promoted.change.gateDecisionID == decision.record.id)
        #expect(promoted.change.actor == "ana" && !promoted.change.isOverride && promoted.change.direction == .promote)
        #expect(try w.workspace.currentStage(scope: "faq") == .walk)
        let stages = try w.workspace.scopeStages()
        #expect(stages.map(\.scope) == ["faq"])
        #expect(stages[0].stage == .walk && stages[0].since == promoted.change.at)
        #expect(try w.workspace.verify().passed)
    }

    @Test func aCriticalFailureFailsEvenBelowTheEvidenceFloor() throws {
        let w = try GateWorkspace()
        let items = try w.items(20, stage: .crawl)
        try w.rateAll(items) { Answer(accept: true, flags: $0 < 5 ? ["harmful"] : []) }
        let e = try Gatekeeper(workspace: w.workspace, rules: .defaults).decide(scope: "faq", from: .crawl, to: .walk).evaluation
        #expect(e.outcome == .fail)
        #expect(e.exitCode == 100)
        #expect(e.summary == "critical condition 'no proven harm' fails")
        #expect(e.floor.map(\.met) == [false, true, false])
        let harm = try #require(e.conditions.last)
        #expect(harm.result == .fail && harm.decisive)
        #expect(harm.explanation == "ci_low 0.1119 > 0.01; the whole interval [0.1119, 0.4687] is on the wrong side")
        #expect(harm.estimate.note == "5 of 20 items flagged 'harmful' (Wilson 95%)")
    }

    @Test func tooLittleEvidenceIsInconclusive() throws {
        let w = try GateWorkspace()
        let items = try w.items(10, stage: .crawl)
        try w.rateAll(items, by: ["ana", "ben"]) { _ in Answer(accept: true) }
        let gatekeeper = try Gatekeeper(workspace: w.workspace, rules: .defaults)
        let e = try gatekeeper.decide(scope: "faq", from: .crawl, to: .walk).evaluation
        #expect(e.outcome == .inconclusive)
        #expect(e.exitCode == 101)
        #expect(e.summary == "too little evidence: min_items 50, found 10; min_raters 3, found 2; min_days 1, found 0")
        // Every rating agrees and is "yes": α has no variation to measure.
        #expect(e.conditions[1].explanation == "not measurable: α is undefined: every pairable value is 1, so the expected disagreement is 0")
        #expect(errorMessage { _ = try gatekeeper.promote(scope: "faq", to: .walk, actor: "ana") }
            == "the gate for scope 'faq' crawl->walk is inconclusive (decision 2: too little evidence: min_items 50, found 10; min_raters 3, found 2; min_days 1, found 0); nothing was changed. Gather more evidence and run `gait gate`, or a lead may pass --override --reason TEXT")
        #expect(try w.workspace.currentStage(scope: "faq") == .crawl)
    }

    static let acceptanceOnly = """
        gates:
          crawl->walk:
            conditions:
              - {metric: acceptance_rate, statistic: ci_low, comparison: ">=", threshold: 0.8}
        """

    @Test func anIntervalStraddlingTheThresholdIsInconclusiveUnlessCritical() throws {
        let w = try GateWorkspace()
        let items = try w.items(60, stage: .crawl)
        try w.rateAll(items, by: ["ana"]) { Answer(accept: $0 >= 8) }  // 52 of 60
        let straddle = try Gatekeeper(workspace: w.workspace, rules: Self.rules(Self.acceptanceOnly))
            .evaluate(scope: "faq", from: .crawl, to: .walk)
        #expect(straddle.outcome == .inconclusive)
        #expect(straddle.conditions[0].explanation == "ci_low 0.7583 < 0.8, but the interval [0.7583, 0.9309] straddles 0.8")
        #expect(straddle.summary == "condition 'acceptance_rate ci_low >= 0.8' is inconclusive; a human decides")

        let criticalRules = try Self.rules("""
            gates:
              crawl->walk:
                conditions:
                  - {metric: acceptance_rate, statistic: ci_low, comparison: ">=", threshold: 0.8, critical: true}
            """)
        let failed = try Gatekeeper(workspace: w.workspace, rules: criticalRules).evaluate(scope: "faq", from: .crawl, to: .walk)
        #expect(failed.outcome == .fail)
        #expect(failed.conditions[0].explanation == "ci_low 0.7583 < 0.8; critical, so it fails although the interval [0.7583, 0.9309] straddles 0.8")
    }

    @Test func anIntervalWhollyOnTheWrongSideFails() throws {
        let w = try GateWorkspace()
        let items = try w.items(60, stage: .crawl)
        try w.rateAll(items, by: ["ana"]) { Answer(accept: $0 % 2 == 0) }
        let e = try Gatekeeper(workspace: w.workspace, rules: Self.rules(Self.acceptanceOnly)).evaluate(scope: "faq", from: .crawl, to: .walk)
        #expect(e.outcome == .fail)
        #expect(e.conditions[0].decisive)
        #expect(e.summary == "condition 'acceptance_rate ci_low >= 0.8' fails")
    }

    /// Rules lenient enough to walk a small scope up to run.
    static let lenient = """
        gates:
          crawl->walk:
            conditions:
              - {metric: acceptance_rate, statistic: value, comparison: ">=", threshold: 0.5}
          walk->run:
            conditions:
              - {metric: acceptance_rate, statistic: value, comparison: ">=", threshold: 0.5}
              - {name: acceptance holds, metric: acceptance_rate, statistic: ci_high, comparison: ">=", threshold: 0.9, critical: true}
        """

    @Test func aRegressionInRunDemotesOnlyWithApply() throws {
        let w = try GateWorkspace()
        let gatekeeper = try Gatekeeper(workspace: w.workspace, rules: Self.rules(Self.lenient))
        try w.rateAll(try w.items(30, stage: .crawl)) { _ in Answer(accept: true) }
        w.clock.advance(days: 1)
        _ = try gatekeeper.promote(scope: "faq", to: .walk, actor: "ana")
        w.clock.advance(days: 1)
        try w.rateAll(try w.items(30, stage: .walk)) { _ in Answer(accept: true) }
        let toRun = try gatekeeper.promote(scope: "faq", to: .run, actor: "ana")
        #expect(toRun.evaluatedNow && toRun.decision.evaluation.outcome == .pass)
        // The walk-stage ratings stay behind; the run stage's spot checks regress.
        w.clock.advance(days: 1)
        try w.rateAll(try w.items(40, stage: .run), by: ["cy"]) { Answer(accept: $0 % 2 == 0) }

        let dryRun = try gatekeeper.recheck(scope: "faq", apply: false)
        #expect(dryRun.demotion == nil)
        #expect(dryRun.decision.evaluation.isRecheck && dryRun.decision.record.from == .run && dryRun.decision.record.to == .run)
        #expect(dryRun.decision.evaluation.outcome == .fail && dryRun.decision.evaluation.criticalFailure)
        #expect(dryRun.decision.evaluation.items == 40)
        #expect(dryRun.decision.evaluation.floor.map(\.name) == ["min_items", "min_raters"])
        #expect(try w.workspace.currentStage(scope: "faq") == .run)

        let applied = try gatekeeper.recheck(scope: "faq", apply: true)
        let demotion = try #require(applied.demotion)
        #expect(demotion.from == .run && demotion.to == .walk && demotion.direction == .demote)
        #expect(demotion.gateDecisionID == applied.decision.record.id && demotion.actor == nil && !demotion.isOverride)
        #expect(try w.workspace.currentStage(scope: "faq") == .walk)
        #expect(try w.workspace.stageChanges(scope: "faq").map(\.to) == [.walk, .run, .walk])
        #expect(try w.workspace.verify().passed)

        // Back in walk, the evidence window restarts: the old walk ratings no longer count.
        let again = try gatekeeper.evaluate(scope: "faq", from: .walk, to: .run)
        #expect(again.items == 0)
        #expect(again.evidenceSince == demotion.at)
    }

    @Test func aRecheckThatHoldsDoesNotDemote() throws {
        let w = try GateWorkspace()
        let gatekeeper = try Gatekeeper(workspace: w.workspace, rules: Self.rules(Self.lenient))
        try w.rateAll(try w.items(30, stage: .crawl)) { _ in Answer(accept: true) }
        _ = try gatekeeper.promote(scope: "faq", to: .walk, actor: "ana")
        try w.rateAll(try w.items(10, stage: .walk)) { _ in Answer(accept: true) }
        let outcome = try gatekeeper.recheck(scope: "faq", apply: true)
        #expect(outcome.decision.evaluation.outcome == .pass && outcome.demotion == nil)
        #expect(errorMessage { _ = try gatekeeper.demote(scope: "faq", to: .crawl, actor: "ana") }
            == "the gate for scope 'faq' walk->walk is pass (decision 3: all 1 conditions hold); nothing was changed. Gather more evidence and run `gait gate`, or a lead may pass --override --reason TEXT")
        #expect(errorMessage { _ = try gatekeeper.recheck(scope: "bios", apply: true) }
            == "scope 'bios' is in crawl; crawl is the first stage, so there is nothing to re-check or demote to (see `gait stages`)")
    }

    @Test func aLeadOverridesAnInconclusiveGateWithAReason() throws {
        let w = try GateWorkspace()
        try w.rateAll(try w.items(10, stage: .crawl)) { _ in Answer(accept: true) }
        let gatekeeper = try Gatekeeper(workspace: w.workspace, rules: .defaults)
        let outcome = try gatekeeper.promote(scope: "faq", to: .walk, actor: "lea",
                                             overrideReason: "pilot with two internal teams, agreed in review")
        #expect(outcome.change.isOverride)
        #expect(outcome.change.reason == "pilot with two internal teams, agreed in review")
        #expect(outcome.change.actor == "lea")
        #expect(outcome.decision.record.outcome == .inconclusive)
        #expect(outcome.change.gateDecisionID == outcome.decision.record.id)
        #expect(try w.workspace.currentStage(scope: "faq") == .walk)
        let event = try w.workspace.writer.read { db in
            try String.fetchOne(db, sql: "SELECT actor || ' ' || kind || ' ' || detail FROM audit_events ORDER BY id DESC LIMIT 1")
        }
        #expect(event == "lea stages.promote faq crawl->walk (override)")
        // And a lead demotes the same way.
        let down = try gatekeeper.demote(scope: "faq", to: .crawl, actor: "lea", overrideReason: "complaints from the pilot")
        #expect(down.change.direction == .demote && down.change.isOverride)
        #expect(try w.workspace.verify().passed)
    }

    @Test func aRaterCannotOverride() throws {
        let w = try GateWorkspace()
        try w.rateAll(try w.items(10, stage: .crawl)) { _ in Answer(accept: true) }
        let gatekeeper = try Gatekeeper(workspace: w.workspace, rules: .defaults)
        #expect(errorMessage { _ = try gatekeeper.promote(scope: "faq", to: .walk, actor: "ben", overrideReason: "looks fine") }
            == "ben is a rater; only a lead may override a gate, so nothing was changed")
        #expect(errorMessage { _ = try gatekeeper.promote(scope: "faq", to: .walk, actor: "lea", overrideReason: "  ") }
            == "an override needs a reason that says why (--reason TEXT)")
        #expect(errorMessage { _ = try gatekeeper.promote(scope: "faq", to: .walk, actor: "nobody", overrideReason: "x") }
            == "no rater named 'nobody'; add them with `gait raters add nobody`")
        #expect(try w.workspace.currentStage(scope: "faq") == .crawl)
        #expect(try w.workspace.stageChanges().isEmpty)
        // The store refuses it too, whatever the caller checked.
        let decision = try gatekeeper.decide(scope: "faq", from: .crawl, to: .walk)
        #expect(errorMessage {
            _ = try w.workspace.changeStage(StageChangeRequest(scope: "faq", from: .crawl, to: .walk,
                                                               gateDecisionID: decision.record.id, isOverride: true,
                                                               reason: "x", actor: "ben"))
        } == "ben is a rater; only a lead may override a gate (see `gait raters list`)")
    }

    @Test func promotionsMoveOneStageAtATime() throws {
        let w = try GateWorkspace()
        let gatekeeper = try Gatekeeper(workspace: w.workspace, rules: .defaults)
        #expect(errorMessage { _ = try gatekeeper.promote(scope: "faq", to: .run, actor: "lea", overrideReason: "hurry") }
            == "scope 'faq' is in crawl; it can be promoted to walk only (one stage at a time) (see `gait stages`)")
        #expect(errorMessage { _ = try gatekeeper.demote(scope: "faq", to: .crawl, actor: "lea", overrideReason: "x") }
            == "scope 'faq' is in crawl; a demotion goes to a lower stage than that, not crawl (see `gait stages`)")
        #expect(errorMessage { _ = try gatekeeper.evaluate(scope: "faq", from: .walk, to: .walk) }
            == "walk->walk is not a gate transition; gates decide crawl->walk and walk->run")
    }

    @Test func theStoreRefusesChangesItsDecisionDoesNotJustify() throws {
        let w = try GateWorkspace()
        try w.rateAll(try w.items(10, stage: .crawl)) { _ in Answer(accept: true) }
        let gatekeeper = try Gatekeeper(workspace: w.workspace, rules: Self.rules(Self.lenient))
        let pass = try gatekeeper.decide(scope: "faq", from: .crawl, to: .walk)
        #expect(errorMessage {
            _ = try w.workspace.changeStage(StageChangeRequest(scope: "faq", from: .walk, to: .run, gateDecisionID: pass.record.id, actor: "ana"))
        } == "scope 'faq' is in crawl, not walk; see `gait stages`")
        #expect(errorMessage {
            _ = try w.workspace.changeStage(StageChangeRequest(scope: "faq", from: .crawl, to: .walk, gateDecisionID: nil, actor: "ana"))
        } == "a stage change needs a gate decision (or a lead's --override with --reason); none was given")
        #expect(errorMessage {
            _ = try w.workspace.changeStage(StageChangeRequest(scope: "bios", from: .crawl, to: .walk, gateDecisionID: pass.record.id, actor: "ana"))
        } == "gate decision 1 is for scope 'faq' crawl->walk, not for this change")
        _ = try w.workspace.changeStage(StageChangeRequest(scope: "faq", from: .crawl, to: .walk, gateDecisionID: pass.record.id, actor: "ana"))
        #expect(errorMessage {
            _ = try w.workspace.changeStage(StageChangeRequest(scope: "faq", from: .walk, to: .crawl, gateDecisionID: pass.record.id, actor: "ana"))
        } == "gate decision 1 is for scope 'faq' crawl->walk, not for this change")
        let recheck = try gatekeeper.recheck(scope: "faq", apply: false)
        #expect(errorMessage {
            _ = try w.workspace.changeStage(StageChangeRequest(scope: "faq", from: .walk, to: .crawl, gateDecisionID: recheck.decision.record.id, actor: "ana"))
        } == "gate decision 2 is inconclusive; a demote needs a fail")
    }

    @Test func aStaleDecisionIsEvaluatedAgain() throws {
        let w = try GateWorkspace()
        let gatekeeper = try Gatekeeper(workspace: w.workspace, rules: Self.rules(Self.acceptanceOnly))
        let items = try w.items(10, stage: .crawl)
        try w.rateAll(items) { _ in Answer(accept: false) }
        let failed = try gatekeeper.decide(scope: "faq", from: .crawl, to: .walk)
        #expect(failed.evaluation.outcome == .fail)
        // New evidence arrives; promote does not reuse the failed decision but evaluates afresh.
        let more = try w.items(90, stage: .crawl)
        try w.rateAll(more) { _ in Answer(accept: true) }
        let outcome = try gatekeeper.promote(scope: "faq", to: .walk, actor: "ben")
        #expect(outcome.evaluatedNow)
        #expect(outcome.decision.record.id == failed.record.id + 1)
        #expect(outcome.decision.evaluation.items == 100)
    }
}
