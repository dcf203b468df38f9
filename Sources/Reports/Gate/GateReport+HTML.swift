import Foundation

extension GateReport {
    /// Writes the report as one self-contained HTML file (inline CSS and SVG, no external references).
    ///
    /// - Throws: ``ReportError`` when writing fails (nothing is left at `url`), or what the rows throw.
    public func writeHTML(to url: URL) throws {
        try writeHTMLFile(to: url) { try writeHTML(to: $0) }
    }

    func writeHTML(to html: HTMLWriter) throws {
        try HTMLPage.write(header, kind: "gate", to: html) {
            if evaluations.isEmpty {
                try html.element("p", text: "No gate was evaluated for this selection.")
            }
            for evaluation in evaluations { try section(evaluation, html) }
            try historySection(html)
            try runsSection(html)
        }
    }

    private func section(_ evaluation: Evaluation, _ html: HTMLWriter) throws {
        try html.element("section") {
            try html.element("h2") {
                try html.element("bdi", text: evaluation.scope)
                try html.text(": \(evaluation.from.rawValue) → \(evaluation.to.rawValue) ")
                try html.badge(evaluation.decision.rawValue)
            }
            try html.element("p", [HTMLAttribute("class", "muted")],
                             text: "Evaluation \(evaluation.id), \(displayDateTime(evaluation.evaluatedAt)).")
            if !evaluation.reasons.isEmpty {
                try html.element("ul") {
                    for reason in evaluation.reasons { try html.element("li", text: reason) }
                }
            }
            try evidence(evaluation.evidence, html)
            try conditions(evaluation, html)
        }
        try html.newline()
    }

    private func evidence(_ evidence: Evidence, _ html: HTMLWriter) throws {
        try html.element("h3", text: "Evidence")
        try html.table(caption: evidence.floor == nil ? "Evidence (the rules set no floor)"
                                    : (evidence.meetsFloor ? "Evidence meets the floor" : "Evidence below the floor"),
                       columns: [.text("Measure"), .number("Measured"), .number("Required")], sortable: false,
                       rows: {
            let rows: [(String, Double, Double?)] = [
                ("Rated items", Double(evidence.ratedItems), evidence.floor.map { Double($0.items) }),
                ("Raters", Double(evidence.raters), evidence.floor.map { Double($0.raters) }),
                ("Days in stage", evidence.daysInStage, evidence.floor?.days),
                ("Ratings", Double(evidence.ratings), nil),
            ]
            for (name, measured, required) in rows {
                try html.row {
                    try html.element("td", text: name)
                    try html.numberCell(measured)
                    try html.numberCell(required)
                }
            }
        })
    }

    private func conditions(_ evaluation: Evaluation, _ html: HTMLWriter) throws {
        try html.element("h3", text: "Conditions")
        guard !evaluation.conditions.isEmpty else {
            return try html.element("p", text: "The gate has no conditions.")
        }
        try html.table(caption: "Every condition with its value, interval, threshold and result",
                       columns: [.text("Condition"), .text("Metric"), .text("Rule"), .number("Value"),
                                 .number("Compared"), .text("Critical"), .text("Result"), .text("Why")],
                       rows: {
            for condition in evaluation.conditions {
                try html.row {
                    try html.cell(condition.id)
                    try html.cell(condition.metric)
                    try html.element("td", text: "\(condition.statistic.rawValue) \(condition.comparison.symbol) "
                        + formatNumber(condition.threshold))
                    try html.estimateCell(condition.estimate)
                    try html.numberCell(condition.observed)
                    try html.element("td", text: condition.critical ? "critical" : "")
                    try html.badgeCell(condition.result.rawValue)
                    try html.cell(condition.detail ?? (condition.estimate == nil ? "not measured" : ""))
                }
            }
        })
        // Only conditions on a shared 0–1.5 scale (rates, agreement, ratios) are drawn together.
        let bars = evaluation.conditions.compactMap { condition -> HTMLWriter.ChartBar? in
            guard let estimate = condition.estimate else { return nil }
            let numbers = [estimate.value, estimate.lower, estimate.upper, condition.threshold].compactMap { $0 }
            guard numbers.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1.5 }) else { return nil }
            return HTMLWriter.ChartBar(label: condition.id, estimate: estimate, marker: condition.threshold)
        }
        if !bars.isEmpty {
            let top = max(1, bars.flatMap { [$0.estimate.value, $0.estimate.upper ?? 0, $0.marker ?? 0] }.max() ?? 1)
            try html.intervalChart(bars, style: .init(domain: 0...top),
                                   caption: "Conditions with intervals; the dashed mark is each threshold")
        }
    }

    private func historySection(_ html: HTMLWriter) throws {
        try html.element("section") {
            try html.element("h2", text: "Stage history")
            try html.table(caption: "Every recorded stage change with its reason",
                           columns: [.text("Scope"), .text("When"), .text("From"), .text("To"), .text("How"),
                                     .text("By"), .text("Reason"), .text("Gate evaluation")],
                           rows: {
                try stageHistory.forEach { change in
                    try html.row {
                        try html.cell(change.scope)
                        try html.element("td", [HTMLAttribute("data-sort", xmlDateTime(change.at))],
                                         text: displayDateTime(change.at))
                        try html.element("td", text: change.from?.rawValue ?? "—")
                        try html.element("td", text: change.to.rawValue)
                        try html.element("td", text: change.kind.rawValue)
                        try html.cell(change.actor)
                        try html.cell(change.reason)
                        try html.cell(change.evaluationID ?? "")
                    }
                }
            })
        }
    }

    private func runsSection(_ html: HTMLWriter) throws {
        try html.element("section") {
            try html.element("h2", text: "Run costs")
            var total = RunTotals()
            try html.table(caption: "Generation runs: tokens, CPU time and throughput",
                           columns: [.text("Run"), .text("Model"), .text("Backend"), .text("Stage"),
                                     .number("Candidates"), .number("Prompt tokens"), .number("Generated tokens"),
                                     .number("CPU s"), .number("Wall s"), .number("Tokens/s")],
                           rows: {
                try runs.forEach { run in
                    total.add(run)
                    try html.row {
                        try html.cell(run.id)
                        try html.cell(run.model)
                        try html.cell(run.backend)
                        try html.element("td", text: run.stage?.rawValue ?? "—")
                        try costCells(RunTotals(run), html)
                    }
                }
            }, footer: {
                try html.row {
                    try html.element("td", text: "Total (\(total.runs) runs)")
                    for _ in 0..<3 { try html.element("td", text: "") }
                    try costCells(total, html)
                }
            })
        }
    }

    private func costCells(_ costs: RunTotals, _ html: HTMLWriter) throws {
        try html.countCell(costs.candidates)
        try html.countCell(costs.promptTokens)
        try html.countCell(costs.generatedTokens)
        try html.numberCell(costs.cpuSeconds)
        try html.numberCell(costs.wallSeconds)
        try html.numberCell(costs.tokensPerSecond)
    }
}
