import Foundation

/// A bias audit: per prompt attribute, every slice's quality and pass rate with intervals, the
/// disparity ratio to the reference slice against the four-fifths band, test and adjusted p-values and
/// a verdict; counterfactual pairs with both outputs side by side; agreement within slices; the method.
///
/// The four-fifths rule is the US EEOC's *Uniform Guidelines on Employee Selection Procedures*
/// (29 CFR §1607.4(D)): a selection rate below 4/5 of the reference group's is evidence of adverse
/// impact. Reports draw the symmetric band 0.8–1.25 (4/5 to 5/4) around parity.
public struct BiasReport: Sendable {
    /// Title, time, workspace and filters.
    public var header: ReportHeader
    /// How the numbers were computed.
    public var method: Method
    /// One entry per audited attribute.
    public var attributes: [Attribute]
    /// What the counterfactual pairs show overall (nil when there are none).
    public var counterfactualSummary: CounterfactualSummary?
    /// Counterfactual pairs, each with both outputs.
    public var counterfactualPairs: ReportRows<CounterfactualPair>

    /// A bias report.
    public init(header: ReportHeader, method: Method, attributes: [Attribute],
                counterfactualSummary: CounterfactualSummary?,
                counterfactualPairs: ReportRows<CounterfactualPair>) {
        self.header = header
        self.method = method
        self.attributes = attributes
        self.counterfactualSummary = counterfactualSummary
        self.counterfactualPairs = counterfactualPairs
    }

    /// The lower edge of the four-fifths band.
    public static let fourFifthsLower = 0.8
    /// The upper edge of the four-fifths band (5/4).
    public static let fourFifthsUpper = 1.25

    /// The audit's method, stated in plain words in the report.
    public struct Method: Sendable, Hashable {
        /// What "quality" is ("the mean of criterion helpful, normalized to 0–1").
        public var quality: String
        /// What "pass" is ("the acceptance criterion answered yes").
        public var pass: String
        /// How intervals were computed ("Wilson score interval").
        public var interval: String
        /// The confidence level of every interval.
        public var confidenceLevel: Double
        /// The test comparing each slice with the reference ("two-sided Fisher exact test on pass counts").
        public var test: String
        /// How p-values were adjusted for multiple comparisons ("Holm–Bonferroni").
        public var correction: String
        /// The significance level the adjusted p-values are held against.
        public var alpha: Double
        /// Slices with fewer items than this get the verdict `insufficient-data`.
        public var minimumSliceSize: Int

        /// A method description.
        public init(quality: String, pass: String, interval: String, confidenceLevel: Double, test: String,
                    correction: String, alpha: Double, minimumSliceSize: Int) {
            self.quality = quality
            self.pass = pass
            self.interval = interval
            self.confidenceLevel = confidenceLevel
            self.test = test
            self.correction = correction
            self.alpha = alpha
            self.minimumSliceSize = minimumSliceSize
        }

        /// The method in plain sentences, as the report prints it.
        public var plainText: String {
            let level = formatPercent(confidenceLevel)
            return """
            Quality is \(quality). A rating passes when \(pass). Every interval is a \(level) \(interval). \
            Each slice is compared with its attribute's reference slice: the disparity ratio is the slice's \
            pass rate divided by the reference's, and a ratio outside 0.8–1.25 falls outside the \
            four-fifths band (EEOC Uniform Guidelines, 29 CFR §1607.4(D)). The difference is tested with \
            \(test); p-values are adjusted for the number of slices with \(correction), and an adjusted \
            p-value below \(formatNumber(alpha)) counts as significant. Slices with fewer than \
            \(minimumSliceSize) rated items are reported but not judged.
            """
        }
    }

    /// What the audit concludes about a slice or an attribute.
    public enum Verdict: String, Sendable, Hashable, CaseIterable {
        /// The reference slice the others are compared with.
        case reference
        /// Inside the four-fifths band, or no significant difference.
        case noEvidence = "no-evidence"
        /// Outside the band but not significant after adjustment: a human should look.
        case review
        /// Outside the band and significant after adjustment.
        case disparity
        /// Too few items to judge.
        case insufficientData = "insufficient-data"
    }

    /// Agreement among raters within one slice.
    public struct Agreement: Sendable, Hashable {
        /// The coefficient's name ("Krippendorff's α, nominal").
        public var metric: String
        /// The coefficient with its interval.
        public var estimate: ReportEstimate

        /// Agreement measured by `metric`.
        public init(metric: String, estimate: ReportEstimate) {
            self.metric = metric
            self.estimate = estimate
        }
    }

