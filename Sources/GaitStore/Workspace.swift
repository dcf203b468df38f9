import Foundation
import GaitCore
import GRDB

/// The workspace database: one SQLite file in WAL mode, opened through GRDB.
///
/// All SQL of Gait lives behind this type's intention-named methods (in `Workspace+*.swift`), so
/// the queue can later move to PostgreSQL without touching the feature modules.
public struct Workspace: Sendable {
    /// The connection (a pool in WAL mode for files, a queue for in-memory databases).
    public let writer: any DatabaseWriter
    /// Where the database lives, for messages.
    public let path: String
    /// The current time; injected so tests control it.
    public let clock: @Sendable () -> Date

    /// `PRAGMA application_id` of every Gait workspace: "GAIT" in ASCII.
    public static let applicationID: Int32 = 0x4741_4954

    /// The migrations compiled into this build, in order: (identifier, SQL).
    public static var migrations: [(id: String, sql: String)] {
        EmbeddedResources.paths.filter { $0.hasPrefix("migrations/") && $0.hasSuffix(".sql") }.sorted()
            .compactMap { path in
                let name = String(path.dropFirst("migrations/".count).dropLast(".sql".count))
                return EmbeddedResources.text(path).map { (name, $0) }
            }
    }

    /// The schema version this build writes: the number of its migrations.
    public static var schemaVersion: Int { migrations.count }

    init(writer: any DatabaseWriter, path: String, clock: @escaping @Sendable () -> Date) {
        self.writer = writer
        self.path = path
        self.clock = clock
    }

    /// Creates the workspace at `path`, or upgrades it to this build's schema. Idempotent.
    ///
    /// Returns the workspace and the identifiers of the migrations it applied (empty when the
    /// database was already current).
    public static func initialize(path: String, clock: @escaping @Sendable () -> Date = Date.init)
        throws -> (workspace: Workspace, applied: [String]) {
        try checkHeader(path: path, mustExist: false)
        let pool = try openPool(path: path)
        let applied = try migrate(pool, path: path, upTo: nil)
        return (Workspace(writer: pool, path: path, clock: clock), applied)
    }

    /// Opens an existing, current workspace.
    ///
    /// - Throws: `StoreError` when the file is missing, not SQLite, not Gait's, or of another schema.
    public static func open(path: String, clock: @escaping @Sendable () -> Date = Date.init) throws -> Workspace {
        try checkHeader(path: path, mustExist: true)
        let pool = try openPool(path: path)
        try guarded(path) {
            try pool.read { db in
                let applied = try checkedApplied(db, migrator: makeMigrator(upTo: nil), path: path)
                let pending = migrations.map(\.id).filter { !applied.contains($0) }
                if !pending.isEmpty { throw StoreError.olderSchema(path: path, pending: pending) }
            }
        }
        return Workspace(writer: pool, path: path, clock: clock)
    }

    /// A fresh in-memory workspace with the current schema, for tests.
    public static func inMemory(upTo migration: String? = nil,
                                clock: @escaping @Sendable () -> Date = Date.init) throws -> Workspace {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        let queue = try DatabaseQueue(configuration: configuration)
        _ = try migrate(queue, path: ":memory:", upTo: migration)
        return Workspace(writer: queue, path: ":memory:", clock: clock)
    }

    /// Creates or upgrades a file database only up to `migration` (for upgrade tests and fixtures).
    public static func initialize(path: String, upTo migration: String) throws {
        try checkHeader(path: path, mustExist: false)
        let pool = try openPool(path: path)
        _ = try migrate(pool, path: path, upTo: migration)
    }

    // MARK: - Opening

    static func openPool(path: String) throws -> DatabasePool {
        try LogWrites.install()
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        return try guarded(path) { try DatabasePool(path: path, configuration: configuration) }
    }

    /// Refuses files that are not SQLite before SQLite sees them, with a message that says so.
    static func checkHeader(path: String, mustExist: Bool) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            if mustExist { throw StoreError.noWorkspace(path: path) }
            return
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError.corrupt(path: path, detail: "the file cannot be read")
        }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        if header.isEmpty { return }  // an empty file becomes a new database
        guard header == Data("SQLite format 3\0".utf8) else {
            throw StoreError.corrupt(path: path, detail: "no SQLite header")
        }
    }

    static func checkIdentity(_ db: Database, path: String) throws {
        let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        if applicationID == Workspace.applicationID { return }
        let tableCount = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE type = 'table'") ?? 0
        if applicationID != 0 || tableCount > 0 { throw StoreError.notAWorkspace(path: path) }
    }

    /// The migrations applied to a Gait workspace, refusing a foreign database or one written by
    /// a newer Gait.
    static func checkedApplied(_ db: Database, migrator: DatabaseMigrator, path: String) throws -> Set<String> {
        try checkIdentity(db, path: path)
        let applied = try migrator.appliedIdentifiers(db)
        let known = Set(migrations.map(\.id))
        let unknown = applied.filter { !known.contains($0) }
        if !unknown.isEmpty { throw StoreError.newerSchema(path: path, unknown: unknown.sorted()) }
        return applied
    }

    static func makeMigrator(upTo last: String?) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in migrations {
            let sql = migration.sql
            migrator.registerMigration(migration.id) { db in try db.execute(sql: sql) }
            if migration.id == last { break }
        }
        return migrator
    }

    static func migrate(_ writer: any DatabaseWriter, path: String, upTo last: String?) throws -> [String] {
        try guarded(path) {
            let migrator = makeMigrator(upTo: last)
            let before: [String] = try writer.read { db in
                Array(try checkedApplied(db, migrator: migrator, path: path))
            }
            try migrator.migrate(writer)
            try writer.write { db in
                try db.execute(sql: "PRAGMA application_id = \(Workspace.applicationID)")
                let count = try migrator.appliedIdentifiers(db).count
                try db.execute(sql: "PRAGMA user_version = \(count)")
            }
            let after: [String] = try writer.read { db in Array(try migrator.appliedMigrations(db)) }
            return after.filter { !before.contains($0) }
        }
    }

    /// Runs `body`, turning SQLite's "not a database" and corruption errors into `StoreError`.
    static func guarded<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError where [.SQLITE_NOTADB, .SQLITE_CORRUPT].contains(error.resultCode) {
            throw StoreError.corrupt(path: path, detail: error.message ?? "\(error.resultCode)")
        }
    }
}
