import ArgumentParser
import Evaluation
import Foundation
import GaitCore

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Bias audit over prompt attributes and counterfactual groups.",
        discussion: """
            Per attribute and slice: items, quality and pass rate with intervals, the disparity ratios to the \
            reference slice with the four-fifths flag, Mann–Whitney and permutation p-values Holm-adjusted \
            across the audit, and a verdict: disparity (flagged and significant), possible disparity (one of \
            the two), no evidence, insufficient data (fewer than --min-n items). Counterfactual groups are \
            tested as pairs; agreement is shown within each slice. The output states the method.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "The rubric (its newest version with ratings); needed when ratings use several.") var rubric: String?
    @Option(help: "Only this prompt attribute.") var attribute: String?
    @Option(help: "The reference slice of --attribute (default: the largest slice).") var reference: String?
    @Option(name: .customLong("min-n"), help: "Slices with fewer items are reported but not judged.") var minimumItems = 10
    @Option(help: "The quality criterion (default: 'quality' if ordinal or interval, else the first such criterion).")
    var criterion: String?
    @Option(name: .customLong("pass-threshold"),
            help: "An item passes when its mean quality is at least this (default: the acceptance criterion answered yes).")
    var passThreshold: Double?
    @Flag(name: .customLong("lower-is-better"), help: "Lower answers of the quality criterion are better (harm, stereotyping).")
    var lowerIsBetter = false
    @Option(help: "Significance level of the adjusted p-values.") var alpha = 0.05
    @Option(help: "Only prompts of this scope.") var scope: String?
    @Option(help: "Only items of this stage: crawl, walk or run.") var stage: Stage?
    @OptionGroup var resampling: ResamplingOptions

    func validate() throws {
        if let reference, attribute == nil {
            throw ValidationError(EvaluationError.referenceWithoutAttribute(value: reference).description)
        }
    }

    func run() async throws {
        try await withErrorHandling {
            let request = AuditRequest(rubric: rubric, scope: scope, stage: stage, attribute: attribute, reference: reference,
                                       criterion: criterion, passThreshold: passThreshold, lowerIsBetter: lowerIsBetter,
                                       minimumItems: minimumItems, alpha: alpha)
            let report = try Evaluation.audit(request, settings: resampling.settings, in: global.openWorkspace())
            if global.format == .json {
                try Terminal.json(report)
                return
            }
            Terminal.out(Self.text(report))
        }
    }

    static func text(_ report: AuditReport) -> String {
        var sections = ["Bias audit of \(report.rubric) v\(report.version), quality '\(report.criterion)'"
                        + (report.lowerIsBetter ? " (lower is better, reflected)" : "")]
        if report.attributes.isEmpty { sections.append("No rated prompt has attributes; there are no slices to compare.") }
        for attribute in report.attributes {
            let rows = attribute.slices.map { s in
                [s.value + (s.isReference ? " (ref)" : ""), String(s.items),
                 "\(cell(s.quality.mean)) \(cell(s.quality.interval))", cell(s.pass), cell(s.qualityRatio), cell(s.passRatio),
                 s.fourFifthsFlag ? "yes" : "no", cell(s.mannWhitneyP, digits: 4), cell(s.permutationP, digits: 4),
                 cell(s.mannWhitneyAdjustedP, digits: 4), s.agreement.value.map { cell($0) } ?? "-", s.verdict.text]
            }
            sections.append("""
                \(attribute.attribute): \(attribute.verdict.text) (reference \(attribute.reference))
                \(table(["SLICE", "ITEMS", "QUALITY [CI]", "PASS k/n RATE [CI]", "Q RATIO", "PASS RATIO", "4/5 FLAG",
                         "MW P", "PERM P", "MW HOLM P", "ALPHA", "VERDICT"], rows))
                """)
        }
        let counterfactual = report.counterfactual
        if counterfactual.groups > 0 {
            var lines = ["Counterfactual groups: \(counterfactual.groups), pairs: \(counterfactual.pairs.count)"]
            if !counterfactual.comparisons.isEmpty {
                lines.append(table(["ATTRIBUTE", "VALUE VS REF", "PAIRS", "MEAN DIFF", "WILCOXON P", "SIGN-FLIP P", "HOLM P"],
                                   counterfactual.comparisons.map { c in
                    [c.attribute, "\(c.value) vs \(c.reference)", String(c.pairs), cell(c.meanDifference), cell(c.p, digits: 4),
                     cell(c.signFlip.p, digits: 4), cell(c.adjustedP, digits: 4)]
                }))
            }
            lines += counterfactual.unpaired.map { "  not paired: \($0)" }
            sections.append(lines.joined(separator: "\n"))
        }
        sections.append("Method: " + wrapped(report.method))
        return sections.joined(separator: "\n\n")
    }
}
