import GRDB

/// What `gait verify` found.
public struct VerificationReport: Sendable, Hashable {
    /// Events checked.
    public var events: Int
    /// Audited rows checked.
    public var rows: Int
    /// The schema version of the database and of this build.
    public var schemaVersion: Int
    public var expectedSchemaVersion: Int
    /// The first problem found, in words; nil when everything matched.
    public var firstProblem: String?
    /// SQLite's `integrity_check` result (`ok` when sound).
    public var integrity: String

    public var passed: Bool { firstProblem == nil && integrity == "ok" && schemaVersion == expectedSchemaVersion }
}

extension Workspace {
    /// Recomputes every event's content from the rows as they are now and the hash chain, runs
    /// SQLite's integrity check, and checks the schema version.
    ///
    /// Streams each audited table once, ordered by event, so a million events take seconds.
    public func verify() throws -> VerificationReport {
        try writer.read { db in
            let integrity = (try String.fetchAll(db, sql: "PRAGMA integrity_check")).joined(separator: "; ")
            let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
            var report = VerificationReport(events: 0, rows: 0, schemaVersion: version,
                                            expectedSchemaVersion: Workspace.schemaVersion, firstProblem: nil,
                                            integrity: integrity)
            // Tables an older schema lacks hold no rows (an old event never covered them).
            let cursors = try AuditLog.tables.map { table -> RowCursor? in
                guard try db.tableExists(table.name) else { return nil }
                return try Row.fetchCursor(
                    db, sql: "SELECT event_id, \(table.columns.joined(separator: ", ")) FROM \(table.name) ORDER BY event_id, rowid")
            }
            var pending: [Row?] = try cursors.map { try $0?.next() }
            var previous = AuditLog.genesis
            let events = try Row.fetchCursor(
                db, sql: "SELECT id, at, actor, kind, detail, content_hash, prev_hash, hash FROM audit_events ORDER BY id")
            while let event = try events.next() {
                let id: Int64 = event[0]
                let kind: String = event[3]
                var hasher = ContentHasher()
                hasher.header(id: id, at: event[1], actor: event[2], kind: kind, detail: event[4])
                for (index, table) in AuditLog.tables.enumerated() {
                    while let row = pending[index] {
                        let owner: Int64? = row[0]
                        guard let owner, owner <= id else { break }
                        if owner < id {
                            report.firstProblem = report.firstProblem
                                ?? "a row of \(table.name) names event \(owner), which is not in the log"
                        } else {
                            hasher.row(table: table.name, row.databaseValues.dropFirst())
                            report.rows += 1
                        }
                        pending[index] = try cursors[index]?.next()
                    }
                }
                let content = hasher.finalize()
                let storedContent: String = event[5]
                let storedPrevious: String = event[6]
                let storedHash: String = event[7]
                report.events += 1
                if report.firstProblem == nil {
                    if storedPrevious != previous {
                        report.firstProblem = "event \(id) (\(kind)): its previous hash does not match event before it; the log was changed"
                    } else if storedContent != content {
                        report.firstProblem = "event \(id) (\(kind)): the rows it recorded no longer match its content hash; they were changed after it was written"
                    } else if storedHash != AuditLog.chain(previous: previous, content: storedContent) {
                        report.firstProblem = "event \(id) (\(kind)): its hash does not follow from its content; the log was changed"
                    }
                }
                previous = storedHash
            }
            for (index, table) in AuditLog.tables.enumerated() {
                if let row = pending[index], report.firstProblem == nil {
                    let owner: Int64? = row[0]
                    report.firstProblem = "a row of \(table.name) names event \(owner.map(String.init) ?? "NULL"), which is not in the log"
                }
            }
            return report
        }
    }
}
