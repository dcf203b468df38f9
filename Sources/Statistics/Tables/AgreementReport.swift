/// The agreement coefficient `gait stats agreement` computes.
public enum AgreementMetric: String, Sendable, CaseIterable, Codable {
    /// Krippendorff's α.
    case alpha
    /// Cohen's κ (two raters).
    case cohen
    /// Fleiss' κ (the same number of raters per unit).
    case fleiss
    /// Gwet's AC1.
    case ac1
}

/// What to compute from a `unit,rater,value` table.
public struct AgreementRequest: Sendable, Equatable {
    /// The coefficient.
    public var metric: AgreementMetric
    /// The level of measurement (α only, ignored by Cohen's κ; default interval, as the `krippendorff` package).
    public var level: MeasurementLevel?
    /// The weights (Cohen's κ only, ignored by α; default none).
    public var weights: KappaWeights?
    /// A declared, ordered scale of categories; otherwise the categories the raters used.
    public var categories: [String]?

    /// A request for `metric` with its options.
    public init(metric: AgreementMetric, level: MeasurementLevel? = nil, weights: KappaWeights? = nil,
                categories: [String]? = nil) {
        self.metric = metric
        self.level = level
        self.weights = weights
        self.categories = categories
    }

    /// Refuses options that mean nothing for the metric: a level or weights with Fleiss' κ or AC1, which
    /// count nominal categories. (Cohen's κ ignores a level, since its weights say how categories differ, and
    /// α ignores weights, since its level does; scripts that pass both to every metric keep working.)
    ///
    /// - Throws: ``StatisticsError/invalidArgument(name:value:expected:)``.
    public func validate() throws {
        let nominalOnly = metric == .fleiss || metric == .ac1
        if let level, nominalOnly {
            throw StatisticsError.invalidArgument(
                name: "--level", value: level.rawValue,
                expected: "no --level with --metric \(metric.rawValue): it counts nominal categories (a level belongs to --metric alpha)")
        }
        if let weights, nominalOnly {
            throw StatisticsError.invalidArgument(
                name: "--weights", value: weights.rawValue,
                expected: "no --weights with --metric \(metric.rawValue): it counts nominal categories (weights belong to --metric cohen)")
        }
        if let categories {
            if categories.isEmpty || categories.contains(where: \.isEmpty) {
                throw StatisticsError.invalidArgument(name: "--categories", value: categories.joined(separator: ","),
                                                      expected: "a comma-separated list of non-empty categories")
            }
            if let duplicate = categories.first(where: { c in categories.filter { $0 == c }.count > 1 }) {
                throw StatisticsError.invalidArgument(name: "--categories", value: categories.joined(separator: ","),
                                                      expected: "each category once; \"\(duplicate)\" is repeated")
            }
        }
    }
}

/// The result of `gait stats agreement`, as printed.
public struct AgreementReport: Sendable, Equatable, Encodable {
    /// The coefficient computed.
    public var metric: AgreementMetric
    /// The level of measurement (α), else `nil`.
    public var level: MeasurementLevel?
    /// The weights (Cohen's κ), else `nil`.
    public var weights: KappaWeights?
    /// The coefficient; `nil` when undefined, with ``reason``.
    public var value: Double?
    /// Why ``value`` is `nil`.
    public var reason: String?
    /// Units in the file.
    public var units: Int
    /// Units that enter the coefficient (two or more ratings; for Cohen's κ, rated by both raters).
    public var pairableUnits: Int
    /// Raters in the file.
    public var raters: Int
    /// The categories in scale order, where the metric uses categories.
    public var categories: [String]?
    /// D_o and D_e (α).
    public var observedDisagreement: Double?
    /// D_e (α).
    public var expectedDisagreement: Double?
    /// Observed agreement p_o, P̄ or p_a (κ, AC1).
    public var observedAgreement: Double?
    /// Chance agreement p_e, P̄_e (κ, AC1).
    public var expectedAgreement: Double?
    /// Fleiss' κ per category, in the order of ``categories``.
    public var perCategory: [Double?]?

    enum CodingKeys: String, CodingKey {
        case metric, level, weights, value, reason, units, pairableUnits = "pairable_units", raters, categories
        case observedDisagreement = "observed_disagreement", expectedDisagreement = "expected_disagreement"
        case observedAgreement = "observed_agreement", expectedAgreement = "expected_agreement"
        case perCategory = "per_category"
    }

