/// Gwet's AC1 agreement coefficient, or the reason it is undefined.
public struct AC1Result: Sendable, Equatable {
    /// AC1 = (p_a − p_e)/(1 − p_e); `nil` when undefined.
    public var value: Double?
    /// Why ``value`` is `nil`.
    public var undefinedReason: String?
    /// p_a, the observed agreement over units with two or more ratings.
    public var observedAgreement: Double?
    /// p_e = Σ_k π_k(1 − π_k)/(q − 1), the chance agreement.
    public var expectedAgreement: Double?
    /// Units with two or more ratings.
    public var pairableUnits: Int
}

/// Gwet's first-order agreement coefficient AC1 for any number of raters, with missing ratings, from a
/// units × categories table of counts (r_ik raters put unit i in category k).
///
/// p_a = mean over units with r_i ≥ 2 of Σ_k r_ik(r_ik − 1)/(r_i(r_i − 1)); π_k = mean over all rated
/// units of r_ik/r_i; p_e = Σ_k π_k(1 − π_k)/(q − 1) with q the number of categories on the scale
/// (Gwet 2008, "Computing inter-rater reliability and its variance in the presence of high agreement",
/// Br. J. Math. Stat. Psychol. 61; Gwet, *Handbook of Inter-Rater Reliability*, 4th ed., 2014, ch. 4;
/// irrCAC's `gwet.ac1.raw`). The columns of `counts` are the q categories, used or not.
public func gwetAC1(counts: [[Int]]) throws -> AC1Result {
    let categories = counts.first?.count ?? 0
    for (i, row) in counts.enumerated() {
        guard row.count == categories else {
            throw StatisticsError.invalidData("row \(i + 1) has \(row.count) categories but row 1 has \(categories)")
        }
        if let negative = row.first(where: { $0 < 0 }) {
            throw StatisticsError.invalidData("row \(i + 1) has a negative count \(negative)")
        }
    }
    let rated = counts.filter { $0.reduce(0, +) > 0 }
    let pairable = rated.filter { $0.reduce(0, +) >= 2 }
    var result = AC1Result(value: nil, undefinedReason: nil, observedAgreement: nil, expectedAgreement: nil,
                           pairableUnits: pairable.count)
    guard categories >= 2 else {
        result.undefinedReason = "AC1 needs a scale of at least two categories; there is \(categories)"
        return result
    }
    guard !pairable.isEmpty else {
        result.undefinedReason = "no unit has two or more ratings, so there is no pair to compare"
        return result
    }
    var observed = 0.0
    for row in pairable {
        let r = Double(row.reduce(0, +))
        observed += row.reduce(0.0) { $0 + Double($1) * Double($1 - 1) } / (r * (r - 1))
    }
    observed /= Double(pairable.count)
    var shares = [Double](repeating: 0, count: categories)
    for row in rated {
        let r = Double(row.reduce(0, +))
        for (k, count) in row.enumerated() { shares[k] += Double(count) / r }
    }
    let expected = shares.reduce(0.0) { total, share in
        let pi = share / Double(rated.count)
        return total + pi * (1 - pi)
    } / Double(categories - 1)
    result.observedAgreement = observed
    result.expectedAgreement = expected
    result.value = (observed - expected) / (1 - expected)
    return result
}
