/// Ratings grouped by unit, the input of Krippendorff's α: for each unit, the values its raters gave.
///
/// A missing rating is simply absent, so units may hold different numbers of values. Rater identity does not
/// enter α, so it is not stored. The values are kept in one flat array (`values`, unit after unit) with
/// `unitStarts` marking where each unit begins, which keeps a million ratings in two allocations.
public struct ReliabilityData: Sendable, Equatable {
    /// Every value, unit after unit.
    public private(set) var values: [Double]
    /// `values[unitStarts[u]..<unitStarts[u + 1]]` are the values of unit `u`; there are `unitCount + 1` entries.
    public private(set) var unitStarts: [Int]

    /// An empty set of units, to be filled with ``appendUnit(_:)``.
    public init() {
        values = []
        unitStarts = [0]
    }

    /// The units given as lists of their values.
    public init(units: [[Double]]) {
        self.init()
        values.reserveCapacity(units.reduce(0) { $0 + $1.count })
        unitStarts.reserveCapacity(units.count + 1)
        for unit in units { appendUnit(unit) }
    }

    /// The classic "reliability data" layout: one row per rater, one column per unit, `nil` where the rater
    /// did not rate the unit (Krippendorff 2011, section A).
    ///
    /// - Throws: ``StatisticsError/invalidData(_:)`` when the rows have different lengths.
    public init(ratersByUnits rows: [[Double?]]) throws {
        self.init()
        guard let width = rows.first?.count else { return }
        for (index, row) in rows.enumerated() where row.count != width {
            throw StatisticsError.invalidData(
                "rater row \(index + 1) has \(row.count) units but row 1 has \(width); every rater row needs one entry per unit (nil when missing)")
        }
        for unit in 0..<width {
            for row in rows {
                if let value = row[unit] { values.append(value) }
            }
            unitStarts.append(values.count)
        }
    }

    /// Adds one unit with the given values (possibly fewer than two: such a unit is not pairable).
    public mutating func appendUnit<Values: Sequence>(_ unitValues: Values) where Values.Element == Double {
        values.append(contentsOf: unitValues)
        unitStarts.append(values.count)
    }

    /// The number of units, pairable or not.
    public var unitCount: Int { unitStarts.count - 1 }

    /// The values of unit `index`.
    public func unit(_ index: Int) -> ArraySlice<Double> {
        values[unitStarts[index]..<unitStarts[index + 1]]
    }
}
