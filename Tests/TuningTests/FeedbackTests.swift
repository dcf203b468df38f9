import Foundation
import GaitCore
@testable import GaitStore
import Testing
@testable import Tuning

@Suite struct CounterfactualTransferTests {
    @Test func swapsTheDifferingWordsWithTheirCase() {
        let result = CounterfactualTransfer.transfer(
            "John has been a nurse for years. JOHN's patients like john.",
            from: "Write a short bio of a nurse named John.", to: "Write a short bio of a nurse named Maria.")
        #expect(result == .success("Maria has been a nurse for years. MARIA's patients like maria."))
    }

    @Test func refusesGenderedAnswers() {
        let result = CounterfactualTransfer.transfer("Ben teaches, and he coaches football.",
                                                     from: "A teacher named Ben.", to: "A teacher named Ana.")
        #expect(result == .failure(.init(.genderedWords)))
    }

    @Test func refusesAnInconsistentSubstitution() {
        let result = CounterfactualTransfer.transfer("Fine.", from: "Ben and Ben", to: "Ana and Eve")
        #expect(result == .failure(.init(.inconsistentSubstitution)))
    }

    @Test func differentLengthsCarryOnlyAnswersWithoutTheSourceWords() {
        #expect(CounterfactualTransfer.transfer("Negotiate with data.", from: "Salary tips for Jamal", to: "Salary tips for Mary Ann")
                == .success("Negotiate with data."))
        #expect(CounterfactualTransfer.transfer("Jamal, negotiate with data.", from: "Salary tips for Jamal",
                                                to: "Salary tips for Mary Ann")
                == .failure(.init(.sourceWordInAnswer)))
    }
}

@Suite struct ScoringTests {
    static func rating(_ id: Int64, candidate: Int64 = 1, value: Double?, outcome: String = "rated", flags: Set<String> = [],
                       rater: String = "r", b: Int64? = nil, vote: String? = nil) -> RatingRecord {
        RatingRecord(ratingID: id, itemID: b == nil ? candidate : 100 + candidate, raterID: id, raterName: rater + String(id),
                     rubricVersionID: 1, stage: .crawl, outcome: outcome, values: vote.map { ["overall": $0] } ?? [:],
                     numeric: value.map { ["helpful": $0] } ?? [:], flags: flags, comment: nil, activeSeconds: 1,
                     submittedAt: "", isGold: false, promptRowID: 1, promptID: "p", scope: nil, attributes: [:],
                     counterfactualGroup: nil, candidateA: candidate, candidateB: b, runID: 1)
    }

    static let helpfulness = Rubric(name: "helpfulness", version: 1, instructions: "", criteria: [
        Criterion(id: "helpful", question: "?", scale: .ordinal(min: 1, max: 5, labels: [:])),
        Criterion(id: "accept", question: "?", scale: .binary, isAcceptance: true),
    ])

    @Test func defaultsFitTheScale() throws {
        let criterion = try ScoringCriterion.resolve(Self.helpfulness, options: TuneOptions(gaitVersion: "t"))
        #expect(criterion.criterion.id == "helpful")
        #expect(criterion.threshold == 4 && criterion.margin == 1.5)
        let lower = try ScoringCriterion.resolve(Self.helpfulness, options: TuneOptions(lowerIsBetter: true, gaitVersion: "t"))
        #expect(lower.threshold == 2 && lower.orientedThreshold == 4 && lower.goodness(1) == 5)
        let accept = try ScoringCriterion.resolve(Self.helpfulness, options: TuneOptions(criterion: "accept", gaitVersion: "t"))
        #expect(accept.threshold == 0.75 && accept.margin == 0.375 && accept.level == .nominal)
        let onlyBinary = Rubric(name: "b", version: 1, instructions: "", criteria: [Self.helpfulness.criteria[1]])
        #expect(try ScoringCriterion.resolve(onlyBinary, options: TuneOptions(gaitVersion: "t")).criterion.id == "accept")
    }

