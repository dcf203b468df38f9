import Foundation

/// Making untrusted text (prompts, model output) safe and readable on a terminal.
public enum TextLayout {
    /// The text with every character that could drive the terminal shown escaped as `\u{XX}`.
    ///
    /// Line breaks are kept (they are the text's structure) and tabs become four spaces. C0 and
    /// C1 controls, DEL, carriage returns, the Unicode line/paragraph separators and the
    /// bidirectional overrides and isolates (which can reorder what a reader sees) are escaped,
    /// so model output can never move the cursor, recolor, retitle or clear the screen.
    public static func escaped(_ text: String) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A:
                result.unicodeScalars.append(scalar)
            case 0x09:
                result += "    "
            case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069:
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// The text wrapped at word boundaries to `width` columns, every line prefixed by `indent`.
    ///
    /// Existing line breaks are kept; a word longer than a line is cut. Width is counted in
    /// characters (grapheme clusters).
    public static func wrapped(_ text: String, width: Int, indent: String = "") -> String {
        let room = max(10, width - indent.count)
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: true) {
                var word = Substring(word)
                if !line.isEmpty && line.count + 1 + word.count <= room {
                    line += " " + word
                    continue
                }
                if !line.isEmpty {
                    lines.append(line)
                    line = ""
                }
                while word.count > room {
                    lines.append(String(word.prefix(room)))
                    word = word.dropFirst(room)
                }
                line = String(word)
            }
            lines.append(line)
        }
        return lines.map { $0.isEmpty ? "" : indent + $0 }.joined(separator: "\n")
    }

    /// Hard-wrapped prose joined back into paragraphs, so it can be wrapped to another width.
    ///
    /// A line continues the previous one unless either is blank or it starts a list item
    /// (`-`, `*`, or a number and a dot).
    public static func reflowed(_ text: String) -> String {
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let startsItem = trimmed.hasPrefix("- ") || trimmed.hasPrefix("* ")
                || (trimmed.first?.isNumber == true && trimmed.drop(while: \.isNumber).hasPrefix(". "))
            if let last = lines.last, !last.isEmpty, !trimmed.isEmpty, !startsItem {
                lines[lines.count - 1] = last + " " + trimmed
            } else {
                lines.append(trimmed)
            }
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}
