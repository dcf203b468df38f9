import Foundation

/// Inline SVG charts: interval bars (with the four-fifths band for disparity ratios) and histograms.
/// Every label that came from content is written through the escaping writer like any other text.
extension HTMLWriter {
    /// One bar of an interval chart.
    struct ChartBar {
        let label: String
        let estimate: ReportEstimate
        /// A threshold to mark on this bar's row.
        var marker: Double? = nil
    }

    /// The decoration of an interval chart.
    struct ChartStyle {
        /// The value range drawn.
        var domain: ClosedRange<Double>
        /// A band to shade behind the bars (the four-fifths band 0.8–1.25).
        var band: ClosedRange<Double>? = nil
        /// A vertical line across all rows (parity at 1).
        var parity: Double? = nil
        /// Whether values are shares shown as percentages.
        var percent: Bool = false
    }

    /// Writes horizontal bars from the domain's start to each value, with whiskers for the intervals.
    func intervalChart(_ bars: [ChartBar], style: ChartStyle, caption: String) throws {
        guard !bars.isEmpty else { return }
        let labelWidth = 170.0, plotWidth = 400.0, rowHeight = 26.0, top = 8.0
        let width = labelWidth + plotWidth + 90
        let height = top + rowHeight * Double(bars.count) + 24
        let span = max(style.domain.upperBound - style.domain.lowerBound, .ulpOfOne)
        func x(_ value: Double) -> Double {
            let clamped = min(max(value.isNaN ? style.domain.lowerBound : value, style.domain.lowerBound),
                              style.domain.upperBound)
            return labelWidth + (clamped - style.domain.lowerBound) / span * plotWidth
        }
        let show: (Double) -> String = { style.percent ? formatPercent($0) : formatNumber($0) }
        try element("figure") {
            try svg(width: width, height: height, label: caption) {
                let plotBottom = top + rowHeight * Double(bars.count)
                if let band = style.band {
                    try rect(x: x(band.lowerBound), y: top, width: x(band.upperBound) - x(band.lowerBound),
                             height: plotBottom - top, class: "band")
                }
                for (index, bar) in bars.enumerated() {
                    let y = top + rowHeight * Double(index)
                    try svgText(truncated(bar.label), x: labelWidth - 8, y: y + rowHeight * 0.62, anchor: "end")
                    try rect(x: x(style.domain.lowerBound), y: y + 5,
                             width: max(x(bar.estimate.value) - x(style.domain.lowerBound), 0),
                             height: rowHeight - 10, class: "bar")
                    if let (lower, upper) = bar.estimate.interval {
                        let middle = y + rowHeight / 2
                        try line(x1: x(lower), y1: middle, x2: x(upper), y2: middle, class: "whisker")
                        try line(x1: x(lower), y1: middle - 6, x2: x(lower), y2: middle + 6, class: "whisker")
                        try line(x1: x(upper), y1: middle - 6, x2: x(upper), y2: middle + 6, class: "whisker")
                    }
                    if let marker = bar.marker {
                        try line(x1: x(marker), y1: y + 2, x2: x(marker), y2: y + rowHeight - 2, class: "threshold")
                    }
                    try svgText(show(bar.estimate.value), x: labelWidth + plotWidth + 8, y: y + rowHeight * 0.62,
                                anchor: "start")
                }
                if let parity = style.parity {
                    try line(x1: x(parity), y1: top, x2: x(parity), y2: plotBottom, class: "parity")
                }
                try line(x1: labelWidth, y1: plotBottom, x2: labelWidth + plotWidth, y2: plotBottom, class: "axis")
                var ticks = [style.domain.lowerBound, style.domain.upperBound]
                if let band = style.band { ticks += [band.lowerBound, band.upperBound] }
                if let parity = style.parity { ticks.append(parity) }
                for tick in Set(ticks).sorted() {
                    try svgText(show(tick), x: x(tick), y: plotBottom + 16, anchor: "middle")
                }
            }
            try element("figcaption", text: caption)
        }
    }

