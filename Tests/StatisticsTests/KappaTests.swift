import Testing
@testable import Statistics

@Suite struct CohenKappaTests {
    // Ratings on 1…5 (positions 0…4); expected values from scikit-learn 1.9
    // `cohen_kappa_score(a, b, weights=…)`, also with `labels=[1..7]` (identical: weights scale out).
    static let a = [1, 2, 3, 4, 5, 3, 2, 4, 5, 1, 2, 3, 3, 4, 2].map { $0 - 1 }
    static let b = [1, 3, 3, 5, 5, 2, 2, 4, 4, 2, 2, 3, 4, 4, 1].map { $0 - 1 }

    @Test(arguments: [(KappaWeights.none, 0.4067796610169492), (.linear, 0.6687697160883281),
                      (.quadratic, 0.851063829787234)])
    func againstScikitLearn(weights: KappaWeights, expected: Double) throws {
        #expect(close(try cohenKappa(Self.a, Self.b, categoryCount: 5, weights: weights).value, expected, 1e-12))
        #expect(close(try cohenKappa(Self.a, Self.b, categoryCount: 7, weights: weights).value, expected, 1e-12))
    }

    @Test(arguments: KappaWeights.allCases)
    func identicalRatersGiveOne(weights: KappaWeights) throws {
        #expect(try cohenKappa(Self.a, Self.a, categoryCount: 5, weights: weights).value == 1)
    }

    @Test func oneSharedCategoryIsUndefined() throws {
        let result = try cohenKappa([2, 2, 2], [2, 2, 2], categoryCount: 5)
        #expect(result.value == nil)
        #expect(result.undefinedReason == "both raters used a single category, the same one, so the expected agreement is 1")
    }

    @Test func emptyTableIsUndefined() {
        let result = cohenKappa(table: [[0, 0], [0, 0]])
        #expect(result.value == nil && result.undefinedReason == "no unit is rated by both raters")
    }

    @Test func errors() {
        #expect(throws: StatisticsError.invalidData("Cohen's κ needs one pair of ratings per unit; the raters have 2 and 1 ratings")) {
            try cohenKappa([0, 1], [0], categoryCount: 2)
        }
        #expect(throws: StatisticsError.emptyInput("Cohen's κ needs at least one unit rated by both raters; there is none")) {
            try cohenKappa([], [], categoryCount: 2)
        }
        #expect(throws: StatisticsError.invalidArgument(name: "category position", value: "3", expected: "0..<2")) {
            try cohenKappa([0, 1], [0, 3], categoryCount: 2)
        }
        #expect(throws: StatisticsError.invalidArgument(name: "category count", value: "0", expected: "at least 1")) {
            try cohenKappa([0], [0], categoryCount: 0)
        }
    }
}

