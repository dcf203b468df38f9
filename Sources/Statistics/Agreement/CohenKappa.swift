/// Disagreement weights for Cohen's κ over ordered categories.
public enum KappaWeights: String, Sendable, CaseIterable, Codable {
    /// Every disagreement weighs 1 (Cohen 1960).
    case none
    /// |i − j|/(K − 1) (Cicchetti and Allison 1971).
    case linear
    /// ((i − j)/(K − 1))² (Fleiss and Cohen 1973).
    case quadratic

    /// The disagreement weight of categories at positions `i` and `j` on a scale of `count` categories.
    func weight(_ i: Int, _ j: Int, count: Int) -> Double {
        if i == j { return 0 }
        switch self {
        case .none: return 1
        case .linear: return Double(abs(i - j)) / Double(max(count - 1, 1))
        case .quadratic:
            let d = Double(i - j) / Double(max(count - 1, 1))
            return d * d
        }
    }
}

/// Cohen's κ for two raters, or the reason it is undefined.
public struct KappaResult: Sendable, Equatable {
    /// κ = (p_o − p_e)/(1 − p_e); `nil` when p_e = 1 (see ``undefinedReason``).
    public var value: Double?
    /// Why ``value`` is `nil`.
    public var undefinedReason: String?
    /// p_o, the (weighted) observed agreement: 1 − Σ w_ij o_ij / N.
    public var observedAgreement: Double
    /// p_e, the (weighted) agreement expected from the raters' marginals: 1 − Σ w_ij r_i c_j / N².
    public var expectedAgreement: Double
    /// Units rated by both raters.
    public var units: Int
}

/// Cohen's κ, unweighted or weighted, for two raters who rated the same units.
///
/// κ_w = 1 − Σ w_ij o_ij / Σ w_ij e_ij with o the observed proportions and e_ij = r_i c_j the product of
/// the marginals (Cohen 1960, "A coefficient of agreement for nominal scales"; Cohen 1968, "Weighted
/// kappa"). Unweighted κ is the case w_ij = 1 for i ≠ j, where it reduces to (p_o − p_e)/(1 − p_e).
/// Weights depend on the positions of the categories in `categoryCount` ordered categories, as in
/// scikit-learn's `cohen_kappa_score(labels=…, weights=…)`: declare the whole scale to get distances
/// on it rather than on the categories that happened to be used.
///
/// - Parameters:
///   - first: the first rater's category positions (0-based, below `categoryCount`), one per unit.
///   - second: the second rater's category positions for the same units.
///   - categoryCount: K, the number of ordered categories.
/// - Throws: ``StatisticsError`` when the lists differ in length, are empty, or hold a position outside
///   the scale.
public func cohenKappa(_ first: [Int], _ second: [Int], categoryCount: Int,
                       weights: KappaWeights = .none) throws -> KappaResult {
    guard first.count == second.count else {
        throw StatisticsError.invalidData(
            "Cohen's κ needs one pair of ratings per unit; the raters have \(first.count) and \(second.count) ratings")
    }
    guard !first.isEmpty else {
        throw StatisticsError.emptyInput("Cohen's κ needs at least one unit rated by both raters; there is none")
    }
    guard categoryCount >= 1 else {
        throw StatisticsError.invalidArgument(name: "category count", value: String(categoryCount),
                                              expected: "at least 1")
    }
    var table = [[Double]](repeating: [Double](repeating: 0, count: categoryCount), count: categoryCount)
    for (a, b) in zip(first, second) {
        guard (0..<categoryCount).contains(a), (0..<categoryCount).contains(b) else {
            throw StatisticsError.invalidArgument(name: "category position", value: String((0..<categoryCount).contains(a) ? b : a),
                                                  expected: "0..<\(categoryCount)")
        }
        table[a][b] += 1
    }
    return cohenKappa(table: table, weights: weights)
}

/// Cohen's κ from a K × K contingency table (rows: first rater, columns: second rater, in scale order).
///
/// The table must be square (a programmer error otherwise); an empty or all-zero table has no κ.
public func cohenKappa(table: [[Double]], weights: KappaWeights = .none) -> KappaResult {
    let count = table.count
    precondition(table.allSatisfy { $0.count == count }, "a Cohen's κ table must be square")
    let total = table.reduce(0) { $0 + $1.reduce(0, +) }
    guard total > 0 else {
        return KappaResult(value: nil, undefinedReason: "no unit is rated by both raters", observedAgreement: 0,
                           expectedAgreement: 0, units: 0)
    }
    var rows = [Double](repeating: 0, count: count)
    var columns = [Double](repeating: 0, count: count)
    for i in 0..<count {
        for j in 0..<count {
            rows[i] += table[i][j]
            columns[j] += table[i][j]
        }
    }
    var observed = 0.0
    var expected = 0.0
    for i in 0..<count {
        for j in 0..<count {
            let w = weights.weight(i, j, count: count)
            observed += w * table[i][j] / total
            expected += w * rows[i] * columns[j] / (total * total)
        }
    }
    var result = KappaResult(value: nil, undefinedReason: nil, observedAgreement: 1 - observed,
                             expectedAgreement: 1 - expected, units: Int(total))
    if expected > 0 {
        result.value = 1 - observed / expected
    } else {
        result.undefinedReason = "both raters used a single category, the same one, so the expected agreement is 1"
    }
    return result
}
