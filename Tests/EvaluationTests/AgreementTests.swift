import Foundation
import GaitCore
import GaitStore
import Statistics
import Testing
@testable import Evaluation

@Suite struct AgreementTests {
    let settings = ResamplingSettings(confidence: 0.9, resamples: 300, seed: 5)

    /// Four prompts rated by ana and ben: accept (yes,yes), (no,yes), (yes,no), (no,no).
    static let ana = ["a-0": helpfulness(5, "yes", "yes"), "a-1": helpfulness(2, "no", "no"),
                      "a-2": helpfulness(4, "unsure", "yes"), "a-3": helpfulness(1, "no", "no")]
    static let ben = ["a-0": helpfulness(4, "yes", "yes"), "a-1": helpfulness(3, "no", "yes"),
                      "a-2": helpfulness(4, "yes", "no"), "a-3": helpfulness(2, "no", "no")]

    func twoRaters() throws -> EvaluationFixture {
        var fixture = try EvaluationFixture()
        try fixture.queue(EvaluationFixture.prompts("a", Array(repeating: [:], count: 4)), set: "a", overlap: 3)
        try fixture.rate("ana") { Self.ana[$0] }
        try fixture.rate("ben") { Self.ben[$0] }
        return fixture
    }

    @Test func nominalAlphaAndKappaMatchHandComputation() throws {
        let report = try agreement(RatingSelection(), settings: settings, in: try twoRaters().workspace)
        let rubric = try #require(report.rubrics.first)
        #expect(rubric.items == 4 && rubric.ratings == 8)
        let accept = try #require(rubric.criteria.first { $0.criterion == "accept" })
        // Coincidences: o(1,1) = 2, o(0,0) = 2, o(0,1) = o(1,0) = 2; n = 8, n₀ = n₁ = 4.
        // D_o = 4/8, D_e = 2·4·4/(8·7) = 4/7, α = 1 − (1/2)/(4/7) = 1/8.
        #expect(accept.alpha.level == .nominal && close(accept.alpha.value, 0.125))
        #expect(accept.alpha.units == 4 && accept.alpha.pairableUnits == 4 && accept.alpha.pairableValues == 8)
        // p_o = 2/4, p_e = (2/4)(2/4) + (2/4)(2/4) = 1/2: κ = 0.
        let kappa = try #require(accept.kappa)
        #expect(kappa.raters == ["ana", "ben"] && kappa.weights == KappaWeights.none && kappa.units == 4)
        #expect(close(kappa.value, 0) && kappa.observedAgreement == 0.5 && kappa.expectedAgreement == 0.5)
        let anaRow = try #require(accept.raters.first { $0.rater == "ana" })
        #expect(anaRow.ratings == 4 && anaRow.pairs == 4 && anaRow.pairwiseAgreement == 0.5)
        // Without ana, every item has one answer: α is undefined.
        #expect(anaRow.alphaWithout == nil)
    }

    @Test func ordinalAndNominalCriteriaMatchTheStatisticsFunctions() throws {
        let report = try agreement(RatingSelection(rubric: "helpfulness"), settings: settings, in: try twoRaters().workspace)
        let criteria = try #require(report.rubrics.first).criteria
        let helpful = try #require(criteria.first { $0.criterion == "helpful" })
        let units: [[Double]] = [[5, 4], [2, 3], [4, 4], [1, 2]]
        let alpha = try krippendorffAlpha(ReliabilityData(units: units), level: .ordinal)
        #expect(helpful.alpha.level == .ordinal && helpful.alpha.value == alpha.value)
        let kappa = try cohenKappa([4, 1, 3, 0], [3, 2, 3, 1], categoryCount: 5, weights: .quadratic)
        #expect(helpful.kappa?.weights == .quadratic && helpful.kappa?.value == kappa.value)
        #expect(helpful.raters.first { $0.rater == "ben" }?.pairwiseAgreement == 0.25)
        let correct = try #require(criteria.first { $0.criterion == "correct" })
        // Options yes, no, unsure are positions 0, 1, 2.
        let nominal = try krippendorffAlpha(ReliabilityData(units: [[0, 0], [1, 1], [2, 0], [1, 1]]), level: .nominal)
        #expect(correct.alpha.value == nominal.value)
        let correctKappa = try cohenKappa([0, 1, 2, 1], [0, 1, 0, 1], categoryCount: 3)
        #expect(correct.kappa?.value == correctKappa.value)
    }

    @Test func theBootstrapIntervalIsSeededAndSurroundsAlpha() throws {
        var fixture = try EvaluationFixture()
        try fixture.queue(EvaluationFixture.prompts("b", Array(repeating: [:], count: 12)), set: "b", overlap: 3)
        for (shift, rater) in ["ana", "ben", "cy"].enumerated() {
            try fixture.rate(rater) { prompt in
                let index = Int(prompt.dropFirst(2)) ?? 0
                let score = min(5, 1 + index % 5 + (index + shift) % 2 * (shift == 2 ? 1 : 0))
                return helpfulness(score, "yes", score >= 3 ? "yes" : "no")
            }
        }
        let first = try agreement(RatingSelection(), settings: settings, in: fixture.workspace)
        let second = try agreement(RatingSelection(), settings: settings, in: fixture.workspace)
        let helpful = try #require(first.rubrics.first?.criteria.first { $0.criterion == "helpful" })
        let value = try #require(helpful.alpha.value)
        let interval = try #require(helpful.interval)
        #expect(interval.low <= value && value <= interval.high && interval.low < interval.high)
        #expect(interval.usedResamples <= 300 && interval.usedResamples > 250)
        #expect(second.rubrics.first?.criteria.first { $0.criterion == "helpful" }?.interval == interval)
        // Three raters: no κ; α without each rater comes from the other two alone.
        #expect(helpful.kappa == nil)
        let same: [[Double]] = (0..<12).map { (index: Int) -> [Double] in
            let score = Double(1 + index % 5)
            return [score, score]
        }
        let withoutCy = try krippendorffAlpha(ReliabilityData(units: same), level: .ordinal)
        #expect(helpful.raters.first { $0.rater == "cy" }?.alphaWithout == withoutCy.value)
    }

