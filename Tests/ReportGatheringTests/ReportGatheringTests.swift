import Evaluation
import Foundation
import GaitCore
import GaitStore
import Reports
import Rollout
import Testing
@testable import ReportGathering

/// A fresh folder for a test's report files.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("gait-reports-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Validates every XML file written against its schema; returns the files' text by name.
func validated(_ files: [URL]) throws -> [String: String] {
    var texts: [String: String] = [:]
    for file in files {
        if file.pathExtension == "xml" {
            let result = try validate(fileAt: file)
            #expect(result.isValid, "\(file.lastPathComponent): \(result.issues.map(\.message))")
        }
        texts[file.lastPathComponent] = try String(contentsOf: file, encoding: .utf8)
    }
    return texts
}

/// The message of the error `body` throws.
func errorMessage(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch {
        return String(describing: error)
    }
}

@Suite struct SessionReportTests {
    /// 12 items, the first gold. ana skips prompt 5 in her first session and rates it in a second, where she
    /// undoes and redoes it; ben discards prompt 3 and misses the gold answer; two days later cy flags
    /// prompts 1 and 2 harmful. Everyone accepts everything.
    static func reviewed() throws -> ReviewedWorkspace {
        let w = try ReviewedWorkspace()
        let ids = try w.items(12)
        try w.workspace.markGold(itemID: ids[0], answers: ["helpful": "4", "correct": "yes", "accept": "yes"], lead: "lea")
        try w.review("ana", goldRate: 1, skip: [5]) { _ in Answer(seconds: 10) }
        let second = try w.workspace.startReviewSession(rater: "ana", filter: QueueFilter(rubricName: "helpfulness"),
                                                        settings: QueueSettings(goldRate: 0), seed: 3)
        let item = try #require(try w.workspace.claimNextItem(in: second, sequence: 0))
        let first = try w.submit(Answer(helpful: 2, seconds: 10), item: item.itemID, in: second)
        let again = try w.workspace.retractRating(first.ratingID, in: second)
        _ = try w.submit(Answer(seconds: 10), item: again.itemID, in: second)
        try w.workspace.endReviewSession(second)
        try w.review("ben", goldRate: 1) { index in
            switch index {
            case 0: Answer(helpful: 2, seconds: 20)
            case 3: Answer(discardReason: "empty answer", seconds: 20)
            default: Answer(seconds: 20)
            }
        }
        w.clock.advance(seconds: 2 * 86_400)
        try w.review("cy", goldRate: 1) { index in Answer(flags: (1...2).contains(index) ? ["harmful"] : [], seconds: 30 + Double(index)) }
        return w
    }

    @Test func countsTimesAgreementGoldAndFlagsPerRater() throws {
        let w = try Self.reviewed()
        let report = try ReportGatherer(workspace: w.workspace, generator: "gait test", now: w.clock.now).sessionReport()
        #expect(report.raters.map(\.name) == ["ana", "ben", "cy"])
        let ana = report.raters[0], ben = report.raters[1], cy = report.raters[2]
        #expect(ana.activity == SessionReport.Activity(rated: 12, skipped: 1, discarded: 0, undone: 1))
        #expect(ana.sessions == 2)
        #expect(ana.medianSecondsPerItem == 10)
        #expect(ana.timePerItem.total == 12)
        #expect(ben.activity == SessionReport.Activity(rated: 11, skipped: 0, discarded: 1, undone: 0))
        #expect(cy.activity.rated == 12)
        #expect(cy.flags == [SessionReport.FlagCount(flag: "harmful", count: 2)])
        #expect(cy.medianSecondsPerItem == 35.5)  // 30…41
        // 12 × 10 s, 11 × 20 s, 30…41 s: the 18th of 35 is 20 s.
        #expect(report.medianSecondsPerItem == 20)
        #expect(report.timePerItem.total == 35)
        #expect(ana.gold?.items == 1 && ana.gold?.correct == 1)
        #expect(ben.gold?.items == 1 && ben.gold?.correct == 0)
        let agreement = try #require(ana.agreement)
        #expect(agreement.estimate.value == 1)
        #expect(agreement.sharedItems == 12)
        #expect(agreement.metric.contains("'accept'"))
        var sessions: [SessionReport.Session] = []
        try report.sessions.forEach { sessions.append($0) }
        #expect(sessions.map(\.rater) == ["ana", "ana", "ben", "cy"])
        #expect(sessions[0].activity == SessionReport.Activity(rated: 11, skipped: 1))
        #expect(sessions[1].activity == SessionReport.Activity(rated: 1, undone: 1))
        #expect(report.header.notes.isEmpty)

        let texts = try validated(try report.write(into: try temporaryFolder()))
        let xml = try #require(texts["session.xml"])
        #expect(xml.contains(#"name="ana""#))
        #expect(xml.contains(#"rated="12" skipped="1" discarded="0" undone="1""#))
        #expect(try #require(texts["session.html"]).contains("harmful"))
    }

