/// The paired sign-flip permutation test on the mean difference.
public struct SignFlipResult: Sendable, Equatable {
    /// Two-sided p-value.
    public var p: Double
    /// Whether every sign assignment was enumerated (otherwise Monte Carlo).
    public var exact: Bool
    /// Sign assignments examined: 2^m when exact, else the Monte Carlo resamples.
    public var assignments: Int
}

/// The largest number of non-zero differences for which ``signFlipTest(differences:resamples:seed:)``
/// enumerates all 2^m sign assignments.
public let signFlipExactLimit = 20

/// The sign-flip (randomization) test of a zero mean difference for paired data.
///
/// Under the null each non-zero difference is as likely positive as negative. The statistic is the mean
/// difference; the two-sided p-value is the share of sign assignments whose |mean| is at least the
/// observed |mean| (Fisher 1935, *The Design of Experiments*, §21; Good, *Permutation, Parametric and
/// Bootstrap Tests of Hypotheses*, 3rd ed., §3.6.1). Zero differences cannot change sign and are left as
/// they are. With m ≤ 20 non-zero differences all 2^m assignments are enumerated and p = hits/2^m.
/// Above that, `resamples` random assignments (from ``SeededGenerator`` with `seed`) give
/// p = (hits + 1)/(resamples + 1) (Phipson and Smyth 2010, "Permutation p-values should never be zero").
/// "At least" allows a relative tolerance of 100 ulps, as SciPy's `permutation_test` does, so that sums
/// computed in another order still count as ties.
///
/// - Throws: ``StatisticsError/invalidArgument(name:value:expected:)`` when resamples < 1.
public func signFlipTest(differences: [Double], resamples: Int = 10_000, seed: UInt64 = 0) throws -> SignFlipResult {
    try validateResamples(resamples)
    let nonZero = differences.filter { $0 != 0 }
    let observed = abs(nonZero.reduce(0, +))
    let threshold = observed - observed * 100 * Double.ulpOfOne
    let m = nonZero.count
    if m <= signFlipExactLimit {
        // Each assignment's sum is computed afresh (not updated step by step) so that rounding cannot
        // drift across the 2^m assignments.
        let total = 1 << m
        var hits = 0
        for mask in 0..<total {
            var sum = 0.0
            for (i, d) in nonZero.enumerated() { sum += (mask >> i) & 1 == 1 ? -d : d }
            if abs(sum) >= threshold { hits += 1 }
        }
        return SignFlipResult(p: Double(hits) / Double(total), exact: true, assignments: total)
    }
    var generator = SeededGenerator(seed: seed)
    var hits = 0
    for _ in 0..<resamples {
        var sum = 0.0
        var bits: UInt64 = 0
        for (i, d) in nonZero.enumerated() {
            if i % 64 == 0 { bits = generator.next() }
            sum += (bits & 1) == 1 ? d : -d
            bits >>= 1
        }
        if abs(sum) >= threshold { hits += 1 }
    }
    return SignFlipResult(p: Double(hits + 1) / Double(resamples + 1), exact: false, assignments: resamples)
}
