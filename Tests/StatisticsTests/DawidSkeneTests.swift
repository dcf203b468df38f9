import Testing
@testable import Statistics

@Suite struct DawidSkeneTests {
    // Ten items × three raters, three classes, -1 = missing.
    static let labels = [[0, 0, 1], [1, 1, 1], [2, 2, 0], [0, 0, 0], [1, 2, 1], [2, 2, 2], [0, 1, 0], [1, 1, -1],
                         [2, -1, 2], [0, 0, 2]]
    static var ratings: [NominalRating] {
        labels.enumerated().flatMap { item, row in
            row.enumerated().compactMap { rater, label in label < 0 ? nil : NominalRating(item: item, rater: rater, label: label) }
        }
    }

    /// Reference: an independent NumPy transcription of Dawid and Skene's EM (same soft majority-vote start,
    /// same stopping rule): 11 iterations, log-likelihood −21.11630842566765, priors (0.4, 0.3, 0.3),
    /// rater accuracies (1.0, 0.8, 0.7).
    @Test func againstNumPyTranscription() throws {
        let result = try dawidSkene(Self.ratings, categoryCount: 3)
        #expect(result.converged)
        #expect(result.iterations == 11)
        #expect(close(result.logLikelihood, -21.11630842566765, 1e-9))
        for (p, e) in zip(result.classPriors, [0.4000000000699007, 0.3, 0.2999999999300993]) { #expect(close(p, e, 1e-9)) }
        for (a, e) in zip(result.raterAccuracy, [0.9999999999300992, 0.7999999999825248, 0.6999999999300992]) {
            #expect(close(a, e, 1e-9))
        }
        #expect(close(result.posteriors[4][1], 1, 1e-9))
        #expect(close(result.posteriors[9][0], 1, 1e-9))
    }

    @Test func unanimousRatersArePerfect() throws {
        let ratings = (0..<6).flatMap { item in (0..<3).map { NominalRating(item: item, rater: $0, label: item % 2) } }
        let result = try dawidSkene(ratings, categoryCount: 2)
        for accuracy in result.raterAccuracy { #expect(close(accuracy, 1, 1e-12)) }
        for (item, posterior) in result.posteriors.enumerated() { #expect(close(posterior[item % 2], 1, 1e-12)) }
    }

    @Test func errors() {
        #expect(throws: StatisticsError.emptyInput("Dawid–Skene needs at least one rating; there is none")) {
            try dawidSkene([], categoryCount: 2)
        }
        #expect(throws: StatisticsError.invalidArgument(name: "category count", value: "1", expected: "at least 2")) {
            try dawidSkene([NominalRating(item: 0, rater: 0, label: 0)], categoryCount: 1)
        }
        #expect(throws: StatisticsError.invalidData(
            "rating of item 0 by rater 1 has label 5; expected item, rater ≥ 0 and a label in 0..<3")) {
            try dawidSkene([NominalRating(item: 0, rater: 1, label: 5)], categoryCount: 3)
        }
    }
}
