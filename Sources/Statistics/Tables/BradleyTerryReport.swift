/// The result of `gait stats bt`, as printed.
public struct BradleyTerryReport: Sendable, Equatable, Encodable {
    /// One item's strength.
    public struct Item: Sendable, Equatable, Encodable {
        /// The centred log-strength.
        public var theta: Double
        /// 1000 + 400·θ/ln 10.
        public var elo: Double
        /// Bootstrap lower bound on the θ scale; `nil` without a bootstrap.
        public var low: Double?
        /// Bootstrap upper bound on the θ scale; `nil` without a bootstrap.
        public var high: Double?

        /// Encodes with snake_case keys, writing `null` for an absent value rather than leaving the key out.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(theta, forKey: .theta)
            try c.encode(elo, forKey: .elo)
            try c.encode(low, forKey: .low)
            try c.encode(high, forKey: .high)
        }

        enum CodingKeys: String, CodingKey { case theta, elo, low, high }
    }

    /// Strengths by item name.
    public var items: [String: Item]
    /// Comparisons read.
    public var comparisons: Int
    /// Bootstrap resamples drawn (0 without a bootstrap).
    public var bootstrapResamples: Int
    /// Resamples with an estimate, on which the intervals rest.
    public var bootstrapUsed: Int

    enum CodingKeys: String, CodingKey {
        case items, comparisons, bootstrapResamples = "bootstrap_resamples", bootstrapUsed = "bootstrap_used"
    }

    /// One line per item, strongest first, for a terminal.
    public var text: String {
        items.sorted { $0.value.theta > $1.value.theta }.map { name, item in
            var line = "\(name): theta \(item.theta), elo \(item.elo)"
            if let low = item.low, let high = item.high { line += ", interval [\(low), \(high)]" }
            return line
        }.joined(separator: "\n")
    }
}

/// Computes `gait stats bt` on an `a,b,outcome` table (outcome `a`, `b` or `tie`): Bradley–Terry strengths
/// (``bradleyTerry(_:)``) and, with `bootstrap` resamples, percentile intervals
/// (``bradleyTerryIntervals(_:resamples:seed:confidence:)``).
///
/// - Throws: ``StatisticsError`` naming the line of a bad outcome or an item compared with itself, a missing
///   column, or the item whose estimate does not exist.
public func bradleyTerryReport(_ table: CSVTable, bootstrap: Int? = nil, seed: UInt64 = 0,
                               confidence: Double = 0.95) throws -> BradleyTerryReport {
    let a = try table.column("a"), b = try table.column("b"), outcome = try table.column("outcome")
    let comparisons = try table.records.map { record in
        guard let result = PairwiseOutcome(rawValue: record.fields[outcome].lowercased()) else {
            throw table.error(record, "outcome \"\(record.fields[outcome])\" is not a, b or tie")
        }
        guard !record.fields[a].isEmpty, !record.fields[b].isEmpty else {
            throw table.error(record, "an item name is empty")
        }
        guard record.fields[a] != record.fields[b] else {
            throw table.error(record, "item \"\(record.fields[a])\" is compared with itself")
        }
        return PairwiseComparison(a: record.fields[a], b: record.fields[b], outcome: result)
    }
    guard !comparisons.isEmpty else {
        throw StatisticsError.csv(source: table.source, line: 1, message: "the file has a header but no rows")
    }
    let fit = try table.attributing { try bradleyTerry(comparisons) }
    var intervals: BradleyTerryIntervals?
    if let bootstrap {
        intervals = try table.attributing {
            try bradleyTerryIntervals(comparisons, resamples: bootstrap, seed: seed, confidence: confidence)
        }
    }
    var items: [String: BradleyTerryReport.Item] = [:]
    for (i, name) in fit.items.enumerated() {
        items[name] = .init(theta: fit.theta[i], elo: fit.elo[i], low: intervals?.low[i], high: intervals?.high[i])
    }
    return BradleyTerryReport(items: items, comparisons: comparisons.count,
                              bootstrapResamples: intervals?.resamples ?? 0, bootstrapUsed: intervals?.usedResamples ?? 0)
}