    /// One value of an attribute (`gender = female`) and what was measured on its prompts.
    public struct Slice: Sendable, Hashable {
        /// The attribute's value naming the slice.
        public var value: String
        /// Rated items in the slice.
        public var items: Int
        /// Mean quality with interval.
        public var quality: ReportEstimate
        /// Pass rate with interval.
        public var passRate: ReportEstimate
        /// Pass rate relative to the reference slice's, with interval (nil for the reference itself, or
        /// when the reference's pass rate is zero).
        public var disparityRatio: ReportEstimate?
        /// The test's p-value against the reference (nil for the reference).
        public var p: Double?
        /// The p-value adjusted for multiple comparisons.
        public var adjustedP: Double?
        /// Agreement within the slice (nil when too few items were shared).
        public var agreement: Agreement?
        /// The verdict.
        public var verdict: Verdict

        /// A slice's measurements.
        public init(value: String, items: Int, quality: ReportEstimate, passRate: ReportEstimate,
                    disparityRatio: ReportEstimate?, p: Double?, adjustedP: Double?, agreement: Agreement?,
                    verdict: Verdict) {
            self.value = value
            self.items = items
            self.quality = quality
            self.passRate = passRate
            self.disparityRatio = disparityRatio
            self.p = p
            self.adjustedP = adjustedP
            self.agreement = agreement
            self.verdict = verdict
        }

        /// Where the disparity ratio lies relative to the four-fifths band.
        public var fourFifths: FourFifths {
            guard let ratio = disparityRatio?.value else { return .notApplicable }
            if ratio < BiasReport.fourFifthsLower { return .below }
            if ratio > BiasReport.fourFifthsUpper { return .above }
            return .within
        }
    }

    /// The position of a disparity ratio relative to the band 0.8–1.25.
    public enum FourFifths: String, Sendable, Hashable, CaseIterable {
        /// Inside the band.
        case within
        /// Below 0.8: the slice passes less often than four fifths of the reference.
        case below
        /// Above 1.25: the reference passes less often than four fifths of the slice.
        case above
        /// No ratio (the reference slice, or a reference pass rate of zero).
        case notApplicable = "not-applicable"
    }

    /// One audited attribute.
    public struct Attribute: Sendable, Hashable {
        /// The attribute's name (`gender`).
        public var name: String
        /// The value of the reference slice.
        public var reference: String
        /// Every slice, the reference included.
        public var slices: [Slice]
        /// The attribute's overall verdict (usually the worst of its slices).
        public var verdict: Verdict

        /// An audited attribute.
        public init(name: String, reference: String, slices: [Slice], verdict: Verdict) {
            self.name = name
            self.reference = reference
            self.slices = slices
            self.verdict = verdict
        }
    }

    /// One side of a counterfactual pair.
    public struct CounterfactualSide: Sendable, Hashable {
        /// The prompt's identifier.
        public var promptID: String
        /// The attribute's value on this side (`female`).
        public var attributeValue: String
        /// The prompt text.
        public var prompt: String
        /// The model's output shown to raters.
        public var output: String
        /// The mean quality its ratings gave (nil when unrated).
        public var quality: Double?

        /// One side of a pair.
        public init(promptID: String, attributeValue: String, prompt: String, output: String, quality: Double?) {
            self.promptID = promptID
            self.attributeValue = attributeValue
            self.prompt = prompt
            self.output = output
            self.quality = quality
        }
    }

    /// Two prompts that differ only in a demographic detail, with their outputs.
    public struct CounterfactualPair: Sendable, Hashable {
        /// The counterfactual group's name.
        public var group: String
        /// The attribute that differs.
        public var attribute: String
        /// The first side.
        public var first: CounterfactualSide
        /// The second side.
        public var second: CounterfactualSide

        /// A pair.
        public init(group: String, attribute: String, first: CounterfactualSide, second: CounterfactualSide) {
            self.group = group
            self.attribute = attribute
            self.first = first
            self.second = second
        }

        /// The second side's quality minus the first's (nil when either is unrated).
        public var difference: Double? {
            guard let a = first.quality, let b = second.quality else { return nil }
            return b - a
        }
    }

    /// The overall result of the counterfactual pairs.
    public struct CounterfactualSummary: Sendable, Hashable {
        /// Pairs with both sides rated.
        public var pairs: Int
        /// The mean quality difference (second − first) with interval.
        public var meanDifference: ReportEstimate
        /// The paired test used ("Wilcoxon signed-rank test").
        public var test: String
        /// Its p-value.
        public var p: Double

        /// A summary of `pairs` pairs.
        public init(pairs: Int, meanDifference: ReportEstimate, test: String, p: Double) {
            self.pairs = pairs
            self.meanDifference = meanDifference
            self.test = test
            self.p = p
        }
    }
}
