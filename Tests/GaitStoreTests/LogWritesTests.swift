import CFaultVFS
import CWALWrites
import Foundation
import GaitCore
import GRDB
import GRDBSQLite
import Testing
@testable import GaitStore

/// Workspaces write their log through Gait's VFS: a transaction's frames reach the file system
/// together, and what one connection commits is what every other reads.
@Suite struct LogWritesTests {
    @Test func aSmallTransactionReachesTheLogInOneWrite() throws {
        let directory = try TemporaryDirectory()
        let workspace = try Workspace.initialize(path: directory.path("w.sqlite")).workspace
        let before = try #require(workspace.writer.writeWithoutTransaction { db in LogWrites.counts(db) })
        _ = try workspace.importPrompts([Prompt(id: "a", text: "A prompt")], into: "s", source: "test")
        let after = try #require(workspace.writer.writeWithoutTransaction { db in LogWrites.counts(db) })
        // Several pages (set, prompt, its indexes, the audit event), two writes each asked of the VFS.
        #expect(after.requested - before.requested >= 6)
        #expect(after.written - before.written == 1)
    }

    @Test func aLargeTransactionIsWrittenInPiecesAndReadsBackWhole() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("w.sqlite")
        let workspace = try Workspace.initialize(path: path).workspace
        // About 1.5 MB of prompts in one import: longer than one write of the VFS (64 KiB).
        let prompts = (0..<400).map { index in
            Prompt(id: "p\(index)", text: String(repeating: "prompt \(index) ", count: 400))
        }
        let before = try #require(workspace.writer.writeWithoutTransaction { db in LogWrites.counts(db) })
        _ = try workspace.importPrompts(prompts, into: "big", source: "test")
        let after = try #require(workspace.writer.writeWithoutTransaction { db in LogWrites.counts(db) })
        let (requested, written) = (after.requested - before.requested, after.written - before.written)
        #expect(written >= 1_500_000 / 65_536)
        #expect(written * 10 < requested)

        // Another connection (as another process would) reads every prompt as written.
        let reader = try Workspace.open(path: path)
        let read = try reader.prompts(inSet: "big").map(\.prompt)
        #expect(read.map(\.id) == prompts.map(\.id))
        #expect(read.map(\.text) == prompts.map(\.text))
        let integrity = try reader.writer.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
        #expect(integrity == "ok")
        #expect(try reader.verify().passed)
    }

    @Test func connectionsThroughSQLitesOwnVFSReportNoCounts() throws {
        let directory = try TemporaryDirectory()
        _ = try Workspace.initialize(path: directory.path("w.sqlite"))
        let queue = try DatabaseQueue(path: "file:\(directory.path("w.sqlite"))?vfs=unix")
        #expect(try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM raters") } == 0)
        #expect(queue.inDatabase { db in LogWrites.counts(db) } == nil)
    }
}

/// The log-writing VFS stacked on one whose log writes fail on demand: a commit whose writes
/// fail reports the failure and keeps nothing, and nothing a commit wrote is left for the
/// wal-index barrier, in every way SQLite writes a commit (buffer boundaries, checksums rewritten
/// after a cache spill, padding under `synchronous = FULL`).
@Suite(.serialized) struct LogWriteFaultTests {
    /// Gait's VFS over the failing one.
    static let vfs: String = {
        precondition(fault_vfs_register() == SQLITE_OK)
        precondition(gait_wal_vfs_register_over("gait-wal-over-fault", FAULT_VFS_NAME, 0) == SQLITE_OK)
        return "gait-wal-over-fault"
    }()

