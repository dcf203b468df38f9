/// Fleiss' κ for a fixed number of raters per unit, with κ for each category.
public struct FleissKappaResult: Sendable, Equatable {
    /// κ = (P̄ − P̄_e)/(1 − P̄_e); `nil` when P̄_e = 1.
    public var value: Double?
    /// Why ``value`` is `nil`.
    public var undefinedReason: String?
    /// κ_j for each category: agreement on that category against the rest; `nil` where p_j is 0 or 1.
    public var perCategory: [Double?]
    /// p_j, the share of all ratings in category j.
    public var categoryShares: [Double]
    /// P_i, the agreement within each unit.
    public var unitAgreement: [Double]
    /// P̄, the mean of P_i.
    public var meanAgreement: Double
    /// P̄_e = Σ p_j².
    public var expectedAgreement: Double
    /// n, the raters per unit.
    public var ratersPerUnit: Int
}

/// Fleiss' κ from a units × categories table of counts (how many raters put unit i in category j).
///
/// P_i = (Σ_j n_ij² − n)/(n(n − 1)), P̄ = mean P_i, p_j = Σ_i n_ij/(N n), P̄_e = Σ p_j²,
/// κ = (P̄ − P̄_e)/(1 − P̄_e) (Fleiss 1971, "Measuring nominal scale agreement among many raters",
/// Psychological Bulletin 76(5)). Per category κ_j = 1 − Σ_i n_ij(n − n_ij)/(N n (n − 1) p_j (1 − p_j))
/// (Fleiss, Levin and Paik, *Statistical Methods for Rates and Proportions*, 3rd ed., eq. 18.17).
///
/// - Parameter unitNames: names for the units in error messages (default: "row 1", "row 2", …).
/// - Throws: ``StatisticsError`` when units have different numbers of ratings (Fleiss' κ requires the same
///   number; Krippendorff's α does not), fewer than two ratings, or the table is empty.
public func fleissKappa(counts: [[Int]], unitNames: [String]? = nil) throws -> FleissKappaResult {
    func name(_ i: Int) -> String {
        if let unitNames, i < unitNames.count { return "unit \"\(unitNames[i])\"" }
        return "row \(i + 1)"
    }
    guard let first = counts.first else {
        throw StatisticsError.emptyInput("Fleiss' κ needs at least one unit; there is none")
    }
    let raters = first.reduce(0, +)
    for (i, row) in counts.enumerated() {
        if let negative = row.first(where: { $0 < 0 }) {
            throw StatisticsError.invalidData("\(name(i)) has a negative count \(negative)")
        }
        let n = row.reduce(0, +)
        guard n == raters else {
            throw StatisticsError.invalidData(
                "Fleiss' κ needs the same number of ratings for every unit, but \(name(0)) has \(raters) and \(name(i)) has \(n); use Krippendorff's α (--metric alpha), which allows missing ratings")
        }
        guard row.count == first.count else {
            throw StatisticsError.invalidData("\(name(i)) has \(row.count) categories but \(name(0)) has \(first.count)")
        }
    }
    guard raters >= 2 else {
        throw StatisticsError.invalidData("Fleiss' κ needs at least two ratings per unit; \(name(0)) has \(raters)")
    }
    let units = Double(counts.count)
    let n = Double(raters)
    let categories = first.count
    var shares = [Double](repeating: 0, count: categories)
    var unitAgreement: [Double] = []
    var disagreementByCategory = [Double](repeating: 0, count: categories)
    for row in counts {
        var squares = 0.0
        for (j, count) in row.enumerated() {
            let c = Double(count)
            shares[j] += c
            squares += c * c
            disagreementByCategory[j] += c * (n - c)
        }
        unitAgreement.append((squares - n) / (n * (n - 1)))
    }
    shares = shares.map { $0 / (units * n) }
    let meanAgreement = unitAgreement.reduce(0, +) / units
    let expected = shares.reduce(0) { $0 + $1 * $1 }
    let perCategory: [Double?] = (0..<categories).map { j in
        let p = shares[j]
        guard p > 0, p < 1 else { return nil }
        return 1 - disagreementByCategory[j] / (units * n * (n - 1) * p * (1 - p))
    }
    var result = FleissKappaResult(value: nil, undefinedReason: nil, perCategory: perCategory,
                                   categoryShares: shares, unitAgreement: unitAgreement,
                                   meanAgreement: meanAgreement, expectedAgreement: expected,
                                   ratersPerUnit: raters)
    if expected < 1 {
        result.value = (meanAgreement - expected) / (1 - expected)
    } else {
        result.undefinedReason = "every rating is in the same category, so the expected agreement is 1"
    }
    return result
}
