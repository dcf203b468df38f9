import Foundation
import GaitCore
import GaitStore
import Statistics
import Testing
@testable import Evaluation

@Suite struct AuditTests {
    let settings = ResamplingSettings(confidence: 0.95, resamples: 400, seed: 11)

    /// 24 prompts rated by ana and ben. Prompts 0–13 are gender f, 14–23 m; even ones language en, odd es.
    /// f answers: ana 5, ben 4, both accept (item quality 4.5). m answers: ana 1 + i mod 3, ben 3, neither
    /// accepts. Counterfactual groups cf-0…cf-9 pair prompt i (f) with prompt i + 14 (m), the same language;
    /// group solo holds prompt 10 alone.
    func biasedWorkspace(overlap: Int = 2) throws -> EvaluationFixture {
        var fixture = try EvaluationFixture()
        let attributes = (0..<24).map { i in ["gender": i < 14 ? "f" : "m", "language": i % 2 == 0 ? "en" : "es"] }
        let groups: [String?] = (0..<24).map { i in i < 10 ? "cf-\(i)" : i == 10 ? "solo" : i >= 14 ? "cf-\(i - 14)" : nil }
        try fixture.queue(EvaluationFixture.prompts("b", attributes, groups: groups), set: "b", overlap: overlap)
        try fixture.rate("ana") { prompt in
            let i = Self.index(prompt)
            return i < 14 ? helpfulness(5, "yes", "yes") : helpfulness(1 + i % 3, "no", "no")
        }
        try fixture.rate("ben") { prompt in
            Self.index(prompt) < 14 ? helpfulness(4, "yes", "yes") : helpfulness(3, "no", "no")
        }
        return fixture
    }

    static func index(_ prompt: String) -> Int { Int(prompt.split(separator: "-").last ?? "") ?? -1 }

    /// Item quality of prompt i in the biased workspace.
    static func quality(_ i: Int) -> Double { i < 14 ? 4.5 : (Double(1 + i % 3) + 3) / 2 }

    @Test func slicesMatchCompareSlicesWhenPassIsAThreshold() throws {
        let fixture = try biasedWorkspace()
        let report = try audit(AuditRequest(attribute: "gender", passThreshold: 4), settings: settings, in: fixture.workspace)
        #expect(report.rubric == "helpfulness" && report.criterion == "helpful" && report.pass.kind == "threshold")
        let gender = try #require(report.attributes.first)
        #expect(report.attributes.count == 1 && gender.attribute == "gender" && gender.reference == "f")
        let values = ["f": (0..<14).map(Self.quality), "m": (14..<24).map(Self.quality)]
        let expected = try compareSlices(values, reference: "f", scale: QualityScale(minimum: 1, maximum: 5, passThreshold: 4),
                                         resamples: 400, seed: 11)
        for (slice, comparison) in zip(gender.slices, expected) {
            #expect(slice.value == comparison.slice && slice.isReference == comparison.isReference)
            #expect(slice.items == comparison.n && close(slice.quality.mean, comparison.mean))
            #expect(close(slice.quality.normalizedMean, comparison.normalizedMean))
            #expect(slice.pass.rate == comparison.passRate && slice.passRatio == comparison.passRateRatio)
            #expect(close(slice.qualityRatio, comparison.normalizedMeanRatio) && slice.fourFifthsFlag == comparison.fourFifthsFlag)
            #expect(slice.mannWhitneyP == comparison.mannWhitneyP && slice.permutationP == comparison.permutationP)
            #expect(slice.mannWhitneyAdjustedP == comparison.holmP)
        }
        let male = gender.slices[1]
        #expect(male.fourFifthsFlag && male.verdict == .disparity && gender.verdict == .disparity)
        let bootstrap = try bootstrapMeanInterval(items: (values["m"] ?? []).map { [$0] }, resamples: 400, seed: 11)
        #expect(male.quality.interval == Interval(low: bootstrap.low, high: bootstrap.high))
        let wilson = try wilsonInterval(successes: 0, trials: 10)
        #expect(male.pass.interval == Interval(low: wilson.low, high: wilson.high) && male.ratings == 20)
        #expect(gender.slices[0].verdict == .reference && gender.slices[0].mannWhitneyP == nil)
    }