    /// Encodes with snake_case keys, writing `null` for an absent value rather than leaving the key out.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(metric, forKey: .metric)
        try c.encode(level, forKey: .level)
        try c.encode(value, forKey: .value)
        try c.encodeIfPresent(reason, forKey: .reason)
        try c.encode(units, forKey: .units)
        try c.encode(pairableUnits, forKey: .pairableUnits)
        try c.encode(raters, forKey: .raters)
        try c.encodeIfPresent(weights, forKey: .weights)
        try c.encodeIfPresent(categories, forKey: .categories)
        try c.encodeIfPresent(observedDisagreement, forKey: .observedDisagreement)
        try c.encodeIfPresent(expectedDisagreement, forKey: .expectedDisagreement)
        try c.encodeIfPresent(observedAgreement, forKey: .observedAgreement)
        try c.encodeIfPresent(expectedAgreement, forKey: .expectedAgreement)
        if let perCategory, let categories {
            try c.encode(Dictionary(uniqueKeysWithValues: zip(categories, perCategory)), forKey: .perCategory)
        }
    }

    /// A few lines for a terminal.
    public var text: String {
        var name: String
        switch metric {
        case .alpha: name = "Krippendorff's alpha (\((level ?? .interval).rawValue))"
        case .cohen: name = "Cohen's kappa" + (weights.map { $0 == .none ? "" : " (\($0.rawValue) weights)" } ?? "")
        case .fleiss: name = "Fleiss' kappa"
        case .ac1: name = "Gwet's AC1"
        }
        var lines = ["\(name): " + (value.map { String($0) } ?? "undefined (\(reason ?? ""))")]
        lines.append("units: \(units), pairable units: \(pairableUnits), raters: \(raters)")
        if let categories, let perCategory {
            for (category, kappa) in zip(categories, perCategory) {
                lines.append("  \(category): " + (kappa.map { String($0) } ?? "undefined"))
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// Computes `gait stats agreement` on a `unit,rater,value` table.
///
/// Krippendorff's α (``krippendorffAlpha(_:level:)``) reads numbers at the interval and ratio levels,
/// numbers or declared categories (by position) at the ordinal level, and any labels at the nominal
/// level. Cohen's κ (``cohenKappa(_:_:categoryCount:weights:)``) needs exactly two raters and uses the
/// units both rated, over the declared categories or those either rater used (weighted κ needs numbers
/// or declared categories to order them). Fleiss' κ (``fleissKappa(counts:unitNames:)``) and Gwet's AC1
/// (``gwetAC1(counts:)``) count ratings per unit and category.
///
/// - Throws: ``StatisticsError`` naming the line of a bad value, or explaining why the metric does not
///   apply to the data.
public func agreementReport(_ table: CSVTable, _ request: AgreementRequest) throws -> AgreementReport {
    try request.validate()
    return try table.attributing { try agreement(table, request) }
}

private func agreement(_ table: CSVTable, _ request: AgreementRequest) throws -> AgreementReport {
    let data = try RatingsTable(table)
    var report = AgreementReport(metric: request.metric, level: nil, weights: nil, value: nil, reason: nil,
                                 units: data.units.count, pairableUnits: 0, raters: data.raters.count)
    let declared = request.categories.map(CategoryScale.init(labels:))
    func position(_ rating: RatingsTable.Rating, in scale: CategoryScale) throws -> Int {
        guard let p = scale.position(of: rating.value) else {
            throw StatisticsError.csv(
                source: table.source, line: rating.line,
                message: "value \"\(rating.value)\" is not one of the categories \(scale.labels.joined(separator: ","))")
        }
        return p
    }
    switch request.metric {
    case .alpha:
        let level = request.level ?? .interval
        report.level = level
        let values = try alphaValues(data, level: level, declared: declared, table: table)
        var reliability = ReliabilityData()
        for u in 0..<data.units.count {
            reliability.appendUnit(data.byUnit[data.unitStarts[u]..<data.unitStarts[u + 1]].lazy.map { values[$0] })
        }
        let result = try krippendorffAlpha(reliability, level: level)
        report.value = result.value
        report.reason = result.undefinedReason
        report.pairableUnits = result.pairableUnits
        report.observedDisagreement = result.observedDisagreement
        report.expectedDisagreement = result.expectedDisagreement
    case .cohen:
        let weights = request.weights ?? .none
        report.weights = weights
        guard data.raters.count == 2 else {
            throw StatisticsError.invalidData(
                "Cohen's κ compares two raters, but the file has \(data.raters.count) (\(data.raters.map { "\"\($0)\"" }.joined(separator: ", "))); use --metric fleiss or --metric alpha for more")
        }
        let scale = try scaleFor(data, declared: declared, needsOrder: weights != .none, table: table,
                                 what: "weighted κ")
        var pairs = [[Int?]](repeating: [nil, nil], count: data.units.count)
        for rating in data.ratings { pairs[rating.unit][rating.rater] = try position(rating, in: scale) }
        let both = pairs.compactMap { pair -> (Int, Int)? in
            guard let a = pair[0], let b = pair[1] else { return nil }
            return (a, b)
        }
        report.categories = scale.labels
        report.pairableUnits = both.count
        guard !both.isEmpty else {
            report.reason = "no unit is rated by both raters"
            return report
        }
        let result = try cohenKappa(both.map(\.0), both.map(\.1), categoryCount: scale.labels.count, weights: weights)
        report.value = result.value
        report.reason = result.undefinedReason
        report.observedAgreement = result.observedAgreement
        report.expectedAgreement = result.expectedAgreement
    case .fleiss, .ac1:
        let scale = try scaleFor(data, declared: declared, needsOrder: false, table: table, what: "")
        var counts = [[Int]](repeating: [Int](repeating: 0, count: scale.labels.count), count: data.units.count)
        for rating in data.ratings { counts[rating.unit][try position(rating, in: scale)] += 1 }
        report.categories = scale.labels
        if request.metric == .fleiss {
            let rated = counts.indices.filter { counts[$0].reduce(0, +) > 0 }
            let result = try fleissKappa(counts: rated.map { counts[$0] }, unitNames: rated.map { data.units[$0] })
            report.value = result.value
            report.reason = result.undefinedReason
            report.pairableUnits = rated.count
            report.observedAgreement = result.meanAgreement
            report.expectedAgreement = result.expectedAgreement
            report.perCategory = result.perCategory
        } else {
            let result = try gwetAC1(counts: counts)
            report.value = result.value
            report.reason = result.undefinedReason
            report.pairableUnits = result.pairableUnits
            report.observedAgreement = result.observedAgreement
            report.expectedAgreement = result.expectedAgreement
        }
    }
    return report
}

/// The declared categories, or those observed (refusing unordered labels where an order is needed).
private func scaleFor(_ data: RatingsTable, declared: CategoryScale?, needsOrder: Bool, table: CSVTable,
                      what: String) throws -> CategoryScale {
    if let declared { return declared }
    let (scale, ordered) = CategoryScale.observed(data.ratings.map(\.value))
    if needsOrder, !ordered, let label = data.ratings.first(where: { Double($0.value) == nil }) {
        throw StatisticsError.csv(
                source: table.source, line: label.line,
                message: "value \"\(label.value)\" is not a number, so \(what) cannot order the categories; give them in order with --categories")
    }
    return scale
}

/// The number α compares for each rating: declared categories by position (numbers keep their value at the
/// interval and ratio levels), numbers as they are, and at the nominal level labels by their position in
/// the sorted list of labels.
private func alphaValues(_ data: RatingsTable, level: MeasurementLevel, declared: CategoryScale?,
                         table: CSVTable) throws -> [Double] {
    if let declared {
        return try data.ratings.map { rating in
            guard let p = declared.position(of: rating.value) else {
                throw StatisticsError.csv(
                source: table.source, line: rating.line,
                message: "value \"\(rating.value)\" is not one of the categories \(declared.labels.joined(separator: ","))")
            }
            if level == .interval || level == .ratio, let number = Double(rating.value) { return number }
            return Double(p)
        }
    }
    if level == .nominal {
        let (scale, ordered) = CategoryScale.observed(data.ratings.map(\.value))
        if !ordered { return data.ratings.map { Double(scale.position(of: $0.value) ?? 0) } }
    }
    return try data.ratings.map { rating in
        guard let number = Double(rating.value), number.isFinite else {
            let hint = level == .ordinal
                ? "ordinal α orders numbers; give --categories to order labels"
                : "the \(level.rawValue) level needs numbers"
            throw StatisticsError.csv(source: table.source, line: rating.line, message: "value \"\(rating.value)\" is not a number; \(hint)")
        }
        return number
    }
}
