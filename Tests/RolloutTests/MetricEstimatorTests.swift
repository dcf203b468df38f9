import Foundation
import GaitCore
import GaitStore
import Testing
@testable import Rollout

@Suite struct MetricEstimatorTests {
    static func estimate(_ w: GateWorkspace, _ condition: GateCondition, stage: Stage = .crawl) throws -> MetricEstimate {
        let evidence = try GateEvidence.gather(from: w.workspace, scope: "faq", stage: stage, now: w.clock.now)
        return MetricEstimator(evidence: evidence, resamples: 2_000).estimate(condition)
    }

    /// Items alternate gender f, m; consecutive items form a counterfactual group. Here every f answer is
    /// rejected and every m answer accepted.
    static func unequal(_ count: Int = 20) throws -> GateWorkspace {
        let w = try GateWorkspace()
        try w.rateAll(try w.items(count, stage: .crawl), by: ["ana", "ben"]) { index in
            Answer(accept: index % 2 == 1 || index < 4, helpful: index % 2 == 1 ? 5 : 3)
        }
        return w
    }

    @Test func disparityIsTheWorstSliceOverTheBest() throws {
        let w = try Self.unequal()
        let acceptance = try Self.estimate(w, GateCondition(metric: .disparity, comparison: .atLeast, threshold: 0.8))
        #expect(acceptance.value == 0.2)  // f: 2 of 10 accepted, m: 10 of 10
        #expect(acceptance.note == "worst slice gender=f against gender=m")
        #expect(acceptance.n == 10)
        let helpful = try Self.estimate(w, GateCondition(metric: .disparity, comparison: .atLeast, threshold: 0.8,
                                                         criterion: "helpful", attribute: "gender"))
        #expect(helpful.value == 0.5)  // normalized means 0.5 (3 on 1…5) over 1 (5)
        let referenced = try Self.estimate(w, GateCondition(metric: .disparity, comparison: .atLeast, threshold: 0.8,
                                                            attribute: "gender", reference: "f"))
        #expect(referenced.value == 5)
        let tooSmall = try Self.estimate(w, GateCondition(metric: .disparity, comparison: .atLeast, threshold: 0.8,
                                                          minSliceItems: 11))
        #expect(tooSmall.value == nil)
        #expect(tooSmall.note == "no attribute has two slices with 11 or more rated items, or the reference's quality is 0; left out (under 11 items): gender=f, gender=m")
    }

    @Test func counterfactualPairsAreTestedWithTheSignFlipTest() throws {
        let w = try Self.unequal()
        let p = try Self.estimate(w, GateCondition(metric: .counterfactualP, comparison: .atLeast, threshold: 0.05,
                                                   attribute: "gender"))
        // Pairs 0 and 1 agree (both accepted); 8 pairs differ by +1: 2 of 2^8 sign assignments reach |8|.
        #expect(p.value == 2.0 / 256)
        #expect(p.n == 10)
        #expect(p.note == "10 pairs, mean difference 0.8 on 0…1 (sign-flip test, exact)")
        let reversed = try Self.estimate(w, GateCondition(metric: .counterfactualP, comparison: .atLeast, threshold: 0.05,
                                                          attribute: "gender", reference: "m"))
        #expect(reversed.value == 2.0 / 256)
        #expect(reversed.note == "10 pairs, mean difference -0.8 on 0…1 (sign-flip test, exact)")
        let gate = TransitionRule(floor: EvidenceFloor(), conditions: [
            GateCondition(metric: .counterfactualP, comparison: .atLeast, threshold: 0.05, attribute: "gender"),
        ]).evaluate(try GateEvidence.gather(from: w.workspace, scope: "faq", stage: .crawl, now: w.clock.now),
                    to: .walk, now: w.clock.now)
        #expect(gate.outcome == .fail)  // a p-value has no interval: its failing point is decisive
    }

