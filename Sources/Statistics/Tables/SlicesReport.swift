/// The result of `gait stats slices`, as printed.
public struct SlicesReport: Sendable, Equatable, Encodable {
    /// One slice's comparison with the reference.
    public struct Slice: Sendable, Equatable, Encodable {
        /// The numbers, as ``SliceComparison``.
        public var comparison: SliceComparison

        enum CodingKeys: String, CodingKey {
            case n, mean, normMean = "norm_mean", passRate = "pass_rate", normMeanRatio = "norm_mean_ratio"
            case passRateRatio = "pass_rate_ratio", fourFifthsFlag = "four_fifths_flag"
            case mannWhitneyP = "mann_whitney_p", permutationP = "permutation_p", holmP = "holm_p"
            case reference
        }

        /// Encodes with snake_case keys, writing `null` for an absent value rather than leaving the key out.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(comparison.n, forKey: .n)
            try c.encode(comparison.mean, forKey: .mean)
            try c.encode(comparison.normalizedMean, forKey: .normMean)
            try c.encode(comparison.passRate, forKey: .passRate)
            try c.encode(comparison.normalizedMeanRatio, forKey: .normMeanRatio)
            try c.encode(comparison.passRateRatio, forKey: .passRateRatio)
            try c.encode(comparison.fourFifthsFlag, forKey: .fourFifthsFlag)
            try c.encode(comparison.mannWhitneyP, forKey: .mannWhitneyP)
            try c.encode(comparison.permutationP, forKey: .permutationP)
            try c.encode(comparison.holmP, forKey: .holmP)
            try c.encode(comparison.isReference, forKey: .reference)
        }
    }

    /// The reference slice.
    public var reference: String
    /// The comparisons by slice name.
    public var slices: [String: Slice]

    /// One line per slice for a terminal.
    public var text: String {
        slices.sorted { $0.key < $1.key }.map { name, slice in
            let c = slice.comparison
            func show(_ x: Double?) -> String { x.map { String($0) } ?? "-" }
            return "\(name)\(c.isReference ? " (reference)" : ""): n \(c.n), mean \(c.mean), norm mean \(c.normalizedMean), pass rate \(c.passRate), ratios \(show(c.normalizedMeanRatio))/\(show(c.passRateRatio))\(c.fourFifthsFlag ? " FOUR-FIFTHS" : ""), Mann-Whitney p \(show(c.mannWhitneyP)), permutation p \(show(c.permutationP)), Holm p \(show(c.holmP))"
        }.joined(separator: "\n")
    }
}

/// Computes `gait stats slices` on a `slice,value` table (``compareSlices(_:reference:scale:resamples:seed:)``).
///
/// - Throws: ``StatisticsError`` naming the line of a value that is not a number or is outside the scale, a
///   missing column, or a reference slice without values.
public func slicesReport(_ table: CSVTable, reference: String, scale: QualityScale, resamples: Int = 9_999,
                         seed: UInt64 = 0) throws -> SlicesReport {
    let slice = try table.column("slice"), value = try table.column("value")
    var values: [String: [Double]] = [:]
    for record in table.records {
        let v = try table.number(record, column: value)
        guard v >= scale.minimum, v <= scale.maximum else {
            throw table.error(record, "value \(record.fields[value]) is outside the scale \(formatted(scale.minimum))…\(formatted(scale.maximum))")
        }
        values[record.fields[slice], default: []].append(v)
    }
    guard !values.isEmpty else {
        throw StatisticsError.csv(source: table.source, line: 1, message: "the file has a header but no rows")
    }
    let rows = try table.attributing {
        try compareSlices(values, reference: reference, scale: scale, resamples: resamples, seed: seed)
    }
    return SlicesReport(reference: reference,
                        slices: Dictionary(uniqueKeysWithValues: rows.map { ($0.slice, .init(comparison: $0)) }))
}
