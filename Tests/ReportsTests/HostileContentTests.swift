import Foundation
import Testing
@testable import Reports

/// Hostile outputs, prompts and rater texts go through all three reports: the HTML's parsed structure
/// holds no markup from content and every text is still shown; the XML stays valid and keeps the text.
@Suite struct HostileContentTests {
    enum Kind: String, CaseIterable { case session, gate, bias }

    /// Writes the hostile report of `kind`; returns its HTML and XML files.
    func write(_ kind: Kind, into folder: borrowing TemporaryFolder) throws -> (html: URL, xml: URL) {
        switch kind {
        case .session:
            let files = try SampleReports.session(hostile: true).write(into: folder.url)
            return (files[1], files[0])
        case .gate:
            let files = try SampleReports.gate(hostile: true).write(into: folder.url, hostname: "\u{0}<evil>")
            return (files[1], files[0])
        case .bias:
            let files = try SampleReports.bias(hostile: true).write(into: folder.url)
            return (files[1], files[0])
        }
    }

    /// The elements any report may contain; anything else came from content.
    static let allowedElements: Set<String> = [
        "html", "head", "meta", "title", "style", "body", "header", "main", "footer", "section", "article",
        "h1", "h2", "h3", "h4", "p", "ul", "li", "dl", "dt", "dd", "div", "span", "strong", "bdi", "br", "figure", "figcaption", "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
        "svg", "rect", "line", "text", "script",
    ]

    @Test(arguments: Kind.allCases)
    func htmlHasNoMarkupFromContent(kind: Kind) throws {
        let folder = try TemporaryFolder()
        let html = try write(kind, into: folder).html
        let document = try LibXML2.parseHTML(try Data(contentsOf: html))
        let elements = document.all.filter(\.isElement).filter { $0.name != "#document" }
        let unexpected = Set(elements.map(\.name)).subtracting(Self.allowedElements)
        #expect(unexpected.isEmpty, "elements from content: \(unexpected.sorted())")
        let scripts = document.elements("script")
        #expect(scripts.count == 1)
        #expect(scripts.first?.textContent == HTMLPage.sortScript)
        #expect(document.elements("style").count == 1)
        #expect(document.elements("textarea").isEmpty)
        let eventHandlers = elements.flatMap(\.attributes).filter { $0.name.lowercased().hasPrefix("on") }
        #expect(eventHandlers.isEmpty, "\(eventHandlers.map(\.name))")
    }

    @Test(arguments: Kind.allCases)
    func htmlShowsHostileTextAsText(kind: Kind) throws {
        let folder = try TemporaryFolder()
        let html = try write(kind, into: folder).html
        let document = try LibXML2.parseHTML(try Data(contentsOf: html))
        let body = try #require(document.elements("body").first)
        let text = body.elements("main").map(\.textContent).joined() + body.elements("header").map(\.textContent).joined()
        #expect(text.contains("<script>alert('x')</script>"))
        #expect(text.contains("]]><![CDATA[ x ]]>"))
        #expect(text.contains("&amp; &lt; &#x3C;script&#x3E; &unknown;"))
        // Bidirectional overrides are shown, not obeyed; control characters become visible pictures.
        let scalars = text.unicodeScalars.map(\.value)
        #expect(!scalars.contains { (0x202A...0x202E).contains($0) || (0x2066...0x2069).contains($0) || $0 == 0x200F })
        #expect(!scalars.contains { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A })
        #expect(!scalars.contains { (0x7F...0x9F).contains($0) || $0 == 0xFFFE || $0 == 0xFFFF })
        if kind != .session {  // the session report has no free text long enough to carry these
            #expect(text.contains("[U+202E]txt.exe[U+202C]"))
            #expect(text.contains("nul\u{2400} bel\u{2407} bs\u{2408} vt\u{240B} ff\u{240C} esc\u{241B}[31m del\u{2421}"))
            #expect(text.contains(String(repeating: "AbCdEfGhIj", count: 20_000)))
        }
    }

    @Test(arguments: Kind.allCases)
    func xmlIsValidAndKeepsTheText(kind: Kind) throws {
        let folder = try TemporaryFolder()
        let xml = try write(kind, into: folder).xml
        #expect(try validate(fileAt: xml).issues == [])
        let document = try LibXML2.parseXML(xml)
        let texts = document.all.compactMap(\.text) + document.all.flatMap(\.attributes).map(\.value)
        let all = texts.joined(separator: "\n")
        #expect(all.contains("<script>alert('x')</script>"))
        #expect(all.contains("</textarea><script>alert(1)</script><textarea>"))
        #expect(all.contains("]]><![CDATA[ x ]]>"))
        // Characters XML 1.0 forbids are replaced; the rest of the text survives.
        #expect(all.contains("nul\u{FFFD} bel\u{FFFD} bs\u{FFFD} vt\u{FFFD} ff\u{FFFD} esc\u{FFFD}[31m del\u{7F} nel\u{85} \u{FFFD}\u{FFFD} end"))
        #expect(all.contains("\u{202E}txt.exe\u{202C}"))
    }

    @Test func junitWithHostileTextIsValidAgainstBothSchemas() throws {
        let folder = try TemporaryFolder()
        let file = folder.file("junit.xml")
        try SampleReports.gate(hostile: true).junit(hostname: "  \u{1B}\u{0} ").write(to: file)
        for schema in ["jenkins-junit-10.xsd", "ant-junit-strict.xsd"] {
            #expect(LibXML2.validate(file, schema: LibXML2.fixtures.appendingPathComponent("junit/\(schema)")) == [],
                    "\(schema)")
        }
        let document = try LibXML2.parseXML(file)
        #expect(document.elements("testsuite").first?.attribute("hostname") == "\u{FFFD}\u{FFFD}")
    }
}
