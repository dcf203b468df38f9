import Foundation
import Testing
@testable import Reports

/// A string of the given scalars (some noncharacters cannot be written as literals).
func scalars(_ values: [UInt32]) -> String {
    String(String.UnicodeScalarView(values.compactMap(Unicode.Scalar.init)))
}

@Suite struct HTMLWriterTests {
    static let cases: [(String, String, String)] = [
        ("<b>&\"'", "&lt;b&gt;&amp;&quot;&#39;", "&lt;b&gt;&amp;&quot;&#39;"),
        ("a\r\nb\rc\nd\te", "a\nb\nc\nd\te", "a b c d e"),
        ("\u{0}\u{1B}\u{7F}", "\u{2400}\u{241B}\u{2421}", "\u{2400}\u{241B}\u{2421}"),
        (scalars([0x85, 0x9F, 0xFFFE, 0x1FFFF, 0xFDD0]), "\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}",
         "\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}"),
        ("a\u{202E}b", "a<span class=\"ctl\">[U+202E]</span>b", "a[U+202E]b"),
        ("\u{2066}\u{2069}\u{200E}\u{061C}", "<span class=\"ctl\">[U+2066]</span><span class=\"ctl\">[U+2069]</span>"
            + "<span class=\"ctl\">[U+200E]</span><span class=\"ctl\">[U+61C]</span>", "[U+2066][U+2069][U+200E][U+61C]"),
        ("Ünïcødé 名前 مرحبا 🙂", "Ünïcødé 名前 مرحبا 🙂", "Ünïcødé 名前 مرحبا 🙂"),
    ]

    @Test(arguments: cases)
    func textIsEscapedAndNeutralised(input: String, text: String, attribute: String) {
        #expect(HTMLWriter.neutralised(input, inAttribute: false) == text)
        #expect(HTMLWriter.neutralised(input, inAttribute: true) == attribute)
    }

    @Test func elementsAndAttributes() throws {
        let sink = StringSink()
        let html = HTMLWriter(sink: sink)
        try html.element("p", [HTMLAttribute("title", "x\"><script>")]) {
            try html.text("1 < 2")
            try html.void("br")
            try html.element("bdi", text: "</p>")
        }
        #expect(sink.text == "<p title=\"x&quot;&gt;&lt;script&gt;\">1 &lt; 2<br><bdi>&lt;/p&gt;</bdi></p>")
    }

    @Test func trustedConstantsCannotEndTheirElement() throws {
        let html = HTMLWriter(sink: StringSink())
        #expect(throws: ReportError.unsafeConstant(name: "style.css", reason: "it contains </style")) {
            try html.trustedStyle("p{} </STYLE><script>", name: "style.css")
        }
        #expect(throws: ReportError.unsafeConstant(name: "sort.js", reason: "it contains </script or <!--")) {
            try html.trustedScript("x = '</script>'", name: "sort.js")
        }
        #expect(ReportError.unsafeConstant(name: "sort.js", reason: "it contains </script or <!--").description
            == "sort.js cannot be embedded: it contains </script or <!--")
    }

    @Test func disparityChartDrawsTheFourFifthsBandAndParity() throws {
        let sink = StringSink()
        try HTMLWriter(sink: sink).intervalChart(
            [.init(label: "female", estimate: ReportEstimate(value: 0.75, lower: 0.65, upper: 0.86))],
            style: .init(domain: 0...2, band: 0.8...1.25, parity: 1), caption: "ratio")
        let document = try LibXML2.parseHTML(Data(sink.text.utf8))
        let band = try #require(document.elements("rect").first { $0.attribute("class") == "band" })
        // The plot spans x = 170…570 for the domain 0…2: 0.8 → 330, 1.25 → 420.
        #expect(band.attribute("x") == "330.0")
        #expect(band.attribute("width") == "90.0")
        let parity = try #require(document.elements("line").first { $0.attribute("class") == "parity" })
        #expect(parity.attribute("x1") == "370.0")
        let whiskers = document.elements("line").filter { $0.attribute("class") == "whisker" }
        #expect(whiskers.first.map { [$0.attribute("x1"), $0.attribute("x2")] } == ["300.0", "342.0"])
        let bar = try #require(document.elements("rect").first { $0.attribute("class") == "bar" })
        #expect(bar.attribute("width") == "150.0")
        #expect(document.elements("text").map(\.textContent).contains("1.25"))
    }

    @Test func histogramBarsAreProportionalToCounts() throws {
        let sink = StringSink()
        try HTMLWriter(sink: sink).histogram(
            ReportHistogram(unit: "s", bins: [.init(lower: 0, upper: 5, count: 2), .init(lower: 5, upper: 10, count: 8)]),
            caption: "time")
        let document = try LibXML2.parseHTML(Data(sink.text.utf8))
        let heights = document.elements("rect").compactMap { $0.attribute("height") }
        #expect(heights == ["40.0", "160.0"])
        #expect(document.elements("figcaption").first?.textContent == "time")
    }

    @Test func emptyHistogramSaysSo() throws {
        let sink = StringSink()
        try HTMLWriter(sink: sink).histogram(ReportHistogram(unit: "s", bins: []), caption: "Time per item")
        #expect(sink.text == "<p class=\"muted\">Time per item: no observations.</p>")
    }
}