    @Test func goldAccuracyComesFromTheGoldItemsEachRaterAnswered() throws {
        var fixture = try twoRaters()
        let gold = try fixture.queue(EvaluationFixture.prompts("g", [[:], [:]]), set: "g", overlap: 2)
        try fixture.workspace.markGold(itemID: gold[0], answers: ["helpful": "4", "accept": "yes"], lead: "lee")
        try fixture.workspace.markGold(itemID: gold[1], answers: ["correct": "no"], lead: "lee")
        // Regular work must remain for gold items to be served: queue two more prompts.
        try fixture.queue(EvaluationFixture.prompts("r", [[:], [:]]), set: "r", overlap: 1)
        try fixture.rate("cy", goldRate: 1) { prompt in
            switch prompt {
            case "g-0": helpfulness(4, "yes", "no")  // helpful right, accept wrong
            case "g-1": helpfulness(2, "no", "no")  // correct right
            default: helpfulness(3, "yes", "yes")
            }
        }
        let report = try agreement(RatingSelection(), settings: settings, in: fixture.workspace)
        let cy = try #require(report.rubrics.first?.raters.first { $0.rater == "cy" })
        #expect(cy.gold == GoldAccuracy(items: 2, answers: 3, correct: 2) && cy.gold.accuracy == 2.0 / 3)
        // Gold ratings are left out of the agreement itself: cy's six regular ratings count.
        #expect(cy.ratings == 6)
        #expect(report.rubrics.first?.raters.first { $0.rater == "ana" }?.gold.accuracy == nil)
    }

    @Test func undefinedAlphaSaysWhyAndHasNoInterval() throws {
        var fixture = try EvaluationFixture()
        try fixture.queue(EvaluationFixture.prompts("u", [[:], [:]]), set: "u", overlap: 2)
        try fixture.rate("ana") { _ in helpfulness(3, "yes", "yes") }
        try fixture.rate("ben") { _ in helpfulness(3, "yes", "yes") }
        let report = try agreement(RatingSelection(), settings: settings, in: fixture.workspace)
        let helpful = try #require(report.rubrics.first?.criteria.first { $0.criterion == "helpful" })
        #expect(helpful.alpha.value == nil && helpful.interval == nil)
        #expect(helpful.alpha.reason == "every pairable value is 3, so the expected disagreement is 0")
        #expect(helpful.kappa?.reason == "both raters used a single category, the same one, so the expected agreement is 1")
        #expect(helpful.raters.allSatisfy { $0.pairwiseAgreement == 1 })
    }

    @Test func jsonHasStableSnakeCaseKeys() throws {
        let json = try jsonObject(try agreement(RatingSelection(), settings: settings, in: try twoRaters().workspace))
        #expect(Set(json.keys) == ["rubric", "scope", "stage", "confidence", "resamples", "seed", "method", "rubrics"])
        let rubric = try #require((json["rubrics"] as? [[String: Any]])?.first)
        #expect(Set(rubric.keys) == ["rubric", "version", "items", "ratings", "criteria", "raters"])
        let criterion = try #require((rubric["criteria"] as? [[String: Any]])?.first)
        #expect(Set(criterion.keys) == ["criterion", "scale", "alpha", "interval", "kappa", "raters"])
        #expect(Set((criterion["alpha"] as? [String: Any])?.keys ?? [:].keys)
                == ["level", "value", "reason", "units", "pairable_units", "pairable_values"])
        #expect(Set((criterion["kappa"] as? [String: Any])?.keys ?? [:].keys)
                == ["raters", "weights", "value", "reason", "units", "observed_agreement", "expected_agreement"])
        let rater = try #require((criterion["raters"] as? [[String: Any]])?.first)
        #expect(Set(rater.keys) == ["rater", "ratings", "pairs", "pairwise_agreement", "alpha_without"])
        let summary = try #require((rubric["raters"] as? [[String: Any]])?.first)
        #expect(Set((summary["gold"] as? [String: Any])?.keys ?? [:].keys) == ["items", "answers", "correct", "accuracy"])
    }

    @Test func anUnknownRubricOrNoRatingsIsAnError() throws {
        let fixture = try twoRaters()
        #expect(throws: StoreError.notFound(kind: "rubric", name: "tone", hint: "see `gait rubrics list`, or register it with `gait rubrics import FILE`")) {
            try agreement(RatingSelection(rubric: "tone"), in: fixture.workspace)
        }
        let error = #expect(throws: EvaluationError.self) {
            try agreement(RatingSelection(rubric: "fairness"), in: fixture.workspace)
        }
        #expect(error?.description == "no ratings yet for rubric fairness; raters add them with `gait review --rater NAME` (see `gait status`)")
    }
}
