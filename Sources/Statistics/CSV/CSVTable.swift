/// A CSV file with a header row, read by the rules of RFC 4180.
///
/// Fields are separated by commas and records by CRLF or LF; a field in double quotes may hold commas,
/// line breaks and doubled quotes (`""` for `"`). Unquoted fields are trimmed of surrounding spaces and
/// tabs; blank lines are skipped; a UTF-8 byte order mark is ignored. Every record must have as many fields
/// as the header. Each record remembers the line it starts on, so errors can name it.
public struct CSVTable: Sendable, Equatable {
    /// One record: its fields and the 1-based line it starts on (the header is line 1).
    public struct Record: Sendable, Equatable {
        /// The fields, in header order.
        public var fields: [String]
        /// The line the record starts on.
        public var line: Int
    }

    /// Where the text came from, for messages (usually the file path).
    public var source: String
    /// The column names.
    public var header: [String]
    /// The records after the header.
    public var records: [Record]

    /// Parses `text`.
    ///
    /// - Throws: ``StatisticsError/csv(source:line:message:)`` for an empty text, a duplicate or empty
    ///   column name, an unterminated quoted field, a quote inside an unquoted field, text after a closing
    ///   quote, or a record with the wrong number of fields.
    public init(parsing text: String, source: String) throws {
        self.source = source
        var parser = CSVParser(bytes: Array(text.utf8), source: source)
        guard let first = try parser.nextRecord() else {
            throw StatisticsError.csv(source: source, line: 1, message: "the file is empty; expected a header row")
        }
        header = first.fields
        var seen: Set<String> = []
        for name in header {
            if name.isEmpty {
                throw StatisticsError.csv(source: source, line: first.line,
                                          message: "the header has an empty column name")
            }
            if !seen.insert(name).inserted {
                throw StatisticsError.csv(source: source, line: first.line,
                                          message: "the header names column \"\(name)\" twice")
            }
        }
        records = []
        while let record = try parser.nextRecord() {
            guard record.fields.count == header.count else {
                throw StatisticsError.csv(
                    source: source, line: record.line,
                    message: "expected \(header.count) fields (\(header.joined(separator: ","))), found \(record.fields.count)")
            }
            records.append(record)
        }
    }

    /// The position of a required column.
    ///
    /// - Throws: ``StatisticsError/csv(source:line:message:)`` on line 1 when the header lacks it.
    public func column(_ name: String) throws -> Int {
        guard let index = header.firstIndex(of: name) else {
            throw StatisticsError.csv(
                source: source, line: 1,
                message: "missing column \"\(name)\"; the header is \(header.joined(separator: ","))")
        }
        return index
    }

    /// The position of an optional column, `nil` when absent.
    public func optionalColumn(_ name: String) -> Int? {
        header.firstIndex(of: name)
    }

    /// Runs `body`, prefixing the source to the message of a data error that names no line.
    public func attributing<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let StatisticsError.invalidData(message) {
            throw StatisticsError.invalidData("\(source): \(message)")
        }
    }

    /// The error for a bad field on a record's line.
    public func error(_ record: Record, _ message: String) -> StatisticsError {
        .csv(source: source, line: record.line, message: message)
    }

    /// A field parsed as a finite number.
    ///
    /// - Throws: ``StatisticsError/csv(source:line:message:)`` naming the column and value when it is not one.
    public func number(_ record: Record, column: Int) throws -> Double {
        let text = record.fields[column]
        guard let value = Double(text), value.isFinite else {
            throw error(record, "\(header[column]) \"\(text)\" is not a number")
        }
        return value
    }

    /// A field parsed as a whole number.
    public func integer(_ record: Record, column: Int) throws -> Int {
        let text = record.fields[column]
        guard let value = Int(text) else {
            throw error(record, "\(header[column]) \"\(text)\" is not a whole number")
        }
        return value
    }
}

/// The byte-level RFC 4180 reader behind ``CSVTable``.
private struct CSVParser {
    let bytes: [UInt8]
    let source: String
    var position = 0
    var line = 1

    init(bytes: [UInt8], source: String) {
        self.bytes = bytes
        self.source = source
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    private static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r"), space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")

    /// The next non-blank record, or `nil` at the end.
    mutating func nextRecord() throws -> CSVTable.Record? {
        while position < bytes.count {
            let start = line
            if atLineEnd() {
                consumeLineEnd()
                continue
            }
            var fields: [String] = []
            while true {
                fields.append(try field())
                if position >= bytes.count { break }
                if bytes[position] == Self.comma {
                    position += 1
                    continue
                }
                consumeLineEnd()
                break
            }
            return CSVTable.Record(fields: fields, line: start)
        }
        return nil
    }

    private func atLineEnd() -> Bool {
        bytes[position] == Self.newline
            || (bytes[position] == Self.carriageReturn
                && (position + 1 == bytes.count || bytes[position + 1] == Self.newline))
    }

    private mutating func consumeLineEnd() {
        if bytes[position] == Self.carriageReturn { position += 1 }
        if position < bytes.count, bytes[position] == Self.newline { position += 1 }
        line += 1
    }

    /// One field; leaves `position` on the comma, line end or end of input that follows it.
    private mutating func field() throws -> String {
        var start = position
        while start < bytes.count, bytes[start] == Self.space || bytes[start] == Self.tab { start += 1 }
        if start < bytes.count, bytes[start] == Self.quote {
            let opening = line
            position = start + 1
            var content: [UInt8] = []
            while true {
                guard position < bytes.count else {
                    throw StatisticsError.csv(source: source, line: opening,
                                              message: "a quoted field is not closed before the end of the file")
                }
                let byte = bytes[position]
                if byte == Self.quote {
                    if position + 1 < bytes.count, bytes[position + 1] == Self.quote {
                        content.append(Self.quote)
                        position += 2
                        continue
                    }
                    position += 1
                    break
                }
                if byte == Self.newline { line += 1 }
                content.append(byte)
                position += 1
            }
            while position < bytes.count, bytes[position] == Self.space || bytes[position] == Self.tab { position += 1 }
            if position < bytes.count, bytes[position] != Self.comma, !atLineEnd() {
                throw StatisticsError.csv(
                    source: source, line: line,
                    message: "unexpected text after the closing quote of a field (byte \(position)); double a quote inside a quoted field as \"\"")
            }
            return String(decoding: content, as: UTF8.self)
        }
        position = start
        while position < bytes.count, bytes[position] != Self.comma, !atLineEnd() {
            if bytes[position] == Self.quote {
                throw StatisticsError.csv(
                    source: source, line: line,
                    message: "a quote inside an unquoted field (byte \(position)); put the field in quotes and double the quote")
            }
            position += 1
        }
        var end = position
        while end > start, bytes[end - 1] == Self.space || bytes[end - 1] == Self.tab { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
