/// A JSON value as read from one line of a JSONL file.
///
/// A small, strict RFC 8259 reader over bytes: the prompt files Gait imports can hold hundreds of
/// thousands of lines, and Foundation's `JSONSerialization` spends most of an import's time on them.
public enum JSONValue: Sendable, Hashable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    case array([JSONValue])
    /// Keys in file order; a repeated key is refused when reading.
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case let (.string(a), .string(b)): a == b
        case let (.number(a), .number(b)): a == b
        case let (.bool(a), .bool(b)): a == b
        case (.null, .null): true
        case let (.array(a), .array(b)): a == b
        case let (.object(a), .object(b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .string(let value): hasher.combine(value)
        case .number(let value): hasher.combine(value)
        case .bool(let value): hasher.combine(value)
        case .null: hasher.combine(0)
        case .array(let values): hasher.combine(values)
        case .object(let pairs):
            for (key, value) in pairs {
                hasher.combine(key)
                hasher.combine(value)
            }
        }
    }

    /// What kind of value this is, for messages ("a number").
    public var kindDescription: String {
        switch self {
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// Why a line is not JSON, with the 1-based column (in bytes) where reading stopped.
    public struct SyntaxError: Error, Sendable, Hashable {
        public var column: Int
        public var problem: String
    }

    /// Reads one JSON document that fills `bytes` (surrounding white space allowed).
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(SyntaxError) -> JSONValue {
        var reader = Reader(bytes: bytes, position: bytes.startIndex)
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.position == bytes.endIndex else { throw reader.fail("unexpected text after the value") }
        return value
    }

    /// Reads one JSON document that fills `bytes`.
    public static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> JSONValue { try parse(bytes[...]) }

    struct Reader {
        let bytes: ArraySlice<UInt8>
        var position: Int

        func fail(_ problem: String) -> SyntaxError {
            SyntaxError(column: position - bytes.startIndex + 1, problem: problem)
        }

        mutating func skipWhitespace() {
            while position < bytes.endIndex {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws(SyntaxError) -> JSONValue {
            guard depth < 64 else { throw fail("nested too deeply") }
            skipWhitespace()
            guard position < bytes.endIndex else { throw fail("unexpected end of line") }
            switch bytes[position] {
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw fail("unexpected character")
            }
        }

        mutating func literal(_ word: StaticString) throws(SyntaxError) {
            let count = word.utf8CodeUnitCount
            guard bytes.endIndex - position >= count else { throw fail("unexpected end of line") }
            for offset in 0..<count where bytes[position + offset] != word.utf8Start[offset] {
                throw fail("unexpected character")
            }
            position += count
        }

        mutating func number() throws(SyntaxError) -> Double {
            let start = position
            if bytes[position] == UInt8(ascii: "-") { position += 1 }
            func digits(_ reader: inout Reader) -> Int {
                let begin = reader.position
                while reader.position < reader.bytes.endIndex, (0x30...0x39).contains(reader.bytes[reader.position]) {
                    reader.position += 1
                }
                return reader.position - begin
            }
            if position < bytes.endIndex, bytes[position] == UInt8(ascii: "0") {
                position += 1  // a leading zero stands alone
            } else {
                guard digits(&self) > 0 else { throw fail("invalid number") }
            }
            if position < bytes.endIndex, bytes[position] == UInt8(ascii: ".") {
                position += 1
                guard digits(&self) > 0 else { throw fail("invalid number") }
            }
            if position < bytes.endIndex, bytes[position] | 0x20 == UInt8(ascii: "e") {
                position += 1
                if position < bytes.endIndex, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                    position += 1
                }
                guard digits(&self) > 0 else { throw fail("invalid number") }
            }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            guard let value = Double(text) else { throw fail("invalid number") }
            return value
        }

        mutating func string() throws(SyntaxError) -> String {
            position += 1  // the opening quote
            let start = position
            // Fast path: no escapes.
            while position < bytes.endIndex {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    let text = try validated(bytes[start..<position], at: start)
                    position += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { throw fail("control character in a string") }
                position += 1
            }
            var buffer = [UInt8](bytes[start..<position])
            while position < bytes.endIndex {
                let byte = bytes[position]
                switch byte {
                case UInt8(ascii: "\""):
                    position += 1
                    return try validated(buffer, at: start)
                case UInt8(ascii: "\\"):
                    position += 1
                    guard position < bytes.endIndex else { throw fail("unexpected end of line") }
                    let escape = bytes[position]
                    position += 1
                    switch escape {
                    case UInt8(ascii: "\""): buffer.append(0x22)
                    case UInt8(ascii: "\\"): buffer.append(0x5C)
                    case UInt8(ascii: "/"): buffer.append(0x2F)
                    case UInt8(ascii: "b"): buffer.append(0x08)
                    case UInt8(ascii: "f"): buffer.append(0x0C)
                    case UInt8(ascii: "n"): buffer.append(0x0A)
                    case UInt8(ascii: "r"): buffer.append(0x0D)
                    case UInt8(ascii: "t"): buffer.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if (0xD800...0xDBFF).contains(scalar) {
                            guard bytes.endIndex - position >= 6, bytes[position] == UInt8(ascii: "\\"),
                                  bytes[position + 1] == UInt8(ascii: "u") else { throw fail("unpaired surrogate") }
                            position += 2
                            let low = try hex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired surrogate") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00...0xDFFF).contains(scalar) {
                            throw fail("unpaired surrogate")
                        }
                        guard let unicode = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
                        buffer.append(contentsOf: Array(String(Character(unicode)).utf8))
                    default:
                        throw fail("invalid escape")
                    }
                default:
                    if byte < 0x20 { throw fail("control character in a string") }
                    buffer.append(byte)
                    position += 1
                }
            }
            throw fail("unterminated string")
        }

        func validated<C: Collection>(_ raw: C, at start: Int) throws(SyntaxError) -> String where C.Element == UInt8 {
            guard let text = String(validating: raw, as: UTF8.self) else {
                throw SyntaxError(column: start - bytes.startIndex + 1, problem: "invalid UTF-8 in a string")
            }
            return text
        }

        mutating func hex4() throws(SyntaxError) -> UInt32 {
            guard bytes.endIndex - position >= 4 else { throw fail("invalid \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[position]
                let digit: UInt32
                switch byte {
                case 0x30...0x39: digit = UInt32(byte - 0x30)
                case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
                case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
                default: throw fail("invalid \\u escape")
                }
                value = value << 4 | digit
                position += 1
            }
            return value
        }

        mutating func array(depth: Int) throws(SyntaxError) -> JSONValue {
            position += 1
            var values: [JSONValue] = []
            skipWhitespace()
            if position < bytes.endIndex, bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(values)
            }
            while true {
                values.append(try value(depth: depth + 1))
                skipWhitespace()
                guard position < bytes.endIndex else { throw fail("unexpected end of line") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(values) }
                throw fail("expected ',' or ']'")
            }
        }

        mutating func object(depth: Int) throws(SyntaxError) -> JSONValue {
            position += 1
            var pairs: [(String, JSONValue)] = []
            skipWhitespace()
            if position < bytes.endIndex, bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(pairs)
            }
            while true {
                skipWhitespace()
                guard position < bytes.endIndex, bytes[position] == UInt8(ascii: "\"") else {
                    throw fail("expected a key in double quotes")
                }
                let keyStart = position
                let key = try string()
                if pairs.contains(where: { $0.0 == key }) {
                    position = keyStart
                    throw fail("duplicate key '\(key)'")
                }
                skipWhitespace()
                guard position < bytes.endIndex, bytes[position] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                position += 1
                pairs.append((key, try value(depth: depth + 1)))
                skipWhitespace()
                guard position < bytes.endIndex else { throw fail("unexpected end of line") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(pairs) }
                throw fail("expected ',' or '}'")
            }
        }
    }
}
