/// Text made safe for XML 1.0: every character the `Char` production forbids becomes U+FFFD.
///
/// XML 1.0 (Fifth Edition) §2.2 allows `#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
/// [#x10000-#x10FFFF]`; no escape makes the others legal, so a rater's stray control character would
/// otherwise make the whole report unreadable. Markup characters are escaped by libxml2's writer.
func xmlSafe(_ text: String) -> String {
    // Plain ASCII text (the bulk of model outputs) is checked byte by byte; anything else scalar by scalar.
    if text.utf8.allSatisfy({ ($0 >= 0x20 && $0 < 0x80) || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) { return text }
    guard text.unicodeScalars.contains(where: { !isXMLChar($0) }) else { return text }
    var result = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
        result.append(isXMLChar(scalar) ? scalar : "\u{FFFD}")
    }
    return String(result)
}

/// Whether XML 1.0 allows the character at all.
func isXMLChar(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
    default: false
    }
}

/// Text made into a non-empty `xs:token`-safe name: whitespace runs become one space, and an empty
/// result becomes `fallback`.
func tokenText(_ text: String, fallback: String) -> String {
    let words = xmlSafe(text).split(whereSeparator: { $0.isWhitespace })
    return words.isEmpty ? fallback : words.joined(separator: " ")
}
