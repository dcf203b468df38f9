/// Turns token bytes into text as they arrive, holding back a multi-byte UTF-8 character split across tokens
/// until it is complete. Invalid bytes become U+FFFD.
public struct TextStream: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// Adds bytes and returns the text that is now complete (possibly empty).
    public mutating func append(_ bytes: [UInt8]) -> String {
        pending.append(contentsOf: bytes)
        let cut = completePrefixLength(pending)
        guard cut > 0 else { return "" }
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Returns whatever is left, repairing an incomplete character with U+FFFD.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// The length of the longest prefix that does not end inside an incomplete (but so far valid) character.
    private func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let count = bytes.count
        var i = count - 1
        var continuation = 0
        while i >= 0 && i >= count - 4 {
            let byte = bytes[i]
            if byte & 0xC0 == 0x80 {
                continuation += 1
                i -= 1
                continue
            }
            let needed: Int
            if byte & 0x80 == 0 { needed = 0 } else if byte & 0xE0 == 0xC0 { needed = 1 }
            else if byte & 0xF0 == 0xE0 { needed = 2 } else if byte & 0xF8 == 0xF0 { needed = 3 } else { needed = 0 }
            return continuation < needed ? i : count
        }
        return count
    }
}
