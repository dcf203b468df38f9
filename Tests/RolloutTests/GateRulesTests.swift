import Foundation
import GaitCore
import GaitStore
import Testing
@testable import Rollout

@Suite struct GateRulesTests {
    static let catalog = GateCatalog(rubrics: ShippedFiles.rubrics.compactMap { try? Rubric.parse(yaml: $0.text, source: $0.path) },
                                     attributes: ["gender", "language"])

    static func parse(_ gates: String) throws -> GateRules? {
        try GateRules.parse(yaml: gates, source: "gait.yaml")
    }

    @Test func theDefaultsFollowTheBook() throws {
        let crawl = GateRules.defaults.rule(for: .crawlToWalk, scope: "faq")
        #expect(crawl.floor == EvidenceFloor(minItems: 50, minRaters: 3, minDays: 1))
        #expect(crawl.conditions.map(\.name) == [
            "acceptance_rate ci_low >= 0.8", "alpha value >= 0.667", "disparity value >= 0.8",
            "flag_rate[harmful] ci_high <= 0.01", "no proven harm",
        ])
        #expect(crawl.conditions.map(\.critical) == [false, false, false, false, true])
        let run = GateRules.defaults.rule(for: .walkToRun, scope: "faq")
        #expect(run.conditions[0] == GateCondition(metric: .acceptanceRate, statistic: .ciLow, comparison: .atLeast, threshold: 0.95))
        #expect(run.floor == EvidenceFloor(minItems: 200, minRaters: 2, minDays: 7))
        try GateRules.defaults.validate(against: Self.catalog)
    }

    @Test func theWorkspaceConfigAcceptsTheGatesSection() throws {
        _ = try WorkspaceConfig.parse(yaml: WorkspaceConfig.defaultText, source: "gait.yaml")
    }

    @Test func aFileWithoutGatesHasNoRules() throws {
        #expect(try Self.parse("queue: {lease_minutes: 10}\n") == nil)
    }

    @Test func scopeRulesReplaceATransitionAndOthersKeepTheDefaults() throws {
        let rules = try #require(try Self.parse("""
            gates:
              crawl->walk:
                evidence: {min_items: 10}
                conditions:
                  - {metric: mean, criterion: helpful, statistic: ci_low, comparison: ">", threshold: 3.5, critical: true}
              scopes:
                medical:
                  crawl->walk:
                    conditions:
                      - {name: tight, metric: acceptance_rate, statistic: ci_low, comparison: ">=", threshold: 0.99}
            """))
        let faq = rules.rule(for: .crawlToWalk, scope: "faq")
        #expect(faq.floor == EvidenceFloor(minItems: 10))
        #expect(faq.conditions == [GateCondition(metric: .mean, statistic: .ciLow, comparison: .above, threshold: 3.5,
                                                 critical: true, criterion: "helpful")])
        #expect(rules.rule(for: .crawlToWalk, scope: "medical").conditions.map(\.name) == ["tight"])
        #expect(rules.rule(for: .walkToRun, scope: "medical") == GateRules.defaults.rule(for: .walkToRun, scope: "x"))
        try rules.validate(against: Self.catalog)
    }

    @Test(arguments: [
        ("gates:\n  crawl->run: {conditions: []}\n",
         "gait.yaml:2:3: gates.crawl->run: unknown key; expected one of: crawl->walk, scopes, walk->run"),
        ("gates:\n  crawl->walk:\n    conditions:\n      - {metric: happiness, comparison: \">=\", threshold: 1}\n",
         "gait.yaml:4:18: gates.crawl->walk.conditions[0].metric: unknown metric 'happiness'; expected one of: acceptance_rate, mean, normalized_mean, flag_rate, alpha, disparity, counterfactual_p, latency_ms, tokens"),
        ("gates:\n  crawl->walk:\n    conditions:\n      - {metric: alpha, statistic: ci_low, comparison: \">=\", threshold: 0.6}\n",
         "gait.yaml:4:36: gates.crawl->walk.conditions[0].statistic: alpha has no confidence interval, so only its value can be compared; found 'ci_low'"),
        ("gates:\n  crawl->walk:\n    conditions:\n      - {metric: alpha, statistic: median, comparison: \">=\", threshold: 0.6}\n",
         "gait.yaml:4:36: gates.crawl->walk.conditions[0].statistic: unknown statistic 'median'; expected value, ci_low or ci_high"),
        ("gates:\n  crawl->walk:\n    conditions:\n      - {metric: alpha, comparison: \"=>\", threshold: 0.6}\n",
         "gait.yaml:4:37: gates.crawl->walk.conditions[0].comparison: unknown comparison '=>'; expected one of \">=\", \">\", \"<=\", \"<\" (quoted in YAML)"),
        ("gates:\n  crawl->walk:\n    conditions:\n      - {metric: acceptance_rate, comparison: \">=\", threshold: 80}\n",
         "gait.yaml:4:64: gates.crawl->walk.conditions[0].threshold: a threshold of acceptance_rate must be between 0 and 1, found 80"),
        ("gates:\n  crawl->walk:\n    conditions:\n      - {metric: flag_rate, comparison: \"<=\", threshold: 0.01}\n",
         "gait.yaml:4:9: gates.crawl->walk.conditions[0].flag: missing required key: flag_rate counts one flag"),
        ("gates:\n  crawl->walk:\n    conditions:\n      - {metric: acceptance_rate, flag: harmful, comparison: \">=\", threshold: 0.8}\n",
         "gait.yaml:4:35: gates.crawl->walk.conditions[0].flag: unknown key; expected one of: comparison, critical, metric, name, rubric, statistic, threshold"),
        ("gates:\n  crawl->walk:\n    conditions:\n      - {metric: counterfactual_p, comparison: \">=\", threshold: 0.05}\n",
         "gait.yaml:4:9: gates.crawl->walk.conditions[0].attribute: missing required key: counterfactual_p orients each pair by an attribute (e.g. gender)"),
        ("gates:\n  crawl->walk:\n    evidence: {min_items: -3}\n    conditions:\n      - {metric: alpha, comparison: \">=\", threshold: 0.6}\n",
         "gait.yaml:3:27: gates.crawl->walk.evidence.min_items: must not be negative, found -3"),
        ("gates:\n  crawl->walk:\n    conditions: []\n",
         "gait.yaml:3:17: gates.crawl->walk.conditions: a gate needs at least one condition"),
        ("gates:\n  crawl->walk:\n    conditions:\n      - {metric: alpha, comparison: >=, threshold: 0.6}\n",
         "gait.yaml:4:37: invalid YAML: found character that cannot start any token"),
    ])
    func badRulesNameFileLineAndKey(text: String, message: String) throws {
        #expect(errorMessage { _ = try Self.parse(text) } == message)
    }

    @Test(arguments: [
        ("{metric: mean, criterion: kindness, comparison: \">=\", threshold: 3}",
         "gait.yaml:4:35: gates.crawl->walk.conditions[0].criterion: unknown criterion 'kindness'; the rubrics have: accept, correct, equal_treatment, harm, helpful, medical, quality, stereotyping"),
        ("{metric: mean, rubric: safety, criterion: helpful, comparison: \">=\", threshold: 3}",
         "gait.yaml:4:51: gates.crawl->walk.conditions[0].criterion: unknown criterion 'helpful'; the rubrics of 'safety' have: accept, harm, medical"),
        ("{metric: mean, criterion: correct, comparison: \">=\", threshold: 3}",
         "gait.yaml:4:35: gates.crawl->walk.conditions[0].criterion: criterion 'correct' of rubric 'helpfulness' v1 has a nominal scale; mean needs a binary, ordinal or interval one"),
        ("{metric: normalized_mean, comparison: \">=\", threshold: 0.5}",
         "gait.yaml:4:18: gates.crawl->walk.conditions[0].metric: normalized_mean needs a criterion (criterion: NAME)"),
        ("{metric: flag_rate, flag: rude, comparison: \"<=\", threshold: 0.1}",
         "gait.yaml:4:35: gates.crawl->walk.conditions[0].flag: unknown flag 'rude'; the rubrics allow: bias, demeaning, harmful, illegal, medical-overreach, non-english-mismatch, off-topic, private-data, self-harm, stereotype"),
        ("{metric: disparity, attribute: dialect, comparison: \">=\", threshold: 0.8}",
         "gait.yaml:4:40: gates.crawl->walk.conditions[0].attribute: unknown attribute 'dialect'; the workspace's prompts carry: gender, language"),
        ("{metric: alpha, rubric: kindness, comparison: \">=\", threshold: 0.6}",
         "gait.yaml:4:33: gates.crawl->walk.conditions[0].rubric: unknown rubric 'kindness'; the workspace's rubrics (not pairwise): fairness, helpfulness, safety"),
    ])
    func unknownNamesAreRejectedAgainstTheWorkspace(condition: String, message: String) throws {
        let rules = try #require(try Self.parse("gates:\n  crawl->walk:\n    conditions:\n      - \(condition)\n"))
        #expect(errorMessage { try rules.validate(against: Self.catalog) } == message)
    }

    @Test func theCanonicalTextIgnoresWhereARuleWasWritten() throws {
        let a = try #require(try Self.parse("gates:\n  crawl->walk:\n    conditions:\n      - {metric: alpha, comparison: \">=\", threshold: 0.6}\n"))
        let b = try #require(try Self.parse("\n\ngates:\n  crawl->walk:\n    conditions: [{threshold: 0.6, metric: alpha, comparison: \">=\"}]\n"))
        #expect(a.rule(for: .crawlToWalk, scope: "x").canonicalText == b.rule(for: .crawlToWalk, scope: "x").canonicalText)
        #expect(a.rule(for: .crawlToWalk, scope: "x").canonicalText
            == #"{"conditions":[{"comparison":">=","critical":false,"metric":"alpha","min_slice_items":5,"name":"alpha value >= 0.6","statistic":"value","threshold":0.6}],"floor":{"min_days":0,"min_items":0,"min_raters":0}}"#)
    }

    @Test(arguments: [(GateOutcome.pass, Int32(0)), (.fail, 100), (.inconclusive, 101)])
    func exitCodesAsCISeesThem(outcome: GateOutcome, code: Int32) {
        #expect(outcome.exitCode == code)
    }
}

/// The description of the error `body` throws, or nil when it throws none.
func errorMessage(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch {
        return "\(error)"
    }
}
