import Foundation
import Testing
@testable import Reports

@Suite struct JUnitReportTests {
    static let schemas = ["jenkins-junit-10.xsd", "ant-junit-strict.xsd"]

    func written(_ report: JUnitReport, in folder: borrowing TemporaryFolder) throws -> (URL, LibXML2.Node) {
        let file = folder.file("junit.xml")
        try report.write(to: file)
        return (file, try LibXML2.parseXML(file))
    }

    @Test(arguments: schemas)
    func validAgainstTheFixtureSchema(schema: String) throws {
        let folder = try TemporaryFolder()
        let (file, _) = try written(SampleReports.gate().junit(hostname: "ci-runner-1"), in: folder)
        #expect(LibXML2.validate(file, schema: LibXML2.fixtures.appendingPathComponent("junit/\(schema)")) == [])
    }

    @Test(arguments: schemas)
    func emptyReportIsValidToo(schema: String) throws {
        let folder = try TemporaryFolder()
        let (file, document) = try written(JUnitReport(evaluations: [], hostname: "h"), in: folder)
        #expect(document.elements("testsuite").isEmpty)
        #expect(LibXML2.validate(file, schema: LibXML2.fixtures.appendingPathComponent("junit/\(schema)")) == [])
    }

    @Test func oneSuitePerEvaluationOneCasePerCondition() throws {
        let folder = try TemporaryFolder()
        let (_, document) = try written(SampleReports.gate().junit(hostname: "ci-runner-1"), in: folder)
        let suites = document.elements("testsuite")
        #expect(suites.map { $0.attribute("name") } == ["gate faq crawl-to-walk", "gate medical walk-to-run"])
        #expect(suites.map { $0.attribute("id") } == ["0", "1"])
        #expect(suites.map { $0.attribute("tests") } == ["5", "2"])
        #expect(suites.map { $0.attribute("failures") } == ["1", "0"])
        #expect(suites.map { $0.attribute("skipped") } == ["2", "2"])
        #expect(suites.map { $0.attribute("timestamp") } == ["2026-11-18T11:06:40", "2026-11-18T11:07:40"])
        #expect(suites.map { $0.attribute("time") } == ["0.012", "0.000"])
        #expect(suites.allSatisfy { $0.attribute("hostname") == "ci-runner-1" })
        #expect(suites.map { $0.attribute("package") } == ["gait.gate.faq", "gait.gate.medical"])

        let first = try #require(suites.first)
        let cases = first.elements("testcase")
        #expect(cases.map { $0.attribute("name") } == [
            "evidence floor", "acceptance: acceptance_rate ci_low >= 0.8", "agreement: alpha(accept) value >= 0.667",
            "harmful-rate: flag_rate(harmful) ci_high <= 0.01", "latency: latency_ms value < 1500",
        ])
        #expect(cases.allSatisfy { $0.attribute("classname") == "gait.gate.faq.crawl-to-walk" && $0.attribute("time") == "0.000" })
        let failure = try #require(cases[3].elements("failure").first)
        #expect(failure.attribute("type") == "critical-condition-failed")
        #expect(failure.attribute("message")
            == "flag_rate(harmful) ci_high <= 0.01 does not hold: ci_high = 0.04 (value 0.02, interval 0.011–0.04)")
        #expect(failure.textContent == "the whole interval lies above 0.01")
        #expect(cases[2].elements("skipped").first?.attribute("message")
            == "inconclusive: alpha(accept) value >= 0.667; value = 0.7 (value 0.7, interval 0.6–0.78); "
            + "the interval 0.6–0.78 straddles 0.667")
        #expect(cases[4].elements("skipped").first?.attribute("message")
            == "inconclusive: latency_ms value < 1500; not measured")
        #expect(cases[0].children.filter(\.isElement).isEmpty)

        let properties = Dictionary(first.elements("property").map { ($0.attribute("name") ?? "", $0.attribute("value") ?? "") },
                                    uniquingKeysWith: { a, _ in a })
        #expect(properties["condition.acceptance.ci_low"] == "0.84")
        #expect(properties["condition.harmful-rate.value"] == "0.02")
        #expect(properties["condition.harmful-rate.rule"] == "ci_high <= 0.01")
        #expect(properties["evidence.floor.rated_items"] == "50")
        #expect(properties["gait.decision"] == "fail")
        #expect(properties["condition.latency.value"] == nil)

        let thin = try #require(suites.last)
        #expect(thin.elements("testcase").first?.elements("skipped").first?.attribute("message")
            == "too little evidence: 12/50 rated items, 2/3 raters, 0.5/2 days in stage")
        #expect(thin.elements("system-out").first?.textContent
            == "Gate medical: walk -> run: inconclusive\n- evidence floor not met: 12 rated items < 50\n")
    }

    @Test func namesThatAreOnlyWhitespaceStillValidate() throws {
        var evaluation = SampleReports.evaluations(texts: nil)[0]
        evaluation.scope = " \t\n "
        evaluation.conditions[0].id = "  "
        evaluation.conditions[1].id = "two words\tand\u{0}more"
        let folder = try TemporaryFolder()
        let (file, document) = try written(JUnitReport(evaluations: [evaluation], hostname: "\n"), in: folder)
        for schema in Self.schemas {
            #expect(LibXML2.validate(file, schema: LibXML2.fixtures.appendingPathComponent("junit/\(schema)")) == [])
        }
        let suite = try #require(document.elements("testsuite").first)
        #expect(suite.attribute("hostname") == "localhost")
        #expect(suite.attribute("name") == "gate crawl-to-walk")
        let names = suite.elements("property").compactMap { $0.attribute("name") }
        #expect(names.contains("condition.unnamed.value"))
        #expect(names.contains("condition.two_words_and\u{FFFD}more.value"))
    }

    @Test func theStrictSchemaRefusesWhatTheLenientOneAccepts() throws {
        // Guards the checks above: without hostname, timestamp, id and package, only Jenkins accepts a file.
        let folder = try TemporaryFolder()
        let file = folder.file("lenient.xml")
        try """
        <?xml version="1.0"?>
        <testsuites><testsuite name="x" tests="1" failures="0" errors="0" time="0">
        <properties/><testcase name="c" classname="k" time="0"/><system-out/><system-err/>
        </testsuite></testsuites>
        """.write(to: file, atomically: true, encoding: .utf8)
        let fixtures = LibXML2.fixtures.appendingPathComponent("junit")
        #expect(LibXML2.validate(file, schema: fixtures.appendingPathComponent("jenkins-junit-10.xsd")) == [])
        let strict = LibXML2.validate(file, schema: fixtures.appendingPathComponent("ant-junit-strict.xsd"))
        #expect(strict.contains { $0.contains("The attribute 'timestamp' is required but missing") })
        let result = try validate(fileAt: file)
        #expect(result.kind == .junit)
        #expect(result.issues.first?.message.hasPrefix("ant-junit-strict.xsd: Element 'testsuite'") == true)
    }
}