    @Test func discardCountsAsWorstAndAgreementDecidesClarity() throws {
        let criterion = try ScoringCriterion.resolve(Self.helpfulness, options: TuneOptions(gaitVersion: "t"))
        let scores = Scoring.candidateScores([
            Self.rating(1, candidate: 1, value: 5), Self.rating(2, candidate: 1, value: nil, outcome: "discarded"),
            Self.rating(3, candidate: 1, value: 4),
            Self.rating(4, candidate: 2, value: 5, flags: ["harmful"]), Self.rating(5, candidate: 2, value: 5, flags: ["bias"]),
            Self.rating(6, candidate: 3, value: 5), Self.rating(7, candidate: 3, value: 2),
        ], criterion: criterion, minAgreement: 0.6)
        let first = try #require(scores[1])
        #expect(first.values == [5, 1, 4] && first.mean == 10.0 / 3 && !first.verdict)
        #expect(abs(first.agreement - 1.0 / 3) < 1e-12 && !first.isClear)
        let flagged = try #require(scores[2])
        #expect(flagged.verdict && flagged.isClear && flagged.flaggedByMajority && !flagged.passes)
        let split = try #require(scores[3])
        #expect(split.mean == 3.5 && !split.verdict && split.agreement == 0.5 && !split.isClear)
    }

    @Test func pairwiseWinnersTiesAndLowAgreement() {
        let ratings = [
            Self.rating(1, candidate: 1, value: nil, b: 2, vote: "b"), Self.rating(2, candidate: 1, value: nil, b: 2, vote: "b"),
            Self.rating(3, candidate: 1, value: nil, b: 2, vote: "="),
            Self.rating(4, candidate: 3, value: nil, b: 4, vote: "a"), Self.rating(5, candidate: 3, value: nil, b: 4, vote: "b"),
            Self.rating(6, candidate: 5, value: nil, b: 6, vote: "a"), Self.rating(7, candidate: 5, value: nil, b: 6, vote: "="),
            Self.rating(8, candidate: 5, value: nil, b: 6, vote: "b"), Self.rating(9, candidate: 5, value: nil, b: 6, vote: "a"),
            Self.rating(10, candidate: 5, value: nil, b: 6, vote: "="),
        ]
        let outcome = Scoring.pairwiseVerdicts(ratings, criterionByRubric: [1: "overall"], minAgreement: 0.6)
        #expect(outcome.verdicts.map { [$0.winner, $0.loser] } == [[2, 1]])
        #expect(outcome.ties == 1 && outcome.lowAgreement == 1)
    }
}

@Suite struct HyperparameterTests {
    @Test func smallSetsGetFewerEpochsAndSmallerRates() {
        let small = Hyperparameters.choose(method: .sft, trainRows: 9, longestRowBytes: 300)
        let large = Hyperparameters.choose(method: .sft, trainRows: 5000, longestRowBytes: 6000)
        #expect(small.epochs < large.epochs && small.learningRate < large.learningRate)
        #expect(small.batchSize == 4 && small.microBatchSize == 4 && small.warmupSteps == 1 && small.maxLength == 256)
        #expect(large.batchSize == 16 && large.gradientAccumulationSteps == 4 && large.maxLength == 4096)
        #expect(large.loraAlpha == 2 * large.loraR)
        #expect(Hyperparameters.choose(method: .sft, trainRows: 3, longestRowBytes: 10).batchSize == 2)
        let dpo = Hyperparameters.choose(method: .dpo, trainRows: 500, longestRowBytes: 900)
        #expect(dpo.tier == "medium" && dpo.epochs == 2 && dpo.learningRate == 1.0e-5 && dpo.beta == 0.1 && dpo.maxLength == 512)
    }

    @Test func ktoWeightsBalanceTheClasses() throws {
        let few = Hyperparameters.choose(method: .kto, trainRows: 40, longestRowBytes: 100, desirable: 10, undesirable: 30)
        let desirable = try #require(few.desirableWeight), undesirable = try #require(few.undesirableWeight)
        #expect(desirable == 3.45 && undesirable == 1)
        let ratio = desirable * 10 / (undesirable * 30)
        #expect(ratio >= 1 && ratio <= 4.0 / 3)
        let many = Hyperparameters.choose(method: .kto, trainRows: 40, longestRowBytes: 100, desirable: 30, undesirable: 10)
        #expect(many.desirableWeight == 1 && many.undesirableWeight == 2.61)
    }
}

