/// Tables: every row is in the markup (nothing depends on the script), numbers right-aligned and
/// carrying `data-sort` so the optional script sorts them numerically.
extension HTMLWriter {
    /// A column heading.
    struct Column {
        let title: String
        let numeric: Bool

        static func text(_ title: String) -> Column { Column(title: title, numeric: false) }
        static func number(_ title: String) -> Column { Column(title: title, numeric: true) }
    }

    /// Writes a table in a horizontally scrollable wrapper (for phones).
    func table(caption: String, columns: [Column], sortable: Bool = true,
               rows: () throws -> Void, footer: (() throws -> Void)? = nil) throws {
        try element("div", [HTMLAttribute("class", "table-wrap")]) {
            try element("table", sortable ? [HTMLAttribute("class", "sortable")] : []) {
                try element("caption", [HTMLAttribute("class", "muted")], text: caption)
                try element("thead") {
                    try element("tr") {
                        for column in columns {
                            let attributes = [HTMLAttribute("scope", "col")]
                                + (column.numeric ? [HTMLAttribute("class", "num")] : [])
                            try element("th", attributes, text: column.title)
                        }
                    }
                }
                try newline()
                try element("tbody", [], rows)
                if let footer {
                    try element("tfoot", [], footer)
                }
            }
        }
        try newline()
    }

    /// Writes a table row.
    func row(_ body: () throws -> Void) throws {
        try element("tr", [], body)
        try newline()
    }

    /// A cell of text from content, isolated from the surrounding text direction.
    func cell(_ text: String, class className: String? = nil) throws {
        try element("td", className.map { [HTMLAttribute("class", $0)] } ?? []) {
            try element("bdi", text: text)
        }
    }

    /// A numeric cell showing `text` and sorting by `value`; empty (a dash) when `value` is nil.
    func numberCell(_ value: Double?, text: String? = nil) throws {
        guard let value else {
            try element("td", [HTMLAttribute("class", "num muted")], text: "—")
            return
        }
        try element("td", [HTMLAttribute("class", "num"), HTMLAttribute("data-sort", sortKey(value))],
                    text: text ?? formatNumber(value))
    }

    /// A count cell.
    func countCell(_ count: Int) throws {
        try element("td", [HTMLAttribute("class", "num"), HTMLAttribute("data-sort", String(count))],
                    text: String(count))
    }

    /// An estimate with its interval underneath, or a dash.
    func estimateCell(_ estimate: ReportEstimate?, percent: Bool = false) throws {
        guard let estimate else { return try numberCell(nil) }
        let show: (Double) -> String = { percent ? formatPercent($0) : formatNumber($0) }
        try element("td", [HTMLAttribute("class", "num"), HTMLAttribute("data-sort", sortKey(estimate.value))]) {
            try text(show(estimate.value))
            if let (lower, upper) = estimate.interval {
                try void("br")
                try element("span", [HTMLAttribute("class", "muted")], text: "\(show(lower))–\(show(upper))")
            }
        }
    }

    /// An outcome or verdict shown as a coloured word.
    func badgeCell(_ word: String) throws {
        try element("td") { try badge(word) }
    }

    /// An outcome or verdict as a coloured word (the colour is a class named after it).
    func badge(_ word: String) throws {
        try element("span", [HTMLAttribute("class", "badge \(word)")], text: word)
    }

    private func sortKey(_ value: Double) -> String {
        if value.isNaN { return "" }
        if value.isInfinite { return value > 0 ? "1e308" : "-1e308" }
        return "\(value)"
    }
}
