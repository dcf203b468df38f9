import ArgumentParser
import Evaluation
import Foundation
import GaitCore

struct AgreementCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agreement",
        abstract: "Inter-rater agreement per criterion; per rater, agreement with the others and gold accuracy.",
        discussion: """
            Krippendorff's alpha at each criterion's level (binary and nominal → nominal, ordinal, interval), \
            items as units, with a bootstrap interval over items; Cohen's kappa where exactly two raters \
            answered. Per rater: the share of their answers equal to another rater's on the same item, alpha \
            without them, and their accuracy on gold items.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var selection: SelectionOptions
    @OptionGroup var resampling: ResamplingOptions

    func run() async throws {
        try await withErrorHandling {
            let report = try Evaluation.agreement(selection.selection, settings: resampling.settings,
                                                  in: global.openWorkspace())
            try global.print(report, text: Self.text)
        }
    }

    static func text(_ report: WorkspaceAgreementReport) -> String {
        let level = "\(Int((report.settings.confidence * 100).rounded()))% CI"
        var sections: [String] = []
        for rubric in report.rubrics {
            let criteria = rubric.criteria.map { c in
                [c.criterion, c.alpha.level.rawValue, c.alpha.value.map { cell($0) } ?? "undefined",
                 c.interval.map { "[\(cell($0.low)), \(cell($0.high))]" } ?? "-", "\(c.alpha.pairableUnits)/\(c.alpha.units)",
                 c.kappa.map { k in
                     "\(k.value.map { cell($0) } ?? "undefined") (\(k.raters.joined(separator: " vs ")), \(k.weights == .none ? "unweighted" : "\(k.weights.rawValue) weights"), \(k.units) items)"
                 } ?? "-"]
            }
            let undefined = rubric.criteria.compactMap { c in c.alpha.reason.map { "  \(c.criterion): alpha undefined: \($0)" } }
            let perRater = rubric.criteria.flatMap { c in
                c.raters.map { r in
                    [c.criterion, r.rater, String(r.ratings), r.pairwiseAgreement.map { cell($0) } ?? "-",
                     r.alphaWithout.map { cell($0) } ?? "-"]
                }
            }
            let gold = rubric.raters.map { r in
                [r.rater, String(r.ratings), r.gold.accuracy.map { "\(r.gold.correct)/\(r.gold.answers) \(cell($0))" } ?? "no gold answers"]
            }
            var lines = ["\(rubric.rubric) v\(rubric.version): \(rubric.items) items, \(rubric.ratings) ratings", "",
                         table(["CRITERION", "LEVEL", "ALPHA", level, "PAIRABLE", "KAPPA"], criteria)]
            lines += undefined
            lines += ["", table(["CRITERION", "RATER", "ANSWERS", "PAIRWISE AGREEMENT", "ALPHA WITHOUT"], perRater)]
            lines += ["", table(["RATER", "RATINGS", "GOLD ACCURACY (ALL RUBRICS)"], gold)]
            sections.append(lines.joined(separator: "\n"))
        }
        sections.append("Method: " + wrapped(report.method))
        return sections.joined(separator: "\n\n")
    }
}
