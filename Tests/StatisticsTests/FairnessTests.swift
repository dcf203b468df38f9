import Testing
@testable import Statistics

@Suite struct GroupDisparityTests {
    static func rows(_ group: String, _ cells: [(prediction: Bool, label: Bool, count: Int)]) -> [LabelledPrediction] {
        cells.flatMap { cell in Array(repeating: LabelledPrediction(group: group, prediction: cell.prediction, label: cell.label), count: cell.count) }
    }

    // A (reference): tp 3, fp 1, fn 1, tn 5. B: tp 2, fp 2, fn 2, tn 4. C: fn 1, tn 3, no predicted positive.
    static let data = rows("A", [(true, true, 3), (true, false, 1), (false, true, 1), (false, false, 5)])
        + rows("B", [(true, true, 2), (true, false, 2), (false, true, 2), (false, false, 4)])
        + rows("C", [(false, true, 1), (false, false, 3)])

    @Test func metricsAndDisparitiesByHand() throws {
        let audit = try groupDisparities(Self.data, reference: "A")
        #expect(audit.map(\.group) == ["A", "B", "C"])
        let a = audit[0], b = audit[1], c = audit[2]
        #expect(a.counts == GroupCounts(groupSize: 10, pp: 4, pn: 6, tp: 3, fp: 1, tn: 5, fn: 1))
        #expect(a.metrics[.ppr] == 0.5 && b.metrics[.ppr] == 0.5 && c.metrics[.ppr] == 0)
        #expect(a.metrics[.precision] == 0.75 && b.metrics[.precision] == 0.5)
        #expect(b.metrics[.fpr] == 2.0 / 6 && b.metrics[.fnr] == 0.5 && b.metrics[.tpr] == 0.5)
        #expect(b.metrics[.for] == 2.0 / 6 && b.metrics[.npv] == 4.0 / 6 && b.metrics[.tnr] == 4.0 / 6)
        #expect(b.disparity[.precision] == 2.0 / 3 && b.fair[.precision] == false)
        #expect(b.disparity[.fdr] == 2 && b.fair[.fdr] == false)
        // 4/6 against 5/6 is exactly 0.8: inside the band, which is inclusive.
        #expect(b.disparity[.tnr] == 0.8 && b.fair[.tnr] == true)
        #expect(b.disparity[.npv] == 0.8 && b.fair[.npv] == true)
        #expect(b.disparity[.ppr] == 1 && b.fair[.ppr] == true)
        // C predicts no positive: precision is undefined, and so are its disparity and fairness.
        #expect(c.metrics[.precision] == .some(nil))
        #expect(c.disparity[.precision] == .some(nil) && c.fair[.precision] == .some(nil))
        #expect(c.disparity[.ppr] == 0 && c.fair[.ppr] == false)
        for metric in GroupMetric.allCases where a.metrics[metric] != .some(nil) {
            #expect(a.disparity[metric] == 1 && a.fair[metric] == true)
        }
    }

    @Test func upperEdgeIsInclusiveAndReferenceZeroIsNull() throws {
        // pprev: R 4/10, S 5/10 → 1.25 (fair); R has no false positive, so fdr disparities are null.
        let data = Self.rows("R", [(true, true, 4), (false, false, 6)]) + Self.rows("S", [(true, true, 4), (true, false, 1), (false, false, 5)])
        let audit = try groupDisparities(data, reference: "R")
        let s = audit[1]
        #expect(s.disparity[.pprev] == 1.25 && s.fair[.pprev] == true)
        #expect(audit[0].metrics[.fdr] == 0)
        #expect(s.disparity[.fdr] == .some(nil) && s.fair[.fdr] == .some(nil))
    }

    @Test func errors() {
        #expect(throws: StatisticsError.emptyInput("the group audit needs at least one prediction; there is none")) {
            try groupDisparities([], reference: "A")
        }
        #expect(throws: StatisticsError.invalidData("reference group \"Z\" has no rows; the groups are \"A\", \"B\", \"C\"")) {
            try groupDisparities(Self.data, reference: "Z")
        }
    }
}

