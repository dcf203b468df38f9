/// The confidence level and the seeded resampling every interval and permutation test of a report uses.
public struct ResamplingSettings: Sendable, Hashable, Encodable {
    /// The confidence level of every interval (0.95 for 95%).
    public var confidence: Double
    /// Bootstrap resamples, and Monte Carlo resamples of permutation tests that are not exact.
    public var resamples: Int
    /// The seed of every resampling: the same seed gives the same intervals and p-values.
    public var seed: UInt64

    /// Settings; the defaults give 95% intervals from 2,000 resamples, seed 0.
    public init(confidence: Double = 0.95, resamples: Int = 2_000, seed: UInt64 = 0) {
        self.confidence = confidence
        self.resamples = resamples
        self.seed = seed
    }

    /// Checks the settings before any work is done.
    ///
    /// - Throws: ``EvaluationError/invalidSetting(name:value:expected:)``.
    public func validate() throws {
        guard confidence > 0, confidence < 1 else {
            throw EvaluationError.invalidSetting(name: "confidence", value: decimal(confidence),
                                                 expected: "a number between 0 and 1, such as 0.95")
        }
        guard resamples >= 1 else {
            throw EvaluationError.invalidSetting(name: "resamples", value: String(resamples), expected: "at least 1")
        }
    }
}

/// A two-sided confidence interval (the estimate it belongs to is reported next to it).
public struct Interval: Sendable, Hashable, Encodable {
    /// The lower bound.
    public var low: Double
    /// The upper bound.
    public var high: Double

    /// An interval from its bounds.
    public init(low: Double, high: Double) {
        self.low = low
        self.high = high
    }
}

/// A count of successes among trials, its share and Wilson score interval.
public struct Proportion: Sendable, Hashable, Encodable {
    /// Successes (items that passed, were accepted, answered yes).
    public var successes: Int
    /// Trials (items).
    public var trials: Int
    /// successes / trials.
    public var rate: Double
    /// The Wilson score interval of the rate.
    public var interval: Interval

    enum CodingKeys: String, CodingKey { case successes, trials, rate, low, high }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(successes, forKey: .successes)
        try c.encode(trials, forKey: .trials)
        try c.encode(rate, forKey: .rate)
        try c.encode(interval.low, forKey: .low)
        try c.encode(interval.high, forKey: .high)
    }
}
