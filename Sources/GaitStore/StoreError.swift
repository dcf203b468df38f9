import GRDB

/// What went wrong in the workspace database, in words a user can act on.
public enum StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No database file where one was expected.
    case noWorkspace(path: String)
    /// The file is not a SQLite database, or is damaged.
    case corrupt(path: String, detail: String)
    /// A SQLite database, but not one Gait created.
    case notAWorkspace(path: String)
    /// Written by a newer Gait: its schema has migrations this build does not know.
    case newerSchema(path: String, unknown: [String])
    /// Written by an older Gait: `gait init` upgrades it.
    case olderSchema(path: String, pending: [String])
    /// A named thing does not exist.
    case notFound(kind: String, name: String, hint: String)
    /// A named thing exists already.
    case alreadyExists(kind: String, name: String, hint: String)
    /// A rule of the domain refuses the change.
    case refused(String)

    public var description: String {
        switch self {
        case .noWorkspace(let path):
            "no workspace at \(path); create one with `gait init --db \(path)`"
        case .corrupt(let path, let detail):
            "\(path) is not a readable SQLite database (\(detail)); it may be damaged or another kind of file"
        case .notAWorkspace(let path):
            "\(path) is a SQLite database but not a Gait workspace; choose another path with --db"
        case .newerSchema(let path, let unknown):
            "\(path) was written by a newer Gait (unknown migrations: \(unknown.joined(separator: ", "))); upgrade gait to open it"
        case .olderSchema(let path, let pending):
            "\(path) uses an older schema (pending migrations: \(pending.joined(separator: ", "))); run `gait init --db \(path)` to upgrade it"
        case .notFound(let kind, let name, let hint):
            "no \(kind) named '\(name)'; \(hint)"
        case .alreadyExists(let kind, let name, let hint):
            "\(kind) '\(name)' already exists; \(hint)"
        case .refused(let message):
            message
        }
    }
}

extension StoreError {
    /// A storage failure of SQLite (a full disk, a file-size limit, a file it may not write or
    /// open) in words a user can act on, for errors GRDB reports in SQLite's terms; nil for any
    /// other error. SQLite rolls back the transaction a failed write belonged to.
    public static func storageFailure(_ error: any Error) -> String? {
        guard let error = error as? DatabaseError else { return nil }
        let detail = error.message ?? "SQLite result code \(error.extendedResultCode.rawValue)"
        switch error.resultCode {
        case .SQLITE_FULL, .SQLITE_IOERR:
            return "the workspace database could not be written (\(detail)); the disk may be full or the file "
                + "over a size limit. The write that failed was rolled back: the workspace holds nothing of it"
        case .SQLITE_READONLY:
            return "the workspace database is read-only here (\(detail)); the write that failed was rolled back"
        case .SQLITE_CANTOPEN:
            return "the workspace database cannot be opened (\(detail)); check the path and its folder's permissions"
        default:
            return nil
        }
    }
}