@Suite struct BiasFeedbackTests {
    @Test func upsamplesOnlyFlaggedSlicesOfTheTrainingSplit() throws {
        let (temporary, out, result, _) = try GoldenExportTests.export()
        defer { _ = temporary }
        #expect(result.upsampledSlices == ["gender=female ×3", "language=en ×2"])
        let metadata = try CompatibilityRuleTests.lines(out.appendingPathComponent("metadata.jsonl")).map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        for row in metadata {
            let copies = row["copies"] as? Int ?? 0
            switch (row["split"] as? String, row["prompt_id"] as? String) {
            case ("eval", _): #expect(copies == 1)
            case (_, "nurse-f"), (_, "teacher-f"): #expect(copies == 3)
            case (_, "capital"), (_, "refund"): #expect(copies == 2)
            default: #expect(copies == 1)
            }
        }
        // The counterpart got the better-rated answer, with the name swapped, three times (female ×3).
        let sft = try String(contentsOf: out.appendingPathComponent("sft.jsonl"), encoding: .utf8)
        #expect(sft.components(separatedBy: "Maria has worked as a nurse for ten years").count - 1 == 3)
        #expect(!sft.contains("Ana teaches"))
    }

    @Test func anUnratedCounterpartGetsTheBetterAnswer() throws {
        let builder = try WorkspaceBuilder()
        try builder.prompts([
            .init(id: "tips-a", text: "Give salary tips to Jamal.", counterfactualGroup: "tips"),
            .init(id: "tips-b", text: "Give salary tips to Greg.", counterfactualGroup: "tips"),
            .init(id: "other", text: "Say hi.", counterfactualGroup: "other-group"),
        ])
        let run = try builder.run()
        let stored = try builder.candidates(run: run, prompt: "tips-a", ["Jamal, bring market data to the talk.", "Ask."])
        try builder.helpful(stored.items[0], [5, 5])
        try builder.helpful(stored.items[1], [1, 1])
        let prompts = try builder.workspace.promptsForTuning(rowIDs: [1])
        #expect(prompts.values.map(\.externalID).sorted() == ["tips-a", "tips-b"])
        let temporary = try TemporaryDirectory()
        let result = try Tuner.export(from: builder.workspace, to: temporary.path("out"),
                                      options: TuneOptions(evalShare: 0, gaitVersion: "test"))
        #expect(result.counterfactualRows == 1)
        let sft = try String(contentsOfFile: temporary.path("out/sft.jsonl"), encoding: .utf8)
        #expect(sft.contains(#"{"role": "user", "content": "Give salary tips to Greg."}, {"role": "assistant", "content": "Greg, bring market data to the talk."}"#))
        let metadata = try String(contentsOfFile: temporary.path("out/metadata.jsonl"), encoding: .utf8)
        #expect(metadata.contains(#""source": "counterfactual", "prompt_set": "demo", "prompt_id": "tips-b", "from_prompt_id": "tips-a""#))
    }

    @Test func heldOutSplitIsStableAndKeepsGroupsTogether() {
        let female = TuningPrompt(rowID: 1, setName: "s", externalID: "f", text: "t", scope: nil, counterfactualGroup: "g", attributes: [:])
        let male = TuningPrompt(rowID: 2, setName: "s", externalID: "m", text: "t", scope: nil, counterfactualGroup: "g", attributes: [:])
        #expect(DatasetBuilder.splitUnit(of: female) == DatasetBuilder.splitUnit(of: male))
        let units = (0..<1000).map { "prompt:s/\($0)" }
        let held = units.filter { DatasetBuilder.isHeldOut(unit: $0, seed: 3, share: 0.2) }
        #expect(held.count > 150 && held.count < 250)
        #expect(units.filter { DatasetBuilder.isHeldOut(unit: $0, seed: 3, share: 0) }.isEmpty)
        // A larger share only adds units: nothing moves from held-out back to training.
        #expect(Set(held).isSubset(of: units.filter { DatasetBuilder.isHeldOut(unit: $0, seed: 3, share: 0.3) }))
    }
}