    /// Agreement is counted in SQL; it must be the pairwise agreement `gait agreement` computes from every
    /// rating, for the binary criterion the report shows and for the other scales the store can count.
    @Test func agreementCountedInSQLIsTheAgreementOfEveryRating() throws {
        let w = try ReviewedWorkspace()
        let ids = try w.items(10)
        try w.workspace.markGold(itemID: ids[0], answers: ["accept": "no"], lead: "lea")
        try w.review("ana", goldRate: 1) { index in Answer(helpful: 1 + index % 5, accept: index % 2 == 0) }
        try w.review("ben", goldRate: 1) { index in
            index == 4 ? Answer(discardReason: "empty", seconds: 5) : Answer(helpful: 1 + index % 3, accept: index % 3 == 0)
        }
        try w.review("cy", goldRate: 1, limit: 6) { index in Answer(helpful: 3, accept: index < 5) }
        let report = try ReportGatherer(workspace: w.workspace, generator: "gait test").sessionReport()
        let agreement = try Evaluation.agreement(RatingSelection(rubric: "helpfulness"), in: w.workspace)
        let rubric = try #require(agreement.rubrics.last)
        let accept = try #require(rubric.criteria.first { $0.criterion == "accept" })
        for rater in report.raters where rater.activity.rated > 0 {
            let expected = accept.raters.first { $0.rater == rater.name }?.pairwiseAgreement
            #expect(rater.agreement?.estimate.value == expected, "\(rater.name)")
        }
        #expect(report.raters.filter { $0.agreement != nil }.count == 3)
        let version = try w.workspace.rubric(named: "helpfulness")
        for (criterion, options) in [("helpful", nil), ("correct", ["yes", "no", "unsure"])] as [(String, [String]?)] {
            let counted = try w.workspace.answerPairs(rubricVersionID: version.id, criterion: criterion, options: options)
            let computed = try #require(rubric.criteria.first { $0.criterion == criterion }).raters.filter { $0.pairs > 0 }
            #expect(counted.map(\.rater) == computed.map(\.rater))
            #expect(counted.map { Optional(Double($0.equal) / Double($0.pairs)) } == computed.map(\.pairwiseAgreement))
            #expect(counted.map(\.pairs) == computed.map(\.pairs))
        }
    }

    @Test func raterAndSinceNarrowTheReport() throws {
        let w = try Self.reviewed()
        let gatherer = ReportGatherer(workspace: w.workspace, generator: "gait test", now: w.clock.now)
        let recent = try gatherer.sessionReport(since: "2027-01-16")
        #expect(recent.raters.map(\.name) == ["cy"])
        #expect(recent.timePerItem.total == 12)
        #expect(recent.header.filters == [ReportHeader.Filter(name: "since", value: "2027-01-16")])
        let ben = try gatherer.sessionReport(rater: "ben")
        #expect(ben.raters.map(\.name) == ["ben"])
        #expect(ben.medianSecondsPerItem == 20)
        let benLater = try gatherer.sessionReport(rater: "ben", since: "2027-01-16")
        #expect(benLater.raters.map(\.activity) == [SessionReport.Activity(rated: 0)])
        #expect(benLater.header.notes.first == "ben has no ratings in this period.")
        _ = try validated(try benLater.write(into: try temporaryFolder()))
    }

    @Test func anEmptyWorkspaceGetsAReportThatSaysSo() throws {
        let w = try ReviewedWorkspace()
        let report = try ReportGatherer(workspace: w.workspace, generator: "gait test").sessionReport()
        #expect(report.raters.isEmpty)
        #expect(report.medianSecondsPerItem == nil)
        #expect(report.header.notes == ["No ratings in this period: raters add them with `gait review --rater NAME`."])
        let texts = try validated(try report.write(into: try temporaryFolder()))
        #expect(try #require(texts["session.html"]).contains("No ratings in this period"))
    }

