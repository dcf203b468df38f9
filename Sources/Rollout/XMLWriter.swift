/// A small streaming XML 1.0 writer: every text and attribute value goes through one escaping path.
///
/// Characters XML 1.0 forbids (C0 controls other than tab, line feed and carriage return; U+FFFE and
/// U+FFFF) are removed, since no escape can represent them (XML 1.0 §2.2, production [2] Char); `&`, `<`,
/// `>` are escaped everywhere, and `"`, tab, line feed and carriage return in attribute values as character
/// references, so attribute-value normalization (§3.3.3) keeps them.
struct XMLWriter {
    private(set) var output = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    private var open: [String] = []
    private var tagIsOpen = false
    private var hasChildElements: [Bool] = []

    /// Opens an element with attributes (written in the order given).
    mutating func start(_ name: String, _ attributes: KeyValuePairs<String, String> = [:]) {
        closeStartTag()
        if !hasChildElements.isEmpty { hasChildElements[hasChildElements.count - 1] = true }
        if !output.hasSuffix("\n") { output += "\n" }
        output += indent + "<" + name
        for (key, value) in attributes { output += " \(key)=\"\(Self.escape(value, attribute: true))\"" }
        tagIsOpen = true
        open.append(name)
        hasChildElements.append(false)
    }

    /// Writes escaped text inside the current element.
    mutating func text(_ text: String) {
        guard !text.isEmpty else { return }
        closeStartTag()
        output += Self.escape(text, attribute: false)
    }

    /// Closes the current element (as `<name/>` when it is empty).
    mutating func end() {
        guard let name = open.popLast() else { preconditionFailure("end() without an open element") }
        let hadChildren = hasChildElements.popLast() ?? false
        if tagIsOpen {
            output += "/>"
            tagIsOpen = false
        } else {
            if hadChildren { output += "\n" + indent }
            output += "</\(name)>"
        }
    }

    /// An element holding only text.
    mutating func element(_ name: String, _ attributes: KeyValuePairs<String, String> = [:], text: String) {
        start(name, attributes)
        self.text(text)
        end()
    }

    /// The finished document.
    var document: String {
        precondition(open.isEmpty, "unclosed elements: \(open)")
        return output + "\n"
    }

    private var indent: String { String(repeating: "  ", count: open.count) }

    private mutating func closeStartTag() {
        if tagIsOpen {
            output += ">"
            tagIsOpen = false
        }
    }

    /// Whether XML 1.0 allows the scalar in a document.
    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD: true
        case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }

    /// The text with forbidden characters removed and markup escaped.
    static func escape(_ text: String, attribute: Bool) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars where isAllowed(scalar) {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"" where attribute: result += "&quot;"
            case "\t" where attribute: result += "&#9;"
            case "\n" where attribute: result += "&#10;"
            case "\r": result += "&#13;"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
