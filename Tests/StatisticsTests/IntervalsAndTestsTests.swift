import Testing
@testable import Statistics

@Suite struct SeededGeneratorTests {
    /// The first outputs of xoshiro256** seeded by SplitMix64(0), from a direct Python transcription of the
    /// reference C code (prng.di.unimi.it).
    @Test func matchesReferenceSequence() {
        var generator = SeededGenerator(seed: 0)
        #expect(generator.next() == 0x99EC_5F36_CB75_F2B4)
        #expect(generator.next() == 0xBF6E_1F78_4956_452A)
        #expect(generator.next() == 0x1A5F_849D_4933_E6E0)
    }

    @Test func boundedIndicesStayInRangeAndCoverIt() {
        var generator = SeededGenerator(seed: 42)
        var seen = Set<Int>()
        for _ in 0..<1000 {
            let i = generator.index(below: 7)
            #expect((0..<7).contains(i))
            seen.insert(i)
        }
        #expect(seen.count == 7)
        let u = generator.unitInterval()
        #expect(u >= 0 && u < 1)
    }
}

@Suite struct NormalTests {
    @Test(arguments: [(0.5, 0.0), (0.975, 1.959963984540054), (0.025, -1.959963984540054),
                      (0.995, 2.5758293035489004), (1e-10, -6.361340902404056)])
    func quantile(p: Double, z: Double) {
        // Reference: scipy.stats.norm.ppf.
        #expect(abs(StandardNormal.quantile(p) - z) < 1e-13 * max(1, abs(z)))
    }

    @Test func quantileInvertsTheCDF() {
        for p in stride(from: 0.001, to: 1, by: 0.0137) {
            #expect(abs(StandardNormal.cdf(StandardNormal.quantile(p)) - p) < 1e-14)
        }
    }

    @Test func interpolatedQuantileIsNumPyLinear() {
        // numpy.percentile([1, 2, 4, 8], [0, 25, 50, 90, 100]) = 1, 1.75, 3, 6.8, 8.
        let values: [Double] = [1, 2, 4, 8]
        #expect(interpolatedQuantile(sorted: values, 0) == 1)
        #expect(interpolatedQuantile(sorted: values, 0.25) == 1.75)
        #expect(interpolatedQuantile(sorted: values, 0.5) == 3)
        #expect(abs(interpolatedQuantile(sorted: values, 0.9) - 6.8) < 1e-12)
        #expect(interpolatedQuantile(sorted: values, 1) == 8)
    }
}

@Suite struct WilsonIntervalTests {
    @Test func errors() {
        #expect(throws: StatisticsError.invalidArgument(name: "trials", value: "0", expected: "at least 1")) {
            try wilsonInterval(successes: 0, trials: 0)
        }
        #expect(throws: StatisticsError.invalidArgument(name: "successes", value: "11", expected: "a count between 0 and the 10 trials")) {
            try wilsonInterval(successes: 11, trials: 10)
        }
        #expect(throws: StatisticsError.invalidArgument(name: "confidence", value: "1.5", expected: "a number strictly between 0 and 1, e.g. 0.95")) {
            try wilsonInterval(successes: 1, trials: 10, confidence: 1.5)
        }
    }

    @Test func ninetyNinePercentIsWider() throws {
        let narrow = try wilsonInterval(successes: 30, trials: 50, confidence: 0.9)
        let wide = try wilsonInterval(successes: 30, trials: 50, confidence: 0.99)
        #expect(wide.low < narrow.low && wide.high > narrow.high)
    }
}

@Suite struct BootstrapTests {
    /// Items of one value take a shorter loop; it must give the documented resampling exactly: draw
    /// items.count items, divide the drawn sum by the drawn count.
    @Test func oneValuePerItemIsTheDocumentedResampling() throws {
        let values = (0..<257).map { Double(($0 * 37) % 101) / 7 }
        let result = try bootstrapMeanInterval(items: values.map { [$0] }, resamples: 500, seed: 5, confidence: 0.9)
        var generator = SeededGenerator(seed: 5)
        var means: [Double] = []
        for _ in 0..<500 {
            var sum = 0.0, count = 0.0
            for _ in values.indices {
                sum += values[generator.index(below: values.count)]
                count += 1
            }
            means.append(sum / count)
        }
        means.sort()
        #expect(result.low == interpolatedQuantile(sorted: means, 0.05))
        #expect(result.high == interpolatedQuantile(sorted: means, 0.95))
    }