    @Test func unknownRaterAndBadDatesAreRefused() throws {
        let w = try ReviewedWorkspace()
        let gatherer = ReportGatherer(workspace: w.workspace, generator: "gait test")
        #expect(errorMessage { _ = try gatherer.sessionReport(rater: "zoe") }
            == "no rater named 'zoe'; add them with `gait raters add zoe`")
        #expect(errorMessage { _ = try gatherer.sessionReport(since: "2027-02-30") }
            == "invalid --since '2027-02-30': expected a date YYYY-MM-DD (or a stored timestamp YYYY-MM-DDTHH:MM:SS.sssZ)")
        #expect(errorMessage { _ = try gatherer.sessionReport(since: "yesterday") }
            == "invalid --since 'yesterday': expected a date YYYY-MM-DD (or a stored timestamp YYYY-MM-DDTHH:MM:SS.sssZ)")
        #expect(try sinceBound("2027-01-16") == "2027-01-16T00:00:00.000Z")
    }
}

@Suite struct GateReportTests {
    static let rules = """
        gates:
          crawl->walk:
            evidence: {min_items: 10, min_raters: 3, min_days: 0}
            conditions:
              - {name: acceptance, metric: acceptance_rate, statistic: ci_low, comparison: ">=", threshold: 0.7}
              - {metric: flag_rate, flag: harmful, statistic: ci_low, comparison: "<=", threshold: 0.01, critical: true}
        """

