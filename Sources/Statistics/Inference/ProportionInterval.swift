#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// A point estimate with a two-sided confidence interval.
public struct ConfidenceInterval: Sendable, Equatable, Codable {
    /// The point estimate.
    public var estimate: Double
    /// The lower bound.
    public var low: Double
    /// The upper bound.
    public var high: Double

    /// An interval from its three numbers.
    public init(estimate: Double, low: Double, high: Double) {
        self.estimate = estimate
        self.low = low
        self.high = high
    }
}

/// The Wilson score interval for a binomial proportion, without continuity correction.
///
/// With p̂ = k/n and z = Φ⁻¹(1 − (1 − confidence)/2): centre (p̂ + z²/2n)/(1 + z²/n), half-width
/// z·√(p̂(1 − p̂)/n + z²/4n²)/(1 + z²/n), clamped to [0, 1] (Wilson 1927, "Probable inference, the law of
/// succession, and statistical inference", JASA 22; as statsmodels' `proportion_confint(method="wilson")`
/// and SciPy's `binomtest(...).proportion_ci(method="wilson")`). The estimate is p̂.
///
/// - Throws: ``StatisticsError/invalidArgument(name:value:expected:)`` for trials < 1, successes outside
///   0...trials, or a confidence outside (0, 1).
public func wilsonInterval(successes: Int, trials: Int, confidence: Double = 0.95) throws -> ConfidenceInterval {
    guard trials >= 1 else {
        throw StatisticsError.invalidArgument(name: "trials", value: String(trials), expected: "at least 1")
    }
    guard (0...trials).contains(successes) else {
        throw StatisticsError.invalidArgument(name: "successes", value: String(successes),
                                              expected: "a count between 0 and the \(trials) trials")
    }
    try validateConfidence(confidence)
    let z = StandardNormal.quantile(1 - (1 - confidence) / 2)
    let n = Double(trials)
    let p = Double(successes) / n
    let z2 = z * z
    let denominator = 1 + z2 / n
    let centre = (p + z2 / (2 * n)) / denominator
    let half = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot() / denominator
    return ConfidenceInterval(estimate: p, low: max(0, centre - half), high: min(1, centre + half))
}
