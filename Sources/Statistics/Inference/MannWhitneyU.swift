/// The Mann–Whitney U test of two independent samples.
public struct MannWhitneyResult: Sendable, Equatable {
    /// U₁ = R₁ − n₁(n₁ + 1)/2, the statistic of the first sample (SciPy's `statistic`).
    public var u1: Double
    /// U₂ = n₁n₂ − U₁.
    public var u2: Double
    /// z = (max(U₁, U₂) − n₁n₂/2 − 0.5)/σ; `nil` when every value is tied (σ = 0).
    public var z: Double?
    /// Two-sided p-value, 2·P(Z ≥ z), at most 1; 1 when every value is tied.
    public var p: Double
}

/// The Mann–Whitney U test, two-sided, by the normal approximation with tie correction and continuity
/// correction, as SciPy's `mannwhitneyu(x, y, use_continuity=True, alternative="two-sided",
/// method="asymptotic")`.
///
/// Ranks of the pooled sample are midranks; σ² = n₁n₂/12·((n + 1) − Σ(t³ − t)/(n(n − 1))) over tie groups
/// of size t (Mann and Whitney 1947; Hollander, Wolfe and Chicken, *Nonparametric Statistical Methods*,
/// 3rd ed., §4.1; SciPy's `_mannwhitneyu`).
///
/// - Throws: ``StatisticsError/emptyInput(_:)`` when either sample is empty.
public func mannWhitneyU(_ x: [Double], _ y: [Double]) throws -> MannWhitneyResult {
    guard !x.isEmpty, !y.isEmpty else {
        throw StatisticsError.emptyInput(
            "the Mann–Whitney test needs two non-empty samples; they have \(x.count) and \(y.count) values")
    }
    let n1 = Double(x.count), n2 = Double(y.count)
    let n = n1 + n2
    let (ranks, ties) = midranks(x + y)
    let r1 = ranks[0..<x.count].reduce(0, +)
    let u1 = r1 - n1 * (n1 + 1) / 2
    let u2 = n1 * n2 - u1
    let tieTerm = ties.reduce(0.0) { $0 + Double($1 * $1 * $1 - $1) }
    let variance = n1 * n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
    guard variance > 0 else { return MannWhitneyResult(u1: u1, u2: u2, z: nil, p: 1) }
    let z = (max(u1, u2) - n1 * n2 / 2 - 0.5) / variance.squareRoot()
    return MannWhitneyResult(u1: u1, u2: u2, z: z, p: min(1, 2 * StandardNormal.survival(z)))
}