    @Test func theDecisionItsConditionsTheStageHistoryAndTheRunCosts() throws {
        let w = try ReviewedWorkspace()
        try w.items(12)
        for rater in ["ana", "ben", "cy"] { try w.review(rater) { _ in Answer() } }
        let gatekeeper = try Gatekeeper(workspace: w.workspace, rules: try #require(try GateRules.parse(yaml: Self.rules, source: "rules.yaml")))
        let decision = try gatekeeper.decide(scope: "faq", from: .crawl, to: .walk, actor: "lea")
        #expect(decision.evaluation.outcome == .pass)
        _ = try gatekeeper.promote(scope: "faq", to: .walk, actor: "lea")

        let report = try ReportGatherer(workspace: w.workspace, generator: "gait test").gateReport(scope: "faq")
        let evaluation = try #require(report.evaluations.first)
        #expect(report.evaluations.count == 1)
        #expect(evaluation.id == String(decision.record.id))
        #expect(evaluation.decision == .pass && evaluation.from == .crawl && evaluation.to == .walk)
        #expect(evaluation.evidence.ratedItems == 12 && evaluation.evidence.ratings == 36 && evaluation.evidence.raters == 3)
        #expect(evaluation.evidence.floor == GateReport.EvidenceFloor(items: 10, raters: 3, days: 0))
        let acceptance = evaluation.conditions[0]
        #expect(acceptance.id == "acceptance" && acceptance.metric == "acceptance_rate")
        #expect(acceptance.statistic == .ciLow && acceptance.comparison == .atLeast && acceptance.threshold == 0.7)
        #expect(acceptance.estimate?.value == 1 && acceptance.result == .pass && !acceptance.critical)
        #expect(abs((acceptance.estimate?.lower ?? 0) - 0.7575) < 1e-3)  // Wilson 12/12
        let harm = evaluation.conditions[1]
        #expect(harm.metric == "flag_rate(harmful)" && harm.critical && harm.comparison == .atMost)
        var history: [GateReport.StageChange] = []
        try report.stageHistory.forEach { history.append($0) }
        #expect(history.count == 1)
        #expect(history[0].kind == .promotion && history[0].from == .crawl && history[0].to == .walk)
        #expect(history[0].evaluationID == String(decision.record.id) && history[0].actor == "lea")
        var runs: [GateReport.RunCost] = []
        try report.runs.forEach { runs.append($0) }
        #expect(runs.count == 1)
        #expect(runs[0].candidates == 12 && runs[0].generatedTokens == 480 && runs[0].promptTokens == 120)
        #expect(runs[0].cpuSeconds == 6 && runs[0].tokensPerSecond == 160)

        let texts = try validated(try report.write(into: try temporaryFolder(), hostname: "ci"))
        #expect(Set(texts.keys) == ["gate.xml", "gate.html", "gate-junit.xml"])
        #expect(try #require(texts["gate.xml"]).contains(#"decision="pass""#))
        #expect(try #require(texts["gate-junit.xml"]).contains("acceptance"))
    }

    /// `gait gate --junit` writes one decision through this mapping and the Reports JUnit writer.
    @Test func aDecisionAsJUnitFailedHostileAndRechecked() throws {
        let w = try ReviewedWorkspace()
        try w.items(12)
        let hostile = "faq <b>&amp; \"q\" ]]> \u{0}\u{1B}[31m tab\there\nline 🚀"
        for rater in ["ana", "ben", "cy"] {
            try w.review(rater) { index in Answer(flags: index < 4 ? ["harmful"] : []) }
        }
        w.clock.advance(seconds: 86_400)
        let rules = try #require(try GateRules.parse(yaml: Self.rules, source: "rules.yaml"))
        let gatekeeper = try Gatekeeper(workspace: w.workspace, rules: rules)
        let decision = try gatekeeper.decide(scope: "faq", from: .crawl, to: .walk, actor: "lea")
        #expect(decision.evaluation.outcome == .fail)
        var evaluation = GateReport.Evaluation(record: decision.record, evaluation: decision.evaluation)
        evaluation.reasons.append(hostile)
        var recheck = evaluation
        recheck.to = .crawl
        let file = try temporaryFolder().appendingPathComponent("gate.xml")
        try JUnitReport(evaluations: [evaluation, recheck], hostname: "ci\u{0}runner").write(to: file)
        let result = try validate(fileAt: file)
        #expect(result.kind == .junit && result.isValid, "\(result.issues.map(\.message))")
        let xml = try String(contentsOf: file, encoding: .utf8)
        #expect(xml.contains(#"<testsuite name="gate faq crawl-to-walk" tests="3" failures="1" errors="0" skipped="0""#))
        #expect(xml.contains(#"<testsuite name="gate faq crawl-recheck""#))
        #expect(xml.contains("Gate faq: re-check of crawl: fail"))
        #expect(xml.contains(#"type="critical-condition-failed""#))
        // Characters XML forbids become U+FFFD; markup is escaped.
        #expect(xml.contains("- faq &lt;b&gt;&amp;amp; &quot;q&quot; ]]&gt; \u{FFFD}\u{FFFD}[31m tab\there\nline 🚀"))
        #expect(xml.contains(#"hostname="ci\#u{FFFD}runner""#))
    }

    @Test func onlyTheNewestDecisionPerTransitionIsShown() throws {
        let w = try ReviewedWorkspace()
        try w.items(12)
        let gatekeeper = try Gatekeeper(workspace: w.workspace, rules: try #require(try GateRules.parse(yaml: Self.rules, source: "rules.yaml")))
        let early = try gatekeeper.decide(scope: "faq", from: .crawl, to: .walk)
        #expect(early.evaluation.outcome == .inconclusive)
        for rater in ["ana", "ben", "cy"] { try w.review(rater) { _ in Answer() } }
        let late = try gatekeeper.decide(scope: "faq", from: .crawl, to: .walk)
        let report = try ReportGatherer(workspace: w.workspace, generator: "gait test").gateReport()
        #expect(report.evaluations.map(\.id) == [String(late.record.id)])
        #expect(report.header.notes.isEmpty)
    }

    @Test func withoutADecisionTheReportSaysSo() throws {
        let w = try ReviewedWorkspace()
        try w.items(2)
        let report = try ReportGatherer(workspace: w.workspace, generator: "gait test").gateReport(scope: "faq")
        #expect(report.evaluations.isEmpty)
        #expect(report.header.notes == ["No gate decision is recorded for scope faq: run `gait gate SCOPE` to evaluate one."])
        let texts = try validated(try report.write(into: try temporaryFolder(), hostname: "ci"))
        #expect(try #require(texts["gate.html"]).contains("No gate decision is recorded"))
    }

    @Test func anUnknownScopeIsRefused() throws {
        let w = try ReviewedWorkspace()
        let gatherer = ReportGatherer(workspace: w.workspace, generator: "gait test")
        #expect(errorMessage { _ = try gatherer.gateReport(scope: "faq") }
            == "unknown scope 'faq': the workspace has no scopes yet (give prompts a `scope` when importing them)")
        try w.items(2, scope: "billing")
        #expect(errorMessage { _ = try gatherer.gateReport(scope: "faq") } == "unknown scope 'faq'; the scopes are: billing")
    }
}

@Suite struct BiasReportTests {
    /// 24 items, f and m alternating: every rater answers f prompts helpful 3 and accepts half of them,
    /// m prompts helpful 5 and accepts all.
    static func skewed() throws -> ReviewedWorkspace {
        let w = try ReviewedWorkspace()
        try w.items(24)
        for rater in ["ana", "ben", "cy"] {
            try w.review(rater) { index in
                index % 2 == 0 ? Answer(helpful: 3, accept: index % 4 == 0) : Answer(helpful: 5, accept: true)
            }
        }
        return w
    }

