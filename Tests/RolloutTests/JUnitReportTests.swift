import Foundation
import GaitCore
import GaitStore
import Testing
@testable import Rollout

/// JUnit XML, checked with libxml2's `xmllint` (Debian package libxml2-utils) against the Jenkins xUnit
/// and the strict Ant schemas kept in Fixtures/.
@Suite struct JUnitReportTests {
    static let hostile = "Ünï <b>&amp; \"q\" 'a' ]]> \u{0}\u{1}\u{8}\u{B}\u{C}\u{1F}\u{FFFE}\u{FFFF} tab\there\nline\r\nend 🚀 \u{7F}\u{85}"

    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)").path
    }

    /// Runs xmllint with the arguments; returns its exit status and combined output.
    static func xmllint(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let candidates = ["/usr/bin/xmllint", "/usr/local/bin/xmllint", "/opt/homebrew/bin/xmllint"]
        let path = try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0) },
                                "xmllint is missing: install Debian's libxml2-utils (apt-get install libxml2-utils)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func write(_ xml: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gait-junit-\(UUID().uuidString).xml").path
        try xml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func expectValid(_ path: String) throws {
        for schema in ["jenkins-junit-10.xsd", "ant-junit-strict.xsd"] {
            let result = try xmllint(["--noout", "--schema", fixture(schema), path])
            #expect(result.status == 0, "\(schema): \(result.output)")
        }
    }

    /// The string value of an XPath expression (xmllint ends it with one newline).
    static func xpath(_ path: String, _ expression: String) throws -> String {
        var output = try xmllint(["--xpath", expression, path]).output
        if output.hasSuffix("\n") { output.removeLast() }
        return output
    }

    /// An evaluation with hostile text wherever text from a prompt, a rule or a model can reach.
    static func hostileEvaluation() -> GateEvaluation {
        let floor = [FloorCheck(name: "min_items", required: 50, observed: 12, met: false),
                     FloorCheck(name: "min_raters", required: 2, observed: 3, met: true)]
        let conditions = [
            ConditionResult(condition: GateCondition(name: hostile, metric: .acceptanceRate, statistic: .ciLow,
                                                     comparison: .atLeast, threshold: 0.8),
                            estimate: MetricEstimate(value: 0.5, low: 0.3, high: 0.7, n: 12, note: hostile),
                            observed: 0.3, result: .fail, decisive: true, explanation: hostile),
            ConditionResult(condition: GateCondition(metric: .alpha, comparison: .atLeast, threshold: 0.667),
                            estimate: MetricEstimate(value: nil, n: 0, note: "α is undefined"), observed: nil,
                            result: .inconclusive, decisive: false, explanation: "not measurable: α is undefined"),
            ConditionResult(condition: GateCondition(metric: .tokens, comparison: .atMost, threshold: 300, critical: true),
                            estimate: MetricEstimate(value: 41, low: 40, high: 42, n: 12), observed: 41, result: .pass,
                            decisive: false, explanation: "value 41 <= 300"),
        ]
        return GateEvaluation(scope: hostile, from: .crawl, to: .walk, outcome: .fail, summary: hostile, floor: floor,
                              conditions: conditions, ratings: 36, items: 12, raters: 3, evidenceSince: nil,
                              daysInStage: 0.5, evaluatedAt: "2026-11-27T08:00:00.123Z", rule: "{}")
    }

    @Test func hostileTextStaysValidAgainstBothSchemas() throws {
        let path = try Self.write(JUnitReport.xml([Self.hostileEvaluation()], hostname: "ci-runner-1"))
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.expectValid(path)
        #expect(try Self.xpath(path, "string(/testsuites/testsuite/@tests)") == "5")
        #expect(try Self.xpath(path, "string(/testsuites/testsuite/@failures)") == "1")
        #expect(try Self.xpath(path, "string(/testsuites/testsuite/@skipped)") == "2")
        #expect(try Self.xpath(path, "string(/testsuites/testsuite/@timestamp)") == "2026-11-27T08:00:00")
        #expect(try Self.xpath(path, "count(//testcase/failure)") == "1")
        #expect(try Self.xpath(path, "count(//testcase/skipped)") == "2")
        #expect(try Self.xpath(path, "string(//testcase/failure/@type)") == "condition")
        // Forbidden characters are gone, the rest survives the round trip (attribute newlines included).
        let expected = "Ünï <b>&amp; \"q\" 'a' ]]>  tab\there\nline\r\nend 🚀 \u{7F}\u{85}"
        #expect(try Self.xpath(path, "string(//property[@name='scope']/@value)") == expected)
        #expect(try Self.xpath(path, "string(//property[@name='condition.1.ci_low']/@value)") == "0.3")
        #expect(try Self.xpath(path, "string(//property[@name='condition.2.value']/@value)") == "")
        #expect(try Self.xpath(path, "string(/testsuites/testsuite/system-out)") == "fail: \(expected)")
    }

    @Test func oneSuitePerEvaluationFromARealGate() throws {
        let w = try GateWorkspace()
        let items = try w.items(12, stage: .crawl)
        try w.rateAll(items) { Answer(accept: $0 != 0, flags: $0 == 3 ? ["harmful"] : [],
                                      comment: "rater said \u{1B}[31m <script>alert(1)</script> \u{0}") }
        let gatekeeper = try Gatekeeper(workspace: w.workspace, rules: .defaults)
        let first = try gatekeeper.evaluate(scope: "faq", from: .crawl, to: .walk)
        let second = try gatekeeper.evaluate(scope: "faq", from: .crawl, to: .walk)
        let path = try Self.write(JUnitReport.xml([first, second], hostname: " "))
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.expectValid(path)
        #expect(try Self.xpath(path, "count(/testsuites/testsuite)") == "2")
        #expect(try Self.xpath(path, "string(/testsuites/testsuite[2]/@id)") == "1")
        #expect(try Self.xpath(path, "string(/testsuites/testsuite[1]/@name)") == "faq.crawl-to-walk")
        #expect(try Self.xpath(path, "string(/testsuites/testsuite[1]/@hostname)") == "localhost")
        #expect(try Self.xpath(path, "string(//testcase[1]/@classname)") == "gait.gate.faq.crawl-to-walk")
        #expect(try Self.xpath(path, "string(//property[@name='outcome']/@value)") == first.outcome.rawValue)
    }

    @Test func theWriterEscapesAndDropsWhatXMLForbids() {
        #expect(XMLWriter.escape("a<b>&\"c\"\t\n\r\u{0}\u{1}\u{FFFF}d", attribute: true) == "a&lt;b&gt;&amp;&quot;c&quot;&#9;&#10;&#13;d")
        #expect(XMLWriter.escape("a<b>&\"c\"\t\n\r\u{0}d", attribute: false) == "a&lt;b&gt;&amp;\"c\"\t\n&#13;d")
        var writer = XMLWriter()
        writer.start("a", ["x": "1"])
        writer.element("b", text: "")
        writer.element("c", text: "t")
        writer.end()
        #expect(writer.document == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a x=\"1\">\n  <b/>\n  <c>t</c>\n</a>\n")
    }
}
