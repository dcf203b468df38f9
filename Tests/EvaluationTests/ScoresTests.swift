import Foundation
import GaitCore
import GaitStore
import Statistics
import Testing
@testable import Evaluation

@Suite struct ScoresTests {
    /// Four faq prompts (f, m, f, m) in crawl, each rated by ana and ben:
    ///
    /// | prompt | helpful ana/ben | item mean | accept ana/ben | accepted |
    /// |---|---|---|---|---|
    /// | s-0 f | 5/4 | 4.5 | yes/yes | yes |
    /// | s-1 m | 2/3 | 2.5 | no/yes | no (a tie) |
    /// | s-2 f | 4/4 | 4 | yes/no | no (a tie) |
    /// | s-3 m | 1/2 | 1.5 | no/no | no |
    static let table: [String: (ana: [String: String], ben: [String: String])] = [
        "s-0": (helpfulness(5, "yes", "yes"), helpfulness(4, "yes", "yes")),
        "s-1": (helpfulness(2, "no", "no"), helpfulness(3, "unsure", "yes")),
        "s-2": (helpfulness(4, "yes", "yes"), helpfulness(4, "yes", "no")),
        "s-3": (helpfulness(1, "no", "no"), helpfulness(2, "no", "no")),
    ]

    func crawlWorkspace() throws -> EvaluationFixture {
        var fixture = try EvaluationFixture()
        try fixture.queue(EvaluationFixture.prompts("s", [["gender": "f"], ["gender": "m"], ["gender": "f"], ["gender": "m"]]),
                          set: "s", overlap: 2)
        try fixture.rate("ana") { Self.table[$0]?.ana }
        try fixture.rate("ben") { Self.table[$0]?.ben }
        return fixture
    }

    let settings = ResamplingSettings(confidence: 0.95, resamples: 500, seed: 3)

    @Test func itemLevelMeansRatesAndIntervalsMatchHandComputation() throws {
        let fixture = try crawlWorkspace()
        let report = try scores(RatingSelection(), settings: settings, in: fixture.workspace)
        let rubric = try #require(report.rubrics.first)
        #expect(report.rubrics.count == 1 && rubric.rubric == "helpfulness" && rubric.version == 1 && rubric.note == nil)
        #expect(rubric.groups.map { $0.slice?.value ?? "all" } == ["all", "f", "m"])
        let all = rubric.groups[0]
        #expect(all.stage == .crawl && all.scope == "faq" && all.items == 4 && all.ratings == 8 && all.discarded == 0)
        let helpful = try #require(all.criteria.first { $0.criterion == "helpful" })
        #expect(helpful.items == 4 && helpful.ratings == 8)
        #expect(helpful.mean == 3.125)
        #expect(helpful.normalizedMean == (3.125 - 1) / 4)
        let expected = try bootstrapMeanInterval(items: [[4.5], [2.5], [4], [1.5]], resamples: 500, seed: 3, confidence: 0.95)
        #expect(helpful.interval == Interval(low: expected.low, high: expected.high))
        #expect(helpful.yes == nil && helpful.distribution == nil)
        let accept = try #require(all.criteria.first { $0.criterion == "accept" })
        #expect(accept.isAcceptance && accept.mean == 0.5)
        let wilson = try wilsonInterval(successes: 1, trials: 4)
        #expect(accept.yes == Proportion(successes: 1, trials: 4, rate: 0.25, interval: Interval(low: wilson.low, high: wilson.high)))
        #expect(all.acceptance == accept.yes)
        let correct = try #require(all.criteria.first { $0.criterion == "correct" })
        #expect(correct.distribution == ["yes": 4, "no": 3, "unsure": 1] && correct.mean == nil && correct.interval == nil)
        let female = rubric.groups[1]
        #expect(female.slice == SliceKey(attribute: "gender", value: "f") && female.items == 2)
        #expect(female.criteria.first { $0.criterion == "helpful" }?.mean == 4.25)
        #expect(female.acceptance?.successes == 1 && female.acceptance?.trials == 2)
        let male = rubric.groups[2]
        #expect(male.criteria.first { $0.criterion == "helpful" }?.mean == 2)
        #expect(male.acceptance?.successes == 0)
    }