    @Test func seededAndReproducible() throws {
        let items: [[Double]] = [[1, 2], [3], [4, 5, 6], [2], [5, 5]]
        let a = try bootstrapMeanInterval(items: items, resamples: 2000, seed: 11)
        let b = try bootstrapMeanInterval(items: items, resamples: 2000, seed: 11)
        let c = try bootstrapMeanInterval(items: items, resamples: 2000, seed: 12)
        #expect(a == b)
        #expect(a != c)
        #expect(a.estimate == 33.0 / 9)
        #expect(a.low < a.estimate && a.estimate < a.high)
        #expect(a.low >= 1 && a.high <= 6)
    }

    @Test func wholeItemsMoveTogether() throws {
        // Each item's values are constant within the item, so every resampled mean is a weighted average of
        // item means; with one value per item the interval of identical items is a point.
        let constant = try bootstrapMeanInterval(items: [[4, 4], [4], [4, 4, 4]], resamples: 100)
        #expect(constant.low == 4 && constant.high == 4)
        // Two items of very different sizes: a resample drawing the big item twice has mean 0.
        let lopsided = try bootstrapMeanInterval(items: [[0, 0, 0, 0, 0, 0, 0, 0], [10]], resamples: 4000, seed: 3)
        #expect(lopsided.low == 0)
        #expect(lopsided.high == 10)
    }

    @Test func errors() {
        #expect(throws: StatisticsError.emptyInput("the bootstrap needs at least one value; there is none")) {
            try bootstrapMeanInterval(items: [])
        }
        #expect(throws: StatisticsError.invalidData("item 2 has no value")) {
            try bootstrapMeanInterval(items: [[1], []])
        }
        #expect(throws: StatisticsError.invalidArgument(name: "resamples", value: "0", expected: "at least 1")) {
            try bootstrapMeanInterval(items: [[1]], resamples: 0)
        }
    }
}

@Suite struct PairedTestsTests {
    /// Wikipedia's "Wilcoxon signed-rank test" example (ten pairs, one zero): W+ = 27, W− = 18 (W = 9).
    /// p from SciPy 1.17.1 `wilcoxon(d, zero_method="wilcox", correction=False, method="asymptotic")`; z
    /// from W+ with the tie-corrected variance, computed in NumPy.
    @Test func wikipediaExample() {
        let result = wilcoxonSignedRank(differences: [15, -7, 5, 20, 0, -9, 17, -12, 5, -10])
        #expect(result.nonZero == 9)
        #expect(result.wPlus == 27 && result.wMinus == 18)
        #expect(close(result.z, 0.533582250055877, 1e-12))
        #expect(close(result.p, 0.5936305914425295, 1e-12))
        #expect(result.exactP == nil)
    }

    /// SciPy's documented example data (Hollander & Wolfe depression scores, nine pairs, no ties or zeros):
    /// exact p 0.0390625 (`method="exact"`), asymptotic p 0.038151710173415135.
    @Test func exactWithoutTies() {
        let x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
        let y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
        let result = wilcoxonSignedRank(differences: zip(x, y).map { $0 - $1 })
        #expect(close(result.exactP, 0.0390625, 1e-15))
        #expect(close(result.p, 0.038151710173415135, 1e-12))
        #expect(result.wPlus == 40 && result.wMinus == 5)
    }

    /// Ties and zeros: SciPy asymptotic p 0.026997940837206955; W+ 77, W− 14, z 2.2115475800231157.
    @Test func tiesAndZeros() {
        let result = wilcoxonSignedRank(differences: [0.5, -1, 2, 2, -0.5, 3, 0, 1.5, 2, -2, 4, 1, 1, 0, 2.5])
        #expect(result.nonZero == 13)
        #expect(result.wPlus == 77 && result.wMinus == 14)
        #expect(close(result.z, 2.2115475800231157, 1e-12))
        #expect(close(result.p, 0.026997940837206955, 1e-12))
        #expect(result.exactP == nil)
    }

