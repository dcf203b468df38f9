import CWALWrites
import GRDB
import GRDBSQLite

/// The VFS workspaces open their files through: SQLite's own, except that a transaction's
/// write-ahead-log frames reach the file system in one write instead of two per page (see
/// `CWALWrites`). A rating and the next claim write about seven pages, so a step made some
/// fourteen write calls, each paying the kernel's fixed cost of a buffered write under the
/// writer lock every rater waits for.
public enum LogWrites {
    /// The VFS's name, for `file:` URIs that ask for it (`?vfs=gait-wal`).
    public static let vfsName = GAIT_WAL_VFS_NAME

    /// Makes the VFS the process's default before the first workspace opens.
    static func install() throws {
        guard registration == SQLITE_OK else {
            throw StoreError.refused("SQLite refused to register Gait's write-ahead-log VFS (result code \(registration))")
        }
    }

    /// Registered once per process, on first use.
    private static let registration = gait_wal_vfs_register(1)

    /// A connection's log writes since the log was opened.
    public struct Counts: Sendable, Hashable {
        /// Writes SQLite asked of the VFS.
        public var requested: Int
        /// Writes the VFS made to the file system.
        public var written: Int
        /// Of those, writes made at the wal-index barrier, when a commit is published (none
        /// with the SQLite versions Gait was tested with: a commit's frames are written when
        /// its commit frame is).
        public var writtenAtBarrier: Int
    }

    /// The connection's counts; nil when its file is not opened through the VFS.
    public static func counts(_ db: Database) -> Counts? {
        var counts: [Int64] = [0, 0, 0]
        let result = counts.withUnsafeMutableBytes { bytes in
            sqlite3_file_control(db.sqliteConnection, "main", GAIT_FCNTL_LOG_WRITES, bytes.baseAddress)
        }
        guard result == SQLITE_OK else { return nil }
        return Counts(requested: Int(counts[0]), written: Int(counts[1]), writtenAtBarrier: Int(counts[2]))
    }
}