    /// Writes a histogram: one vertical bar per bin, height proportional to its count.
    func histogram(_ histogram: ReportHistogram, caption: String) throws {
        guard !histogram.bins.isEmpty else {
            try element("p", [HTMLAttribute("class", "muted")], text: "\(caption): no observations.")
            return
        }
        let left = 50.0, plotWidth = 560.0, plotHeight = 160.0, top = 10.0
        let width = left + plotWidth + 20, height = top + plotHeight + 40
        let maxCount = max(histogram.bins.map(\.count).max() ?? 1, 1)
        let barWidth = plotWidth / Double(histogram.bins.count)
        let bottom = top + plotHeight
        try element("figure") {
            try svg(width: width, height: height, label: caption) {
                for (index, bin) in histogram.bins.enumerated() {
                    let barHeight = Double(bin.count) / Double(maxCount) * plotHeight
                    try rect(x: left + barWidth * Double(index) + 0.5, y: bottom - barHeight,
                             width: max(barWidth - 1, 0.5), height: barHeight, class: "bar")
                }
                try line(x1: left, y1: bottom, x2: left + plotWidth, y2: bottom, class: "axis")
                try line(x1: left, y1: top, x2: left, y2: bottom, class: "axis")
                try svgText(String(maxCount), x: left - 6, y: top + 10, anchor: "end")
                try svgText("0", x: left - 6, y: bottom, anchor: "end")
                let step = max(histogram.bins.count / 6, 1)
                for index in stride(from: 0, to: histogram.bins.count, by: step) {
                    try svgText(formatNumber(histogram.bins[index].lower), x: left + barWidth * Double(index),
                                y: bottom + 16, anchor: "middle")
                }
                if let last = histogram.bins.last {
                    try svgText(formatNumber(last.upper), x: left + plotWidth, y: bottom + 16, anchor: "middle")
                }
                try svgText(histogram.unit, x: left + plotWidth / 2, y: bottom + 34, anchor: "middle")
            }
            try element("figcaption", text: caption)
        }
    }

    private func svg(width: Double, height: Double, label: String, _ body: () throws -> Void) throws {
        try element("svg", [HTMLAttribute("class", "chart"), HTMLAttribute("role", "img"),
                            HTMLAttribute("aria-label", label),
                            HTMLAttribute("viewBox", "0 0 \(coordinate(width)) \(coordinate(height))")], body)
    }

    /// Colours as presentation attributes too, for renderers that do not apply the page's CSS to SVG
    /// (the stylesheet's rules take precedence where they apply).
    private static let paint: [String: [HTMLAttribute]] = [
        "bar": [HTMLAttribute("fill", "#3b6ea8")],
        "band": [HTMLAttribute("fill", "#dcefdc")],
        "whisker": [HTMLAttribute("stroke", "#1d2329"), HTMLAttribute("stroke-width", "1.5")],
        "parity": [HTMLAttribute("stroke", "#b3261e"), HTMLAttribute("stroke-width", "1.5"),
                   HTMLAttribute("stroke-dasharray", "4 3")],
        "threshold": [HTMLAttribute("stroke", "#b3261e"), HTMLAttribute("stroke-width", "1.5"),
                      HTMLAttribute("stroke-dasharray", "4 3")],
        "axis": [HTMLAttribute("stroke", "#5c6670"), HTMLAttribute("stroke-width", "1")],
    ]

    private func rect(x: Double, y: Double, width: Double, height: Double, class className: String) throws {
        try element("rect", (Self.paint[className] ?? []) + [HTMLAttribute("class", className), HTMLAttribute("x", coordinate(x)),
                             HTMLAttribute("y", coordinate(y)), HTMLAttribute("width", coordinate(width)),
                             HTMLAttribute("height", coordinate(height))]) {}
    }

    private func line(x1: Double, y1: Double, x2: Double, y2: Double, class className: String) throws {
        try element("line", (Self.paint[className] ?? []) + [HTMLAttribute("class", className), HTMLAttribute("x1", coordinate(x1)),
                             HTMLAttribute("y1", coordinate(y1)), HTMLAttribute("x2", coordinate(x2)),
                             HTMLAttribute("y2", coordinate(y2))]) {}
    }

    private func svgText(_ content: String, x: Double, y: Double, anchor: String) throws {
        try element("text", [HTMLAttribute("x", coordinate(x)), HTMLAttribute("y", coordinate(y)),
                             HTMLAttribute("text-anchor", anchor)], text: content)
    }

    private func coordinate(_ value: Double) -> String {
        fixed(value.isFinite ? value : 0, decimals: 1)
    }

    /// Chart labels are cut to fit; the tables beside the charts show the whole text.
    private func truncated(_ label: String) -> String {
        label.count > 24 ? String(label.prefix(23)) + "…" : label
    }
}
