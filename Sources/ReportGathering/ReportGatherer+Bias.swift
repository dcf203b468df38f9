import Evaluation
import Foundation
import GaitCore
import GaitStore
import Reports

extension ReportGatherer {
    /// The bias report from ``Evaluation/audit(_:settings:in:)``: per attribute every slice with quality,
    /// pass rate, disparity ratio, p-values, verdict and agreement within the slice; counterfactual pairs
    /// with both prompts and outputs side by side; the method in plain words.
    ///
    /// - Parameters:
    ///   - rubric: the rubric to audit; nil takes the rubric with most live ratings.
    ///   - scope: only prompts of this scope.
    /// - Throws: ``ReportGatheringError/unknownScope(_:known:)``; `StoreError.notFound` for an unknown rubric;
    ///   ``EvaluationError`` when the ratings do not fit the audit (a pairwise rubric, no pass rule).
    public func biasReport(rubric: String? = nil, scope: String? = nil,
                           settings: ResamplingSettings = ResamplingSettings()) throws -> BiasReport {
        try requireScope(scope)
        if let rubric { _ = try workspace.rubric(named: rubric) }
        let title = scope.map { "Bias audit for \($0)" } ?? "Bias audit"
        let chosen = try rubric ?? workspace.mostRatedRubric()
        let audit: AuditReport
        do {
            guard let chosen else { throw EvaluationError.noRatings(selection: RatingSelection(scope: scope).text) }
            // The report shows Mann–Whitney p-values and the verdicts that rest on them, not the permutation
            // tests `gait audit` adds; over a large workspace those cost most of the audit's time.
            audit = try Evaluation.audit(AuditRequest(rubric: chosen, scope: scope, permutationTests: false),
                                         settings: settings, in: workspace)
        } catch let error as EvaluationError {
            guard case .noRatings = error else { throw error }
            return BiasReport(
                header: header(title, filters: [("rubric", rubric), ("scope", scope)],
                               notes: ["Nothing to audit: \(error.description)."]),
                method: BiasReport.Method(settings: settings, minimumItems: AuditRequest().minimumItems,
                                          alpha: AuditRequest().alpha),
                attributes: [], counterfactualSummary: nil, counterfactualPairs: .empty)
        }
        var notes = ["Audited rubric \(audit.rubric) v\(audit.version), quality criterion '\(audit.criterion)'."]
        if audit.attributes.isEmpty { notes.append("No rated prompt has attributes: there are no slices to compare.") }
        notes.append(contentsOf: audit.counterfactual.unpaired.map { "Not paired: \($0)." })
        notes.append("Method: \(audit.method)")
        return BiasReport(
            header: header(title, filters: [("rubric", chosen), ("scope", scope)], notes: notes),
            method: BiasReport.Method(audit), attributes: audit.attributes.map { BiasReport.Attribute($0, audit: audit) },
            counterfactualSummary: BiasReport.CounterfactualSummary(audit.counterfactual),
            counterfactualPairs: counterfactualPairs(audit.counterfactual.pairs))
    }

    /// Every counterfactual pair with both prompts and outputs (a member's outputs, when it has several
    /// rated candidates, separated by a blank line), read from the store as the writers pull them: the
    /// texts of a few hundred pairs at a time are in memory, not those of every pair.
    private func counterfactualPairs(_ scored: [CounterfactualPairScore]) -> ReportRows<BiasReport.CounterfactualPair> {
        let store = workspace
        return ReportRows { emit in
            for start in stride(from: 0, to: scored.count, by: 256) {
                let chunk = scored[start..<min(scored.count, start + 256)]
                let texts = try store.candidateTexts(Array(Set(chunk.flatMap { $0.candidates + $0.referenceCandidates })))
                func side(prompt: String, value: String, candidates: [Int64], quality: Double) -> BiasReport.CounterfactualSide {
                    let found = candidates.compactMap { texts[$0] }
                    return BiasReport.CounterfactualSide(
                        promptID: prompt, attributeValue: value, prompt: found.first?.prompt ?? "",
                        output: found.map(\.text).joined(separator: "\n\n"), quality: quality)
                }
                for pair in chunk {
                    try emit(BiasReport.CounterfactualPair(
                        group: pair.group, attribute: pair.attribute,
                        first: side(prompt: pair.referencePrompt, value: pair.referenceValue,
                                    candidates: pair.referenceCandidates, quality: pair.referenceQuality),
                        second: side(prompt: pair.prompt, value: pair.value, candidates: pair.candidates,
                                     quality: pair.quality)))
                }
            }
        }
    }
}

