import Foundation
import GaitCore
import GaitStore
import GRDB

/// `gait-bench verify [EVENTS]`: writes EVENTS audit events (default 1,000,000), each recording
/// one rater row, into a fresh file workspace, then times `verify()` over them.
@Sendable func verifyBenchmark(_ arguments: [String]) async throws {
    let count = arguments.first.flatMap(Int.init) ?? 1_000_000
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gait-bench-verify-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let (workspace, _) = try Workspace.initialize(path: directory.appendingPathComponent("w.sqlite").path)

    let clock = ContinuousClock()
    let writeStart = clock.now
    let batch = 50_000
    var written = 0
    while written < count {
        let size = min(batch, count - written)
        let first = written
        try await workspace.writer.write { db in
            let insert = try db.makeStatement(
                sql: "INSERT INTO raters (id, name, role, created_at, event_id) VALUES (?, ?, ?, ?, ?)")
            var id = (try Int64.fetchOne(db, sql: "SELECT max(id) FROM raters") ?? 0) + 1
            for index in first..<(first + size) {
                // Each rater row is hashed as it is bound, as an import's rows are.
                try AuditLog.record(db, at: Date(), actor: "bench", kind: "raters.add", detail: "r\(index)",
                                    hashing: { event, content in
                    content.row("raters", insert)
                    content.int(id)
                    content.text("r\(index)")
                    content.text("rater")
                    content.text(Timestamp.string(Date()))
                    content.bind(event.id)
                    try content.insert(db)
                })
                id += 1
            }
        }
        written += size
    }
    let writing = clock.now - writeStart
    let verifyStart = clock.now
    let report = try workspace.verify()
    let verifying = clock.now - verifyStart
    print("verify: \(report.events) events over \(report.rows) rows, passed: \(report.passed)")
    print("  writing the events took \(writing)")
    print("  verify took \(verifying) (\(Int(Double(report.events) / (Double(verifying.components.seconds) + Double(verifying.components.attoseconds) / 1e18))) events/s)")
}