    @Test func exactLimitIsTwentyFive() {
        let small = wilcoxonSignedRank(differences: (1...25).map { Double($0) * (($0 % 3 == 0) ? -1 : 1) })
        #expect(small.exactP != nil)
        let large = wilcoxonSignedRank(differences: (1...26).map { Double($0) * (($0 % 3 == 0) ? -1 : 1) })
        #expect(large.exactP == nil)
        // All positive, n = 5: the exact two-sided p is 2/32.
        #expect(wilcoxonSignedRank(differences: [1, 2, 3, 4, 5]).exactP == 0.0625)
    }

    @Test func allZeroDifferencesHaveNoTest() {
        let result = wilcoxonSignedRank(differences: [0, 0, 0])
        #expect(result.nonZero == 0 && result.z == nil && result.p == nil && result.exactP == nil)
    }

    /// SciPy 1.17.1 `permutation_test((x, y), mean(x − y), permutation_type="samples", n_resamples=inf)` on
    /// the nine depression pairs: 0.02734375 (= 14/512).
    @Test func signFlipExactAgainstSciPy() throws {
        let x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
        let y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
        let result = try signFlipTest(differences: zip(x, y).map { $0 - $1 })
        #expect(result.exact)
        #expect(result.assignments == 512)
        #expect(result.p == 0.02734375)
    }

    @Test func signFlipSwitchesToMonteCarloAboveTwenty() throws {
        let twenty = try signFlipTest(differences: (1...20).map(Double.init) + [0, 0])
        #expect(twenty.exact && twenty.assignments == 1 << 20)
        #expect(twenty.p == 2.0 / Double(1 << 20))
        let many = (1...21).map(Double.init)
        let a = try signFlipTest(differences: many, resamples: 999, seed: 5)
        #expect(!a.exact && a.assignments == 999)
        // Only the all-positive and all-negative assignments reach the observed |sum|; (hits + 1)/(B + 1).
        #expect(a.p * 1000 == (a.p * 1000).rounded())
        #expect(a.p >= 1.0 / 1000 && a.p < 0.01)
        #expect(try signFlipTest(differences: many, resamples: 999, seed: 5) == a)
        let balanced = try signFlipTest(differences: [1, -1, 2, -2], resamples: 10)
        #expect(balanced.p == 1)
    }

    @Test func signFlipErrors() {
        #expect(throws: StatisticsError.invalidArgument(name: "resamples", value: "0", expected: "at least 1")) {
            try signFlipTest(differences: [1], resamples: 0)
        }
    }
}

@Suite struct TwoSampleTests {
    /// SciPy 1.17.1 `mannwhitneyu(x, y, use_continuity=True, alternative="two-sided", method="asymptotic")`.
    @Test func mannWhitneyAgainstSciPy() throws {
        let a = try mannWhitneyU([3, 4, 2, 6, 2, 5], [9, 7, 5, 10, 6, 8])
        #expect(a.u1 == 2 && a.u2 == 34)
        #expect(close(a.p, 0.012591911490379705, 1e-12))
        let b = try mannWhitneyU([1, 2, 2, 3, 3, 3, 4, 5], [2, 3, 4, 4, 5, 5, 5])
        #expect(b.u1 == 14)
        #expect(close(b.p, 0.10895497730634533, 1e-12))
        let tied = try mannWhitneyU([2, 2], [2, 2, 2])
        #expect(tied.p == 1 && tied.z == nil)
    }

    /// SciPy 1.17.1 `permutation_test((x, y), mean(x) − mean(y), permutation_type="independent")`, exact
    /// because C(8, 4) = 70 and C(7, 4) = 35 are below 9999.
    @Test func permutationAgainstSciPy() throws {
        let a = try twoSamplePermutationTest([4.1, 3.9, 5.2, 4.8], [3.0, 3.5, 2.9, 4.0])
        #expect(a.exact && a.permutations == 70)
        #expect(close(a.p, 0.05714285714285714, 1e-12))
        let b = try twoSamplePermutationTest([1, 2, 2, 3], [2, 2, 3])
        #expect(b.permutations == 35)
        #expect(close(b.p, 0.9714285714285714, 1e-12))
    }

    @Test func permutationMonteCarloIsSeeded() throws {
        let x = (0..<15).map { Double($0) }, y = (5..<20).map { Double($0) }
        let a = try twoSamplePermutationTest(x, y, resamples: 2000, seed: 1)
        #expect(!a.exact && a.permutations == 2000)
        #expect(a == (try twoSamplePermutationTest(x, y, resamples: 2000, seed: 1)))
        #expect(a.p > 0 && a.p < 0.05)
    }

