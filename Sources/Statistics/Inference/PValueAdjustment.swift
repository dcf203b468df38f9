/// A correction of p-values for multiple comparisons.
public enum PValueAdjustment: String, Sendable, CaseIterable, Codable {
    /// Holm's step-down method (family-wise error rate).
    case holm
    /// Benjamini–Hochberg step-up method (false discovery rate).
    case bh
    /// Bonferroni: p·m.
    case bonferroni
}

/// Adjusted p-values, in the order given, as statsmodels' `multipletests` and R's `p.adjust`.
///
/// With m p-values sorted ascending p₍₁₎ ≤ … ≤ p₍ₘ₎:
/// - Bonferroni: min(1, m·p);
/// - Holm: max over j ≤ i of min(1, (m − j + 1)·p₍ⱼ₎) (Holm 1979, "A simple sequentially rejective multiple
///   test procedure", Scand. J. Stat. 6);
/// - Benjamini–Hochberg: min over j ≥ i of min(1, m·p₍ⱼ₎/j) (Benjamini and Hochberg 1995, JRSS B 57).
/// A hypothesis is rejected when its adjusted p-value is at most α.
///
/// - Throws: ``StatisticsError/invalidArgument(name:value:expected:)`` for a p-value outside [0, 1].
public func adjustPValues(_ pValues: [Double], method: PValueAdjustment) throws -> [Double] {
    for p in pValues where !(0...1).contains(p) {
        throw StatisticsError.invalidArgument(name: "p-value", value: String(p), expected: "a number between 0 and 1")
    }
    let m = pValues.count
    let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
    var adjusted = [Double](repeating: 0, count: m)
    switch method {
    case .bonferroni:
        for i in 0..<m { adjusted[i] = min(1, Double(m) * pValues[i]) }
    case .holm:
        var running = 0.0
        for (rank, i) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * pValues[i]))
            adjusted[i] = running
        }
    case .bh:
        var running = 1.0
        for (rank, i) in order.enumerated().reversed() {
            running = min(running, min(1, pValues[i] * (Double(m) / Double(rank + 1))))
            adjusted[i] = running
        }
    }
    return adjusted
}
