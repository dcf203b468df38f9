/// The result of `gait stats adjust`, as printed.
public struct AdjustReport: Sendable, Equatable, Encodable {
    /// The method used.
    public var method: PValueAdjustment
    /// The significance level.
    public var alpha: Double
    /// The p-values as given.
    public var p: [Double]
    /// The adjusted p-values, in the same order.
    public var adjusted: [Double]
    /// Whether each hypothesis is rejected (adjusted p ≤ α).
    public var reject: [Bool]

    /// One line per p-value for a terminal.
    public var text: String {
        zip(p, zip(adjusted, reject)).map { "\($0) -> \($1.0)\($1.1 ? " reject" : "")" }.joined(separator: "\n")
    }
}

/// Computes `gait stats adjust` (``adjustPValues(_:method:)``).
///
/// - Throws: ``StatisticsError`` for no p-value, one outside [0, 1], or α outside (0, 1).
public func adjustReport(_ pValues: [Double], method: PValueAdjustment, alpha: Double = 0.05) throws -> AdjustReport {
    guard !pValues.isEmpty else { throw StatisticsError.emptyInput("no p-value to adjust; give them with --p 0.01,0.2") }
    guard alpha > 0, alpha < 1 else {
        throw StatisticsError.invalidArgument(name: "alpha", value: formatted(alpha), expected: "a number strictly between 0 and 1")
    }
    let adjusted = try adjustPValues(pValues, method: method)
    return AdjustReport(method: method, alpha: alpha, p: pValues, adjusted: adjusted, reject: adjusted.map { $0 <= alpha })
}
