import Testing
@testable import Statistics

@Suite struct KrippendorffAlphaTests {
    /// Krippendorff (2011), section A: two observers, binary data, ten units; published α = 0.095.
    /// The full-precision value is krippendorff 0.9.0's `alpha(level_of_measurement="nominal")`.
    @Test func binaryTwoObservers() throws {
        let data = try ReliabilityData(ratersByUnits: [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]])
        let result = try krippendorffAlpha(data, level: .nominal)
        #expect(close(result.value, 0.09523809523809534, 1e-12))
        #expect(((result.value ?? 0) * 1000).rounded() / 1000 == 0.095)
    }

    /// Four raters × fifteen units of 1…5 with a quarter missing (NumPy default_rng(7)); expected values from
    /// krippendorff 0.9.0 `alpha(reliability_data=…, level_of_measurement=…)`.
    static let randomData: [[Double?]] = [
        [5, nil, nil, nil, 3, nil, 5, nil, 1, nil, 2, 5, 5, 1, 3],
        [5, nil, 4, 1, 3, 5, 2, nil, 2, 4, nil, 5, 3, 3, 3],
        [3, 3, 3, nil, 5, nil, 4, nil, 2, nil, 3, 2, 5, 1, nil],
        [4, 1, 1, 3, nil, nil, 3, 5, nil, 5, 5, 5, 4, 3, nil],
    ]

    @Test(arguments: [
        (MeasurementLevel.nominal, 0.0016339869281045694), (.ordinal, 0.27184531546845314),
        (.interval, 0.2725165562913907), (.ratio, 0.1631904709878247),
    ])
    func againstKrippendorffPackage(level: MeasurementLevel, expected: Double) throws {
        let result = try krippendorffAlpha(try ReliabilityData(ratersByUnits: Self.randomData), level: level)
        #expect(close(result.value, expected, 1e-12))
    }

    @Test func matrixFormulaAgreesWithClosedForms() throws {
        // D_o and D_e straight from the coincidence matrix, for every level.
        let data = try ReliabilityData(ratersByUnits: Self.randomData)
        let m = coincidenceMatrix(data)
        let v = m.values
        func delta(_ level: MeasurementLevel, _ c: Int, _ k: Int) -> Double {
            switch level {
            case .nominal: return c == k ? 0 : 1
            case .interval: return (v[c] - v[k]) * (v[c] - v[k])
            case .ratio: return v[c] + v[k] == 0 ? 0 : pow2((v[c] - v[k]) / (v[c] + v[k]))
            case .ordinal:
                let (lo, hi) = (min(c, k), max(c, k))
                return pow2(m.marginals[lo...hi].reduce(0, +) - (m.marginals[c] + m.marginals[k]) / 2)
            }
        }
        for level in MeasurementLevel.allCases {
            var observed = 0.0, expected = 0.0
            for c in v.indices {
                for k in v.indices {
                    observed += m.counts[c][k] * delta(level, c, k)
                    expected += m.marginals[c] * m.marginals[k] * delta(level, c, k)
                }
            }
            let alpha = 1 - (m.total - 1) * observed / expected
            #expect(close(try krippendorffAlpha(data, level: level).value, alpha, 1e-12))
        }
    }

    @Test func invariantUnderNominalRelabelling() throws {
        let relabel: [Double: Double] = [1: 40, 2: -3, 3: 7.5, 4: 0, 5: 1000]
        let original = try ReliabilityData(ratersByUnits: Self.randomData)
        let renamed = try ReliabilityData(ratersByUnits: Self.randomData.map { $0.map { $0.flatMap { relabel[$0] } } })
        let a = try #require(try krippendorffAlpha(original, level: .nominal).value)
        let b = try #require(try krippendorffAlpha(renamed, level: .nominal).value)
        #expect(abs(a - b) < 1e-12)
    }

    @Test func invariantUnderRaterOrder() throws {
        let original = try ReliabilityData(ratersByUnits: Self.randomData)
        let reordered = try ReliabilityData(ratersByUnits: [Self.randomData[2], Self.randomData[0], Self.randomData[3], Self.randomData[1]])
        for level in MeasurementLevel.allCases {
            let a = try #require(try krippendorffAlpha(original, level: level).value)
            let b = try #require(try krippendorffAlpha(reordered, level: level).value)
            #expect(abs(a - b) < 1e-12)
        }
    }

    @Test func ordinalDependsOnlyOnOrder() throws {
        let monotone: [Double: Double] = [1: 1, 2: 10, 3: 11, 4: 50, 5: 51]
        let a = try krippendorffAlpha(try ReliabilityData(ratersByUnits: Self.randomData), level: .ordinal)
        let b = try krippendorffAlpha(
            try ReliabilityData(ratersByUnits: Self.randomData.map { $0.map { $0.flatMap { monotone[$0] } } }), level: .ordinal)
        #expect(close(a.value, try #require(b.value), 1e-12))
    }

    @Test func perfectAgreementIsOne() throws {
        let result = try krippendorffAlpha(ReliabilityData(units: [[1, 1], [2, 2, 2], [3, 3], [4]]), level: .interval)
        #expect(result.value == 1)
        #expect(result.pairableUnits == 3)
    }

    @Test func noPairableUnitIsUndefined() throws {
        let result = try krippendorffAlpha(ReliabilityData(units: [[1], [2], []]), level: .nominal)
        #expect(result.value == nil)
        #expect(result.undefinedReason == "no unit has two or more values, so there is no pair to compare")
        #expect(result.units == 3)
        #expect(result.pairableUnits == 0)
        let empty = try krippendorffAlpha(ReliabilityData(units: []), level: .nominal)
        #expect(empty.undefinedReason == "there are no units")
    }

    @Test func singleValueIsUndefined() throws {
        for level in MeasurementLevel.allCases {
            let result = try krippendorffAlpha(ReliabilityData(units: [[3, 3], [3, 3, 3], [5]]), level: level)
            #expect(result.value == nil)
            #expect(result.undefinedReason == "every pairable value is 3, so the expected disagreement is 0")
        }
    }

    @Test func negativeRatioValueIsRefused() {
        #expect(throws: StatisticsError.invalidData("value -2 in unit 2 is negative; the ratio level needs values ≥ 0")) {
            try krippendorffAlpha(ReliabilityData(units: [[1, 2], [-2, 3]]), level: .ratio)
        }
    }

    @Test func nonFiniteValueIsRefused() {
        #expect(throws: StatisticsError.invalidData("value nan in unit 1 is not a finite number")) {
            try krippendorffAlpha(ReliabilityData(units: [[.nan, 2]]), level: .interval)
        }
    }

    @Test func raggedRaterRowsAreRefused() {
        #expect(throws: StatisticsError.invalidData(
            "rater row 2 has 2 units but row 1 has 3; every rater row needs one entry per unit (nil when missing)")) {
            try ReliabilityData(ratersByUnits: [[1, 2, 3], [1, 2]])
        }
    }
}

private func pow2(_ x: Double) -> Double { x * x }
