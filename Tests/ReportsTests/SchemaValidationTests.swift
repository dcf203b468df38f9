import Foundation
import Testing
@testable import Reports

@Suite struct SchemaValidationTests {
    @Test func sessionReportValidatesAgainstItsSchema() throws {
        let folder = try TemporaryFolder()
        let files = try SampleReports.session().write(into: folder.url)
        let result = try validate(fileAt: files[0])
        #expect(result.kind == .session)
        #expect(result.schemas == ["reports/session.xsd"])
        #expect(result.issues == [])
        #expect(try folder.contents() == ["session.html", "session.xml"])
    }

    @Test func gateReportAndJUnitValidate() throws {
        let folder = try TemporaryFolder()
        let files = try SampleReports.gate().write(into: folder.url, hostname: "ci-runner-1")
        let gate = try validate(fileAt: files[0])
        #expect(gate.kind == .gate)
        #expect(gate.issues == [])
        let junit = try validate(fileAt: files[2])
        #expect(junit.kind == .junit)
        #expect(junit.schemas == ["reports/jenkins-junit-10.xsd", "reports/ant-junit-strict.xsd"])
        #expect(junit.issues == [])
        #expect(try folder.contents() == ["gate-junit.xml", "gate.html", "gate.xml"])
    }

    @Test func biasReportValidates() throws {
        let folder = try TemporaryFolder()
        let files = try SampleReports.bias().write(into: folder.url)
        let result = try validate(fileAt: files[0])
        #expect(result.kind == .bias)
        #expect(result.issues == [])
    }

    @Test func hostileReportsStillValidate() throws {
        let folder = try TemporaryFolder()
        let session = try SampleReports.session(hostile: true).write(into: folder.url)
        let gate = try SampleReports.gate(hostile: true).write(into: folder.url, hostname: "")
        let bias = try SampleReports.bias(hostile: true).write(into: folder.url)
        for file in [session[0], gate[0], gate[2], bias[0]] {
            #expect(try validate(fileAt: file).issues == [], "\(file.lastPathComponent)")
        }
    }

