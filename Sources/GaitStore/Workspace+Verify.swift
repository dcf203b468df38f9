import GRDB
import GRDBSQLite

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
            // Rows are read through SQLite's C interface and encoded straight from its column
            // buffers: a million events would otherwise build millions of Swift values to hash.
            // Tables an older schema lacks hold no rows (an old event never covered them).
            let tables = try AuditLog.tables.map { table -> RawRows? in
                guard try db.tableExists(table.name) else { return nil }
                return try RawRows(db, sql: """
                    SELECT event_id, \(table.columns.joined(separator: ", ")) FROM \(table.name) \
                    ORDER BY \(try Self.eventOrder(db, table: table.name))
                    """)
            }
            var pending = try tables.map { try $0?.step() ?? false }
            var previous = Array(AuditLog.genesis.utf8)
            let events = try RawRows(db, sql: """
                SELECT id, at, actor, kind, detail, content_hash, prev_hash, hash FROM audit_events ORDER BY id
                """)
            while try events.step() {
                let id = events.int64(0)
                var hasher = ContentHasher()
                hasher.header(columnsOf: events.statement)
                for (index, table) in AuditLog.tables.enumerated() where pending[index] {
                    guard let rows = tables[index] else { continue }
                    while pending[index] {
                        guard let owner = rows.optionalInt64(0), owner <= id else { break }
                        if owner < id {
                            report.firstProblem = report.firstProblem
                                ?? "a row of \(table.name) names event \(owner), which is not in the log"
                        } else {
                            hasher.row(table: table.name, columnsOf: rows.statement, 1..<rows.columnCount)
                            report.rows += 1
                        }
                        pending[index] = try rows.step()
                    }
                }
                let content = hasher.finalizeHex()
                let storedContent = events.bytes(5), storedPrevious = events.bytes(6), storedHash = events.bytes(7)
                report.events += 1
                if report.firstProblem == nil {
                    let kind = String(decoding: events.bytes(3), as: UTF8.self)
                    if storedPrevious != previous {
                        report.firstProblem = "event \(id) (\(kind)): its previous hash does not match event before it; the log was changed"
                    } else if storedContent != content {
                        report.firstProblem = "event \(id) (\(kind)): the rows it recorded no longer match its content hash; they were changed after it was written"
                    } else if storedHash != AuditLog.chainHex(previous: previous, content: storedContent) {
                        report.firstProblem = "event \(id) (\(kind)): its hash does not follow from its content; the log was changed"
                    }
                }
                previous = storedHash
            }
            for (index, table) in AuditLog.tables.enumerated() {
                if pending[index], let rows = tables[index], report.firstProblem == nil {
                    report.firstProblem = "a row of \(table.name) names event \(rows.optionalInt64(0).map(String.init) ?? "NULL"), which is not in the log"
                }
            }
            return report
        }
    }
}

extension Workspace {
    /// How verification orders a table's rows by event. Tables with an `event_id` index are
    /// read through it. Rating values have none (migration 0005): they are read by rating,
    /// which is their events' order as the queue writes them — checked first in one pass, and
    /// sorted by event when some rating is out of that order.
    static func eventOrder(_ db: Database, table: String) throws -> String {
        guard table == AuditLog.valuesTable else { return "event_id, rowid" }
        let ordered = try Bool.fetchOne(db, sql: """
            SELECT NOT EXISTS (
              SELECT 1 FROM (SELECT event_id < lag(event_id) OVER (ORDER BY rating_id) AS back FROM \(table))
              WHERE back)
            """) ?? false
        let order = try AuditLog.valuesOrder(db)
        return ordered ? order : "event_id, \(order)"
    }
}
