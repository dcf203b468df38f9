import ArgumentParser
import Evaluation
import Foundation
import GaitCore

/// The interval and resampling options of `gait scores`, `gait agreement` and `gait audit`.
struct ResamplingOptions: ParsableArguments {
    @Option(help: "Confidence level of every interval.") var confidence: Double = 0.95
    @Option(help: "Bootstrap resamples (and Monte Carlo resamples of permutation tests that are not exact).")
    var resamples: Int = 2_000
    @Option(help: "Seed of every resampling: the same seed gives the same intervals.") var seed: UInt64 = 0

    var settings: ResamplingSettings { ResamplingSettings(confidence: confidence, resamples: resamples, seed: seed) }

    func validate() throws {
        do {
            try settings.validate()
        } catch let error as EvaluationError {
            throw ValidationError(error.description)
        }
    }
}

/// A number for a table: four significant decimals, `-` for none.
func cell(_ value: Double?, digits: Int = 3) -> String {
    guard let value else { return "-" }
    return String(format: "%.\(digits)f", value)
}

/// An interval for a table: `[low, high]`.
func cell(_ interval: Interval?) -> String {
    guard let interval else { return "-" }
    return "[\(cell(interval.low)), \(cell(interval.high))]"
}

/// A proportion for a table: `k/n rate [low, high]`.
func cell(_ proportion: Proportion?) -> String {
    guard let proportion else { return "-" }
    return "\(proportion.successes)/\(proportion.trials) \(cell(proportion.rate)) \(cell(proportion.interval))"
}

/// Wraps a paragraph at `width` columns for the terminal.
func wrapped(_ text: String, width: Int = 100) -> String {
    var lines: [String] = []
    var line = ""
    for word in text.split(separator: " ") {
        if !line.isEmpty, line.count + 1 + word.count > width {
            lines.append(line)
            line = ""
        }
        line += line.isEmpty ? String(word) : " " + word
    }
    if !line.isEmpty { lines.append(line) }
    return lines.joined(separator: "\n")
}

struct ScoresCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scores",
        abstract: "Quality per stage, scope and slice, per criterion, with intervals.",
        discussion: """
            Item-level: the ratings of an item are averaged first. Per criterion: items, mean, normalized \
            mean (v − min)/(max − min) with a bootstrap interval over items; for binary criteria the share of \
            items most raters answered yes with a Wilson interval (the acceptance rate for the acceptance \
            criterion); nominal criteria show answers per option; pairwise criteria items won by A, B, ties. \
            Slices are the values of the prompts' attributes within each stage and scope.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var selection: SelectionOptions
    @OptionGroup var resampling: ResamplingOptions

    func run() async throws {
        try await withErrorHandling {
            let report = try Evaluation.scores(selection.selection, settings: resampling.settings,
                                               in: global.openWorkspace())
            try global.print(report, text: Self.text)
        }
    }

    static func text(_ report: ScoresReport) -> String {
        let level = "\(Int((report.settings.confidence * 100).rounded()))% CI"
        var sections: [String] = []
        for rubric in report.rubrics {
            var rows: [[String]] = []
            for group in rubric.groups {
                let slice = group.slice.map { "\($0.attribute)=\($0.value)" } ?? "all"
                for criterion in group.criteria {
                    let detail: String
                    if let preference = criterion.preference {
                        detail = "A \(preference.a), B \(preference.b), ties \(preference.ties); A share \(cell(preference.aShare))"
                    } else if let distribution = criterion.distribution {
                        detail = distribution.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                    } else {
                        detail = criterion.yes.map { "\(criterion.isAcceptance ? "accepted" : "yes") \(cell($0))" } ?? ""
                    }
                    rows.append([group.stage.rawValue, group.scope ?? "-", slice, criterion.criterion, String(criterion.items),
                                 cell(criterion.mean), cell(criterion.normalizedMean), cell(criterion.interval), detail])
                }
            }
            var lines = ["\(rubric.rubric) v\(rubric.version)", "",
                         table(["STAGE", "SCOPE", "SLICE", "CRITERION", "ITEMS", "MEAN", "NORM", level, "RATE / ANSWERS"], rows)]
            if let note = rubric.note { lines += ["", wrapped(note)] }
            sections.append(lines.joined(separator: "\n"))
        }
        sections.append("Method: " + wrapped(report.method))
        return sections.joined(separator: "\n\n")
    }
}

/// Which ratings a workspace report reads: `--rubric`, `--scope`, `--stage`.
struct SelectionOptions: ParsableArguments {
    @Option(help: "Only this rubric (every version with ratings).") var rubric: String?
    @Option(help: "Only prompts of this scope.") var scope: String?
    @Option(help: "Only items of this stage: crawl, walk or run.") var stage: Stage?

    var selection: RatingSelection { RatingSelection(rubric: rubric, scope: scope, stage: stage) }
}

extension GlobalOptions {
    /// Prints a report as JSON or as its text rendering, by `--format`.
    func print<Report: Encodable>(_ report: Report, text: (Report) -> String) throws {
        if format == .json {
            try Terminal.json(report)
        } else {
            Terminal.out(text(report))
        }
    }
}
