import Foundation

/// A YAML value for the trainer configs, written so that PyYAML (which TRL and Axolotl use) reads back
/// exactly the types meant.
///
/// PyYAML follows YAML 1.1, which trips configs in three known ways, all avoided here:
/// - a float needs a dot and a signed exponent: `1e-4` is read as a *string*, `1.0e-4` as a float;
/// - `yes`, `no`, `on`, `off`, `y`, `n` (any case) are booleans, so such strings are quoted;
/// - `null`, `~` and number-looking text would change type, so they are quoted too.
public indirect enum YAMLValue: Sendable, Hashable {
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([YAMLValue])
    /// Keys in the order they are written.
    case map([YAMLEntry])

    /// The document text: block style, two-space indents, ending with a newline.
    public func document(comment: [String] = []) -> String {
        var lines = comment.map { "# " + $0 }
        YAMLValue.write(self, indent: 0, into: &lines)
        return lines.joined(separator: "\n") + "\n"
    }

    private static func write(_ value: YAMLValue, indent: Int, into lines: inout [String]) {
        let pad = String(repeating: " ", count: indent)
        switch value {
        case .map(let entries):
            for entry in entries {
                switch entry.value {
                case .map(let inner) where !inner.isEmpty:
                    lines.append(pad + key(entry.key) + ":")
                    write(entry.value, indent: indent + 2, into: &lines)
                case .list(let items) where items.contains(where: \.isCollection):
                    lines.append(pad + key(entry.key) + ":")
                    write(entry.value, indent: indent + 2, into: &lines)
                default:
                    lines.append(pad + key(entry.key) + ": " + inline(entry.value))
                }
            }
        case .list(let items):
            for item in items {
                if case .map(let entries) = item, !entries.isEmpty {
                    var inner: [String] = []
                    write(item, indent: indent + 2, into: &inner)
                    // The first key goes on the dash line: "- path: x".
                    if let first = inner.first {
                        lines.append(pad + "- " + first.dropFirst(indent + 2))
                        lines.append(contentsOf: inner.dropFirst())
                    }
                } else {
                    lines.append(pad + "- " + inline(item))
                }
            }
        default:
            lines.append(pad + inline(value))
        }
    }

    private var isCollection: Bool {
        switch self {
        case .list, .map: true
        default: false
        }
    }

    /// Flow style for scalars, empty collections and lists of scalars.
    private static func inline(_ value: YAMLValue) -> String {
        switch value {
        case .bool(let flag): flag ? "true" : "false"
        case .int(let number): String(number)
        case .double(let number): float(number)
        case .string(let text): scalar(text)
        case .list(let items): "[" + items.map(inline).joined(separator: ", ") + "]"
        case .map(let entries): "{" + entries.map { key($0.key) + ": " + inline($0.value) }.joined(separator: ", ") + "}"
        }
    }

    private static func key(_ text: String) -> String { scalar(text) }

    /// A float PyYAML reads as a float: `0.05`, `2.0`, `1.0e-4`, `5.0e-6`.
    static func float(_ value: Double) -> String {
        precondition(value.isFinite, "YAML configs never hold NaN or infinity")
        if value == 0 { return "0.0" }
        let magnitude = abs(value)
        if magnitude >= 1e-3 && magnitude < 1e6 {
            let text = String(value)
            return text.contains(".") || text.contains("e") ? text : text + ".0"
        }
        var exponent = Int(log10(magnitude).rounded(.down))
        var mantissa = value / pow10(exponent)
        if abs(mantissa) < 1 {
            mantissa *= 10
            exponent -= 1
        }
        // Six significant digits are plenty for hyperparameters and keep the text short.
        mantissa = (mantissa * 100_000).rounded() / 100_000
        if abs(mantissa) >= 10 {
            mantissa /= 10
            exponent += 1
        }
        var digits = String(mantissa)
        if !digits.contains(".") { digits += ".0" }
        return digits + "e" + (exponent < 0 ? "-" : "+") + String(abs(exponent))
    }

    private static func pow10(_ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<abs(exponent) { result *= 10 }
        return exponent < 0 ? 1 / result : result
    }

    /// YAML 1.1 plain scalars that would not read back as strings.
    static let reservedWords: Set<String> = ["y", "yes", "n", "no", "true", "false", "on", "off", "null", "~"]

    /// A string scalar: plain when it is an unambiguous word or path, double-quoted otherwise.
    static func scalar(_ text: String) -> String {
        let isPlain = !text.isEmpty
            && !reservedWords.contains(text.lowercased())
            && text.unicodeScalars.first.map { ScalarClass.plainStart.contains($0) } == true
            && text.unicodeScalars.allSatisfy { ScalarClass.plainBody.contains($0) }
        if isPlain { return text }
        var out = ""
        JSONValue.quote(text, into: &out)
        return out
    }
}

/// One `key: value` of a YAML map.
public struct YAMLEntry: Sendable, Hashable {
    public var key: String
    public var value: YAMLValue

    public init(_ key: String, _ value: YAMLValue) {
        self.key = key
        self.value = value
    }
}

/// Small ASCII character classes for plain YAML scalars (no Foundation needed).
private struct ScalarClass {
    let test: @Sendable (Unicode.Scalar) -> Bool

    func contains(_ scalar: Unicode.Scalar) -> Bool { test(scalar) }

    /// A plain scalar starts with a letter or `_` (never a digit, sign, dot or YAML indicator).
    static let plainStart = ScalarClass { scalar in
        (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || scalar == "_"
    }

    /// Letters, digits and `_ . / -`: no `:`, `#`, spaces or quotes that YAML would interpret.
    static let plainBody = ScalarClass { scalar in
        (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
            || scalar == "_" || scalar == "." || scalar == "/" || scalar == "-"
    }
}
