import GRDB
import GRDBSQLite

// Statements run through SQLite's C interface, for the two places where GRDB's per-call boxing
// shows: verification, which reads millions of rows, and the review queue's step (a rating and
// the next claim), which runs about a dozen short statements under the writer lock. Statements
// still come from GRDB (prepared, cached per connection and finalized by it).

/// Reads columns of the current row of a stepped statement.
protocol SQLiteColumns {
    var statement: SQLiteStatement { get }
}

extension SQLiteColumns {
    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }

    func optionalInt64(_ column: Int32) -> Int64? {
        sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : sqlite3_column_int64(statement, column)
    }

    func bool(_ column: Int32) -> Bool { sqlite3_column_int64(statement, column) != 0 }

    func text(_ column: Int32) -> String { optionalText(column) ?? "" }

    func optionalText(_ column: Int32) -> String? {
        guard let text = sqlite3_column_text(statement, column) else { return nil }
        let count = Int(sqlite3_column_bytes(statement, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// A column's bytes (as text).
    func bytes(_ column: Int32) -> [UInt8] {
        guard let text = sqlite3_column_text(statement, column) else { return [] }
        return Array(UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, column))))
    }
}

/// The error of a failed step, as GRDB reports one.
func stepError(_ code: Int32, _ statement: SQLiteStatement) -> DatabaseError {
    DatabaseError(resultCode: ResultCode(rawValue: code),
                  message: String(cString: sqlite3_errmsg(sqlite3_db_handle(statement))),
                  sql: String(cString: sqlite3_sql(statement)))
}

/// A query stepped through SQLite's C interface, for reading millions of rows without building
/// a Swift value per column. The GRDB statement is kept alive (it owns the SQLite one).
final class RawRows: SQLiteColumns {
    private let owner: Statement
    let statement: SQLiteStatement
    let columnCount: Int32

    init(_ db: Database, sql: String) throws {
        owner = try db.makeStatement(sql: sql)
        statement = owner.sqliteStatement
        columnCount = sqlite3_column_count(statement)
    }

    /// Moves to the next row; false after the last.
    func step() throws -> Bool {
        switch sqlite3_step(statement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code: throw stepError(code, statement)
        }
    }
}

/// The current row of a `Database.first(_:_:_:)` query.
struct SQLiteRow: SQLiteColumns {
    let statement: SQLiteStatement
}

extension Database {
    /// Runs the cached statement for `sql` with `values` bound, to completion.
    func run(_ sql: String, _ values: [DatabaseValue]) throws {
        let statement = try bound(sql, values)
        defer { release(statement) }
        var code = sqlite3_step(statement)
        while code == SQLITE_ROW { code = sqlite3_step(statement) }
        guard code == SQLITE_DONE else { throw stepError(code, statement) }
    }

    /// Reads the first row of the cached statement for `sql` with `values` bound; nil when
    /// there is none.
    func first<T>(_ sql: String, _ values: [DatabaseValue] = [], _ read: (SQLiteRow) throws -> T) throws -> T? {
        let statement = try bound(sql, values)
        defer { release(statement) }
        switch sqlite3_step(statement) {
        case SQLITE_ROW: return try read(SQLiteRow(statement: statement))
        case SQLITE_DONE: return nil
        case let code: throw stepError(code, statement)
        }
    }

    private func bound(_ sql: String, _ values: [DatabaseValue]) throws -> SQLiteStatement {
        let statement = try cachedStatement(sql: sql).sqliteStatement
        // GRDB resets a statement before it runs it, not after: one GRDB ran last is still done.
        sqlite3_reset(statement)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value.storage {
            case .null:
                code = sqlite3_bind_null(statement, index)
            case .int64(let number):
                code = sqlite3_bind_int64(statement, index, number)
            case .double(let number):
                code = sqlite3_bind_double(statement, index, number)
            case .string(var text) where !text.isEmpty:
                code = text.withUTF8 { bytes in
                    bytes.withMemoryRebound(to: CChar.self) { characters in
                        sqlite3_bind_text(statement, index, characters.baseAddress, Int32(characters.count), sqliteTransient)
                    }
                }
            case .string:
                // An empty string still needs a pointer, or it would bind as NULL.
                code = sqlite3_bind_text(statement, index, "", 0, sqliteTransient)
            case .blob(let data):
                code = data.withUnsafeBytes { bytes in
                    sqlite3_bind_blob(statement, index, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1),
                                      Int32(bytes.count), sqliteTransient)
                }
            }
            guard code == SQLITE_OK else {
                release(statement)
                throw stepError(code, statement)
            }
        }
        return statement
    }

    /// Leaves a cached statement as GRDB expects to find it: reset, with no bindings.
    private func release(_ statement: SQLiteStatement) {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
    }
}

/// SQLite copies the bytes bound with this destructor (`SQLITE_TRANSIENT`).
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
