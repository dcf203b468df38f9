import Foundation
import Testing
@testable import Statistics

@Suite struct BradleyTerryTests {
    static let comparisons: [PairwiseComparison] = [
        ("a", "b", "a"), ("a", "b", "a"), ("a", "b", "b"), ("b", "c", "b"), ("b", "c", "tie"), ("c", "a", "c"),
        ("a", "c", "a"), ("c", "b", "b"), ("a", "c", "a"), ("b", "a", "b"), ("c", "a", "tie"), ("b", "c", "c"),
    ].map { PairwiseComparison(a: $0.0, b: $0.1, outcome: PairwiseOutcome(rawValue: $0.2) ?? .tie) }

    /// Reference: the root of the score equations solved by SciPy 1.17.1 `fsolve(xtol=1e-15)` with ties as
    /// half a win each way, centred; Elo = 1000 + 400·θ/ln 10.
    @Test func maximumLikelihoodAgainstSciPy() throws {
        let fit = try bradleyTerry(Self.comparisons)
        #expect(fit.items == ["a", "b", "c"])
        let expected = [0.7324081924454067, -0.36620409622270333, -0.36620409622270333]
        for (theta, e) in zip(fit.theta, expected) { #expect(close(theta, e, 1e-10)) }
        for (elo, e) in zip(fit.elo, [1127.23233459191, 936.383832704045, 936.383832704045]) { #expect(close(elo, e, 1e-7)) }
        #expect(abs(fit.theta.reduce(0, +)) < 1e-12)
    }

    @Test func twoItemsHaveTheClosedForm() throws {
        // 3 wins to 1: θ_a − θ_b = ln 3.
        let fit = try bradleyTerry([("x", "y", PairwiseOutcome.a), ("x", "y", .a), ("y", "x", .b), ("x", "y", .b)]
            .map { PairwiseComparison(a: $0.0, b: $0.1, outcome: $0.2) })
        #expect(close(fit.theta[0] - fit.theta[1], log(3.0), 1e-12))
        #expect(close(fit.elo[0] - fit.elo[1], 400 * log10(3.0), 1e-9))
    }

    @Test func itemThatNeverWinsIsNamed() {
        let comparisons = Self.comparisons + [PairwiseComparison(a: "d", b: "a", outcome: .b)]
        #expect(throws: StatisticsError.invalidData(
            "item \"d\" never wins, so its Bradley–Terry strength has no maximum-likelihood estimate (it goes to −∞); add comparisons it wins or ties, or leave it out")) {
            try bradleyTerry(comparisons)
        }
    }

    @Test func itemThatNeverLosesIsNamed() {
        let comparisons = Self.comparisons + [PairwiseComparison(a: "b", b: "z", outcome: .b)]
        #expect(throws: StatisticsError.invalidData(
            "item \"z\" never loses, so its Bradley–Terry strength has no maximum-likelihood estimate (it goes to +∞); add comparisons it loses or ties, or leave it out")) {
            try bradleyTerry(comparisons)
        }
    }

    @Test func groupThatNeverLosesIsNamed() {
        // p and q tie each other and always beat r and s, which tie each other.
        let comparisons = [("p", "q", PairwiseOutcome.tie), ("r", "s", .tie), ("p", "r", .a), ("s", "q", .b)]
            .map { PairwiseComparison(a: $0.0, b: $0.1, outcome: $0.2) }
        #expect(throws: StatisticsError.invalidData(
            "items \"p\", \"q\" never lose to items \"r\", \"s\" (or are never compared with them), so the Bradley–Terry strengths have no maximum-likelihood estimate; add comparisons between the two groups")) {
            try bradleyTerry(comparisons)
        }
    }

    @Test func otherErrors() {
        #expect(throws: StatisticsError.emptyInput("Bradley–Terry needs at least one comparison; there is none")) {
            try bradleyTerry([])
        }
        #expect(throws: StatisticsError.invalidData("item \"a\" is compared with itself")) {
            try bradleyTerry([PairwiseComparison(a: "a", b: "a", outcome: .tie)])
        }
    }

    @Test func bootstrapIntervalsContainTheEstimate() throws {
        let many = Array(repeating: Self.comparisons, count: 5).flatMap { $0 }
        let fit = try bradleyTerry(many)
        let intervals = try bradleyTerryIntervals(many, resamples: 300, seed: 4)
        #expect(intervals.items == fit.items)
        #expect(intervals.usedResamples > 250 && intervals.resamples == 300)
        for i in fit.items.indices {
            #expect(intervals.low[i] < fit.theta[i] && fit.theta[i] < intervals.high[i])
        }
        #expect(try bradleyTerryIntervals(many, resamples: 300, seed: 4) == intervals)
    }

    @Test func bootstrapErrors() {
        #expect(throws: StatisticsError.invalidArgument(name: "resamples", value: "0", expected: "at least 1")) {
            try bradleyTerryIntervals(Self.comparisons, resamples: 0)
        }
        let two = [PairwiseComparison(a: "x", b: "y", outcome: .a), PairwiseComparison(a: "x", b: "y", outcome: .b)]
        #expect(throws: StatisticsError.invalidData(
            "no bootstrap resample of the 2 comparisons has a Bradley–Terry estimate; there are too few comparisons for intervals")) {
            // Only the two resamples that draw both rows have an estimate; with seed 1 and one resample, none does.
            try bradleyTerryIntervals(two, resamples: 1, seed: 1)
        }
    }
}
