/// The Wilcoxon signed-rank test on paired differences.
public struct WilcoxonResult: Sendable, Equatable {
    /// Non-zero differences, the ones ranked.
    public var nonZero: Int
    /// W+, the sum of the ranks of |d| over positive differences.
    public var wPlus: Double
    /// W−, the sum of the ranks over negative differences.
    public var wMinus: Double
    /// z = (W+ − n(n+1)/4)/σ with the tie-corrected σ; `nil` when no difference is non-zero.
    public var z: Double?
    /// Two-sided p-value of the normal approximation, 2·P(Z ≥ |z|); `nil` when `z` is.
    public var p: Double?
    /// Two-sided p-value of the exact null distribution of W+; `nil` unless there are no zero differences,
    /// no tied |d| and 1 ≤ n ≤ 25.
    public var exactP: Double?
}

/// The largest number of non-zero differences for which ``wilcoxonSignedRank(differences:)`` gives the
/// exact p-value.
public let wilcoxonExactLimit = 25

/// The Wilcoxon signed-rank test with SciPy's defaults (`scipy.stats.wilcoxon`, `zero_method="wilcox"`,
/// `correction=False`, two-sided).
///
/// Zero differences are dropped; |d| of the rest are ranked with midranks; W+ and W− are the rank sums of
/// the positive and negative differences. The normal approximation uses mean n(n+1)/4 and the
/// tie-corrected variance n(n+1)(2n+1)/24 − Σ(t³ − t)/48 over tie groups of size t, without continuity
/// correction (Wilcoxon 1945; Hollander, Wolfe and Chicken, *Nonparametric Statistical Methods*, 3rd ed.,
/// §3.1). The exact p-value is 2·min(P(W+ ≤ w), P(W+ ≥ w)), at most 1, from the distribution of the sum of
/// a random subset of 1…n (counted by dynamic programming), as SciPy's `method="exact"`.
public func wilcoxonSignedRank(differences: [Double]) -> WilcoxonResult {
    let nonZero = differences.filter { $0 != 0 }
    let n = nonZero.count
    let (ranks, ties) = midranks(nonZero.map { abs($0) })
    var wPlus = 0.0
    var wMinus = 0.0
    for (d, rank) in zip(nonZero, ranks) {
        if d > 0 { wPlus += rank } else { wMinus += rank }
    }
    var result = WilcoxonResult(nonZero: n, wPlus: wPlus, wMinus: wMinus, z: nil, p: nil, exactP: nil)
    guard n > 0 else { return result }
    let count = Double(n)
    let mean = count * (count + 1) / 4
    let tieCorrection = ties.reduce(0.0) { $0 + Double($1 * $1 * $1 - $1) }
    let variance = count * (count + 1) * (2 * count + 1) / 24 - tieCorrection / 48
    if variance > 0 {
        let z = (wPlus - mean) / variance.squareRoot()
        result.z = z
        result.p = StandardNormal.twoSidedP(z)
    }
    if ties.isEmpty, nonZero.count == differences.count, n <= wilcoxonExactLimit {
        result.exactP = exactSignedRankP(wPlus: Int(wPlus.rounded()), n: n)
    }
    return result
}

/// 2·min(P(W ≤ w), P(W ≥ w)) under the null distribution of W+ for n untied ranks.
private func exactSignedRankP(wPlus: Int, n: Int) -> Double {
    let maximum = n * (n + 1) / 2
    var ways = [Double](repeating: 0, count: maximum + 1)
    ways[0] = 1
    for rank in 1...n {
        for total in stride(from: maximum, through: rank, by: -1) { ways[total] += ways[total - rank] }
    }
    let all = Double(1 << n)
    let lower = ways[0...wPlus].reduce(0, +) / all
    let upper = ways[wPlus...maximum].reduce(0, +) / all
    return min(1, 2 * min(lower, upper))
}
