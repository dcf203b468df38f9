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
        try sink.write("<style>\(HTMLPage.styleText(css))</style>")
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
    ///
    /// Text without anything to change is returned as it is; otherwise unchanged runs are copied whole.
    /// Works on the UTF-8 bytes, decoding a scalar only where a byte is not ASCII: reports carry model
    /// outputs by the megabyte, and walking them scalar by scalar through `String.UnicodeScalarView`
    /// was the slowest part of writing them.
    static func neutralised(_ text: String, inAttribute: Bool) -> String {
        var text = text
        return text.withUTF8 { bytes -> String? in
            var index = 0
            var previousWasCarriageReturn = false
            var output: [UInt8] = []
            var runStart = 0
            var changed = false
            while index < bytes.count {
                let (scalar, length) = decodeScalar(bytes, at: index)
                guard needsReplacement(scalar) else {
                    previousWasCarriageReturn = false
                    index += length
                    continue
                }
                if !changed { output.reserveCapacity(bytes.count + 16) }
                changed = true
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                output.append(contentsOf: replacement(for: scalar, inAttribute: inAttribute,
                                                      afterCarriageReturn: previousWasCarriageReturn).utf8)
                previousWasCarriageReturn = scalar.value == 0x0D
                index += length
                runStart = index
            }
            guard changed else { return nil }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
            return String(decoding: output, as: UTF8.self)
        } ?? text
    }

    /// The scalar whose (valid) UTF-8 encoding starts at `index`, and its length in bytes.
    private static func decodeScalar(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (Unicode.Scalar, Int) {
        let lead = UInt32(bytes[index])
        if lead < 0x80 { return (Unicode.Scalar(UInt8(lead)), 1) }
        func continuation(_ offset: Int) -> UInt32 { UInt32(bytes[index + offset]) & 0x3F }
        let value: UInt32, length: Int
        if lead < 0xE0 {
            (value, length) = ((lead & 0x1F) << 6 | continuation(1), 2)
        } else if lead < 0xF0 {
            (value, length) = ((lead & 0x0F) << 12 | continuation(1) << 6 | continuation(2), 3)
        } else {
            (value, length) = ((lead & 0x07) << 18 | continuation(1) << 12 | continuation(2) << 6 | continuation(3), 4)
        }
        // A Swift string's UTF-8 is always valid, so the value is a scalar.
        return (Unicode.Scalar(value) ?? "\u{FFFD}", length)
    }

    /// Whether a character must be escaped or neutralised.
    private static func needsReplacement(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return value < 0x20 || value == 0x7F || value == 0x26 || value == 0x3C || value == 0x3E
                || value == 0x22 || value == 0x27
        }
        switch value {
        case 0x80...0x9F, 0xFDD0...0xFDEF, 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return value & 0xFFFE == 0xFFFE
        }
    }

    /// What replaces a character for which ``needsReplacement(_:)`` holds.
    private static func replacement(for scalar: Unicode.Scalar, inAttribute: Bool, afterCarriageReturn: Bool) -> String {
        let value = scalar.value
        switch value {
        case 0x26: return "&amp;"
        case 0x3C: return "&lt;"
        case 0x3E: return "&gt;"
        case 0x22: return "&quot;"
        case 0x27: return "&#39;"
        case 0x09: return inAttribute ? " " : "\t"
        case 0x0A: return afterCarriageReturn ? "" : (inAttribute ? " " : "\n")
        case 0x0D: return inAttribute ? " " : "\n"
        case 0x00...0x1F: return String(Unicode.Scalar(0x2400 + value) ?? "\u{FFFD}")
        case 0x7F: return "\u{2421}"
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069:
            let marker = "[U+" + String(value, radix: 16, uppercase: true) + "]"
            return inAttribute ? marker : "<span class=\"ctl\">\(marker)</span>"
        default: return "\u{FFFD}"
        }
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