@Suite struct FleissKappaTests {
    /// κ_j of the Wikipedia example, from Fleiss' formula evaluated independently in NumPy.
    @Test func perCategoryOnWikipediaExample() throws {
        let counts = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
                      [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
        let expected = [0.20128205128205134, 0.07967032967032961, 0.17159763313609477, 0.030381383322559685,
                        0.5076566951566952]
        let result = try fleissKappa(counts: counts)
        for (kappa, e) in zip(result.perCategory, expected) { #expect(close(kappa, e, 1e-12)) }
    }

    /// statsmodels 0.15 `fleiss_kappa` on a 6 × 3 table.
    @Test func againstStatsmodels() throws {
        let result = try fleissKappa(counts: [[3, 0, 0], [2, 1, 0], [0, 3, 0], [1, 1, 1], [0, 0, 3], [0, 2, 1]])
        #expect(close(result.value, 0.4112149532710279, 1e-12))
    }

    @Test func identicalRatersGiveOne() throws {
        let result = try fleissKappa(counts: [[3, 0], [0, 3], [3, 0]])
        #expect(result.value == 1)
        #expect(result.perCategory == [1, 1])
    }

    @Test func unusedCategoryHasNoKappa() throws {
        let result = try fleissKappa(counts: [[2, 0, 0], [1, 1, 0]])
        #expect(result.perCategory[2] == nil)
    }

    @Test func oneCategoryIsUndefined() throws {
        let result = try fleissKappa(counts: [[2, 0], [2, 0]])
        #expect(result.value == nil)
        #expect(result.undefinedReason == "every rating is in the same category, so the expected agreement is 1")
    }

    @Test func unequalRatersPointToAlpha() {
        #expect(throws: StatisticsError.invalidData(
            "Fleiss' κ needs the same number of ratings for every unit, but unit \"u1\" has 3 and unit \"u2\" has 2; use Krippendorff's α (--metric alpha), which allows missing ratings")) {
            try fleissKappa(counts: [[2, 1], [1, 1]], unitNames: ["u1", "u2"])
        }
        #expect(throws: StatisticsError.invalidData(
            "Fleiss' κ needs the same number of ratings for every unit, but row 1 has 3 and row 2 has 2; use Krippendorff's α (--metric alpha), which allows missing ratings")) {
            try fleissKappa(counts: [[2, 1], [1, 1]])
        }
    }

    @Test func otherErrors() {
        #expect(throws: StatisticsError.emptyInput("Fleiss' κ needs at least one unit; there is none")) {
            try fleissKappa(counts: [])
        }
        #expect(throws: StatisticsError.invalidData("Fleiss' κ needs at least two ratings per unit; row 1 has 1")) {
            try fleissKappa(counts: [[1, 0], [0, 1]])
        }
        #expect(throws: StatisticsError.invalidData("row 2 has a negative count -1")) {
            try fleissKappa(counts: [[1, 1], [3, -1]])
        }
        #expect(throws: StatisticsError.invalidData("row 2 has 3 categories but row 1 has 2")) {
            try fleissKappa(counts: [[1, 1], [1, 1, 0]])
        }
    }
}

@Suite struct GwetAC1Tests {
    static let krippendorffCounts: [[Int]] = {
        let data: [[Double?]] = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nil, nil, nil], [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nil, 3],
                                 [nil, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nil], [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nil]]
        return (0..<12).map { unit in
            var row = [Int](repeating: 0, count: 6)
            for rater in data { if let v = rater[unit] { row[Int(v) - 1] += 1 } }
            return row
        }
    }()

    /// irrCAC 0.4.4 `CAC(df).gwet()` on Krippendorff's 2011 data: 0.77544 (pa 0.81818, pe 0.19032) over the
    /// five observed categories, and 0.78553 (pe 0.15226) with `categories=[1..6]`.
    @Test func againstIrrCAC() throws {
        let observed = try gwetAC1(counts: Self.krippendorffCounts.map { Array($0.prefix(5)) })
        #expect(close(observed.value, 0.77544, 5e-6))
        #expect(close(observed.observedAgreement, 0.81818, 5e-6))
        #expect(close(observed.expectedAgreement, 0.19032, 5e-6))
        #expect(observed.pairableUnits == 11)
        let declared = try gwetAC1(counts: Self.krippendorffCounts)
        #expect(close(declared.value, 0.78553, 5e-6))
        #expect(close(declared.expectedAgreement, 0.15226, 5e-6))
    }

    @Test func undefinedCases() throws {
        let one = try gwetAC1(counts: [[2], [3]])
        #expect(one.value == nil)
        #expect(one.undefinedReason == "AC1 needs a scale of at least two categories; there is 1")
        let lonely = try gwetAC1(counts: [[1, 0], [0, 1]])
        #expect(lonely.undefinedReason == "no unit has two or more ratings, so there is no pair to compare")
    }

    @Test func errors() {
        #expect(throws: StatisticsError.invalidData("row 2 has 1 categories but row 1 has 2")) {
            try gwetAC1(counts: [[1, 1], [2]])
        }
        #expect(throws: StatisticsError.invalidData("row 1 has a negative count -2")) {
            try gwetAC1(counts: [[-2, 1]])
        }
    }
}