    @Test func invalidFileReportsLineNumbers() throws {
        let folder = try TemporaryFolder()
        let file = folder.file("gate.xml")
        try SampleReports.gate().writeXML(to: file)
        var text = try String(contentsOf: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "decision=\"fail\"", with: "decision=\"maybe\"")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let line = try #require(text.split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.contains("decision=\"maybe\"") }) + 1
        let result = try validate(fileAt: file)
        #expect(!result.isValid)
        #expect(result.issues.first?.line == line)
        #expect(result.issues.first?.message == "Element '{urn:gait:report:gate:1}evaluation', attribute 'decision': "
            + "[facet 'enumeration'] The value 'maybe' is not an element of the set {'pass', 'fail', 'inconclusive'}.")
    }

    @Test func brokenFileReportsTheLineOfTheBreak() throws {
        let folder = try TemporaryFolder()
        let file = folder.file("bias.xml")
        try "<?xml version=\"1.0\"?>\n<bias-report xmlns=\"urn:gait:report:bias:1\" version=\"1\">\n<header>\n</bias-report>\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let result = try validate(fileAt: file)
        #expect(result.kind == .bias)
        #expect(result.issues.contains { $0.line == 4 && $0.message.contains("Opening and ending tag mismatch") })
    }

    @Test func unknownRootIsRefusedWithItsName() throws {
        let folder = try TemporaryFolder()
        let file = folder.file("other.xml")
        try "<?xml version=\"1.0\"?>\n<gate-report xmlns=\"urn:example\"/>\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: ReportError.unknownDocument(path: file.path, root: "gate-report", namespace: "urn:example")) {
            try validate(fileAt: file)
        }
        #expect(ReportError.unknownDocument(path: file.path, root: "gate-report", namespace: "urn:example").description
            == "\(file.path): root element {urn:example}gate-report is not a Gait report (expected session-report, "
            + "gate-report, bias-report in their Gait namespaces, or JUnit testsuites)")
    }

    @Test func fileWithoutRootIsNotWellFormed() throws {
        let folder = try TemporaryFolder()
        let file = folder.file("empty.xml")
        try "\n\nnot xml at all".write(to: file, atomically: true, encoding: .utf8)
        do {
            _ = try validate(fileAt: file)
            Issue.record("expected an error")
        } catch let error as ReportError {
            guard case let .notWellFormed(path, issue) = error else { Issue.record("\(error)"); return }
            #expect(path == file.path)
            #expect(issue.line == 3)
            #expect(error.description == "\(file.path):3: not well-formed XML: Document is empty")
        }
    }

    @Test func missingFileIsReported() throws {
        let folder = try TemporaryFolder()
        let file = folder.file("absent.xml")
        #expect(throws: ReportError.cannotRead(path: file.path, reason: "no such file")) { try validate(fileAt: file) }
        #expect(ReportError.cannotRead(path: file.path, reason: "no such file").description
            == "cannot read \(file.path): no such file")
    }

    @Test func reportThatBreaksItsSchemaIsNotWritten() throws {
        let folder = try TemporaryFolder()
        var report = SampleReports.bias()
        report.attributes[0].slices[1].p = 1.5  // not a probability: the schema refuses it
        let file = folder.file("bias.xml")
        do {
            try report.writeXML(to: file)
            Issue.record("expected a validation error")
        } catch let error as ReportError {
            guard case let .invalidOutput(path, schema, issues) = error else { Issue.record("\(error)"); return }
            #expect(path == file.path)
            #expect(schema == "reports/bias.xsd")
            #expect(issues.count == 1)
            #expect(issues.first?.message.contains("attribute 'p': [facet 'maxInclusive'] The value '1.5'") == true)
            #expect(error.description.hasPrefix("the report for \(file.path) does not validate against reports/bias.xsd; "
                + "nothing was written:\n  line "))
        }
        #expect(try folder.contents() == [])
    }

    @Test func failingRowsLeaveNothingBehind() throws {
        struct StoreFailure: Error, Equatable {}
        let folder = try TemporaryFolder()
        var report = SampleReports.session()
        report.sessions = ReportRows { emit in
            try emit(SessionReport.Session(rater: "ana", id: "s-1", started: SampleReports.generated, ended: nil,
                                           activity: .init(rated: 1), medianSecondsPerItem: nil))
            throw StoreFailure()
        }
        #expect(throws: StoreFailure()) { try report.writeXML(to: folder.file("session.xml")) }
        #expect(throws: StoreFailure()) { try report.writeHTML(to: folder.file("session.html")) }
        #expect(try folder.contents() == [])
    }

    @Test func writingIntoAMissingFolderSaysWhichFolder() throws {
        let folder = try TemporaryFolder()
        let file = folder.url.appendingPathComponent("absent/gate.xml")
        #expect(throws: ReportError.cannotWrite(path: file.path,
                                                reason: "the folder \(folder.url.path)/absent does not exist")) {
            try SampleReports.gate().writeXML(to: file)
        }
    }

    @Test func rewritingReplacesTheOldFile() throws {
        let folder = try TemporaryFolder()
        let file = folder.file("gate.xml")
        try "old".write(to: file, atomically: true, encoding: .utf8)
        try SampleReports.gate().writeXML(to: file)
        #expect(try validate(fileAt: file).isValid)
        #expect(try folder.contents() == ["gate.xml"])
    }

    @Test(arguments: ["reports/session.xsd", "reports/gate.xsd", "reports/bias.xsd",
                      "reports/jenkins-junit-10.xsd", "reports/ant-junit-strict.xsd"])
    func embeddedSchemasParse(path: String) throws {
        _ = try Schema(embedded: path)
    }

    @Test func missingEmbeddedSchemaIsNamed() {
        #expect(throws: ReportError.missingResource("reports/none.xsd")) { try Schema(embedded: "reports/none.xsd") }
        #expect(ReportError.missingResource("reports/none.xsd").description
            == "resource reports/none.xsd is not compiled into the Reports module")
    }
}
