/// One slice's quality compared with the reference slice.
public struct SliceComparison: Sendable, Equatable {
    /// The slice.
    public var slice: String
    /// Whether this is the reference slice.
    public var isReference: Bool
    /// Values in the slice.
    public var n: Int
    /// Mean value.
    public var mean: Double
    /// Mean of (v − min)/(max − min) on the declared scale.
    public var normalizedMean: Double
    /// Share of values ≥ the pass threshold.
    public var passRate: Double
    /// normalizedMean / the reference's; `nil` when the reference's is 0.
    public var normalizedMeanRatio: Double?
    /// passRate / the reference's; `nil` when the reference's is 0.
    public var passRateRatio: Double?
    /// Whether either ratio is below 0.8 (quality is higher-is-better, so only the lower side counts).
    public var fourFifthsFlag: Bool
    /// Two-sided Mann–Whitney p-value against the reference (normal approximation); `nil` for the reference.
    public var mannWhitneyP: Double?
    /// Two-sided permutation p-value of the difference in means against the reference; `nil` for the reference.
    public var permutationP: Double?
    /// Holm-adjusted Mann–Whitney p-value over the non-reference slices; `nil` for the reference.
    public var holmP: Double?
}

/// The rating scale of a quality criterion and its pass threshold.
public struct QualityScale: Sendable, Equatable {
    /// The lowest value of the scale.
    public var minimum: Double
    /// The highest value of the scale.
    public var maximum: Double
    /// A value passes when it is at least this.
    public var passThreshold: Double

    /// A scale `minimum...maximum` with a pass threshold.
    public init(minimum: Double, maximum: Double, passThreshold: Double) {
        self.minimum = minimum
        self.maximum = maximum
        self.passThreshold = passThreshold
    }
}

/// Compares the quality of each slice with a reference slice: the per-slice part of the bias audit.
///
/// For each slice: n, mean, normalized mean (v − min)/(max − min), pass rate (v ≥ threshold), their ratios
/// to the reference slice, the four-fifths flag when either ratio is below 0.8 (EEOC Uniform Guidelines,
/// 29 CFR 1607.4(D), read one-sided because higher quality is better), the two-sided Mann–Whitney p-value
/// (``mannWhitneyU(_:_:)``, normal approximation) and permutation p-value
/// (``twoSamplePermutationTest(_:_:resamples:seed:)``) of the slice against the reference, and the Holm
/// adjustment of the Mann–Whitney p-values over the non-reference slices (``adjustPValues(_:method:)``).
/// Slices come back sorted by name.
///
/// - Parameter values: each slice's values.
/// - Throws: ``StatisticsError`` when the scale is empty (min ≥ max), a value is outside it, the reference
///   slice has no value, or a slice is empty.
public func compareSlices(_ values: [String: [Double]], reference: String, scale: QualityScale,
                          resamples: Int = 9_999, seed: UInt64 = 0) throws -> [SliceComparison] {
    guard scale.minimum < scale.maximum else {
        throw StatisticsError.invalidArgument(
            name: "scale", value: "\(formatted(scale.minimum)),\(formatted(scale.maximum))",
            expected: "MIN,MAX with MIN < MAX")
    }
    guard let referenceValues = values[reference], !referenceValues.isEmpty else {
        throw StatisticsError.invalidData(
            "reference slice \"\(reference)\" has no values; the slices are \(values.keys.sorted().map { "\"\($0)\"" }.joined(separator: ", "))")
    }
    for (slice, sliceValues) in values {
        if sliceValues.isEmpty { throw StatisticsError.invalidData("slice \"\(slice)\" has no values") }
        if let outside = sliceValues.first(where: { !($0 >= scale.minimum && $0 <= scale.maximum) }) {
            throw StatisticsError.invalidData(
                "value \(formatted(outside)) in slice \"\(slice)\" is outside the scale \(formatted(scale.minimum))…\(formatted(scale.maximum))")
        }
    }
    func summary(_ v: [Double]) -> (mean: Double, normalized: Double, pass: Double, passes: Int) {
        let mean = v.reduce(0, +) / Double(v.count)
        let normalized = v.reduce(0) { $0 + ($1 - scale.minimum) / (scale.maximum - scale.minimum) } / Double(v.count)
        let passes = v.filter { $0 >= scale.passThreshold }.count
        return (mean, normalized, Double(passes) / Double(v.count), passes)
    }
    let base = summary(referenceValues)
    var rows: [SliceComparison] = []
    for slice in values.keys.sorted() {
        let v = values[slice] ?? []
        let s = summary(v)
        let isReference = slice == reference
        let normalizedRatio = base.normalized == 0 ? nil : s.normalized / base.normalized
        // One division of integers, so that a ratio of exactly 4/5 is not a rounding error below 0.8.
        let passRatio = base.passes == 0
            ? nil : Double(s.passes * referenceValues.count) / Double(v.count * base.passes)
        var row = SliceComparison(
            slice: slice, isReference: isReference, n: v.count, mean: s.mean, normalizedMean: s.normalized,
            passRate: s.pass, normalizedMeanRatio: normalizedRatio, passRateRatio: passRatio,
            fourFifthsFlag: [normalizedRatio, passRatio].contains { ($0 ?? 1) < fairnessBand.lowerBound },
            mannWhitneyP: nil, permutationP: nil, holmP: nil)
        if !isReference {
            row.mannWhitneyP = try mannWhitneyU(v, referenceValues).p
            row.permutationP = try twoSamplePermutationTest(v, referenceValues, resamples: resamples, seed: seed).p
        }
        rows.append(row)
    }
    let tested = rows.indices.filter { !rows[$0].isReference }
    let adjusted = try adjustPValues(tested.compactMap { rows[$0].mannWhitneyP }, method: .holm)
    for (i, p) in zip(tested, adjusted) { rows[i].holmP = p }
    return rows
}
