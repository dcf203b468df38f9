/// A measured value with an optional confidence interval, as reports show it.
///
/// The interval is the one the statistics module computed (Wilson, bootstrap, …); a report does not
/// recompute it, it only draws and writes it. `lower`/`upper` are both present or both absent.
public struct ReportEstimate: Sendable, Hashable {
    /// The point estimate.
    public var value: Double
    /// The lower bound of the confidence interval, when one was computed.
    public var lower: Double?
    /// The upper bound of the confidence interval, when one was computed.
    public var upper: Double?
    /// The confidence level of the interval (0.95 for a 95% interval).
    public var level: Double?

    /// An estimate with a confidence interval.
    public init(value: Double, lower: Double, upper: Double, level: Double = 0.95) {
        self.value = value
        self.lower = lower
        self.upper = upper
        self.level = level
    }

    /// An estimate without an interval.
    public init(value: Double) {
        self.value = value
        self.lower = nil
        self.upper = nil
        self.level = nil
    }

    /// The interval as a pair, when both bounds are present.
    var interval: (lower: Double, upper: Double)? {
        guard let lower, let upper else { return nil }
        return (lower, upper)
    }
}
