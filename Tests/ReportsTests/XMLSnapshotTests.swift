import Foundation
import Testing
@testable import Reports

/// The XML of fixed report values, compared with reviewed snapshots in `Fixtures/snapshots`.
/// To accept a deliberate format change, run with `GAIT_RECORD_SNAPSHOTS=1` and review the diff.
@Suite struct XMLSnapshotTests {
    static let snapshots = LibXML2.fixtures.appendingPathComponent("snapshots")

    func check(_ name: String, write: (URL) throws -> Void) throws {
        let folder = try TemporaryFolder()
        let file = folder.file(name)
        try write(file)
        let produced = try String(contentsOf: file, encoding: .utf8)
        let snapshot = Self.snapshots.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["GAIT_RECORD_SNAPSHOTS"] == "1" {
            try produced.write(to: snapshot, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: snapshot, encoding: .utf8)
        #expect(produced == expected, "\(name) differs from its snapshot")
    }

    @Test func session() throws {
        try check("session.xml") { try SampleReports.session().writeXML(to: $0) }
    }

    @Test func gate() throws {
        try check("gate.xml") { try SampleReports.gate().writeXML(to: $0) }
    }

    @Test func bias() throws {
        try check("bias.xml") { try SampleReports.bias().writeXML(to: $0) }
    }

    @Test func junit() throws {
        try check("gate-junit.xml") { try SampleReports.gate().junit(hostname: "ci-runner-1").write(to: $0) }
    }

    @Test func hostileJUnit() throws {
        try check("hostile-junit.xml") { try SampleReports.gate(hostile: true).junit(hostname: "ci").write(to: $0) }
    }
}
