/// The result of `gait stats groups`, as printed.
public struct GroupsReport: Sendable, Equatable, Encodable {
    /// One group's audit.
    public struct Group: Sendable, Equatable, Encodable {
        /// The confusion counts.
        public var counts: GroupCounts
        /// Metric values by lower-case name; `null` where undefined.
        public var metrics: [String: Double?]
        /// Disparity to the reference by metric; `null` where the reference value is 0 or a value is undefined.
        public var disparity: [String: Double?]
        /// Whether 0.8 ≤ disparity ≤ 1.25; `null` where the disparity is.
        public var fair: [String: Bool?]
    }

    /// The reference group.
    public var reference: String
    /// The audit by group name.
    public var groups: [String: Group]

    /// One line per group and metric for a terminal.
    public var text: String {
        var lines: [String] = []
        for (name, group) in groups.sorted(by: { $0.key < $1.key }) {
            lines.append("\(name)\(name == reference ? " (reference)" : ""): n \(group.counts.groupSize)")
            for metric in GroupMetric.allCases.map(\.rawValue) {
                func show<T>(_ x: T??) -> String { (x ?? nil).map { "\($0)" } ?? "-" }
                lines.append("  \(metric): \(show(group.metrics[metric])), disparity \(show(group.disparity[metric])), fair \(show(group.fair[metric]))")
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension GroupCounts {
    enum CodingKeys: String, CodingKey {
        case groupSize = "group_size", pp, pn, tp, fp, tn, fn
        case labelPositive = "group_label_pos", labelNegative = "group_label_neg"
    }

    /// Encodes the counts with Aequitas' column names.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(groupSize, forKey: .groupSize)
        try c.encode(pp, forKey: .pp)
        try c.encode(pn, forKey: .pn)
        try c.encode(tp, forKey: .tp)
        try c.encode(fp, forKey: .fp)
        try c.encode(tn, forKey: .tn)
        try c.encode(fn, forKey: .fn)
        try c.encode(labelPositive, forKey: .labelPositive)
        try c.encode(labelNegative, forKey: .labelNegative)
    }
}

/// Computes `gait stats groups` on a `group,prediction,label` table with 0/1 predictions and labels
/// (``groupDisparities(_:reference:)``).
///
/// - Throws: ``StatisticsError`` naming the line of a prediction or label that is not 0 or 1, a missing
///   column, or a reference group without rows.
public func groupsReport(_ table: CSVTable, reference: String) throws -> GroupsReport {
    let group = try table.column("group"), prediction = try table.column("prediction"), label = try table.column("label")
    func binary(_ record: CSVTable.Record, _ column: Int) throws -> Bool {
        switch record.fields[column].lowercased() {
        case "1", "true": return true
        case "0", "false": return false
        default: throw table.error(record, "\(table.header[column]) \"\(record.fields[column])\" is not 0 or 1")
        }
    }
    let observations = try table.records.map { record in
        LabelledPrediction(group: record.fields[group], prediction: try binary(record, prediction),
                           label: try binary(record, label))
    }
    guard !observations.isEmpty else {
        throw StatisticsError.csv(source: table.source, line: 1, message: "the file has a header but no rows")
    }
    var groups: [String: GroupsReport.Group] = [:]
    for audit in try table.attributing({ try groupDisparities(observations, reference: reference) }) {
        func keyed<T>(_ values: [GroupMetric: T?]) -> [String: T?] {
            Dictionary(uniqueKeysWithValues: GroupMetric.allCases.map { ($0.rawValue, values[$0] ?? nil) })
        }
        groups[audit.group] = .init(counts: audit.counts, metrics: keyed(audit.metrics),
                                    disparity: keyed(audit.disparity), fair: keyed(audit.fair))
    }
    return GroupsReport(reference: reference, groups: groups)
}
