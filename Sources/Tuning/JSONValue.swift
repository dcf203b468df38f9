/// A JSON value with ordered object keys, written by one serializer.
///
/// Gait writes training rows, manifests and job files through this type rather than `JSONEncoder` so that
/// key order is fixed (every line of a JSONL file has the same keys in the same order), numbers are never
/// NaN or infinite (``number(_:)`` turns those into `null`), and the bytes are the same on every platform.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    /// A finite double; build it with ``number(_:)``.
    case double(Double)
    case string(String)
    case array([JSONValue])
    /// Keys in the order they are written.
    case object([(String, JSONValue)])

    /// A number, or `null` when it is NaN or infinite (JSON has no such numbers).
    public static func number(_ value: Double) -> JSONValue { value.isFinite ? .double(value) : .null }

    /// An optional number: `null` when absent or not finite.
    public static func number(_ value: Double?) -> JSONValue { value.map(number) ?? .null }

    /// An optional string: `null` when absent.
    public static func string(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

    /// The compact one-line encoding (for JSONL rows).
    public var compact: String {
        var out = ""
        write(to: &out, indent: nil, depth: 0)
        return out
    }

    /// The encoding indented by two spaces, ending with a newline (for documents).
    public var pretty: String {
        var out = ""
        write(to: &out, indent: "  ", depth: 0)
        return out + "\n"
    }

    private func write(to out: inout String, indent: String?, depth: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        case .double(let value): out += JSONValue.format(value)
        case .string(let value): JSONValue.quote(value, into: &out)
        case .array(let items):
            guard !items.isEmpty else { out += "[]"; return }
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += indent == nil ? ", " : "," }
                if let indent { out += "\n" + String(repeating: indent, count: depth + 1) }
                item.write(to: &out, indent: indent, depth: depth + 1)
            }
            if let indent { out += "\n" + String(repeating: indent, count: depth) }
            out += "]"
        case .object(let fields):
            guard !fields.isEmpty else { out += "{}"; return }
            out += "{"
            for (index, (key, value)) in fields.enumerated() {
                if index > 0 { out += indent == nil ? ", " : "," }
                if let indent { out += "\n" + String(repeating: indent, count: depth + 1) }
                JSONValue.quote(key, into: &out)
                out += ": "
                value.write(to: &out, indent: indent, depth: depth + 1)
            }
            if let indent { out += "\n" + String(repeating: indent, count: depth) }
            out += "}"
        }
    }

    /// Shortest round-trip form, always with a fraction or exponent so readers see a float.
    static func format(_ value: Double) -> String {
        precondition(value.isFinite, "JSONValue.double must be finite; build it with JSONValue.number")
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) + ".0" }
        return String(value)
    }

    /// A JSON string literal (RFC 8259 §7): quotes, backslashes and control characters escaped.
    static func quote(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// Values are equal when they encode to the same text.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.compact == rhs.compact }

    public func hash(into hasher: inout Hasher) { hasher.combine(compact) }
}
