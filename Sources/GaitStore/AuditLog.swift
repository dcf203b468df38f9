import Foundation
import GRDB
import GRDBSQLite
import Kernels

/// The append-only, hash-chained record of every state change.
///
/// An event is written in the same transaction as the rows it records. Those rows carry the
/// event's id in `event_id`; the event's `content_hash` is SHA-256 over a canonical encoding of
/// the event header and of every audited column of those rows, and its `hash` is SHA-256 over the
/// previous event's hash and its own content hash. `gait verify` recomputes both from the rows as
/// they are now, so a changed prompt, rating or stage change — or a changed event — is found.
///
/// Audited columns are fixed per table below. A shipped table's list is never changed (that
/// would change the hashes of old events); a new table is added at the end.
public enum AuditLog {
    /// The audited tables in hashing order, with their audited columns (the primary key first).
    public static let tables: [(name: String, columns: [String])] = [
        ("raters", ["id", "name", "role", "created_at"]),
        ("prompt_sets", ["id", "name", "created_at"]),
        ("prompts", ["id", "set_id", "external_id", "text", "scope", "counterfactual_group", "reference"]),
        ("prompt_attributes", ["prompt_id", "name", "value"]),
        ("rubric_versions", ["id", "name", "version", "pairwise", "source", "source_sha256", "created_at"]),
        ("criteria", ["id", "rubric_version_id", "position", "key", "question", "scale_type", "scale_min",
                      "scale_max", "options", "acceptance"]),
        ("runs", ["id", "set_id", "rubric_version_id", "stage", "scope", "backend", "model_name", "model_sha256",
                  "endpoint", "hf_model_id", "n", "temperature", "top_k", "top_p", "min_p", "repeat_penalty", "seed",
                  "max_tokens", "system_prompt", "review_share", "review_overlap", "review_seed", "started_at"]),
        ("candidates", ["id", "run_id", "prompt_id", "idx", "text", "token_count", "finish_reason", "latency_ms",
                        "auto_flags", "created_at"]),
        ("items", ["id", "rubric_version_id", "candidate_a", "candidate_b", "stage", "overlap", "reason",
                   "created_at"]),
        ("gold_items", ["item_id", "created_at"]),
        ("gold_answers", ["item_id", "criterion", "value"]),
        ("review_sessions", ["id", "rater_id", "order_seed", "started_at"]),
        ("ratings", ["id", "item_id", "rater_id", "session_id", "outcome", "comment", "discard_reason", "shown_at",
                     "first_answer_at", "submitted_at", "active_seconds"]),
        ("rating_values", ["rating_id", "criterion", "value", "numeric_value"]),
        ("rating_flags", ["rating_id", "flag"]),
        ("retractions", ["id", "rating_id", "rater_id", "at"]),
        ("gate_decisions", ["id", "scope", "from_stage", "to_stage", "outcome", "rules_sha256", "evidence",
                            "decided_at"]),
        ("stage_changes", ["id", "scope", "from_stage", "to_stage", "direction", "gate_decision_id", "override",
                           "reason", "actor_id", "at"]),
        ("exports", ["id", "path", "manifest_sha256", "train_rows", "eval_rows", "created_at"]),
        ("corrections", ["rating_id", "text"]),
    ]

    /// The hash before the first event.
    public static let genesis = String(repeating: "0", count: 64)

    /// An event being written: rows inserted with `id` as their `event_id` belong to it.
    public struct PendingEvent: Sendable {
        public let id: Int64
        let at: String
        let actor: String
        let kind: String
        let detail: String
    }