    static func pool(_ path: String, query: String = "", prepare: String = "PRAGMA synchronous = NORMAL") throws -> DatabasePool {
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: prepare) }
        return try DatabasePool(path: "file:\(path)?vfs=\(vfs)\(query)", configuration: configuration)
    }

    /// A connection through SQLite's own VFS, as another program would open the file.
    static func stock(_ path: String) throws -> DatabaseQueue {
        try DatabaseQueue(path: "file:\(path)?vfs=unix")
    }

    static func rows(_ db: DatabaseReader) throws -> Int {
        try db.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM t") ?? -1 }
    }

    static func integrity(_ db: DatabaseReader) throws -> String? {
        try db.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
    }

    /// A pool whose page cache of 4 pages spills a transaction's pages to the log before its
    /// commit, on a table `t` of one row.
    static func spillingPool(_ path: String, table: String = "t (x)", first: String = "1") throws -> DatabasePool {
        let pool = try Self.pool(path, prepare: "PRAGMA synchronous = NORMAL; PRAGMA cache_size = 4")
        try pool.write { db in
            try db.execute(sql: "CREATE TABLE \(table)")
            try db.execute(sql: "INSERT INTO t VALUES (\(first))")
        }
        return pool
    }

    static func counts(_ pool: DatabasePool) throws -> LogWrites.Counts {
        try #require(pool.writeWithoutTransaction { db in LogWrites.counts(db) })
    }

    @Test func commitsEndingAnywhereInTheBufferArePublishedWholeOrFailWhole() throws {
        let directory = try TemporaryDirectory()
        // 1 to 40 rows of 3 KB: the commit frame falls at every place against the 64 KiB buffer.
        for rowsPerCommit in 1...40 {
            let path = directory.path("a\(rowsPerCommit).sqlite")
            let pool = try Self.pool(path)
            try pool.write { db in try db.execute(sql: "CREATE TABLE t (x)") }
            let other = try Self.stock(path)
            for round in 1...3 {
                try pool.write { db in
                    for _ in 0..<rowsPerCommit { try db.execute(sql: "INSERT INTO t VALUES (randomblob(3000))") }
                }
                #expect(try Self.rows(other) == rowsPerCommit * round)
            }
            #expect(try Self.counts(pool).writtenAtBarrier == 0, "\(rowsPerCommit) rows per commit")

            fault_vfs_fail(Int32(FAULT_EVERY_LOG_WRITE))
            #expect(throws: DatabaseError.self) {
                try pool.write { db in
                    for _ in 0..<rowsPerCommit { try db.execute(sql: "INSERT INTO t VALUES (randomblob(3000))") }
                }
            }
            fault_vfs_fail(Int32(FAULT_NONE))
            #expect(try Self.rows(other) == rowsPerCommit * 3)
            try pool.write { db in try db.execute(sql: "INSERT INTO t VALUES (1)") }
            #expect(try Self.rows(other) == rowsPerCommit * 3 + 1)
            #expect(try Self.integrity(other) == "ok")
        }
    }

    @Test func checksumsRewrittenAfterASpillFailWhereSQLiteSeesIt() throws {
        let directory = try TemporaryDirectory()
        for failing in [false, true] {
            let path = directory.path("b\(failing).sqlite")
            // Rows written again after their pages spilled make SQLite rewrite frame checksums
            // at the commit.
            let pool = try Self.spillingPool(path)
            let before = fault_vfs_failures()
            let commit = {
                try pool.write { db in
                    for _ in 0..<60 { try db.execute(sql: "INSERT INTO t VALUES (randomblob(3000))") }
                    try db.execute(sql: "UPDATE t SET x = randomblob(3000) WHERE rowid < 5")
                }
            }
            if failing {
                fault_vfs_fail(Int32(FAULT_COMMIT_HEADER_WRITES))
                #expect(throws: DatabaseError.self) { try commit() }
                fault_vfs_fail(Int32(FAULT_NONE))
                #expect(fault_vfs_failures() > before)
                #expect(try Self.rows(Self.stock(path)) == 1)
            } else {
                try commit()
                #expect(try Self.counts(pool).writtenAtBarrier == 0)
                // The files as a crash would leave them (the pool still open) recover every row.
                let copy = directory.path("copy.sqlite")
                try FileManager.default.copyItem(atPath: path, toPath: copy)
                try FileManager.default.copyItem(atPath: path + "-wal", toPath: copy + "-wal")
                let recovered = try Self.stock(copy)
                #expect(try Self.rows(recovered) == 61)
                #expect(try Self.integrity(recovered) == "ok")
            }
        }
    }

    @Test func framesOfARolledBackTransactionNeverLandOnAnotherWritersCommit() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("d.sqlite")
        let pool = try Self.spillingPool(path, first: "randomblob(100)")
        // A checkpoint lets the next writer start the log over, at the offsets the spill uses.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(PASSIVE)") }
        // A transaction that spills frames to the log, then rolls back.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            for _ in 0..<40 { try db.execute(sql: "INSERT INTO t VALUES (randomblob(3000))") }
            try db.execute(sql: "ROLLBACK")
        }
        // Another program commits frames at the same offsets; then the first connection reads
        // again (a read begins with the wal-index barrier) and closes.
        try Self.stock(path).write { db in
            for _ in 0..<60 { try db.execute(sql: "INSERT INTO t VALUES (zeroblob(3000))") }
        }
        #expect(try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM t") } == 61)
        try pool.close()
        // A connection with an empty page cache reads every page from the files.
        let fresh = try Self.stock(path)
        #expect(try Self.rows(fresh) == 61)
        #expect(try Self.integrity(fresh) == "ok")
    }

    @Test func spilledFramesAWriteFailedToStoreAreNeverCommittedMissing() throws {
        let directory = try TemporaryDirectory()
        // The disk is full for one write in the middle of a transaction that spills. Where that
        // write falls depends on the b-trees' shapes, so 20 variants of the keys. A failed
        // spill ends the transaction; frames buffered when their write failed stay buffered
        // (reads see them), and are written by the next write or the commit. Every transaction
        // ends rolled back or committed with every row, never committed with frames missing.
        var continued = 0
        for variant in 0..<20 {
            let path = directory.path("e\(variant).sqlite")
            let pool = try Self.spillingPool(path, table: "t (x UNIQUE)", first: "'first'")
            let before = fault_vfs_failures()
            let rows = try pool.writeWithoutTransaction { db -> Int in
                try db.execute(sql: "BEGIN IMMEDIATE")
                for row in 0..<30 {
                    try db.execute(sql: "INSERT INTO t VALUES (printf('%d-%d-', ?, ?) || hex(zeroblob(1500)))",
                                   arguments: [(row * 7 + variant * 13) % 31, row])
                }
                fault_vfs_fail(Int32(FAULT_NEXT_LOG_WRITE))
                defer { fault_vfs_fail(Int32(FAULT_NONE)) }
                var added = 2
                do {
                    try db.execute(sql: "INSERT INTO t SELECT 'more' || n FROM (SELECT 1 AS n UNION ALL SELECT 2)")
                } catch is DatabaseError {
                    added = 0
                }
                guard db.isInsideTransaction else { return 1 }
                try db.execute(sql: "COMMIT")
                continued += 1
                return 31 + added
            }
            #expect(fault_vfs_failures() == before + 1)
            let fresh = try Self.stock(path)
            #expect(try Self.integrity(fresh) == "ok", "variant \(variant)")
            #expect(try Self.rows(fresh) == rows, "variant \(variant)")
        }
        // The case that matters happened: a transaction went on after the failed write.
        #expect(continued > 0)
    }

    @Test func underExclusiveLockingAFailedBufferNeverLandsOnAnotherWritersCommit() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("x.sqlite")
        // Under `locking_mode = EXCLUSIVE` SQLite takes no wal-index writer lock: the end of a
        // writer's hold on the log is when the database file's lock goes down.
        let first = try DatabaseQueue(path: "file:\(path)?vfs=\(Self.vfs)")
        try first.writeWithoutTransaction { db in
            for statement in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "CREATE TABLE t (x)",
                              "INSERT INTO t VALUES (randomblob(100))", "PRAGMA cache_size = 4",
                              "PRAGMA locking_mode = EXCLUSIVE", "SELECT 1 FROM t LIMIT 1", "BEGIN"] {
                try db.execute(sql: statement)
            }
            for _ in 0..<30 { try db.execute(sql: "INSERT INTO t VALUES (randomblob(3000))") }
            // The disk fills: the transaction ends, and the connection goes back to normal locking.
            fault_vfs_fail(Int32(FAULT_EVERY_LOG_WRITE))
            defer { fault_vfs_fail(Int32(FAULT_NONE)) }
            try? db.execute(sql: "INSERT INTO t SELECT randomblob(3000) FROM (SELECT 1 UNION ALL SELECT 2)")
            if db.isInsideTransaction { try? db.execute(sql: "ROLLBACK") }
            try db.execute(sql: "PRAGMA locking_mode = NORMAL")
            try? db.execute(sql: "BEGIN IMMEDIATE; COMMIT")
        }
        // Space returns; another program commits 20 rows; the first connection reads again.
        try Self.stock(path).write { db in
            for _ in 0..<20 { try db.execute(sql: "INSERT INTO t VALUES (zeroblob(3000))") }
        }
        #expect(try first.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM t") } == 21)
        try first.close()
        let fresh = try Self.stock(path)
        #expect(try Self.integrity(fresh) == "ok")
        #expect(try Self.rows(fresh) == 21)
    }

    @Test func paddingWrittenAfterACommitUnderFullSynchronousGoesStraightThrough() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("c.sqlite")
        // `psow=0`: SQLite pads each commit to a sector boundary with copies of its last frame,
        // syncing the log at the boundary. (A queue: a pool sets `synchronous = NORMAL` itself.)
        let queue = try DatabaseQueue(path: "file:\(path)?vfs=\(Self.vfs)&psow=0")
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "CREATE TABLE t (x)")
        }
        for _ in 0..<30 { try queue.write { db in try db.execute(sql: "INSERT INTO t VALUES (randomblob(500))") } }
        let counts = try #require(queue.inDatabase { db in LogWrites.counts(db) })
        #expect(counts.writtenAtBarrier == 0)
        #expect(counts.written < counts.requested)
        #expect(try Self.rows(Self.stock(path)) == 30)
    }
}