extension BiasReport.Method {
    /// The audit's method in the report's structured words.
    init(_ audit: AuditReport) {
        let scale = "\(plain(audit.scaleMinimum))–\(plain(audit.scaleMaximum))"
        let pass = audit.pass.kind == "acceptance"
            ? "most of an item's raters answered the acceptance criterion '\(audit.pass.criterion ?? "")' yes"
            : "the item's mean quality is \(audit.lowerIsBetter ? "at most" : "at least") \(plain(audit.pass.threshold ?? 0))"
        self.init(
            quality: "the mean of the raters' answers to '\(audit.criterion)' per item\(audit.lowerIsBetter ? ", reflected because lower is better" : ""), "
                + "normalized from its scale \(scale) to 0–1",
            pass: pass, settings: audit.settings, minimumItems: audit.minimumItems, alpha: audit.alpha)
    }

    /// The method of an audit with these settings (the wording of the quality and pass for an empty audit).
    init(quality: String = "the mean of the raters' answers to the quality criterion per item, normalized to 0–1",
         pass: String = "most of an item's raters answered the acceptance criterion yes",
         settings: ResamplingSettings, minimumItems: Int, alpha: Double) {
        self.init(
            quality: quality, pass: pass,
            interval: "Wilson score interval for pass rates and percentile bootstrap interval over items "
                + "(\(settings.resamples) resamples, seed \(settings.seed)) for quality",
            confidenceLevel: settings.confidence,
            test: "the two-sided Mann–Whitney U test of item qualities",
            correction: "the Holm–Bonferroni method over every judged slice", alpha: alpha,
            minimumSliceSize: minimumItems)
    }
}

extension BiasReport.Attribute {
    init(_ attribute: AttributeAudit, audit: AuditReport) {
        self.init(name: attribute.attribute, reference: attribute.reference,
                  slices: attribute.slices.map { BiasReport.Slice($0, audit: audit) },
                  verdict: BiasReport.Verdict(attribute.verdict))
    }
}

extension BiasReport.Slice {
    init(_ slice: SliceAudit, audit: AuditReport) {
        let span = audit.scaleMaximum - audit.scaleMinimum
        func normalized(_ value: Double) -> Double { span > 0 ? (value - audit.scaleMinimum) / span : 0 }
        let level = audit.settings.confidence
        let agreement = slice.agreement.value.map {
            BiasReport.Agreement(metric: "Krippendorff's α, \(slice.agreement.level.rawValue)", estimate: ReportEstimate(value: $0))
        }
        self.init(
            value: slice.value, items: slice.items,
            quality: ReportEstimate(value: slice.quality.normalizedMean, lower: normalized(slice.quality.interval.low),
                                    upper: normalized(slice.quality.interval.high), level: level),
            passRate: ReportEstimate(value: slice.pass.rate, lower: slice.pass.interval.low,
                                     upper: slice.pass.interval.high, level: level),
            disparityRatio: slice.isReference ? nil : slice.passRatio.map { ReportEstimate(value: $0) },
            p: slice.mannWhitneyP, adjustedP: slice.mannWhitneyAdjustedP, agreement: agreement,
            verdict: BiasReport.Verdict(slice.verdict))
    }
}

extension BiasReport.Verdict {
    /// The report's verdict: the audit's `possible_disparity` is a case for `review` by a person.
    init(_ verdict: AuditVerdict) {
        switch verdict {
        case .reference: self = .reference
        case .noEvidence: self = .noEvidence
        case .insufficientData: self = .insufficientData
        case .possibleDisparity: self = .review
        case .disparity: self = .disparity
        }
    }
}

extension BiasReport.CounterfactualSummary {
    /// The paired comparisons summed up: the mean difference over every pair, and the smallest
    /// Holm-adjusted Wilcoxon p over the comparisons; nil without pairs.
    init?(_ counterfactual: CounterfactualAudit) {
        guard !counterfactual.pairs.isEmpty else { return nil }
        let differences = counterfactual.pairs.map(\.difference)
        let comparisons = counterfactual.comparisons
        let ps = comparisons.compactMap { $0.adjustedP ?? $0.p }
        let test = comparisons.count == 1
            ? "Wilcoxon signed-rank test (\(comparisons[0].value) against \(comparisons[0].reference))"
            : "Wilcoxon signed-rank test, the smallest Holm-adjusted p of \(comparisons.count) comparisons"
        self.init(pairs: differences.count,
                  meanDifference: ReportEstimate(value: differences.reduce(0, +) / Double(differences.count)),
                  test: test, p: ps.min() ?? 1)
    }
}

/// A number in its shortest form: integers without a fraction.
private func plain(_ value: Double) -> String {
    value.isFinite && value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
}
