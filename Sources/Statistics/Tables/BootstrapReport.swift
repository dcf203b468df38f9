/// The result of `gait stats bootstrap`, as printed.
public struct BootstrapReport: Sendable, Equatable, Encodable {
    /// The mean of all values.
    public var estimate: Double
    /// The lower percentile bound.
    public var low: Double
    /// The upper percentile bound.
    public var high: Double
    /// Values read.
    public var n: Int
    /// Items resampled (rows sharing an `item` resample together; without that column each row is one).
    public var items: Int
    /// Resamples drawn.
    public var resamples: Int
    /// The seed of the generator.
    public var seed: UInt64
    /// The confidence level.
    public var confidence: Double

    /// One line for a terminal.
    public var text: String {
        "mean \(estimate), \(confidence * 100)% interval [\(low), \(high)] (\(n) values, \(items) items, \(resamples) resamples, seed \(seed))"
    }
}

/// Computes `gait stats bootstrap`: the percentile bootstrap interval of the mean of one column
/// (``bootstrapMeanInterval(items:resamples:seed:confidence:)``), resampling rows of the same `item`
/// together when that column exists.
///
/// - Throws: ``StatisticsError`` naming the line of a value that is not a number, or a missing column.
public func bootstrapReport(_ table: CSVTable, column: String = "value", resamples: Int = 10_000,
                            seed: UInt64 = 0, confidence: Double = 0.95) throws -> BootstrapReport {
    let valueColumn = try table.column(column)
    let itemColumn = table.optionalColumn("item")
    var items: [[Double]] = []
    var itemIndex: [String: Int] = [:]
    for record in table.records {
        let value = try table.number(record, column: valueColumn)
        if let itemColumn {
            let name = record.fields[itemColumn]
            if let i = itemIndex[name] {
                items[i].append(value)
            } else {
                itemIndex[name] = items.count
                items.append([value])
            }
        } else {
            items.append([value])
        }
    }
    guard !items.isEmpty else {
        throw StatisticsError.csv(source: table.source, line: 1, message: "the file has a header but no rows")
    }
    let interval = try bootstrapMeanInterval(items: items, resamples: resamples, seed: seed, confidence: confidence)
    return BootstrapReport(estimate: interval.estimate, low: interval.low, high: interval.high,
                           n: table.records.count, items: items.count, resamples: resamples, seed: seed,
                           confidence: confidence)
}
