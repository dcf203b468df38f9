import Foundation

extension BiasReport {
    /// Writes the report as one self-contained HTML file (inline CSS and SVG, no external references).
    ///
    /// - Throws: ``ReportError`` when writing fails (nothing is left at `url`), or what the rows throw.
    public func writeHTML(to url: URL) throws {
        try writeHTMLFile(to: url) { try writeHTML(to: $0) }
    }

    func writeHTML(to html: HTMLWriter) throws {
        try HTMLPage.write(header, kind: "bias", to: html) {
            try html.element("section") {
                try html.element("h2", text: "Method")
                try html.element("p", text: method.plainText)
            }
            if attributes.isEmpty {
                try html.element("p", text: "No attribute was audited: the prompts carry no slice labels.")
            }
            for attribute in attributes { try section(attribute, html) }
            try counterfactualSection(html)
        }
    }

    private func section(_ attribute: Attribute, _ html: HTMLWriter) throws {
        try html.element("section") {
            try html.element("h2") {
                try html.text("Attribute ")
                try html.element("bdi", text: attribute.name)
                try html.text(" ")
                try html.badge(attribute.verdict.rawValue)
            }
            try html.element("p") {
                try html.text("Reference slice: ")
                try html.element("bdi", text: attribute.reference)
                try html.text(". \(attribute.slices.count) slices.")
            }
            try html.table(caption: "Slices of \(attribute.name): quality, pass rate, disparity ratio, tests, agreement",
                           columns: [.text("Slice"), .number("Items"), .number("Quality"), .number("Pass rate"),
                                     .number("Disparity ratio"), .text("Four-fifths band"), .number("p"),
                                     .number("Adjusted p"), .number("Agreement"), .text("Verdict")],
                           rows: {
                for slice in attribute.slices {
                    try html.row {
                        try html.cell(slice.value)
                        try html.countCell(slice.items)
                        try html.estimateCell(slice.quality)
                        try html.estimateCell(slice.passRate, percent: true)
                        try html.estimateCell(slice.disparityRatio)
                        try html.element("td", [HTMLAttribute("class", slice.fourFifths.rawValue)],
                                         text: slice.fourFifths.rawValue)
                        try html.numberCell(slice.p)
                        try html.numberCell(slice.adjustedP)
                        try html.estimateCell(slice.agreement?.estimate)
                        try html.badgeCell(slice.verdict.rawValue)
                    }
                }
            })
            let passBars = attribute.slices.map { HTMLWriter.ChartBar(label: $0.value, estimate: $0.passRate) }
            try html.intervalChart(passBars, style: .init(domain: 0...1, percent: true),
                                   caption: "Pass rate of each slice of \(attribute.name), with intervals")
            let qualityBars = attribute.slices.map { HTMLWriter.ChartBar(label: $0.value, estimate: $0.quality) }
            let qualityValues = attribute.slices.flatMap { [$0.quality.value, $0.quality.lower, $0.quality.upper] }
                .compactMap { $0 }.filter(\.isFinite)
            let qualityDomain = min(0, qualityValues.min() ?? 0)...max(1, qualityValues.max() ?? 1)
            try html.intervalChart(qualityBars, style: .init(domain: qualityDomain),
                                   caption: "Quality of each slice of \(attribute.name), with intervals")
            let ratioBars = attribute.slices.compactMap { slice in
                slice.disparityRatio.map { HTMLWriter.ChartBar(label: slice.value, estimate: $0) }
            }
            if !ratioBars.isEmpty {
                let largest = ratioBars.flatMap { [$0.estimate.value, $0.estimate.upper ?? 0] }
                    .filter(\.isFinite).max() ?? 1
                try html.intervalChart(ratioBars,
                                       style: .init(domain: 0...min(max(1.5, largest * 1.05), 4),
                                                    band: BiasReport.fourFifthsLower...BiasReport.fourFifthsUpper,
                                                    parity: 1),
                                       caption: "Disparity ratio to \(attribute.reference) with intervals; "
                                           + "the shaded band is 0.8–1.25 (four-fifths rule), the dashed line parity")
            }
        }
        try html.newline()
    }

    private func counterfactualSection(_ html: HTMLWriter) throws {
        try html.element("section") {
            try html.element("h2", text: "Counterfactual pairs")
            if let summary = counterfactualSummary {
                let pairs = summary.pairs == 1 ? "1 pair" : "\(summary.pairs) pairs"
                try html.element("p", text: "\(pairs) rated on both sides. Mean quality difference "
                    + "(second − first): \(formatNumber(summary.meanDifference.value))"
                    + (summary.meanDifference.interval.map {
                        " (interval \(formatNumber($0.lower))–\(formatNumber($0.upper)))" } ?? "")
                    + "; \(summary.test): p = \(formatNumber(summary.p)).")
            } else {
                try html.element("p", text: "No counterfactual pair was rated on both sides.")
            }
            try html.element("div", [HTMLAttribute("class", "pairs")]) {
                try counterfactualPairs.forEach { pair in
                    try html.element("article", [HTMLAttribute("class", "pair")]) {
                        try html.element("h3") {
                            try html.text("Group ")
                            try html.element("bdi", text: pair.group)
                            try html.text(" · ")
                            try html.element("bdi", text: pair.attribute)
                            if let difference = pair.difference {
                                try html.text(" · difference \(formatNumber(difference))")
                            }
                        }
                        try html.element("div", [HTMLAttribute("class", "sides")]) {
                            for side in [pair.first, pair.second] { try write(side, html) }
                        }
                    }
                    try html.newline()
                }
            }
        }
    }

    private func write(_ side: CounterfactualSide, _ html: HTMLWriter) throws {
        try html.element("div", [HTMLAttribute("class", "side")]) {
            try html.element("p") {
                try html.element("strong") { try html.element("bdi", text: side.attributeValue) }
                try html.text(" · prompt ")
                try html.element("bdi", text: side.promptID)
                try html.text(" · quality " + (side.quality.map(formatNumber) ?? "not rated"))
            }
            try html.element("div", [HTMLAttribute("class", "output"), HTMLAttribute("dir", "auto")], text: side.prompt)
            try html.element("div", [HTMLAttribute("class", "output"), HTMLAttribute("dir", "auto")], text: side.output)
        }
    }
}
