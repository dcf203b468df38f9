/// A two-sample permutation test of the difference in means.
public struct PermutationResult: Sendable, Equatable {
    /// The observed statistic, mean(x) − mean(y).
    public var statistic: Double
    /// Two-sided p-value as SciPy's `permutation_test` defines it.
    public var p: Double
    /// Whether every split of the pooled sample was enumerated (otherwise Monte Carlo).
    public var exact: Bool
    /// Splits examined: all C(n, n₁) when exact, else the Monte Carlo resamples.
    public var permutations: Int
}

/// The two-sample (independent) permutation test of mean(x) − mean(y), two-sided, as SciPy's
/// `permutation_test((x, y), statistic, permutation_type="independent", alternative="two-sided")`
/// with `statistic = mean(x) − mean(y)`.
///
/// When C(n₁ + n₂, n₁) ≤ `resamples` every split of the pooled values into groups of n₁ and n₂ is
/// enumerated and P(T ≤ t), P(T ≥ t) are shares of all splits; otherwise `resamples` random splits (from
/// ``SeededGenerator`` with `seed`) give (count + 1)/(resamples + 1). The two-sided p-value is
/// 2·min(P(T ≤ t), P(T ≥ t)), at most 1. Comparisons allow a relative tolerance of 100 ulps, as SciPy does.
/// The default of 9999 resamples is SciPy's (Good, *Permutation, Parametric and Bootstrap Tests of
/// Hypotheses*, 3rd ed., ch. 3; SciPy `_resampling.permutation_test`).
///
/// - Throws: ``StatisticsError`` when either sample is empty or resamples < 1.
public func twoSamplePermutationTest(_ x: [Double], _ y: [Double], resamples: Int = 9_999,
                                     seed: UInt64 = 0) throws -> PermutationResult {
    guard !x.isEmpty, !y.isEmpty else {
        throw StatisticsError.emptyInput(
            "the permutation test needs two non-empty samples; they have \(x.count) and \(y.count) values")
    }
    try validateResamples(resamples)
    let pooled = x + y
    let n1 = x.count, n = pooled.count
    let total = pooled.reduce(0, +)
    func statistic(firstSum: Double) -> Double {
        firstSum / Double(n1) - (total - firstSum) / Double(n - n1)
    }
    let observed = statistic(firstSum: x.reduce(0, +))
    let gamma = abs(observed * 100 * Double.ulpOfOne)
    var less = 0, greater = 0
    func count(_ value: Double) {
        if value <= observed + gamma { less += 1 }
        if value >= observed - gamma { greater += 1 }
    }
    if let splits = binomial(n, n1), splits <= resamples {
        // Enumerate index combinations i₀ < i₁ < … < i_{n₁−1} in lexicographic order.
        var chosen = Array(0..<n1)
        while true {
            var sum = 0.0
            for i in chosen { sum += pooled[i] }
            count(statistic(firstSum: sum))
            var k = n1 - 1
            while k >= 0, chosen[k] == n - n1 + k { k -= 1 }
            if k < 0 { break }
            chosen[k] += 1
            for j in (k + 1)..<n1 { chosen[j] = chosen[j - 1] + 1 }
        }
        let p = min(1, 2 * Double(min(less, greater)) / Double(splits))
        return PermutationResult(statistic: observed, p: p, exact: true, permutations: splits)
    }
    var generator = SeededGenerator(seed: seed)
    var shuffled = pooled
    for _ in 0..<resamples {
        var sum = 0.0
        for i in 0..<n1 {
            let j = i + generator.index(below: n - i)
            shuffled.swapAt(i, j)
            sum += shuffled[i]
        }
        count(statistic(firstSum: sum))
    }
    let lessP = Double(less + 1) / Double(resamples + 1)
    let greaterP = Double(greater + 1) / Double(resamples + 1)
    return PermutationResult(statistic: observed, p: min(1, 2 * min(lessP, greaterP)), exact: false,
                             permutations: resamples)
}

/// C(n, k), or `nil` when it exceeds Int.max.
func binomial(_ n: Int, _ k: Int) -> Int? {
    let k = min(k, n - k)
    guard k >= 0 else { return 0 }
    var result = 1
    for i in 0..<k {
        let (product, overflow) = result.multipliedReportingOverflow(by: n - i)
        if overflow { return nil }
        result = product / (i + 1)
    }
    return result
}
