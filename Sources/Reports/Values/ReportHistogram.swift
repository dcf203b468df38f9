/// A distribution given as counts per bin, already aggregated by whoever gathered the facts.
///
/// Reports over a million ratings never see the ratings: the time each one took arrives here as a few
/// dozen bins.
public struct ReportHistogram: Sendable, Hashable {
    /// The unit of the bin bounds ("s").
    public var unit: String
    /// The bins in increasing order; each covers `lower ..< upper`.
    public var bins: [Bin]

    /// One bin of a histogram.
    public struct Bin: Sendable, Hashable {
        /// The inclusive lower bound.
        public var lower: Double
        /// The exclusive upper bound.
        public var upper: Double
        /// How many observations fell in the bin.
        public var count: Int

        /// A bin `lower ..< upper` holding `count` observations.
        public init(lower: Double, upper: Double, count: Int) {
            self.lower = lower
            self.upper = upper
            self.count = count
        }
    }

    /// A histogram in `unit` with the given bins.
    public init(unit: String, bins: [Bin]) {
        self.unit = unit
        self.bins = bins
    }

    /// The number of observations over all bins.
    public var total: Int { bins.reduce(0) { $0 + $1.count } }
}