    @Test func slicesVerdictsAndCounterfactualPairsWithBothOutputs() throws {
        let w = try Self.skewed()
        let report = try ReportGatherer(workspace: w.workspace, generator: "gait test").biasReport()
        let gender = try #require(report.attributes.first)
        #expect(report.attributes.count == 1)
        #expect(gender.name == "gender" && gender.reference == "f")
        #expect(gender.slices.map(\.value) == ["f", "m"])
        #expect(gender.slices.map(\.items) == [12, 12])
        let f = gender.slices[0], m = gender.slices[1]
        #expect(f.verdict == .reference && f.disparityRatio == nil)
        #expect(f.passRate.value == 0.5 && m.passRate.value == 1)
        #expect(m.disparityRatio?.value == 2)
        #expect(m.fourFifths == .above)
        #expect(f.quality.value == 0.5 && m.quality.value == 1)  // 3 and 5 on 1–5
        // Significant but not below four fifths: the audit's possible disparity, for a person to review.
        #expect(m.verdict == .review)
        #expect(gender.verdict == .review)
        #expect((m.adjustedP ?? 1) < 0.05)
        #expect(report.header.filters.contains(ReportHeader.Filter(name: "rubric", value: "helpfulness")))
        #expect(report.header.notes.contains { $0.hasPrefix("Method: ") })

        var pairs: [BiasReport.CounterfactualPair] = []
        try report.counterfactualPairs.forEach { pairs.append($0) }
        #expect(pairs.count == 12)
        let first = try #require(pairs.first { $0.group == "g0" })
        #expect(first.first.promptID == "p0" && first.first.attributeValue == "f")
        #expect(first.first.prompt == "Question 0?" && first.first.output == "Answer to p0")
        #expect(first.second.promptID == "p1" && first.second.output == "Answer to p1")
        #expect(first.difference == 2)
        let summary = try #require(report.counterfactualSummary)
        #expect(summary.pairs == 12 && summary.meanDifference.value == 2)

        let texts = try validated(try report.write(into: try temporaryFolder()))
        #expect(try #require(texts["bias.xml"]).contains("Answer to p1"))
        #expect(try #require(texts["bias.html"]).contains("Question 0?"))
    }

    @Test func aScopeAndARubricNarrowTheAudit() throws {
        let w = try Self.skewed()
        try w.items(4, scope: "billing")
        let gatherer = ReportGatherer(workspace: w.workspace, generator: "gait test")
        let report = try gatherer.biasReport(rubric: "helpfulness", scope: "faq")
        #expect(report.attributes.first?.slices.map(\.items) == [12, 12])
        #expect(errorMessage { _ = try gatherer.biasReport(rubric: "tone") }?.hasPrefix("no rubric named 'tone'") == true)
        #expect(errorMessage { _ = try gatherer.biasReport(scope: "nope") } == "unknown scope 'nope'; the scopes are: billing, faq")
        let billing = try gatherer.biasReport(scope: "billing")
        #expect(billing.attributes.isEmpty)
        #expect(billing.header.notes.first?.hasPrefix("Nothing to audit: no ratings yet for") == true)
    }

    @Test func anEmptyWorkspaceGetsAReportThatSaysSo() throws {
        let w = try ReviewedWorkspace()
        let report = try ReportGatherer(workspace: w.workspace, generator: "gait test").biasReport()
        #expect(report.attributes.isEmpty && report.counterfactualSummary == nil)
        #expect(report.header.notes == ["Nothing to audit: no ratings yet for this workspace; raters add them with `gait review --rater NAME` (see `gait status`)."])
        _ = try validated(try report.write(into: try temporaryFolder()))
    }
}
