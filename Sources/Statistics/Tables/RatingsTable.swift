/// The `unit,rater,value` ratings of a CSV table, with units and raters in order of first appearance.
struct RatingsTable {
    struct Rating {
        var unit: Int
        var rater: Int
        var value: String
        /// The CSV line the rating is on.
        var line: Int
    }

    var units: [String] = []
    var raters: [String] = []
    var ratings: [Rating] = []
    /// `ratings[byUnit[unitStarts[u]..<unitStarts[u + 1]]]` are the ratings of unit `u`, in file order.
    var byUnit: [Int] = []
    /// Where each unit's ratings begin in ``byUnit``; `units.count + 1` entries.
    var unitStarts: [Int] = []

    /// Reads the table; an empty value is a missing rating and skipped, like an absent row.
    ///
    /// - Throws: ``StatisticsError/csv(source:line:message:)`` for a missing column, an empty unit or rater,
    ///   or a second rating of the same unit by the same rater (naming both lines).
    init(_ table: CSVTable) throws {
        let unitColumn = try table.column("unit")
        let raterColumn = try table.column("rater")
        let valueColumn = try table.column("value")
        var unitIndex: [String: Int] = [:]
        var raterIndex: [String: Int] = [:]
        ratings.reserveCapacity(table.records.count)
        unitIndex.reserveCapacity(table.records.count)
        for record in table.records {
            let unitName = record.fields[unitColumn], raterName = record.fields[raterColumn]
            guard !unitName.isEmpty else { throw table.error(record, "the unit is empty") }
            guard !raterName.isEmpty else { throw table.error(record, "the rater is empty") }
            // Files usually list a unit's ratings together: reuse the previous row's unit without hashing.
            let unit = units.last == unitName ? units.count - 1 : unitIndex[unitName] ?? {
                units.append(unitName)
                unitIndex[unitName] = units.count - 1
                return units.count - 1
            }()
            let rater = raterIndex[raterName] ?? {
                raters.append(raterName)
                raterIndex[raterName] = raters.count - 1
                return raters.count - 1
            }()
            let value = record.fields[valueColumn]
            guard !value.isEmpty else { continue }
            ratings.append(Rating(unit: unit, rater: rater, value: value, line: record.line))
        }
        // Group by unit with a counting sort (linear, no hashing), then look for a rater twice in a unit.
        unitStarts = [Int](repeating: 0, count: units.count + 1)
        for rating in ratings { unitStarts[rating.unit + 1] += 1 }
        for u in 0..<units.count { unitStarts[u + 1] += unitStarts[u] }
        var next = unitStarts
        byUnit = [Int](repeating: 0, count: ratings.count)
        for (i, rating) in ratings.enumerated() {
            byUnit[next[rating.unit]] = i
            next[rating.unit] += 1
        }
        var duplicate: (first: Rating, second: Rating)?
        var seenAt = [Int](repeating: -1, count: raters.count)
        for u in 0..<units.count {
            let group = byUnit[unitStarts[u]..<unitStarts[u + 1]]
            for i in group {
                let rater = ratings[i].rater
                if seenAt[rater] >= 0, duplicate.map({ ratings[i].line < $0.second.line }) ?? true {
                    duplicate = (ratings[seenAt[rater]], ratings[i])
                }
                seenAt[rater] = i
            }
            for i in group { seenAt[ratings[i].rater] = -1 }
        }
        if let (first, second) = duplicate {
            throw StatisticsError.csv(
                source: table.source, line: second.line,
                message: "rater \"\(raters[second.rater])\" rates unit \"\(units[second.unit])\" a second time (first on line \(first.line))")
        }
    }
}

/// An ordered list of categories, matched by text or, when both sides are numbers, by numeric value
/// (so that "1" and "1.0" are the same category).
struct CategoryScale {
    var labels: [String]
    private var byText: [String: Int] = [:]
    private var byNumber: [Double: Int] = [:]

    init(labels: [String]) {
        self.labels = labels
        for (i, label) in labels.enumerated() {
            if byText[label] == nil { byText[label] = i }
            if let number = Double(label), byNumber[number] == nil { byNumber[number] = i }
        }
    }

    /// The categories the values use: sorted numerically when every value is a number, else by text.
    /// `ordered` is false when the values are not all numbers (their order then means nothing).
    static func observed(_ values: [String]) -> (scale: CategoryScale, ordered: Bool) {
        let numbers = values.compactMap(Double.init)
        if numbers.count == values.count {
            return (CategoryScale(labels: Array(Set(numbers)).sorted().map(formatted)), true)
        }
        return (CategoryScale(labels: Array(Set(values)).sorted()), false)
    }

    func position(of value: String) -> Int? {
        if let i = byText[value] { return i }
        if let number = Double(value) { return byNumber[number] }
        return nil
    }
}
