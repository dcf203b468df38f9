/// The result of `gait stats paired`, as printed.
public struct PairedReport: Sendable, Equatable, Encodable {
    /// The Wilcoxon part.
    public struct Wilcoxon: Sendable, Equatable, Encodable {
        /// W+.
        public var wPlus: Double
        /// W−.
        public var wMinus: Double
        /// z from W+ (normal approximation); `nil` without a non-zero difference.
        public var z: Double?
        /// Two-sided p of the normal approximation.
        public var p: Double?

        enum CodingKeys: String, CodingKey { case wPlus = "w_plus", wMinus = "w_minus", z, p }

        /// Encodes with snake_case keys, writing `null` for an absent value rather than leaving the key out.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(wPlus, forKey: .wPlus)
            try c.encode(wMinus, forKey: .wMinus)
            try c.encode(z, forKey: .z)
            try c.encode(p, forKey: .p)
        }
    }

    /// Pairs.
    public var n: Int
    /// Pairs whose difference is not zero.
    public var nNonZero: Int
    /// mean(x − y).
    public var meanDifference: Double
    /// The Wilcoxon signed-rank test.
    public var wilcoxon: Wilcoxon
    /// The exact Wilcoxon p-value; `nil` with ties, zeros or more than 25 non-zero differences.
    public var wilcoxonExactP: Double?
    /// The sign-flip permutation p-value.
    public var signFlipP: Double
    /// Whether the sign-flip test enumerated every assignment.
    public var signFlipExact: Bool

    enum CodingKeys: String, CodingKey {
        case n, nNonZero = "n_nonzero", meanDifference = "mean_difference", wilcoxon
        case wilcoxonExactP = "wilcoxon_exact_p", signFlipP = "sign_flip_p", signFlipExact = "sign_flip_exact"
    }

    /// Encodes with snake_case keys, writing `null` for an absent value rather than leaving the key out.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(n, forKey: .n)
        try c.encode(nNonZero, forKey: .nNonZero)
        try c.encode(meanDifference, forKey: .meanDifference)
        try c.encode(wilcoxon, forKey: .wilcoxon)
        try c.encode(wilcoxonExactP, forKey: .wilcoxonExactP)
        try c.encode(signFlipP, forKey: .signFlipP)
        try c.encode(signFlipExact, forKey: .signFlipExact)
    }

    /// A few lines for a terminal.
    public var text: String {
        func show(_ x: Double?) -> String { x.map { String($0) } ?? "undefined" }
        return """
            pairs: \(n), non-zero differences: \(nNonZero), mean difference (x - y): \(meanDifference)
            Wilcoxon signed-rank: W+ = \(wilcoxon.wPlus), W- = \(wilcoxon.wMinus), z = \(show(wilcoxon.z)), p = \(show(wilcoxon.p)), exact p = \(show(wilcoxonExactP))
            sign-flip permutation: p = \(signFlipP) (\(signFlipExact ? "exact" : "Monte Carlo"))
            """
    }
}

/// Computes `gait stats paired` on an `x,y` table: differences x − y, the Wilcoxon signed-rank test
/// (``wilcoxonSignedRank(differences:)``) and the sign-flip test (``signFlipTest(differences:resamples:seed:)``).
///
/// - Throws: ``StatisticsError`` naming the line of a value that is not a number, a missing column or no rows.
public func pairedReport(_ table: CSVTable, resamples: Int = 10_000, seed: UInt64 = 0) throws -> PairedReport {
    let x = try table.column("x"), y = try table.column("y")
    let differences = try table.records.map { try table.number($0, column: x) - table.number($0, column: y) }
    guard !differences.isEmpty else {
        throw StatisticsError.csv(source: table.source, line: 1, message: "the file has a header but no rows")
    }
    let wilcoxon = wilcoxonSignedRank(differences: differences)
    let signFlip = try signFlipTest(differences: differences, resamples: resamples, seed: seed)
    return PairedReport(
        n: differences.count, nNonZero: wilcoxon.nonZero,
        meanDifference: differences.reduce(0, +) / Double(differences.count),
        wilcoxon: .init(wPlus: wilcoxon.wPlus, wMinus: wilcoxon.wMinus, z: wilcoxon.z, p: wilcoxon.p),
        wilcoxonExactP: wilcoxon.exactP, signFlipP: signFlip.p, signFlipExact: signFlip.exact)
}