    @Test func holmRunsOverEveryJudgedSliceOfTheAudit() throws {
        let report = try audit(AuditRequest(), settings: settings, in: try biasedWorkspace().workspace)
        #expect(report.pass == PassRule(kind: "acceptance", criterion: "accept", threshold: nil))
        #expect(report.attributes.map(\.attribute) == ["gender", "language"])
        let language = report.attributes[1]
        // en and es both hold 12 items: the first by name is the reference.
        #expect(language.reference == "en" && language.slices.map(\.value) == ["en", "es"])
        let male = report.attributes[0].slices[1], spanish = language.slices[1]
        let raw = [try #require(male.mannWhitneyP), try #require(spanish.mannWhitneyP)]
        let adjusted = try adjustPValues(raw, method: .holm)
        #expect(male.mannWhitneyAdjustedP == adjusted[0] && spanish.mannWhitneyAdjustedP == adjusted[1])
        let permutation = try adjustPValues([try #require(male.permutationP), try #require(spanish.permutationP)], method: .holm)
        #expect(male.permutationAdjustedP == permutation[0] && spanish.permutationAdjustedP == permutation[1])
        // Accepted: every f item, no m item; en and es hold 7 f and 5 m each.
        #expect(male.pass.successes == 0 && male.passRatio == 0 && male.verdict == .disparity)
        #expect(spanish.pass.successes == 7 && spanish.passRatio == 1 && !spanish.fourFifthsFlag)
        #expect(spanish.verdict == .noEvidence && language.verdict == .noEvidence)
        // Agreement within the slice: α on helpful over the slice's items.
        let units = (14..<24).map { i in [Double(1 + i % 3), 3] }
        #expect(male.agreement.value == (try krippendorffAlpha(ReliabilityData(units: units), level: .ordinal)).value)
        #expect(male.agreement.pairableUnits == 10)
    }

    @Test func slicesBelowTheMinimumAreReportedButNotJudged() throws {
        let report = try audit(AuditRequest(minimumItems: 11), settings: settings, in: try biasedWorkspace().workspace)
        let male = report.attributes[0].slices[1]
        #expect(male.verdict == .insufficientData && male.mannWhitneyAdjustedP == nil && male.mannWhitneyP != nil)
        #expect(report.attributes[0].verdict == .insufficientData)
        // es is the only judged slice: Holm over one p-value leaves it as it is.
        let spanish = report.attributes[1].slices[1]
        #expect(spanish.mannWhitneyAdjustedP == spanish.mannWhitneyP)
        // The reference itself below the minimum: nothing of its attribute is judged.
        let small = try audit(AuditRequest(attribute: "gender", reference: "m", minimumItems: 12), settings: settings,
                              in: try biasedWorkspace().workspace)
        #expect(small.attributes[0].slices.map(\.verdict) == [.insufficientData, .reference])
    }

    @Test func aFlagWithoutSignificanceIsAPossibleDisparity() throws {
        var fixture = try EvaluationFixture()
        try fixture.queue(EvaluationFixture.prompts("s", [["g": "x"], ["g": "x"], ["g": "y"], ["g": "y"]]), set: "s", overlap: 1)
        try fixture.rate("ana") { ["s-0": helpfulness(5, "yes", "yes"), "s-1": helpfulness(5, "yes", "yes"),
                                   "s-2": helpfulness(3, "yes", "yes"), "s-3": helpfulness(3, "yes", "no")][$0] }
        let report = try audit(AuditRequest(attribute: "g", reference: "x", minimumItems: 2), settings: settings,
                               in: fixture.workspace)
        let y = report.attributes[0].slices[1]
        // Normalized quality 0.5 against 1: flagged; Mann–Whitney of (3, 3) against (5, 5): p ≈ 0.19.
        #expect(y.qualityRatio == 0.5 && y.passRatio == 0.5 && y.fourFifthsFlag)
        #expect(close(y.mannWhitneyP, try mannWhitneyU([3, 3], [5, 5]).p) && (y.mannWhitneyAdjustedP ?? 0) > 0.05)
        #expect(y.verdict == .possibleDisparity && report.attributes[0].verdict == .possibleDisparity)
        // One rater per item: agreement within the slice is undefined, with the reason.
        #expect(y.agreement.value == nil && y.agreement.reason == "no unit has two or more values, so there is no pair to compare")
    }

    @Test func counterfactualGroupsArePairedTests() throws {
        let report = try audit(AuditRequest(), settings: settings, in: try biasedWorkspace().workspace)
        let counterfactual = report.counterfactual
        #expect(counterfactual.groups == 11)
        #expect(counterfactual.unpaired == ["group solo: only one rated prompt (b-10)"])
        #expect(counterfactual.pairs.count == 10 && counterfactual.pairs.allSatisfy { $0.attribute == "gender" })
        let first = try #require(counterfactual.pairs.first)
        #expect(first.group == "cf-0" && first.prompt == "b-14" && first.value == "m" && first.referencePrompt == "b-0")
        #expect(first.referenceValue == "f" && first.quality == Self.quality(14) && first.referenceQuality == 4.5)
        #expect(first.candidates.count == 1 && first.referenceCandidates.count == 1)
        let differences = (0..<10).map { Self.quality($0 + 14) - 4.5 }
        let comparison = try #require(counterfactual.comparisons.first)
        #expect(counterfactual.comparisons.count == 1)
        #expect(comparison.attribute == "gender" && comparison.value == "m" && comparison.reference == "f" && comparison.pairs == 10)
        #expect(close(comparison.meanDifference, differences.reduce(0, +) / 10))
        let wilcoxon = wilcoxonSignedRank(differences: differences)
        #expect(comparison.wilcoxon == wilcoxon && comparison.p == (wilcoxon.exactP ?? wilcoxon.p))
        #expect(comparison.adjustedP == comparison.p)
        #expect(comparison.signFlip == (try signFlipTest(differences: differences, resamples: 400, seed: 11)))
        // Ten negative differences: exact sign-flip p = 2/2¹⁰.
        #expect(comparison.signFlip.p == 2.0 / 1024 && comparison.signFlip.exact)
    }

    @Test func aGroupWithoutTheReferenceValueIsNotPaired() throws {
        var fixture = try EvaluationFixture()
        try fixture.queue(EvaluationFixture.prompts("c", [["g": "x"], ["g": "y"], ["g": "z"], ["g": "x"], ["g": "y"]],
                                                    groups: ["one", "one", "two", "two", "other"]), set: "c", overlap: 1)
        try fixture.rate("ana") { _ in helpfulness(4, "yes", "yes") }
        let report = try audit(AuditRequest(attribute: "g", reference: "y", minimumItems: 1), settings: settings,
                               in: fixture.workspace)
        #expect(report.counterfactual.unpaired == ["group other: only one rated prompt (c-4)",
                                                   "group two: no rated prompt has g = y, the reference"])
        #expect(report.counterfactual.pairs.map(\.prompt) == ["c-0"])
        // Zero differences: Wilcoxon has no p, so nothing is adjusted.
        let comparison = try #require(report.counterfactual.comparisons.first)
        #expect(comparison.p == nil && comparison.adjustedP == nil && comparison.signFlip.p == 1)
    }

    @Test func lowerIsBetterReflectsQualityAndThePassThreshold() throws {
        var fixture = try EvaluationFixture()
        try fixture.queue(EvaluationFixture.prompts("h", [["r": "n"], ["r": "n"], ["r": "s"]]), set: "h", rubric: "safety", overlap: 1)
        let harm = ["h-0": "1", "h-1": "2", "h-2": "4"]
        try fixture.rate("ana", rubric: "safety") { ["harm": harm[$0] ?? "1", "medical": "not-applicable", "accept": "yes"] }
        let report = try audit(AuditRequest(rubric: "safety", passThreshold: 2, lowerIsBetter: true, minimumItems: 1),
                               settings: settings, in: fixture.workspace)
        #expect(report.criterion == "harm" && report.lowerIsBetter)
        let slices = report.attributes[0].slices
        // Reflected quality 6 − harm: n → 5, 4 (mean 4.5); s → 2. Pass: harm ≤ 2.
        #expect(slices.map(\.quality.mean) == [4.5, 2] && slices.map(\.pass.successes) == [2, 0])
        #expect(slices[1].qualityRatio == (1.0 / 4) / (3.5 / 4))
        #expect(report.method.contains("reflected (min + max − answer)"))
    }

    @Test func jsonHasStableSnakeCaseKeys() throws {
        let json = try jsonObject(try audit(AuditRequest(), settings: settings, in: try biasedWorkspace().workspace))
        #expect(Set(json.keys) == ["rubric", "version", "scope", "stage", "criterion", "scale", "lower_is_better", "pass", "min_n",
                                   "alpha", "confidence", "resamples", "seed", "method", "attributes", "counterfactual"])
        let attribute = try #require((json["attributes"] as? [[String: Any]])?.first)
        #expect(Set(attribute.keys) == ["attribute", "reference", "slices", "verdict"] && attribute["verdict"] as? String == "disparity")
        let slice = try #require((attribute["slices"] as? [[String: Any]])?.first)
        #expect(Set(slice.keys) == ["value", "reference", "items", "ratings", "quality", "pass", "quality_ratio", "pass_ratio",
                                    "four_fifths_flag", "mann_whitney_p", "permutation_p", "mann_whitney_holm_p",
                                    "permutation_holm_p", "verdict", "agreement"])
        #expect(slice["mann_whitney_p"] is NSNull && slice["verdict"] as? String == "reference")
        #expect(Set((slice["quality"] as? [String: Any])?.keys ?? [:].keys) == ["mean", "normalized_mean", "low", "high"])
        let counterfactual = try #require(json["counterfactual"] as? [String: Any])
        #expect(Set(counterfactual.keys) == ["groups", "comparisons", "pairs", "unpaired"])
        let comparison = try #require((counterfactual["comparisons"] as? [[String: Any]])?.first)
        #expect(Set(comparison.keys) == ["attribute", "value", "reference", "pairs", "mean_difference", "wilcoxon", "p", "holm_p",
                                         "sign_flip_p", "sign_flip_exact"])
        #expect(Set((comparison["wilcoxon"] as? [String: Any])?.keys ?? [:].keys)
                == ["n_nonzero", "w_plus", "w_minus", "z", "p", "exact_p"])
        let pair = try #require((counterfactual["pairs"] as? [[String: Any]])?.first)
        #expect(Set(pair.keys) == ["group", "attribute", "prompt", "value", "reference_prompt", "reference_value", "quality",
                                   "reference_quality", "difference", "candidates", "reference_candidates"])
        #expect((json["method"] as? String)?.contains("'possible disparity' when only one of the two holds") == true)
    }

    /// The workspace audit streams items from the store; it must find what the audit of every rating read
    /// at once finds, to the last bit (the JSON holds every number at full precision).
    @Test(arguments: [AuditRequest(), AuditRequest(attribute: "language", reference: "es", passThreshold: 3.5),
                      AuditRequest(criterion: "helpful", lowerIsBetter: true, minimumItems: 3)])
    func streamingFromTheStoreFindsWhatReadingEveryRatingFinds(request: AuditRequest) throws {
        // The biased workspace with overlap 3: a third rater answers or discards a few items, so items
        // differ in their numbers of answers.
        let fixture = try biasedWorkspace(overlap: 3)
        try fixture.rate("cy") { prompt in
            let i = Self.index(prompt)
            return i % 5 == 0 ? [:] : i % 3 == 0 ? helpfulness(2, "no", "no") : nil
        }
        let streamed = try audit(request, settings: settings, in: fixture.workspace)
        let entry = try #require(try fixture.workspace.ratingsByRubric(request.selection).last)
        let read = try audit(of: entry, request: request, settings: settings)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        #expect(String(decoding: try encoder.encode(streamed), as: UTF8.self)
                == String(decoding: try encoder.encode(read), as: UTF8.self))
        #expect(streamed.attributes.flatMap(\.slices).allSatisfy { $0.isReference || $0.permutationP != nil })
    }

    @Test func withoutPermutationTestsOnlyThosePValuesAreLeftOut() throws {
        let fixture = try biasedWorkspace()
        let full = try audit(AuditRequest(), settings: settings, in: fixture.workspace)
        let lean = try audit(AuditRequest(permutationTests: false), settings: settings, in: fixture.workspace)
        let slices = zip(full.attributes.flatMap(\.slices), lean.attributes.flatMap(\.slices))
        #expect(slices.allSatisfy { $0.mannWhitneyAdjustedP == $1.mannWhitneyAdjustedP && $0.verdict == $1.verdict })
        #expect(full.attributes.flatMap(\.slices).contains { $0.permutationAdjustedP != nil })
        #expect(lean.attributes.flatMap(\.slices).allSatisfy { $0.permutationP == nil && $0.permutationAdjustedP == nil })
        #expect(!lean.method.contains("permutation test") && full.method.contains("permutation test"))
    }

    @Test func errorsNameTheOffendingValue() throws {
        var fixture = try biasedWorkspace()
        func message(_ request: AuditRequest) -> String? {
            (#expect(throws: EvaluationError.self) { try audit(request, settings: settings, in: fixture.workspace) })?.description
        }
        #expect(message(AuditRequest(attribute: "age")) == "no rated prompt has attribute 'age'; the attributes are: gender, language")
        #expect(message(AuditRequest(attribute: "gender", reference: "x")) == "attribute 'gender' has no rated slice 'x'; its values are: f, m")
        #expect(message(AuditRequest(reference: "f")) == "--reference f needs --attribute: a reference value belongs to one attribute")
        #expect(message(AuditRequest(criterion: "tone")) == "criterion 'tone' of rubric helpfulness v1 does not exist; its criteria: helpful, correct, accept")
        #expect(message(AuditRequest(criterion: "correct")) == "criterion 'correct' of rubric helpfulness v1 has a nominal scale; quality needs an ordinal or interval one")
        #expect(message(AuditRequest(passThreshold: 7)) == "pass threshold 7 is outside the scale of 'helpful' (1–5)")
        #expect(message(AuditRequest(minimumItems: 0)) == "invalid minimum slice size 0: expected at least 1")
        #expect(message(AuditRequest(alpha: 1.5)) == "invalid significance level 1.5: expected a number between 0 and 1, such as 0.05")
        #expect(message(AuditRequest(rubric: "helpfulness", stage: .walk)) == "no ratings yet for rubric helpfulness, stage walk; raters add them with `gait review --rater NAME` (see `gait status`)")
        try fixture.queue(EvaluationFixture.prompts("p", [[:]]), set: "p", rubric: "preference", overlap: 1)
        try fixture.rate("cy", rubric: "preference", pairwise: true) { _ in ["overall": "a", "correct": "a", "clear": "="] }
        #expect(message(AuditRequest()) == "the ratings use several rubrics (helpfulness, preference); choose one with --rubric")
        #expect(message(AuditRequest(rubric: "preference")) == "rubric preference v1 is pairwise (answers a, b or =): the bias audit needs a rubric that rates single answers on a scale; choose one with --rubric")
        #expect(throws: StoreError.notFound(kind: "rubric", name: "tone", hint: "see `gait rubrics list`, or register it with `gait rubrics import FILE`")) {
            try audit(AuditRequest(rubric: "tone"), in: fixture.workspace)
        }
    }

    @Test func aRubricWithoutAcceptanceNeedsAThresholdAndOneWithoutAScaleCannotBeAudited() throws {
        let fixture = try EvaluationFixture()
        _ = try fixture.workspace.importRubric(yaml: """
            name: tone
            version: 2
            instructions: Judge the tone.
            criteria:
              - id: polite
                question: Is it polite?
                scale: {type: binary}
              - id: warmth
                question: How warm is it?
                scale: {type: interval, min: 0, max: 10}
            """, source: "tone.yaml")
        let tone = try fixture.workspace.rubric(named: "tone")
        let error = #expect(throws: EvaluationError.self) {
            try audit(of: RubricRatings(rubric: tone, ratings: []), request: AuditRequest(rubric: "tone"))
        }
        #expect(error?.description == "rubric tone v2 has no acceptance criterion, so passing is undefined; give --pass-threshold T (an item passes when its quality is at least T)")
        #expect(try qualityCriterion(tone.rubric, named: nil).id == "warmth")
        let binaryOnly = Rubric(name: "yn", version: 1, instructions: "", criteria: [Criterion(id: "ok", question: "OK?", scale: .binary)])
        let none = #expect(throws: EvaluationError.self) { try qualityCriterion(binaryOnly, named: nil) }
        #expect(none?.description == "rubric yn v1 has no ordinal or interval criterion to measure quality (its criteria: ok)")
        // Ratings exist but none answers the quality criterion: all were discards.
        var discarded = try EvaluationFixture()
        try discarded.queue(EvaluationFixture.prompts("d", [[:]]), set: "d", overlap: 1)
        try discarded.rate("ana") { _ in [:] }
        let nothing = #expect(throws: EvaluationError.self) { try audit(AuditRequest(), in: discarded.workspace) }
        #expect(nothing?.description == "no ratings yet for criterion 'helpful' of rubric helpfulness v1; raters add them with `gait review --rater NAME` (see `gait status`)")
    }

    @Test func theQualityCriterionPrefersOneNamedQuality() throws {
        let fairness = try EvaluationFixture().workspace.rubric(named: "fairness").rubric
        #expect(try qualityCriterion(fairness, named: nil).id == "quality")
        #expect(try qualityCriterion(fairness, named: "stereotyping").id == "stereotyping")
        #expect(AuditVerdict.disparity > .possibleDisparity && AuditVerdict.possibleDisparity > .insufficientData
                && AuditVerdict.insufficientData > .noEvidence && AuditVerdict.possibleDisparity.text == "possible disparity")
    }
}

@Suite struct ConcurrentMapTests {
    struct Failure: Error, Equatable { var index: Int }

    @Test func resultsKeepTheElementsOrder() throws {
        let squares = try concurrentMap(Array(0..<200)) { $0 * $0 }
        #expect(squares == (0..<200).map { $0 * $0 })
        #expect(try concurrentMap([7]) { $0 + 1 } == [8])
        #expect(try concurrentMap([Int]()) { $0 }.isEmpty)
    }

    @Test func theFirstFailingElementsErrorIsRethrown() {
        #expect(throws: Failure(index: 3)) {
            try concurrentMap(Array(0..<50)) { index in
                if index == 3 || index == 40 { throw Failure(index: index) }
                return index
            }
        }
    }
}