@Suite struct SliceComparisonTests {
    static let values: [String: [Double]] = ["en": [4, 5, 3, 4, 5, 4], "de": [2, 3, 3, 4, 2], "fr": [5, 4, 4, 5]]
    static let scale = QualityScale(minimum: 1, maximum: 5, passThreshold: 4)

    /// p-values from SciPy 1.17.1 (`mannwhitneyu(method="asymptotic")`, `permutation_test` of the difference
    /// in means, exact) and statsmodels `multipletests(method="holm")`.
    @Test func againstSciPy() throws {
        let rows = try compareSlices(Self.values, reference: "en", scale: Self.scale)
        #expect(rows.map(\.slice) == ["de", "en", "fr"])
        let de = rows[0], en = rows[1], fr = rows[2]
        #expect(en.isReference && en.mannWhitneyP == nil && en.holmP == nil && !en.fourFifthsFlag)
        #expect(en.normalizedMeanRatio == 1 && en.passRateRatio == 1)
        #expect(close(de.mannWhitneyP, 0.037016048456937296, 1e-12))
        #expect(close(de.permutationP, 0.05627705627705628, 1e-12))
        #expect(close(fr.mannWhitneyP, 0.5556897902827946, 1e-12))
        #expect(close(fr.permutationP, 0.8095238095238095, 1e-12))
        #expect(close(de.holmP, 0.07403209691387459, 1e-12))
        #expect(close(fr.holmP, 0.5556897902827946, 1e-12))
        #expect(de.n == 5 && de.mean == 2.8)
        #expect(close(de.normalizedMean, 0.45, 1e-12))
        #expect(close(de.normalizedMeanRatio, 0.5684210526315788, 1e-12))
        // de passes 1/5, en 5/6: ratio 6/25.
        #expect(de.passRate == 0.2 && de.passRateRatio == 0.24)
        #expect(de.fourFifthsFlag && !fr.fourFifthsFlag)
        #expect(fr.passRateRatio == 1.2)
    }

    @Test func passRatioOfExactlyFourFifthsIsNotFlagged() throws {
        // Reference passes 5/5, the slice 4/5: exactly 0.8, not below it.
        let rows = try compareSlices(["r": [5, 5, 5, 5, 5], "s": [5, 5, 5, 5, 4.5]], reference: "r",
                                     scale: QualityScale(minimum: 0, maximum: 5, passThreshold: 5))
        #expect(rows[1].passRateRatio == 0.8)
        #expect(!rows[1].fourFifthsFlag)
    }

    @Test func zeroReferenceGivesNullRatios() throws {
        let rows = try compareSlices(["r": [1, 1], "s": [2, 3]], reference: "r", scale: Self.scale)
        #expect(rows[1].normalizedMeanRatio == nil && rows[1].passRateRatio == nil && !rows[1].fourFifthsFlag)
    }

    @Test func errors() {
        #expect(throws: StatisticsError.invalidArgument(name: "scale", value: "5,1", expected: "MIN,MAX with MIN < MAX")) {
            try compareSlices(Self.values, reference: "en", scale: QualityScale(minimum: 5, maximum: 1, passThreshold: 3))
        }
        #expect(throws: StatisticsError.invalidData("reference slice \"jp\" has no values; the slices are \"de\", \"en\", \"fr\"")) {
            try compareSlices(Self.values, reference: "jp", scale: Self.scale)
        }
        #expect(throws: StatisticsError.invalidData("value 7 in slice \"en\" is outside the scale 1…5")) {
            try compareSlices(["en": [7]], reference: "en", scale: Self.scale)
        }
        #expect(throws: StatisticsError.invalidData("slice \"de\" has no values")) {
            try compareSlices(["en": [3], "de": []], reference: "en", scale: Self.scale)
        }
    }
}
