/// The `unit,rater,value` ratings of a CSV table, with units and raters in order of first appearance.
struct RatingsTable {
    struct Rating {
        var unit: Int
        var rater: Int
        var value: String
        var record: CSVTable.Record
    }

    var units: [String] = []
    var raters: [String] = []
    var ratings: [Rating] = []

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
        var firstLine: [Int: [Int: Int]] = [:]
        for record in table.records {
            let unitName = record.fields[unitColumn], raterName = record.fields[raterColumn]
            guard !unitName.isEmpty else { throw table.error(record, "the unit is empty") }
            guard !raterName.isEmpty else { throw table.error(record, "the rater is empty") }
            let unit = unitIndex[unitName] ?? {
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
            if let earlier = firstLine[unit]?[rater] {
                throw table.error(record, "rater \"\(raterName)\" rates unit \"\(unitName)\" a second time (first on line \(earlier))")
            }
            firstLine[unit, default: [:]][rater] = record.line
            ratings.append(Rating(unit: unit, rater: rater, value: value, record: record))
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
