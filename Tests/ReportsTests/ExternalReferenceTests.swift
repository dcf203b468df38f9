import Foundation
import Testing
@testable import Reports

/// A report loads nothing: no attribute points anywhere, no element fetches, the stylesheet has no
/// `url()` or `@import`, and a content security policy forbids any load the markup might still make.
@Suite struct ExternalReferenceTests {
    static let referencingAttributes: Set<String> = [
        "href", "src", "srcset", "action", "formaction", "poster", "data", "background", "xlink:href",
        "codebase", "cite", "longdesc", "manifest", "ping", "usemap", "lowsrc", "dynsrc",
    ]
    static let fetchingElements: Set<String> = [
        "link", "img", "iframe", "frame", "object", "embed", "base", "form", "audio", "video", "source",
        "track", "image", "use", "feimage", "picture", "applet", "portal",
    ]

    static func htmlFiles(in folder: borrowing TemporaryFolder, hostile: Bool) throws -> [URL] {
        [try SampleReports.session(hostile: hostile).write(into: folder.url)[1],
         try SampleReports.gate(hostile: hostile).write(into: folder.url, hostname: "h")[1],
         try SampleReports.bias(hostile: hostile).write(into: folder.url)[1]]
    }

    @Test(arguments: [false, true])
    func htmlReferencesNothingOutside(hostile: Bool) throws {
        let folder = try TemporaryFolder()
        for file in try Self.htmlFiles(in: folder, hostile: hostile) {
            let document = try LibXML2.parseHTML(try Data(contentsOf: file))
            let elements = document.all.filter(\.isElement)
            let fetching = elements.map(\.name).filter { Self.fetchingElements.contains($0.lowercased()) }
            #expect(fetching.isEmpty, "\(file.lastPathComponent): \(fetching)")
            for element in elements {
                for attribute in element.attributes {
                    #expect(!Self.referencingAttributes.contains(attribute.name.lowercased()),
                            "\(file.lastPathComponent): <\(element.name) \(attribute.name)=\(attribute.value)>")
                    #expect(!attribute.value.lowercased().contains("url("), "\(element.name) \(attribute.name)")
                    #expect(attribute.name.lowercased() != "style", "inline style attributes are not used")
                }
            }
            let css = document.elements("style").map(\.textContent).joined()
            #expect(!css.lowercased().contains("url("))
            #expect(!css.lowercased().contains("@import"))
            let metas = document.elements("meta")
            let policy = metas.first { $0.attribute("http-equiv") == "Content-Security-Policy" }?.attribute("content")
            // The policy pins the stylesheet and script by hash: nothing else may apply or run.
            let style = try #require(document.elements("style").first).textContent
            let script = try #require(document.elements("script").first).textContent
            #expect(policy == "default-src 'none'; style-src '\(HTMLPage.hashSource(style))'; "
                + "script-src '\(HTMLPage.hashSource(script))'; form-action 'none'; base-uri 'none'")
            #expect(policy?.contains("unsafe") == false)
            #expect(metas.contains { $0.attribute("name") == "viewport" })
            #expect(!script.contains("http"))
            #expect(!script.contains("fetch("))
            #expect(!script.contains("XMLHttpRequest"))
        }
    }

    @Test func hashSourcesAreBase64SHA256() {
        // The CSP hash-source form of the W3C CSP Level 3 specification, checked against Python's hashlib.
        #expect(HTMLPage.hashSource("abc") == "sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=")
    }

    @Test func stylesheetSupportsPrintAndPhones() throws {
        let css = try #require(EmbeddedResources.text("reports/report.css"))
        #expect(css.contains("@media print"))
        #expect(css.contains("@media (max-width:"))
        #expect(!css.lowercased().contains("url("))
        #expect(!css.lowercased().contains("@import"))
    }

    @Test func tablesShowEveryRowWithoutScripts() throws {
        let folder = try TemporaryFolder()
        var report = SampleReports.gate()
        let runs = (0..<250).map { index in
            GateReport.RunCost(id: "run-\(index)", model: "m", backend: "embedded", stage: .walk, candidates: 1,
                               promptTokens: 1, generatedTokens: 2, cpuSeconds: 1, wallSeconds: 1)
        }
        report.runs = ReportRows(runs)
        let file = folder.file("gate.html")
        try report.writeHTML(to: file)
        let document = try LibXML2.parseHTML(try Data(contentsOf: file))
        let tables = document.elements("table")
        let runTable = try #require(tables.first { $0.textContent.contains("run-249") })
        #expect(runTable.attribute("class") == "sortable")
        #expect(runTable.elements("tbody").first?.elements("tr").count == 250)
        #expect(runTable.elements("tfoot").first?.textContent.contains("Total (250 runs)") == true)
    }
}