    @Test func discardsAreRejectionsAndOneRaterFlagsAnItem() throws {
        let w = try GateWorkspace()
        let items = try w.items(4, stage: .crawl)
        try w.rate([(items[0], "ana", Answer(accept: true)), (items[0], "ben", Answer(accept: true)),
                    (items[1], "ana", Answer(accept: true)), (items[1], "ben", Answer(accept: true, discarded: true)),
                    (items[2], "ana", Answer(accept: true, flags: ["harmful"])), (items[2], "ben", Answer(accept: true)),
                    (items[2], "cy", Answer(accept: true)),
                    (items[3], "ana", Answer(accept: false))])
        let acceptance = try Self.estimate(w, GateCondition(metric: .acceptanceRate, comparison: .atLeast, threshold: 0.8))
        #expect(acceptance.value == 0.5)  // item 1 ties 1:1 with the discard, item 3 is rejected
        #expect(acceptance.note == "2 of 4 items accepted (Wilson 95%)")
        let harm = try Self.estimate(w, GateCondition(metric: .flagRate, comparison: .atMost, threshold: 0.01, flag: "harmful"))
        #expect(harm.value == 0.25)
        let helpful = try Self.estimate(w, GateCondition(metric: .mean, statistic: .ciLow, comparison: .atLeast, threshold: 3,
                                                         criterion: "helpful"))
        #expect(helpful.value == 4 && helpful.low == 4 && helpful.high == 4)
        #expect(helpful.note == "7 ratings of 4 items (bootstrap 95%, 2000 resamples over items)")
        let normalized = try Self.estimate(w, GateCondition(metric: .normalizedMean, comparison: .atLeast, threshold: 0.5,
                                                            criterion: "helpful"))
        #expect(normalized.value == 0.75)
        let safetyOnly = try Self.estimate(w, GateCondition(metric: .acceptanceRate, comparison: .atLeast, threshold: 0.8,
                                                            rubric: "safety"))
        #expect(safetyOnly.value == nil)
        #expect(safetyOnly.note == "no rated item has an acceptance criterion")
    }

    @Test func alphaMeasuresDisagreement() throws {
        let w = try GateWorkspace()
        let items = try w.items(10, stage: .crawl)
        // Two raters agree on 8 items and disagree on 2.
        try w.rate(items.enumerated().flatMap { index, item in
            [(item, "ana", Answer(accept: index % 2 == 0)), (item, "ben", Answer(accept: index < 2 ? index % 2 == 1 : index % 2 == 0))]
        })
        let alpha = try Self.estimate(w, GateCondition(metric: .alpha, comparison: .atLeast, threshold: 0.667))
        // Nominal α over 20 values, 10 yes and 10 no, two disagreeing units:
        // D_o = 4/20 = 0.2, D_e = 2·10·10/(20·19) = 0.5263, α = 1 − 0.2/0.5263 = 0.62.
        #expect(abs((alpha.value ?? 0) - 0.62) < 1e-12)
        #expect(alpha.n == 10)
        #expect(alpha.note == "nominal α over 10 items rated more than once")
    }

    @Test func latencyAndTokensComeFromTheCandidates() throws {
        let w = try GateWorkspace()
        try w.items(6, stage: .crawl, latency: 250, tokens: 90)
        try w.items(2, stage: .walk, latency: 999, tokens: 999)
        let latency = try Self.estimate(w, GateCondition(metric: .latencyMilliseconds, statistic: .ciHigh, comparison: .atMost,
                                                         threshold: 300))
        #expect(latency.value == 250 && latency.high == 250 && latency.n == 6)
        #expect(latency.note == "mean of 6 candidates' latency (bootstrap 95%)")
        let tokens = try Self.estimate(w, GateCondition(metric: .tokens, comparison: .atMost, threshold: 300))
        #expect(tokens.value == 90)
        let none = try Self.estimate(w, GateCondition(metric: .tokens, comparison: .atMost, threshold: 300), stage: .run)
        #expect(none.value == nil && none.note == "no candidate was generated in the stage")
    }
}