    @Test func errors() {
        #expect(throws: StatisticsError.emptyInput("the Mann–Whitney test needs two non-empty samples; they have 0 and 1 values")) {
            try mannWhitneyU([], [1])
        }
        #expect(throws: StatisticsError.emptyInput("the permutation test needs two non-empty samples; they have 1 and 0 values")) {
            try twoSamplePermutationTest([1], [])
        }
        #expect(throws: StatisticsError.invalidArgument(name: "resamples", value: "0", expected: "at least 1")) {
            try twoSamplePermutationTest([1], [2], resamples: 0)
        }
    }
}

@Suite struct PValueAdjustmentTests {
    static let p = [0.01, 0.04, 0.03, 0.005, 0.2, 0.04]

    /// statsmodels 0.15 `multipletests(p, alpha=0.05, method="holm" | "fdr_bh" | "bonferroni")`.
    @Test(arguments: [
        (PValueAdjustment.holm, [0.05, 0.12, 0.12, 0.03, 0.2, 0.12]),
        (.bh, [0.030000000000000002, 0.048, 0.048, 0.030000000000000002, 0.2, 0.048]),
        (.bonferroni, [0.06, 0.24, 0.18, 0.03, 1.0, 0.24]),
    ])
    func againstStatsmodels(method: PValueAdjustment, expected: [Double]) throws {
        let adjusted = try adjustPValues(Self.p, method: method)
        for (a, e) in zip(adjusted, expected) { #expect(close(a, e, 1e-15)) }
    }

    /// Benjamini and Hochberg (1995), §4: fifteen p-values from a trial; at q = 0.05 the step-up procedure
    /// rejects the four smallest, Bonferroni-type procedures three. Adjusted values from statsmodels 0.15.
    @Test func benjaminiHochberg1995Example() throws {
        let p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719,
                 0.6528, 0.7590, 1.000]
        let bh = try adjustReport(p, method: .bh)
        #expect(bh.reject.filter { $0 }.count == 4)
        for (a, e) in zip(bh.adjusted, [0.0015, 0.003, 0.0095, 0.035625, 0.0603, 0.06385714285714286]) {
            #expect(close(a, e, 1e-15))
        }
        #expect(try adjustReport(p, method: .holm).reject.filter { $0 }.count == 3)
        #expect(try adjustReport(p, method: .bonferroni).reject.filter { $0 }.count == 3)
        let holm = try adjustPValues(p, method: .holm)
        for (a, e) in zip(holm, [0.0015, 0.0056, 0.0247, 0.11399999999999999, 0.2211, 0.27799999999999997]) {
            #expect(close(a, e, 1e-15))
        }
    }

    @Test func holmIsNeverBelowBenjaminiHochberg() throws {
        var generator = SeededGenerator(seed: 9)
        for _ in 0..<200 {
            let p = (0..<(1 + generator.index(below: 12))).map { _ in pow(generator.unitInterval(), 3) }
            let holm = try adjustPValues(p, method: .holm)
            let bh = try adjustPValues(p, method: .bh)
            let bonferroni = try adjustPValues(p, method: .bonferroni)
            for i in p.indices {
                #expect(holm[i] >= bh[i])
                #expect(bonferroni[i] >= holm[i])
                #expect(bh[i] >= p[i])
            }
        }
    }

    @Test func reportRejects() throws {
        let report = try adjustReport(Self.p, method: .bh)
        #expect(report.reject == [true, true, true, true, false, true])
        #expect(try adjustReport(Self.p, method: .holm).reject == [true, false, false, true, false, false])
    }

    @Test func errors() {
        #expect(throws: StatisticsError.invalidArgument(name: "p-value", value: "1.2", expected: "a number between 0 and 1")) {
            try adjustPValues([0.1, 1.2], method: .holm)
        }
        #expect(throws: StatisticsError.emptyInput("no p-value to adjust; give them with --p 0.01,0.2")) {
            try adjustReport([], method: .holm)
        }
        #expect(throws: StatisticsError.invalidArgument(name: "alpha", value: "0", expected: "a number strictly between 0 and 1")) {
            try adjustReport([0.1], method: .holm, alpha: 0)
        }
    }
}

private func pow(_ x: Double, _ n: Int) -> Double { (0..<n).reduce(1) { acc, _ in acc * x } }
