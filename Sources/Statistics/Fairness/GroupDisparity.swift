/// One binary decision with its true label, for a group audit.
public struct LabelledPrediction: Sendable, Equatable {
    /// The group the entity belongs to.
    public var group: String
    /// The predicted class (true = positive).
    public var prediction: Bool
    /// The true class.
    public var label: Bool

    /// An observation of `group` with a prediction and a label.
    public init(group: String, prediction: Bool, label: Bool) {
        self.group = group
        self.prediction = prediction
        self.label = label
    }
}

/// A group metric of the Aequitas bias audit.
public enum GroupMetric: String, Sendable, CaseIterable, Codable {
    /// Predicted positive rate: the group's share of all predicted positives, pp_g / Σ pp.
    case ppr
    /// Predicted prevalence: pp / group size.
    case pprev
    /// tp / pp.
    case precision
    /// False discovery rate: fp / pp.
    case fdr
    /// False omission rate: fn / pn.
    case `for`
    /// False positive rate: fp / (fp + tn).
    case fpr
    /// False negative rate: fn / (fn + tp).
    case fnr
    /// True positive rate (recall): tp / (tp + fn).
    case tpr
    /// True negative rate: tn / (tn + fp).
    case tnr
    /// Negative predictive value: tn / pn.
    case npv
}

/// The confusion counts of one group.
public struct GroupCounts: Sendable, Equatable, Encodable {
    /// Entities in the group.
    public var groupSize = 0
    /// Predicted positives.
    public var pp = 0
    /// Predicted negatives.
    public var pn = 0
    /// True positives.
    public var tp = 0
    /// False positives.
    public var fp = 0
    /// True negatives.
    public var tn = 0
    /// False negatives.
    public var fn = 0
    /// Entities whose label is positive.
    public var labelPositive: Int { tp + fn }
    /// Entities whose label is negative.
    public var labelNegative: Int { fp + tn }
}

/// One group's row of the audit.
public struct GroupAudit: Sendable, Equatable {
    /// The group.
    public var group: String
    /// Its confusion counts.
    public var counts: GroupCounts
    /// Each metric's value; `nil` where its denominator is 0.
    public var metrics: [GroupMetric: Double?]
    /// metric / reference group's metric; `nil` where either is undefined or the reference value is 0.
    public var disparity: [GroupMetric: Double?]
    /// Whether 0.8 ≤ disparity ≤ 1.25 (inclusive); `nil` where the disparity is.
    public var fair: [GroupMetric: Bool?]
}

/// The disparities counted as fair: τ = 0.8 to 1/τ = 1.25, both inclusive (Aequitas' default τ, the
/// four-fifths rule of the US EEOC Uniform Guidelines, 29 CFR 1607.4(D)).
public let fairnessBand: ClosedRange<Double> = 0.8...1.25

/// The group metrics, disparities and fairness determinations of the Aequitas bias audit.
///
/// Per group: counts, then ppr = pp_g/Σ_g pp_g, pprev = pp/n, precision = tp/pp, fdr = fp/pp,
/// for = fn/pn, fpr = fp/(fp + tn), fnr = fn/(fn + tp), tpr = tp/(tp + fn), tnr = tn/(tn + fp),
/// npv = tn/pn; disparity = metric_g/metric_reference; fair when 0.8 ≤ disparity ≤ 1.25
/// (Saleiro et al. 2018, "Aequitas: A Bias and Fairness Audit Toolkit", arXiv:1811.05577, §3 and the
/// `Group`, `Bias` and `Fairness` classes of the aequitas package). The groups are returned sorted by name.
///
/// - Throws: ``StatisticsError`` when there is no observation or the reference group has none.
public func groupDisparities(_ observations: [LabelledPrediction], reference: String) throws -> [GroupAudit] {
    guard !observations.isEmpty else {
        throw StatisticsError.emptyInput("the group audit needs at least one prediction; there is none")
    }
    var counts: [String: GroupCounts] = [:]
    for o in observations {
        var c = counts[o.group, default: GroupCounts()]
        c.groupSize += 1
        switch (o.prediction, o.label) {
        case (true, true): c.pp += 1; c.tp += 1
        case (true, false): c.pp += 1; c.fp += 1
        case (false, true): c.pn += 1; c.fn += 1
        case (false, false): c.pn += 1; c.tn += 1
        }
        counts[o.group] = c
    }
    guard let referenceCounts = counts[reference] else {
        throw StatisticsError.invalidData(
            "reference group \"\(reference)\" has no rows; the groups are \(counts.keys.sorted().map { "\"\($0)\"" }.joined(separator: ", "))")
    }
    let allPredictedPositive = counts.values.reduce(0) { $0 + $1.pp }
    func fractions(_ c: GroupCounts) -> [GroupMetric: (numerator: Int, denominator: Int)] {
        [.ppr: (c.pp, allPredictedPositive), .pprev: (c.pp, c.groupSize), .precision: (c.tp, c.pp),
         .fdr: (c.fp, c.pp), .for: (c.fn, c.pn), .fpr: (c.fp, c.labelNegative), .fnr: (c.fn, c.labelPositive),
         .tpr: (c.tp, c.labelPositive), .tnr: (c.tn, c.labelNegative), .npv: (c.tn, c.pn)]
    }
    let base = fractions(referenceCounts)
    return counts.keys.sorted().map { group in
        let c = counts[group] ?? GroupCounts()
        let own = fractions(c)
        var values: [GroupMetric: Double?] = [:]
        var disparity: [GroupMetric: Double?] = [:]
        var fair: [GroupMetric: Bool?] = [:]
        for metric in GroupMetric.allCases {
            guard let g = own[metric], let r = base[metric] else { continue }
            values[metric] = .some(g.denominator == 0 ? nil : Double(g.numerator) / Double(g.denominator))
            // (a/b)/(c/d) as one division of integers, so that exact ratios such as 4/5 land exactly on the
            // band's edges instead of a rounding error away from them.
            var d: Double?
            if g.denominator != 0, r.denominator != 0, r.numerator != 0 {
                d = Double(g.numerator * r.denominator) / Double(g.denominator * r.numerator)
            }
            disparity[metric] = .some(d)
            fair[metric] = .some(d.map { fairnessBand.contains($0) })
        }
        return GroupAudit(group: group, counts: c, metrics: values, disparity: disparity, fair: fair)
    }
}