    @Test func groupsFollowStageAndScopeAndTheFiltersSelect() throws {
        var fixture = try crawlWorkspace()
        try fixture.queue(EvaluationFixture.prompts("w", [["gender": "f"], [:]], scope: "bios"), set: "w", stage: .walk, overlap: 1)
        try fixture.queue(EvaluationFixture.prompts("n", [[:]], scope: nil), set: "n", stage: .walk, overlap: 1)
        try fixture.rate("cy", stage: .walk) { $0 == "w-1" ? [:] : helpfulness(3, "yes", "yes") }
        let report = try scores(RatingSelection(), settings: settings, in: fixture.workspace)
        let groups = try #require(report.rubrics.first).groups
        #expect(groups.map { "\($0.stage.rawValue)/\($0.scope ?? "-")/\($0.slice?.value ?? "all")" }
                == ["crawl/faq/all", "crawl/faq/f", "crawl/faq/m", "walk/-/all", "walk/bios/all", "walk/bios/f"])
        let bios = groups[4]
        #expect(bios.items == 2 && bios.ratings == 1 && bios.discarded == 1)
        #expect(bios.criteria.first { $0.criterion == "helpful" }?.items == 1)
        let walk = try scores(RatingSelection(stage: .walk), settings: settings, in: fixture.workspace)
        #expect(walk.rubrics.first?.groups.allSatisfy { $0.stage == .walk } == true)
        let faq = try scores(RatingSelection(scope: "faq"), settings: settings, in: fixture.workspace)
        #expect(faq.rubrics.first?.groups.count == 3)
    }

    @Test func pairwiseRubricsCountWinsPerItemAndSayWhyThereIsNoRunRanking() throws {
        var fixture = try EvaluationFixture()
        try fixture.queue(EvaluationFixture.prompts("p", Array(repeating: [:], count: 4)), set: "p", rubric: "preference", overlap: 2)
        let ana = ["p-0": "a", "p-1": "a", "p-2": "b", "p-3": "="]
        let ben = ["p-0": "a", "p-1": "b", "p-2": "b", "p-3": "="]
        for (rater, answers) in [("ana", ana), ("ben", ben)] {
            try fixture.rate(rater, rubric: "preference", pairwise: true) { prompt in
                answers[prompt].map { ["overall": $0, "correct": "=", "clear": "a"] }
            }
        }
        let report = try scores(RatingSelection(rubric: "preference"), settings: settings, in: fixture.workspace)
        let rubric = try #require(report.rubrics.first)
        #expect(rubric.pairwise && rubric.note == pairwiseRunNote)
        let overall = try #require(rubric.groups.first?.criteria.first { $0.criterion == "overall" })
        // p-0 a+a → A; p-1 a+b → tie; p-2 b+b → B; p-3 =+= → tie.
        #expect(overall.preference?.a == 1 && overall.preference?.b == 1 && overall.preference?.ties == 2)
        let share = try wilsonInterval(successes: 1, trials: 2)
        #expect(overall.preference?.aShare?.interval == Interval(low: share.low, high: share.high))
        #expect(overall.distribution == ["a": 3, "b": 3, "=": 2] && overall.mean == nil)
        let correct = try #require(rubric.groups.first?.criteria.first { $0.criterion == "correct" })
        #expect(correct.preference?.ties == 4 && correct.preference?.aShare == nil)
    }

    @Test func jsonHasStableSnakeCaseKeysWithNulls() throws {
        let fixture = try crawlWorkspace()
        let json = try jsonObject(try scores(RatingSelection(rubric: "helpfulness"), settings: settings, in: fixture.workspace))
        #expect(Set(json.keys) == ["rubric", "scope", "stage", "confidence", "resamples", "seed", "method", "rubrics"])
        #expect(json["rubric"] as? String == "helpfulness" && json["scope"] is NSNull)
        let rubric = try #require((json["rubrics"] as? [[String: Any]])?.first)
        #expect(Set(rubric.keys) == ["rubric", "version", "pairwise", "groups", "note"])
        let group = try #require((rubric["groups"] as? [[String: Any]])?.first)
        #expect(Set(group.keys) == ["stage", "scope", "attribute", "value", "items", "ratings", "discarded", "criteria", "acceptance"])
        #expect(group["attribute"] is NSNull)
        let acceptance = try #require(group["acceptance"] as? [String: Any])
        #expect(Set(acceptance.keys) == ["successes", "trials", "rate", "low", "high"])
        let criterion = try #require((group["criteria"] as? [[String: Any]])?.first)
        #expect(Set(criterion.keys) == ["criterion", "scale", "acceptance", "items", "ratings", "mean", "normalized_mean",
                                        "low", "high", "yes", "distribution", "preference"])
        #expect(criterion["normalized_mean"] as? Double == (3.125 - 1) / 4)
    }

    @Test func theSameSeedGivesTheSameIntervals() throws {
        let fixture = try crawlWorkspace()
        let first = try scores(RatingSelection(), settings: settings, in: fixture.workspace)
        let second = try scores(RatingSelection(), settings: settings, in: fixture.workspace)
        #expect(first.rubrics[0].groups.map { $0.criteria.map(\.interval) } == second.rubrics[0].groups.map { $0.criteria.map(\.interval) })
    }

    @Test func errorsNameTheRubricTheSelectionAndTheSetting() throws {
        let fixture = try crawlWorkspace()
        #expect(throws: StoreError.notFound(kind: "rubric", name: "nope", hint: "see `gait rubrics list`, or register it with `gait rubrics import FILE`")) {
            try scores(RatingSelection(rubric: "nope"), in: fixture.workspace)
        }
        let none = #expect(throws: EvaluationError.self) {
            try scores(RatingSelection(rubric: "safety", stage: .run), in: fixture.workspace)
        }
        #expect(none?.description == "no ratings yet for rubric safety, stage run; raters add them with `gait review --rater NAME` (see `gait status`)")
        let empty = try EvaluationFixture()
        let nothing = #expect(throws: EvaluationError.self) { try scores(RatingSelection(), in: empty.workspace) }
        #expect(nothing?.description == "no ratings yet for this workspace; raters add them with `gait review --rater NAME` (see `gait status`)")
        let bad = #expect(throws: EvaluationError.self) {
            try scores(RatingSelection(), settings: ResamplingSettings(confidence: 1.5), in: fixture.workspace)
        }
        #expect(bad?.description == "invalid confidence 1.5: expected a number between 0 and 1, such as 0.95")
        let zero = #expect(throws: EvaluationError.self) {
            try scores(RatingSelection(), settings: ResamplingSettings(resamples: 0), in: fixture.workspace)
        }
        #expect(zero?.description == "invalid resamples 0: expected at least 1")
    }
}