@Suite struct FormattingTests {
    @Test(arguments: [(0.8, "0.8"), (1e-05, "1e-05"), (100, "100.0"), (.infinity, "INF"), (-.infinity, "-INF"),
                      (.nan, "NaN")])
    func xmlDoubles(value: Double, text: String) {
        #expect(xmlDouble(value) == text)
    }

    @Test(arguments: [(0.8, "0.8"), (0.00002, "2.00e-05"), (1500, "1500"), (0.6667, "0.667"), (-0.0001, "-1.00e-04"),
                      (.infinity, "∞"), (0, "0")])
    func numbersForPeople(value: Double, text: String) {
        #expect(formatNumber(value) == text)
    }

    @Test(arguments: [(0.05, 1, "0.1"), (-0.04, 1, "0.0"), (-2.5, 1, "-2.5"), (12.3456, 3, "12.346"), (7, 0, "7"),
                      (0.0005, 3, "0.001"), (1e20, 1, "100000000000000000000.0")])
    func fixedDecimals(value: Double, decimals: Int, text: String) {
        #expect(fixed(value, decimals: decimals) == text)
    }

    @Test func datesAreUTC() {
        let date = Date(timeIntervalSince1970: 1_795_000_000.75)
        #expect(xmlDateTime(date) == "2026-11-18T11:06:40Z")
        #expect(localDateTime(date) == "2026-11-18T11:06:40")
        #expect(displayDateTime(date) == "2026-11-18 11:06 UTC")
    }

    @Test(arguments: [(0.0123, "0.012"), (0, "0.000"), (-1, "0.000"), (.nan, "0.000"), (1234.5678, "1234.568")])
    func junitSeconds(value: Double, text: String) {
        #expect(decimalSeconds(value) == text)
    }

    @Test func xmlForbiddenCharactersAreReplaced() {
        #expect(xmlSafe("a\u{0}b\u{B}c\u{FFFE}d\u{FFFF}e\u{1F}") == "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}e\u{FFFD}")
        #expect(xmlSafe("tab\tnl\ncr\r\u{85}\u{10FFFF}") == "tab\tnl\ncr\r\u{85}\u{10FFFF}")
        #expect(tokenText(" a \t b\n", fallback: "x") == "a b")
        #expect(tokenText(" \n", fallback: "x") == "x")
    }

    @Test func rowsStreamInOrderEveryTime() throws {
        let rows = ReportRows<Int> { emit in for value in 1...3 { try emit(value) } }
        var seen: [Int] = []
        try rows.forEach { seen.append($0) }
        try rows.forEach { seen.append($0) }
        #expect(seen == [1, 2, 3, 1, 2, 3])
        var none = 0
        try ReportRows<Int>.empty.forEach { _ in none += 1 }
        #expect(none == 0)
    }

    @Test func fourFifthsBandEdges() {
        func slice(_ ratio: Double?) -> BiasReport.Slice {
            BiasReport.Slice(value: "x", items: 1, quality: ReportEstimate(value: 1), passRate: ReportEstimate(value: 1),
                             disparityRatio: ratio.map { ReportEstimate(value: $0) }, p: nil, adjustedP: nil,
                             agreement: nil, verdict: .noEvidence)
        }
        #expect(slice(0.79).fourFifths == .below)
        #expect(slice(0.8).fourFifths == .within)
        #expect(slice(1.25).fourFifths == .within)
        #expect(slice(1.26).fourFifths == .above)
        #expect(slice(nil).fourFifths == .notApplicable)
    }
}
