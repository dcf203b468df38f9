/// Writes HTML to a sink: the module's only way of producing markup.
///
/// Tag and attribute names are `StaticString`s, so data can never become markup. Every text and
/// attribute value is escaped, and characters that could deceive a reader are neutralised:
/// - C0 control characters become their visible Control Pictures (U+2400…), DEL becomes ␡;
/// - C1 controls and Unicode noncharacters become U+FFFD;
/// - bidirectional formatting characters (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C),
///   the "Trojan Source" characters of CVE-2021-42574, are shown as a visible `[U+202E]` marker
///   instead of reordering the text around them.
/// The only unescaped text is the module's own stylesheet and script, checked by
/// ``trustedStyle(_:)`` and ``trustedScript(_:)``.
final class HTMLWriter {
    private let sink: any OutputSink

    /// A writer appending to `sink`.
    init(sink: any OutputSink) {
        self.sink = sink
    }

    /// Writes the HTML5 doctype.
    func doctype() throws {
        try sink.write("<!DOCTYPE html>\n")
    }

    /// Writes an element with the given attributes; `body` writes its content.
    func element(_ tag: StaticString, _ attributes: [HTMLAttribute] = [], _ body: () throws -> Void) throws {
        try startTag(tag, attributes)
        try body()
        try sink.write("</\(tag)>")
    }

    /// Writes an element containing only `text`.
    func element(_ tag: StaticString, _ attributes: [HTMLAttribute] = [], text: String) throws {
        try startTag(tag, attributes)
        try self.text(text)
        try sink.write("</\(tag)>")
    }

    /// Writes a void element (`meta`, `br`), which has no content and no end tag.
    func void(_ tag: StaticString, _ attributes: [HTMLAttribute] = []) throws {
        try startTag(tag, attributes)
    }

    /// Writes a line break into the markup (for readability of the source only).
    func newline() throws {
        try sink.write("\n")
    }

    /// Writes escaped, neutralised text.
    func text(_ text: String) throws {
        try sink.write(Self.neutralised(text, inAttribute: false))
    }

    /// Writes the module's own stylesheet in a `style` element.
    ///
    /// - Throws: ``ReportError/unsafeConstant(name:reason:)`` when it contains `</style`.
    func trustedStyle(_ css: String, name: String) throws {
        guard !css.lowercased().contains("</style") else {
            throw ReportError.unsafeConstant(name: name, reason: "it contains </style")
        }
        try sink.write("<style>\n\(css)</style>")
    }

    /// Writes the module's own script in a `script` element.
    ///
    /// - Throws: ``ReportError/unsafeConstant(name:reason:)`` when it contains `</script` or `<!--`.
    func trustedScript(_ script: String, name: String) throws {
        let lowered = script.lowercased()
        guard !lowered.contains("</script"), !lowered.contains("<!--") else {
            throw ReportError.unsafeConstant(name: name, reason: "it contains </script or <!--")
        }
        try sink.write("<script>\(script)</script>")
    }

    /// Writes out what is buffered.
    func flush() throws {
        try sink.flush()
    }

    private func startTag(_ tag: StaticString, _ attributes: [HTMLAttribute]) throws {
        var markup = "<\(tag)"
        for attribute in attributes {
            markup += " \(attribute.name)=\"\(Self.neutralised(attribute.value, inAttribute: true))\""
        }
        markup += ">"
        try sink.write(markup)
    }

    /// The text escaped for HTML and neutralised (see the type's documentation).
    static func neutralised(_ text: String, inAttribute: Bool) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        var previousWasCarriageReturn = false
        for scalar in text.unicodeScalars {
            let value = scalar.value
            defer { previousWasCarriageReturn = value == 0x0D }
            switch value {
            case 0x26: result += "&amp;"
            case 0x3C: result += "&lt;"
            case 0x3E: result += "&gt;"
            case 0x22: result += "&quot;"
            case 0x27: result += "&#39;"
            case 0x09: result += inAttribute ? " " : "\t"
            case 0x0A:
                if !previousWasCarriageReturn { result += inAttribute ? " " : "\n" }
            case 0x0D: result += inAttribute ? " " : "\n"
            case 0x00...0x1F: result.unicodeScalars.append(Unicode.Scalar(0x2400 + value) ?? "\u{FFFD}")
            case 0x7F: result += "\u{2421}"
            case 0x80...0x9F, 0xFDD0...0xFDEF: result += "\u{FFFD}"
            case _ where value & 0xFFFE == 0xFFFE: result += "\u{FFFD}"
            case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069:
                let marker = "[U+" + String(value, radix: 16, uppercase: true) + "]"
                result += inAttribute ? marker : "<span class=\"ctl\">\(marker)</span>"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

/// One attribute of an HTML element: a literal name and a value that will be escaped.
struct HTMLAttribute {
    let name: StaticString
    let value: String

    init(_ name: StaticString, _ value: String) {
        self.name = name
        self.value = value
    }
}
