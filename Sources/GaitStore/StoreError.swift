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
