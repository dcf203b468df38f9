import Foundation
import GaitCore
import GRDB
import Testing
@testable import GaitStore

@Suite struct WorkspaceOpeningTests {
    @Test func initCreatesAWALWorkspaceAndIsIdempotent() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("w.sqlite")
        let (workspace, applied) = try Workspace.initialize(path: path)
        #expect(applied == Workspace.migrations.map(\.id))
        #expect(applied.prefix(4) == ["0001_workspace", "0002_corrections_and_queue_indexes", "0003_audit_event_indexes",
                                      "0004_lean_queue_writes"])
        let pragmas = try workspace.writer.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA foreign_keys"),
             try Int32.fetchOne(db, sql: "PRAGMA application_id"), try Int.fetchOne(db, sql: "PRAGMA user_version"))
        }
        #expect(pragmas.0 == "wal")
        #expect(pragmas.1 == 1)
        #expect(pragmas.2 == Workspace.applicationID)
        #expect(pragmas.3 == Workspace.schemaVersion)
        let (_, again) = try Workspace.initialize(path: path)
        #expect(again.isEmpty)
        _ = try Workspace.open(path: path)
    }

    @Test func upgradesADatabaseOfThePreviousSchema() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("old.sqlite")
        try FileManager.default.copyItem(at: Fixtures.url("workspace-v1.sqlite"), to: URL(fileURLWithPath: path))
        #expect(throws: StoreError.olderSchema(path: path, pending: Array(Workspace.migrations.map(\.id).dropFirst()))) {
            try Workspace.open(path: path)
        }
        let (workspace, applied) = try Workspace.initialize(path: path)
        #expect(applied == Array(Workspace.migrations.map(\.id).dropFirst()))
        #expect(try workspace.raters().map(\.name) == ["ana"])
        #expect(try workspace.prompts(inSet: "v1set").map(\.prompt.id) == ["p1", "p2"])
        let report = try workspace.verify()
        #expect(report.passed, "\(report)")
        #expect(report.schemaVersion == Workspace.schemaVersion)
    }

    @Test func refusesADatabaseOfANewerGait() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("new.sqlite")
        let (workspace, _) = try Workspace.initialize(path: path)
        try workspace.writer.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('0099_future')")
        }
        let expected = StoreError.newerSchema(path: path, unknown: ["0099_future"])
        #expect(throws: expected) { try Workspace.open(path: path) }
        #expect(throws: expected) { try Workspace.initialize(path: path) }
        #expect(expected.description == "\(path) was written by a newer Gait (unknown migrations: 0099_future); upgrade gait to open it")
    }

    @Test func refusesASQLiteFileThatIsNotAWorkspace() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("other.sqlite")
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: "CREATE TABLE notes (body TEXT)") }
        try queue.close()
        #expect(throws: StoreError.notAWorkspace(path: path)) { try Workspace.initialize(path: path) }
        #expect(StoreError.notAWorkspace(path: path).description
                == "\(path) is a SQLite database but not a Gait workspace; choose another path with --db")
    }

    @Test func refusesAFileThatIsNotSQLite() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("notes.sqlite")
        try Data("just some text, long enough to look like a header".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: StoreError.corrupt(path: path, detail: "no SQLite header")) { try Workspace.initialize(path: path) }
        #expect(throws: StoreError.corrupt(path: path, detail: "no SQLite header")) { try Workspace.open(path: path) }
    }

    @Test func refusesACorruptDatabase() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("broken.sqlite")
        let (workspace, _) = try Workspace.initialize(path: path)
        try workspace.addRater(name: "ana", role: .rater)
        try (workspace.writer as? DatabasePool)?.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        // Keep the header, destroy the pages behind it.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        for index in 100..<bytes.count { bytes[index] = UInt8(truncatingIfNeeded: index &* 31) }
        try bytes.write(to: URL(fileURLWithPath: path))
        try? FileManager.default.removeItem(atPath: path + "-wal")
        try? FileManager.default.removeItem(atPath: path + "-shm")
        do {
            _ = try Workspace.open(path: path)
            Issue.record("a corrupt file was opened")
        } catch let error as StoreError {
            guard case .corrupt(let reported, _) = error else {
                Issue.record("expected .corrupt, got \(error)")
                return
            }
            #expect(reported == path)
            #expect(error.description.hasPrefix("\(path) is not a readable SQLite database ("))
        }
    }

    @Test func aMissingWorkspaceSaysHowToCreateOne() {
        #expect(throws: StoreError.noWorkspace(path: "/nonexistent/w.sqlite")) {
            try Workspace.open(path: "/nonexistent/w.sqlite")
        }
        #expect(StoreError.noWorkspace(path: "w.sqlite").description
                == "no workspace at w.sqlite; create one with `gait init --db w.sqlite`")
    }
}