    /// Starts an event inside the current write transaction.
    ///
    /// - Parameters:
    ///   - actor: who acted: a rater's name, or `system`.
    ///   - kind: what happened, e.g. `prompts.import`.
    ///   - detail: a short human-readable description, hashed with the event.
    public static func begin(_ db: Database, at: Date, actor: String, kind: String, detail: String)
        throws -> PendingEvent {
        let stamp = Timestamp.string(at)
        // Placeholder hashes, unique per row, replaced by `seal` in the same transaction.
        let nextID = (try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(id) FROM audit_events")) ?? 0) + 1
        let placeholder = String(repeating: "f", count: 44) + String(format: "%020lld", nextID)
        try db.cachedStatement(sql: """
            INSERT INTO audit_events (id, at, actor, kind, detail, content_hash, prev_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [nextID, stamp, actor, kind, detail, placeholder, placeholder, placeholder])
        return PendingEvent(id: nextID, at: stamp, actor: actor, kind: kind, detail: detail)
    }

    /// Computes the event's content hash from its rows and chains it to the previous event.
    public static func seal(_ db: Database, _ event: PendingEvent) throws {
        let content = try contentHash(db, event)
        let previous = try String.fetchOne(
            db.cachedStatement(sql: "SELECT hash FROM audit_events WHERE id < ? ORDER BY id DESC LIMIT 1"),
            arguments: [event.id]) ?? genesis
        try db.cachedStatement(sql: "UPDATE audit_events SET content_hash = ?, prev_hash = ?, hash = ? WHERE id = ?")
            .execute(arguments: [content, previous, chain(previous: previous, content: content), event.id])
    }

    /// The canonical content hash of an event from its header and its rows as stored.
    static func contentHash(_ db: Database, _ event: PendingEvent) throws -> String {
        var hasher = ContentHasher()
        hasher.header(id: event.id, at: event.at, actor: event.actor, kind: event.kind, detail: event.detail)
        // Cached per table: the statements are prepared once per connection, and each walks an
        // index (see `eventRows`).
        for table in tables where try db.tableExists(table.name) {
            let statement = try db.cachedStatement(sql: eventRows(db, table))
            let cursor = try Row.fetchCursor(statement, arguments: [event.id])
            while let row = try cursor.next() { hasher.row(table: table.name, row.databaseValues) }
        }
        return hasher.finalize()
    }

    /// The audited table without an index on `event_id` (dropped by migration 0005): a rating
    /// writes its values with its own event, so they are found through the rating.
    static let valuesTable = "rating_values"

    /// The order of a rating's values within an event: the rating, then the order they were
    /// written in — their `position` since schema version 6 (stored by key, without row ids),
    /// their row order before.
    static func valuesOrder(_ db: Database) throws -> String {
        try db.columns(in: valuesTable).contains { $0.name == "position" } ? "rating_id, position" : "rating_id, rowid"
    }

    /// The query for one event's rows of `table` (its audited columns, in rowid order; the
    /// event id is parameter 1). Most tables have an index on `event_id` (migration 0003);
    /// rating values have none since migration 0005 — a rating writes them with its own event,
    /// so they are found through their ratings' event index and their (rating, criterion) key.
    static func eventRows(_ db: Database, _ table: (name: String, columns: [String])) throws -> String {
        let columns = table.columns.joined(separator: ", ")
        if table.name == valuesTable {
            return """
                SELECT \(columns) FROM \(valuesTable)
                WHERE rating_id IN (SELECT id FROM ratings WHERE event_id = ?1) AND event_id = ?1
                ORDER BY \(try valuesOrder(db))
                """
        }
        return "SELECT \(columns) FROM \(table.name) WHERE event_id = ?1 ORDER BY rowid"
    }

    /// Writes an event whose rows are inserted by `body`, in the current transaction.
    @discardableResult
    public static func record<T>(_ db: Database, at: Date, actor: String, kind: String, detail: String,
                                 _ body: (PendingEvent) throws -> T) throws -> T {
        let event = try begin(db, at: at, actor: actor, kind: kind, detail: detail)
        let result = try body(event)
        try seal(db, event)
        return result
    }

    /// The content of an event, hashed row by row as the caller writes the rows.
    ///
    /// Rows must come in the canonical order: by table in `tables`' order, and within a table
    /// in the order of their rowids, each with its audited columns as SQLite stores them.
    /// `row(_:_:)` starts a row of a prepared INSERT; each value is then bound to the statement
    /// and hashed in one step (`int`, `text`, `real`); `bind` adds values outside the audited
    /// columns (the event id); `insert()` runs it. Binding through SQLite's C interface keeps
    /// an import of 100,000 prompts from spending its time boxing arguments.
    public struct Content {
        fileprivate var hasher = ContentHasher()
        private var lastTable: String?
        private var lastPosition = -1
        private var statement: SQLiteStatement?
        private var parameter: Int32 = 0

        /// Starts a row of `table`, to be written by `insert`, a prepared INSERT whose first
        /// parameters are the audited columns in order.
        public mutating func row(_ table: String, _ insert: Statement) {
            if table != lastTable {
                let position = AuditLog.tables.firstIndex { $0.name == table } ?? Int.max
                precondition(position != Int.max && position >= lastPosition,
                             "rows of \(table) hashed out of the audit log's table order")
                lastTable = table
                lastPosition = position
            }
            hasher.beginRow(table: table)
            statement = insert.sqliteStatement
            parameter = 0
        }

        public mutating func int(_ value: Int64) {
            hasher.int(value)
            bind(value)
        }

        public mutating func text(_ value: String?) {
            guard var value else { return null() }
            hasher.text(value)
            parameter += 1
            let (statement, parameter) = (statement, parameter)
            value.withUTF8 { bytes in
                bytes.withMemoryRebound(to: CChar.self) { characters in
                    if let base = characters.baseAddress {
                        _ = sqlite3_bind_text(statement, parameter, base, Int32(characters.count), sqliteTransient)
                    } else {
                        // An empty string still needs a pointer, or it would bind as NULL.
                        _ = sqlite3_bind_text(statement, parameter, "", 0, sqliteTransient)
                    }
                }
            }
        }

        public mutating func real(_ value: Double?) {
            guard let value else { return null() }
            hasher.real(value)
            parameter += 1
            sqlite3_bind_double(statement, parameter, value)
        }

        public mutating func null() {
            hasher.null()
            parameter += 1
            sqlite3_bind_null(statement, parameter)
        }

        /// Binds the next parameter without hashing it (the row's `event_id`).
        public mutating func bind(_ value: Int64) {
            parameter += 1
            sqlite3_bind_int64(statement, parameter, value)
        }

        /// Runs the row's INSERT.
        public mutating func insert(_ db: Database) throws {
            guard let statement else { preconditionFailure("insert() before row(_:_:)") }
            let code = sqlite3_step(statement)
            sqlite3_reset(statement)
            guard code == SQLITE_DONE else { throw stepError(code, statement) }
            hasher.endRow()
        }
    }

    /// Writes an event whose rows `body` inserts and hashes as it goes (`Content.add`), so
    /// nothing is read back to seal it: for writes of many rows, such as an import. Debug
    /// builds check the result against the rows as stored.
    @discardableResult
    public static func record<T>(_ db: Database, at: Date, actor: String, kind: String, detail: String,
                                 hashing body: (PendingEvent, inout Content) throws -> T) throws -> T {
        let event = try begin(db, at: at, actor: actor, kind: kind, detail: detail)
        var content = Content()
        content.hasher.header(id: event.id, at: event.at, actor: event.actor, kind: event.kind, detail: event.detail)
        let result = try body(event, &content)
        let digest = content.hasher.finalize()
        let previous = try String.fetchOne(
            db.cachedStatement(sql: "SELECT hash FROM audit_events WHERE id < ? ORDER BY id DESC LIMIT 1"),
            arguments: [event.id]) ?? genesis
        try db.cachedStatement(sql: "UPDATE audit_events SET content_hash = ?, prev_hash = ?, hash = ? WHERE id = ?")
            .execute(arguments: [digest, previous, chain(previous: previous, content: digest), event.id])
        checkWritten(db, event)
        return result
    }

    /// Writes an event whose rows the caller holds in memory and inserts right after, with
    /// `event.id` as their `event_id`: the hashes are computed from `rows` before anything is
    /// written, so the event row is inserted once with its final hashes and nothing is read back.
    ///
    /// `rows` must be exactly the audited rows the event will own — per table, its audited
    /// columns in `tables`' order and with the storage types SQLite will return, in the order of
    /// their rowids. Debug builds check the event against its rows once they are written (see
    /// `checkWritten`), so a row left out or typed differently fails the tests.
    ///
    /// - Returns: the event; its `id` is the `event_id` of the rows.
    public static func append(_ db: Database, at: Date, actor: String, kind: String, detail: String,
                              rows: [(table: String, values: [DatabaseValue])]) throws -> PendingEvent {
        let stamp = Timestamp.string(at)
        let last = try db.first("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1") { ($0.int64(0), $0.text(1)) }
        let event = PendingEvent(id: (last?.0 ?? 0) + 1, at: stamp, actor: actor, kind: kind, detail: detail)
        var hasher = ContentHasher()
        hasher.header(id: event.id, at: event.at, actor: event.actor, kind: event.kind, detail: event.detail)
        for table in tables {
            for row in rows where row.table == table.name { hasher.row(table: table.name, row.values) }
        }
        let content = hasher.finalize()
        let previous = last?.1 ?? genesis
        try db.run("""
            INSERT INTO audit_events (id, at, actor, kind, detail, content_hash, prev_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [event.id.databaseValue, stamp.databaseValue, actor.databaseValue, kind.databaseValue,
                  detail.databaseValue, content.databaseValue, previous.databaseValue,
                  chain(previous: previous, content: content).databaseValue])
        return event
    }

    /// In debug builds, checks that an event written by `append` matches its rows as stored.
    public static func checkWritten(_ db: Database, _ event: PendingEvent) {
        assert((try? String.fetchOne(db, sql: "SELECT content_hash FROM audit_events WHERE id = ?", arguments: [event.id]))
               == (try? contentHash(db, event)),
               "event \(event.id) (\(event.kind)) was hashed from rows other than those written")
    }

    /// `chain` over hexadecimal bytes, as verification reads them.
    static func chainHex(previous: [UInt8], content: [UInt8]) -> [UInt8] {
        var sha = SHA256()
        sha.update(previous)
        sha.update(content)
        return hexBytes(sha.finalize())
    }

    static func chain(previous: String, content: String) -> String {
        var sha = SHA256()
        sha.update(previous)
        sha.update(content)
        return SHA256.hex(sha.finalize())
    }
}

/// The canonical encoding of an event's content, fed straight into SHA-256.
///
/// Each value is written as a type tag, its length and its bytes, so no two different contents
/// encode alike: `n` null, `i` integer, `r` real (IEEE bits), `t` text, `b` blob. Bytes are
/// gathered in a buffer and hashed in large blocks: verification streams millions of values.
struct ContentHasher {
    private var sha = SHA256()
    private var buffer: [UInt8] = []

    init() { buffer.reserveCapacity(1 << 10) }

    mutating func header(id: Int64, at: String, actor: String, kind: String, detail: String) {
        append("event")
        value(DatabaseValue.Storage.int64(id))
        for text in [at, actor, kind, detail] { value(DatabaseValue.Storage.string(text)) }
    }

    mutating func row<Values: Sequence<DatabaseValue>>(table: String, _ values: Values) {
        beginRow(table: table)
        for item in values { value(item.storage) }
        endRow()
    }

    mutating func beginRow(table: String) {
        buffer.append(0x1E)
        append(table)
    }

    mutating func endRow() {
        if buffer.count >= 1 << 15 { flush() }
    }

    mutating func int(_ number: Int64) { value(.int64(number)) }
    mutating func real(_ number: Double) { value(.double(number)) }
    mutating func text(_ text: String) { value(.string(text)) }
    mutating func null() { value(.null) }

    private mutating func value(_ storage: DatabaseValue.Storage) {
        switch storage {
        case .null:
            buffer.append(UInt8(ascii: "n"))
        case .int64(let number):
            buffer.append(UInt8(ascii: "i"))
            appendDecimal(number)
            buffer.append(UInt8(ascii: ";"))
        case .double(let number):
            buffer.append(UInt8(ascii: "r"))
            appendDecimal(number.bitPattern)
            buffer.append(UInt8(ascii: ";"))
        case .string(let text):
            buffer.append(UInt8(ascii: "t"))
            appendDecimal(UInt64(text.utf8.count))
            buffer.append(UInt8(ascii: ":"))
            append(text)
        case .blob(let data):
            buffer.append(UInt8(ascii: "b"))
            appendDecimal(UInt64(data.count))
            buffer.append(UInt8(ascii: ":"))
            buffer.append(contentsOf: data)
        }
    }

    private mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { buffer.append(contentsOf: $0) }
    }

    private mutating func appendDecimal(_ number: Int64) {
        if number < 0 {
            buffer.append(UInt8(ascii: "-"))
            appendDecimal(number.magnitude)
        } else {
            appendDecimal(UInt64(number))
        }
    }

    private mutating func appendDecimal(_ number: UInt64) {
        // Digits are written backwards at the end of the buffer, then reversed in place.
        let start = buffer.count
        var rest = number
        repeat {
            buffer.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        buffer[start...].reverse()
    }

    private mutating func flush() {
        sha.update(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    mutating func finalize() -> String {
        flush()
        return SHA256.hex(sha.finalize())
    }

    // MARK: Straight from SQLite (verification)

    /// The header of the event in the current row of `statement` (id, at, actor, kind, detail
    /// in columns 0–4), as `header` encodes it.
    mutating func header(columnsOf statement: SQLiteStatement) {
        append("event")
        for column in Int32(0)..<5 { self.column(statement, column) }
    }

    /// A row of `table` from columns `columns` of the current row of `statement`, as `row`
    /// encodes the same values read through GRDB — without building them first.
    mutating func row(table: String, columnsOf statement: SQLiteStatement, _ columns: Range<Int32>) {
        beginRow(table: table)
        for column in columns { self.column(statement, column) }
        endRow()
    }

    /// One column of the current row, encoded as `value` encodes its `DatabaseValue`.
    private mutating func column(_ statement: SQLiteStatement, _ index: Int32) {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_NULL:
            value(.null)
        case SQLITE_INTEGER:
            value(.int64(sqlite3_column_int64(statement, index)))
        case SQLITE_FLOAT:
            value(.double(sqlite3_column_double(statement, index)))
        case SQLITE_TEXT:
            // Text first, then its length (SQLite's documented order).
            let text = sqlite3_column_text(statement, index)
            bytes(tag: "t", text.map(UnsafeRawPointer.init), count: Int(sqlite3_column_bytes(statement, index)))
        default:
            let blob = sqlite3_column_blob(statement, index)
            bytes(tag: "b", blob, count: Int(sqlite3_column_bytes(statement, index)))
        }
    }

    private mutating func bytes(tag: Unicode.Scalar, _ start: UnsafeRawPointer?, count: Int) {
        buffer.append(UInt8(ascii: tag))
        appendDecimal(UInt64(count))
        buffer.append(UInt8(ascii: ":"))
        if let start, count > 0 { buffer.append(contentsOf: UnsafeRawBufferPointer(start: start, count: count)) }
    }

    /// The content hash as lowercase hexadecimal bytes.
    mutating func finalizeHex() -> [UInt8] {
        flush()
        return hexBytes(sha.finalize())
    }
}

/// Lowercase hexadecimal of `digest`, as bytes.
func hexBytes(_ digest: [UInt8]) -> [UInt8] {
    let digits: StaticString = "0123456789abcdef"
    var out = [UInt8]()
    out.reserveCapacity(digest.count * 2)
    digits.withUTF8Buffer { digits in
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
    }
    return out
}
