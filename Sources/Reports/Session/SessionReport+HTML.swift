import Foundation

extension SessionReport {
    /// Writes the report as one self-contained HTML file (inline CSS and SVG, no external references).
    ///
    /// - Throws: ``ReportError`` when writing fails (nothing is left at `url`), or what the rows throw.
    public func writeHTML(to url: URL) throws {
        try writeHTMLFile(to: url) { try writeHTML(to: $0) }
    }

    func writeHTML(to html: HTMLWriter) throws {
        try HTMLPage.write(header, kind: "session", to: html) {
            try summary(html)
            try ratersSection(html)
            try sessionsSection(html)
        }
    }

    private func summary(_ html: HTMLWriter) throws {
        let total = raters.reduce(Activity(rated: 0)) { $0.adding($1.activity) }
        try html.element("section") {
            try html.element("h2", text: "Summary")
            try html.element("p") {
                try html.text("\(raters.count) raters rated \(total.rated) items, skipped \(total.skipped), "
                    + "discarded \(total.discarded) and undid \(total.undone) ratings. ")
                if let median = medianSecondsPerItem {
                    try html.text("The median time per rated item was \(formatNumber(median)) s.")
                } else {
                    try html.text("No item was rated, so there is no time per item.")
                }
            }
            try html.histogram(timePerItem, caption: "Time per rated item, all raters (\(timePerItem.total) ratings)")
        }
    }

    private func ratersSection(_ html: HTMLWriter) throws {
        try html.element("section") {
            try html.element("h2", text: "Raters")
            try html.table(caption: "Per rater: what they did, how long it took, agreement and gold accuracy",
                           columns: [.text("Rater"), .text("Role"), .number("Sessions"), .number("Rated"),
                                     .number("Skipped"), .number("Discarded"), .number("Undone"),
                                     .number("Median s/item"), .number("Agreement"), .number("Gold accuracy"),
                                     .text("Flags")],
                           rows: {
                for rater in raters {
                    try html.row {
                        try html.cell(rater.name)
                        try html.cell(rater.role)
                        try html.countCell(rater.sessions)
                        try html.countCell(rater.activity.rated)
                        try html.countCell(rater.activity.skipped)
                        try html.countCell(rater.activity.discarded)
                        try html.countCell(rater.activity.undone)
                        try html.numberCell(rater.medianSecondsPerItem)
                        try html.estimateCell(rater.agreement?.estimate)
                        try html.estimateCell(rater.gold?.estimate, percent: true)
                        try html.cell(flagText(rater.flags))
                    }
                }
            })
            let agreement = raters.compactMap { rater in
                rater.agreement.map { HTMLWriter.ChartBar(label: rater.name, estimate: $0.estimate) }
            }
            if !agreement.isEmpty {
                let metrics = Set(raters.compactMap { $0.agreement?.metric }).sorted().joined(separator: ", ")
                let lowest = min(0, agreement.map { $0.estimate.lower ?? $0.estimate.value }.min() ?? 0)
                try html.intervalChart(agreement, style: .init(domain: lowest...1),
                                       caption: "Agreement with the other raters (\(metrics)), with intervals")
            }
            let gold = raters.compactMap { rater in
                rater.gold.map { HTMLWriter.ChartBar(label: rater.name, estimate: $0.estimate) }
            }
            if !gold.isEmpty {
                try html.intervalChart(gold, style: .init(domain: 0...1, percent: true),
                                       caption: "Accuracy on gold items, with intervals")
            }
            try html.element("h3", text: "Time per item by rater")
            for rater in raters where !rater.timePerItem.bins.isEmpty {
                try html.element("h4") { try html.element("bdi", text: rater.name) }
                try html.histogram(rater.timePerItem,
                                   caption: "Time per rated item of \(rater.name) (\(rater.timePerItem.total) ratings)")
                if let agreement = rater.agreement {
                    try html.element("p", text: "Agreement measured with \(agreement.metric) on "
                        + "\(agreement.sharedItems) items shared with other raters.")
                }
                if let gold = rater.gold {
                    try html.element("p", text: "\(gold.correct) of \(gold.items) gold items answered as expected.")
                }
            }
        }
    }

    private func sessionsSection(_ html: HTMLWriter) throws {
        try html.element("section") {
            try html.element("h2", text: "Sessions")
            try html.table(caption: "Per rater and review session",
                           columns: [.text("Rater"), .text("Session"), .text("Started"), .text("Ended"),
                                     .number("Rated"), .number("Skipped"), .number("Discarded"),
                                     .number("Undone"), .number("Median s/item"), .text("Flags")],
                           rows: {
                try sessions.forEach { session in
                    try html.row {
                        try html.cell(session.rater)
                        try html.cell(session.id)
                        try html.element("td", text: displayDateTime(session.started))
                        try html.element("td", text: session.ended.map(displayDateTime) ?? "not closed")
                        try html.countCell(session.activity.rated)
                        try html.countCell(session.activity.skipped)
                        try html.countCell(session.activity.discarded)
                        try html.countCell(session.activity.undone)
                        try html.numberCell(session.medianSecondsPerItem)
                        try html.cell(flagText(session.flags))
                    }
                }
            })
        }
    }

    private func flagText(_ flags: [FlagCount]) -> String {
        flags.map { "\($0.flag) ×\($0.count)" }.joined(separator: ", ")
    }
}
